/**
 * The admin center's security policies page (over admin/sessions.ts and admin/organization.ts, the
 * use-cases the API calls):
 *   GET  /admin/security                    session lengths and the two-step verification policy
 *   POST /admin/security/sessions           max hours without "Stay signed in", days with it ('' = the deployment's)
 *   POST /admin/security/two-step           who (off, everyone, some groups), primary method, trusted-device days
 * A value out of bounds re-renders the page with the reason (400).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { form, text } from '../../http/input.js';
import { guard } from '../../http/guard.js';
import { badRequest } from '../../lib/errors.js';
import { FACTORS } from '../../factors/registry.js';
import type { AdminUseCases } from '../api/routes.js';
import { twoStepInput } from '../organization.js';
import type { Admin, AdminPages } from './page.js';

const REFUSALS = ['out_of_bounds', 'invalid_input'];
/** The methods a policy can make people use (enrolable, high assurance). */
const METHODS = Object.entries(FACTORS)
  .filter(([, f]) => f.enrollable && f.assurance === 'high')
  .map(([kind]) => kind);
/** Repeated checkboxes: one value (text) or several (an array of text). */
const names = z
  .unknown()
  .optional()
  .transform((v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string'));

const sessionsForm = guard({ body: form({ max_session_hours: text, remember_days: text }) });
const twoStepForm = guard({ body: form({ required: text, group_names: names, primary_method: text, trusted_device_days: text }) });

/** '' is "the deployment's" (null); otherwise a whole number, or a 400 the page explains. */
function count(value: string, field: string) {
  const v = value.trim();
  if (!v) return null;
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1) throw badRequest('invalid_input', `${field} is a whole number`);
  return Number(v);
}

export function securityPages(router: Router, d: { pages: AdminPages; useCases: AdminUseCases }) {
  const { enter, enterPost, page, back, notice } = d.pages;
  const u = d.useCases;

  const render = async (ctx: Context, a: Admin, extra: Record<string, unknown> = {}, status = 200) =>
    page(
      ctx,
      a,
      'security',
      {
        sessions: await u.sessions.get(a.org.id),
        twoStep: await u.organization.twoStep(a.org.id),
        groups: (await u.groups.list(a.org.id, { limit: 200 })).items,
        methods: METHODS,
        notice: notice(ctx),
        ...extra,
      },
      status,
    );

  router.get('/security', async (ctx) => {
    const a = await enter(ctx);
    if (a) await render(ctx, a);
  });

  router.post('/security/sessions', sessionsForm, async (ctx) => {
    const a = await enterPost(ctx);
    const b = sessionsForm.input(ctx).body;
    const ok = await d.pages.attempt(
      ctx,
      REFUSALS,
      'admin.security_error_',
      () =>
        u.sessions.set(ctx, a.org.id, {
          max_session_hours: count(b.max_session_hours, 'max_session_hours'),
          remember_days: count(b.remember_days, 'remember_days'),
        }),
      (sessionsError, status) => render(ctx, a, { sessionsError, sessionsValue: b }, status),
    );
    if (ok) back(ctx, a, '/security', 'sessions');
  });

  router.post('/security/two-step', twoStepForm, async (ctx) => {
    const a = await enterPost(ctx);
    const b = twoStepForm.input(ctx).body;
    const ok = await d.pages.attempt(
      ctx,
      REFUSALS,
      'admin.security_error_',
      async () => {
        const input = twoStepInput.safeParse({
          required: b.required,
          group_names: b.required === 'groups' ? b.group_names : [],
          primary_method: b.primary_method,
          trusted_device_days: /^\d{1,3}$/.test(b.trusted_device_days.trim()) ? Number(b.trusted_device_days.trim()) : -1,
        });
        if (!input.success || (input.data.required === 'groups' && !input.data.group_names.length))
          throw badRequest('invalid_input', 'the two-step policy is not valid');
        await u.organization.setTwoStep(ctx, a.org.id, input.data);
      },
      (twoStepError, status) => render(ctx, a, { twoStepError }, status),
    );
    if (ok) back(ctx, a, '/security', 'two_step');
  });
}
