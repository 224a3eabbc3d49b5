/**
 * Company sign-in settings for an organization's administrators: verified domains (claimed with a
 * DNS TXT record, then verified by a DNS lookup), company IdP connections (listed, enabled,
 * disabled), and SSO only (switched on only after a successful test sign-in through an enabled
 * connection: the rule that keeps a company from locking itself out), with a test sign-in link per
 * connection and break-glass administrators (who keep password + second factor under SSO only).
 * A connection, domain or person of another organization is not found (404). Every change is an
 * audit event with before and after.
 * Connections are created, replaced and removed here too (the admin API), through the same entry
 * schema and save path as the CLI and the bootstrap file (admin/connections.ts); a secret is never
 * answered or audited. Nothing here lets SSO only lock the company out:
 * - while SSO only is on (or pending), a connection can be removed only when another enabled
 *   connection with a successful test sign-in remains (else 409 `connection_in_use`); while it is
 *   on, the same holds for switching a connection off;
 * - while SSO only is on (or pending), the last verified domain cannot be removed (409 `domain_in_use`):
 *   it is what sends members to the company sign-in. An unverified claim can always be removed.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../audit/index.js';
import type { OrgStore } from '../orgs/store.js';
import type { Domains } from '../orgs/domains.js';
import { setSsoOnly } from '../orgs/sso-only.js';
import { AppError, badRequest, forbidden, notFound } from '../lib/errors.js';
import { connectionEntrySchema } from '../connectors/admin.js';
import type { Actor } from './actor.js';

export const domainInput = z.strictObject({ domain: z.string().min(1).max(253) });
export const ssoOnlyInput = z.strictObject({ on: z.boolean() });
export const domainView = z.object({
  domain: z.string(),
  verified: z.boolean(),
  record: z.object({ name: z.string(), value: z.string() }),
  verified_at: z.string().nullable(),
  verified_by: z.string().nullable(),
});
export const connectionView = z.object({ id: z.string(), name: z.string(), kind: z.string(), enabled: z.boolean(), tested: z.boolean() });
/** A connection as the admin API takes it: the entry of the CLI's --file (metadata inline or by URL, never a server file). */
export const connectionInput = connectionEntrySchema;
export const connectionSaved = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  enabled: z.boolean(),
  tested: z.boolean(),
  outcome: z.enum(['created', 'changed', 'unchanged']),
  metadata_error: z.string().nullable(),
});
export const breakGlassInput = z.strictObject({ on: z.boolean() });
export const breakGlassView = z.object({ id: z.string(), email: z.string(), name: z.string().nullable(), break_glass: z.boolean() });

interface ConnectionRow {
  id: string;
  org_id: string | null;
  name: string;
  kind: string;
  enabled: boolean;
  tested_at?: Date | null;
}

export interface CompanyDeps {
  orgs: OrgStore;
  domains: Domains;
  connections: {
    list(orgId: string): Promise<ConnectionRow[]>;
    find(id: string): Promise<ConnectionRow | undefined>;
    setEnabled(id: string, enabled: boolean): Promise<void>;
    remove(id: string): Promise<void>;
    /** Validates and saves one entry (the CLI's and bootstrap file's form), audited as `admin.connection_saved`. */
    /** `createOnly`: a connection of this id existing (or saved at the same moment) is a 409, never replaced. */
    save(
      ctx: Context | undefined,
      orgId: string,
      raw: unknown,
      createOnly?: boolean,
    ): Promise<{ id: string; outcome: string; metadataError?: string }>;
  };
  /** A single-use test sign-in link (one hour) through an enabled connection. */
  issueTestLink: (connectionId: string) => Promise<string>;
  /** The organization's administrators, with their break-glass flag. */
  administrators: (orgId: string) => Promise<Array<{ id: string; email: string; name: string | null; break_glass: boolean }>>;
  audit: Audit;
}

export function createAdminCompany(d: CompanyDeps) {
  const record = (ctx: Context | undefined, orgId: string, type: string, data: Record<string, unknown>) =>
    d.audit.record(ctx, { type, outcome: 'success', orgId, data: { orgId, ...data } });
  const domainOf = async (orgId: string, name: string) => {
    const domain = d.domains.parse(name);
    const found = (await d.domains.list(orgId)).find((x) => x.domain === domain);
    if (!found) throw notFound('not_found', 'no such domain in this organization');
    return found;
  };
  const view = (x: Awaited<ReturnType<Domains['list']>>[number]) => ({
    domain: x.domain,
    verified: !!x.verified_at,
    record: d.domains.instructions(x),
    verified_at: x.verified_at ? x.verified_at.toISOString() : null,
    verified_by: x.verified_by,
  });
  const recordVerify = (ctx: Context | undefined, orgId: string, domain: string, outcome: string, by: 'dns' | 'operator') =>
    outcome === 'verified' || outcome === 'already_verified'
      ? record(ctx, orgId, 'admin.domain_verified', { target: domain, domain, by, outcome, after: { verified: true } })
      : record(ctx, orgId, 'admin.domain_verify_failed', { target: domain, domain, by, outcome });
  const connectionOf = async (orgId: string, id: string) => {
    const c = id.length <= 100 ? await d.connections.find(id) : undefined;
    if (!c || c.org_id !== orgId) throw notFound('not_found', 'no such connection in this organization');
    return c;
  };
  const connectionView = (c: ConnectionRow) => ({ id: c.id, name: c.name, kind: c.kind, enabled: c.enabled, tested: !!c.tested_at });

  const inUse = (code: string, message: string) => new AppError(code, 409, message);
  async function saveConnection(ctx: Context | undefined, orgId: string, raw: Record<string, unknown>, createOnly = false) {
    if ('metadata_file' in raw) throw badRequest('bad_connection', 'body: metadata_file: give the metadata inline or metadata_url');
    const saved = await d.connections.save(ctx, orgId, raw, createOnly);
    const c = await connectionOf(orgId, saved.id);
    return { ...connectionView(c), outcome: saved.outcome, metadata_error: saved.metadataError ?? null };
  }

  return {
    domains: async (orgId: string) => ({ items: (await d.domains.list(orgId)).map(view) }),
    async claimDomain(ctx: Context | undefined, orgId: string, input: z.output<typeof domainInput>) {
      const { claim } = await d.domains.claim(orgId, input.domain);
      await record(ctx, orgId, 'admin.domain_claimed', { target: claim.domain, after: { verified: false } });
      return view(claim);
    },
    async verifyDomain(ctx: Context | undefined, orgId: string, name: string) {
      const before = await domainOf(orgId, name);
      const outcome = await d.domains.verifyByDns(orgId, before.domain);
      await recordVerify(ctx, orgId, before.domain, outcome, 'dns');
      return { ...view(await domainOf(orgId, name)), outcome };
    },
    async removeDomain(ctx: Context | undefined, orgId: string, name: string) {
      const found = await domainOf(orgId, name);
      // Under SSO only, the last verified domain stays: 409 from the store (orgs/lockout-store.ts).
      await d.orgs.removeDomain(orgId, found.domain);
      await record(ctx, orgId, 'admin.domain_removed', { target: found.domain, before: { verified: !!found.verified_at } });
    },
    /** An operator vouches for a domain without DNS (claimed and verified at once). */
    async vouchDomain(ctx: Context | undefined, actor: Actor, orgId: string, name: string) {
      if (!actor.operator) throw forbidden('operator_only', 'only an operator can verify a domain without DNS');
      const domain = d.domains.parse(name);
      const outcome = await d.domains.verifyByOperator(orgId, domain);
      await recordVerify(ctx, orgId, domain, outcome, 'operator');
      return { domain, outcome };
    },

    /** The organization of a connection (the CLI names connections by id alone). */
    async orgOfConnection(id: string) {
      const c = id.length <= 100 ? await d.connections.find(id) : undefined;
      if (!c?.org_id) throw notFound('no_connection', `no connection ${id}`);
      return c.org_id;
    },
    connections: async (orgId: string) => ({ items: (await d.connections.list(orgId)).map(connectionView) }),
    async setConnectionEnabled(ctx: Context | undefined, orgId: string, id: string, enabled: boolean) {
      const c = await connectionOf(orgId, id);
      // While SSO only is on, the last tested, enabled connection stays on: 409 from the store (orgs/lockout-store.ts).
      await d.connections.setEnabled(c.id, enabled);
      await record(ctx, orgId, enabled ? 'admin.connection_enabled' : 'admin.connection_disabled', {
        target: c.id,
        before: { enabled: c.enabled },
        after: { enabled },
      });
      return connectionView({ ...c, enabled });
    },

    async createConnection(ctx: Context | undefined, orgId: string, raw: Record<string, unknown>) {
      const id = typeof raw.id === 'string' && raw.id.length <= 100 ? raw.id : undefined;
      if (id && (await d.connections.find(id))) throw inUse('connection_exists', `a connection ${id} exists already (PUT replaces one)`);
      return saveConnection(ctx, orgId, raw, true);
    },
    async replaceConnection(ctx: Context | undefined, orgId: string, id: string, raw: Record<string, unknown>) {
      const c = await connectionOf(orgId, id);
      if (raw.id !== undefined && raw.id !== c.id) throw badRequest('bad_connection', 'body: id: must be the id of the path');
      return saveConnection(ctx, orgId, { ...raw, id: c.id });
    },
    async removeConnection(ctx: Context | undefined, orgId: string, id: string) {
      const c = await connectionOf(orgId, id);
      // Under SSO only, another tested, enabled connection must remain: 409 from the store (orgs/lockout-store.ts).
      await d.connections.remove(c.id);
      await record(ctx, orgId, 'admin.connection_removed', { target: c.id, before: { kind: c.kind, name: c.name, enabled: c.enabled } });
    },

    /** The link is for the administrator to open; it is not stored (only its hash). */
    async testLink(ctx: Context | undefined, orgId: string, id: string) {
      const c = await connectionOf(orgId, id);
      const url = await d.issueTestLink(c.id);
      await record(ctx, orgId, 'admin.connection_test_link', { target: c.id });
      return { url, expires_in: 3600 };
    },

    breakGlass: async (orgId: string) => ({ items: await d.administrators(orgId) }),
    async setBreakGlass(ctx: Context | undefined, orgId: string, userId: string, input: z.output<typeof breakGlassInput>) {
      const admins = await d.administrators(orgId);
      const found = userId.length <= 100 ? admins.find((a) => a.id === userId) : undefined;
      if (!found) throw notFound('not_found', 'no such administrator in this organization');
      if (found.break_glass !== input.on) {
        await d.orgs.setBreakGlass(orgId, found.id, input.on);
        await record(ctx, orgId, 'admin.break_glass_set', {
          target: found.id,
          before: { break_glass: found.break_glass },
          after: { break_glass: input.on },
        });
      }
      return { ...found, break_glass: input.on };
    },

    async ssoOnly(orgId: string) {
      const org = await d.orgs.findById(orgId);
      return { mode: org?.sso_only ?? 'off' };
    },
    async setSsoOnly(ctx: Context | undefined, orgId: string, input: z.output<typeof ssoOnlyInput>) {
      const before = await this.ssoOnly(orgId);
      const mode = await setSsoOnly({ store: d.orgs }, orgId, input.on);
      await record(ctx, orgId, 'admin.sso_only', { before, after: { mode } });
      return { mode };
    },
  };
}

export type AdminCompany = ReturnType<typeof createAdminCompany>;
