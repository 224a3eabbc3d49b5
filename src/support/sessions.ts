/**
 * Ad hoc support, the technician's side. Rules:
 * - only a member with the `support` role starts a session, for their organization; the customer
 *   gets a mail with the link to the temporary support app, the technician sees the security code
 *   once (it is stored hashed) and reads it out;
 * - caps: one open session per technician, and the organization's limit (5 unless it set its own);
 *   a refusal names the limit and the sessions that hold it;
 * - the technician ends their own sessions; an organization's administrators see and end all of
 *   its sessions; ending revokes the app's credential at once (every call of the app is checked);
 * - every step is an audit event; the session password is stored as an argon2id hash only.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { User } from '../accounts/store.js';
import type { PasswordHasher } from '../accounts/passwords.js';
import type { Audit } from '../audit/index.js';
import type { Config } from '../config/schema.js';
import type { Mailer } from '../notify/mailer.js';
import { buildEmail } from '../notify/emails.js';
import { pickLanguage } from '../http/i18n.js';
import { AppError, forbidden, notFound } from '../lib/errors.js';
import { formatSecurityCode, hashSecurityCode, newSecurityCode } from './protocol.js';
import type { CapHolder, OpenSession, SupportStore } from './store.js';

/** The time support sessions are measured by; tests move it forward (offsetMs) to see sessions end. */
export interface SupportClock {
  offsetMs: number;
  now(): Date;
}

export const systemClock = (): SupportClock => ({
  offsetMs: 0,
  now() {
    return new Date(Date.now() + this.offsetMs);
  },
});

export interface SupportDeps {
  store: SupportStore;
  hasher: PasswordHasher;
  mailer: Mailer;
  audit: Audit;
  issuer: string;
  config: Config['support'];
  clock: SupportClock;
}

export interface Role {
  id: string;
  name: string;
  role: 'member' | 'admin' | 'support';
}

function capMessage(ctx: Context, cap: 'technician' | 'organization', limit: number, holders: CapHolder[]) {
  const t = ctx.state.t;
  const sessions = holders.map((h) => `${h.customer_email} (${h.technician_email})`).join(', ');
  return t(cap === 'technician' ? 'support.cap_technician' : 'support.cap_organization', {
    limit,
    sessions,
    interpolation: { escapeValue: false },
  });
}

export function createSupportSessions(d: SupportDeps) {
  const roles = (userId: string) => d.store.supportRoles(userId) as Promise<Role[]>;

  async function mayOversee(user: User, orgId: string) {
    return (await roles(user.id)).some((r) => r.id === orgId && r.role === 'admin');
  }

  return {
    roles,

    async start(ctx: Context, technician: User, input: { orgId: string; customerEmail: string; password: string }) {
      const org = (await roles(technician.id)).find((r) => r.id === input.orgId && r.role === 'support');
      if (!org) throw forbidden('support_role_required', 'only a support technician of this organization can start ad hoc support');
      const code = newSecurityCode();
      const now = d.clock.now();
      const id = randomUUID();
      const result = await d.store.createUnderCaps(
        {
          id,
          org_id: org.id,
          technician_id: technician.id,
          customer_email: input.customerEmail,
          password_hash: await d.hasher.hash(input.password),
          code_hash: hashSecurityCode(code),
          status: 'pending',
          created_at: now,
          code_expires_at: new Date(now.getTime() + d.config.codeMinutes * 60_000),
        },
        d.config.orgLimit,
      );
      if (!result.created) {
        await d.audit.record(ctx, {
          type: 'support.session_refused',
          outcome: 'failure',
          userId: technician.id,
          data: { orgId: org.id, cap: result.cap, limit: result.limit, holders: result.holders.map((h) => h.id) },
        });
        throw new AppError('support_limit_reached', 409, capMessage(ctx, result.cap, result.limit, result.holders), true, {
          cap: result.cap,
          limit: result.limit,
          sessions: result.holders.map((h) => ({ id: h.id, customer: h.customer_email, technician: h.technician_email })),
        });
      }
      const lang = pickLanguage([ctx.state.lang as string | undefined]) ?? 'en';
      await d.mailer.send(
        buildEmail('support_invite', lang, input.customerEmail, {
          link: d.config.downloadUrl ?? new URL('/support/download', d.issuer).href,
          org: org.name,
          tech: technician.name ?? technician.email,
          hours: d.config.sessionHours,
          minutes: d.config.codeMinutes,
        }),
      );
      await d.audit.record(ctx, {
        type: 'support.session_created',
        outcome: 'success',
        userId: technician.id,
        data: { sessionId: id, orgId: org.id, customer: input.customerEmail },
      });
      return { id, code: formatSecurityCode(code), codeExpiresAt: new Date(now.getTime() + d.config.codeMinutes * 60_000) };
    },

    /** The open sessions a person may see: their own, and every one of the organizations they administer. */
    async visible(user: User): Promise<Array<OpenSession & { orgId: string; mayEnd: true }>> {
      const now = d.clock.now();
      const out = new Map<string, OpenSession & { orgId: string; mayEnd: true }>();
      for (const r of await roles(user.id)) {
        const rows = r.role === 'admin' ? await d.store.openOfOrg(r.id, now) : [];
        for (const s of rows) out.set(s.id, { ...s, orgId: r.id, mayEnd: true });
      }
      for (const s of await d.store.openOfTechnician(user.id, now)) if (!out.has(s.id)) out.set(s.id, { ...s, orgId: '', mayEnd: true });
      return [...out.values()].sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
    },

    async end(ctx: Context, actor: User, sessionId: string) {
      const session = await d.store.byId(sessionId);
      const allowed = session && (session.technician_id === actor.id || (await mayOversee(actor, session.org_id)));
      if (!session || !allowed) throw notFound('unknown_session', 'no such support session');
      const ended = await d.store.end(session.id, d.clock.now(), actor.id);
      if (ended)
        await d.audit.record(ctx, {
          type: 'support.session_ended',
          outcome: 'success',
          userId: actor.id,
          data: { sessionId: session.id, orgId: session.org_id, by: session.technician_id === actor.id ? 'technician' : 'administrator' },
        });
      return ended;
    },
  };
}

export type SupportSessions = ReturnType<typeof createSupportSessions>;
