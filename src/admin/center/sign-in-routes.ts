/**
 * The admin center's sign-in & SSO page (over admin/company.ts, the use-cases the API calls):
 *   GET  /admin/sign-in                              domains (DNS record, verified or not), connections, SSO only, break-glass
 *   POST /admin/sign-in/domains                      claim a domain; …/domains/:domain/verify looks the TXT record up now
 *   POST /admin/sign-in/connections/:id/enable | disable | test-link (the link is shown on this answer only)
 *   POST /admin/sign-in/sso-only                     on (refused until a test sign-in succeeded) or off
 *   POST /admin/sign-in/break-glass/:userId          name an administrator break-glass, or stop
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { form, text } from '../../http/input.js';
import { guard } from '../../http/guard.js';
import { pathParams, segment } from '../../http/route-fields.js';
import { z } from 'zod';
import type { AdminUseCases } from '../api/routes.js';
import type { Admin, AdminPages } from './page.js';

const REFUSALS = ['invalid_domain', 'sso_only_untested', 'connection_disabled', 'connection_in_use', 'not_found'];
const domainForm = guard({ body: form({ domain: text }) });
/** on | off (anything else reads as off). */
const switchForm = guard({ body: form({ on: text }) });
const domainPath = guard({ params: z.object({ domain: segment(253) }) });
const connectionPath = guard({ params: pathParams('id') });
const breakGlassForm = guard({ params: pathParams('userId'), body: form({ on: text }) });

export function signInPages(router: Router, d: { pages: AdminPages; useCases: AdminUseCases }) {
  const { enter, enterPost, page, back, notice } = d.pages;
  const company = d.useCases.company;

  const render = async (ctx: Context, a: Admin, extra: Record<string, unknown> = {}, status = 200) =>
    page(
      ctx,
      a,
      'sign-in',
      {
        domains: (await company.domains(a.org.id)).items,
        connections: (await company.connections(a.org.id)).items,
        ssoOnly: (await company.ssoOnly(a.org.id)).mode,
        admins: (await company.breakGlass(a.org.id)).items,
        notice: notice(ctx),
        ...extra,
      },
      status,
    );
  const attempt = (ctx: Context, a: Admin, change: () => Promise<unknown>, extra: Record<string, unknown> = {}) =>
    d.pages.attempt(ctx, REFUSALS, 'admin.signin_error_', change, (error, status) => render(ctx, a, { error, ...extra }, status));

  router.get('/sign-in', async (ctx) => {
    const a = await enter(ctx);
    if (a) await render(ctx, a);
  });

  router.post('/sign-in/domains', domainForm, async (ctx) => {
    const a = await enterPost(ctx);
    const { domain } = domainForm.input(ctx).body;
    const claim = () => company.claimDomain(ctx, a.org.id, { domain: domain.trim().slice(0, 253) });
    if (await attempt(ctx, a, claim, { domainValue: domain })) back(ctx, a, '/sign-in', 'domain_claimed');
  });

  router.post('/sign-in/domains/:domain/verify', domainPath, async (ctx) => {
    const a = await enterPost(ctx);
    const { domain } = domainPath.input(ctx).params;
    let outcome = '';
    const verify = async () => {
      outcome = (await company.verifyDomain(ctx, a.org.id, domain)).outcome;
    };
    if (await attempt(ctx, a, verify)) await render(ctx, a, { verified: { domain, outcome } });
  });

  for (const verb of ['enable', 'disable'] as const)
    router.post(`/sign-in/connections/:id/${verb}`, connectionPath, async (ctx) => {
      const a = await enterPost(ctx);
      const { id } = connectionPath.input(ctx).params;
      const change = () => company.setConnectionEnabled(ctx, a.org.id, id, verb === 'enable');
      if (await attempt(ctx, a, change)) back(ctx, a, '/sign-in', `connection_${verb}d`);
    });

  router.post('/sign-in/connections/:id/test-link', connectionPath, async (ctx) => {
    const a = await enterPost(ctx);
    const { id } = connectionPath.input(ctx).params;
    let link = { url: '', expires_in: 0 };
    const issue = async () => {
      link = await company.testLink(ctx, a.org.id, id);
    };
    if (await attempt(ctx, a, issue)) await render(ctx, a, { testLink: { connection: id, ...link } });
  });

  router.post('/sign-in/sso-only', switchForm, async (ctx) => {
    const a = await enterPost(ctx);
    const { on } = switchForm.input(ctx).body;
    const change = () => company.setSsoOnly(ctx, a.org.id, { on: on === 'on' });
    if (await attempt(ctx, a, change)) back(ctx, a, '/sign-in', on === 'on' ? 'sso_only_on' : 'sso_only_off');
  });

  router.post('/sign-in/break-glass/:userId', breakGlassForm, async (ctx) => {
    const a = await enterPost(ctx);
    const { body, params } = breakGlassForm.input(ctx);
    const on = body.on;
    const change = () => company.setBreakGlass(ctx, a.org.id, params.userId, { on: on === 'on' });
    if (await attempt(ctx, a, change)) back(ctx, a, '/sign-in', on === 'on' ? 'break_glass_on' : 'break_glass_off');
  });
}
