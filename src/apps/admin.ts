/**
 * Administering apps (CLI, admin API, admin center and bootstrap call these). Rules:
 * - an operator sees and changes every app: its launcher fields (names, icon, launch and trial
 *   URLs) and who may use it (everyone, or organizations and groups);
 * - an organization's administrator sees the apps for everyone and those whose access lists their
 *   organization (itself or one of its groups), and of their access lists only their organization's
 *   entries; any other app is not found (404). They change nothing but their own organization's
 *   entries, on apps that already list their organization: other organizations' entries are kept,
 *   and they can neither open an app to everyone nor touch its launcher fields (403);
 * - an app restricted to nobody (every entry removed) stays restricted: it fails closed;
 * - every change is an audit event with the actor, the app and before/after.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../audit/index.js';
import { badRequest, forbidden, notFound } from '../lib/errors.js';
import { appName, langTag, launcherUrl, parseGroupEntry } from './fields.js';
import { checkIcon } from './icons.js';
import type { AccessEntry, AppPatch, AppRow, AppStore } from './store.js';

export interface AppActor {
  who: string;
  orgId?: string;
  operator: boolean;
}

const entries = z.array(z.string().min(1).max(170)).max(1000).default([]);
export const appAccessInput = z.strictObject({ everyone: z.boolean().default(false), organizations: entries, groups: entries });
export const appUpdateInput = z.strictObject({
  name: appName.nullable().optional(),
  names: z.record(langTag, appName).optional(),
  icon_url: launcherUrl.nullable().optional(),
  launch_url: launcherUrl.nullable().optional(),
  target_link_uri: launcherUrl.nullable().optional(),
  trial_url: launcherUrl.nullable().optional(),
});

export const appView = z.object({
  id: z.string(),
  kind: z.enum(['oidc', 'saml']),
  ref: z.string(),
  name: z.string(),
  names: z.record(z.string(), z.string()),
  icon_url: z.string().nullable(),
  uploaded_icon: z.boolean(),
  launch_url: z.string().nullable(),
  idp_initiated: z.boolean(),
  target_link_uri: z.string().nullable(),
  trial_url: z.string().nullable(),
  access: z.object({ organizations: z.array(z.string()), groups: z.array(z.string()) }).nullable(),
});
export type AppView = z.infer<typeof appView>;

function viewOf(row: AppRow, access: AccessEntry, onlyOrg?: string): AppView {
  const orgs = access.orgs.filter((o) => !onlyOrg || o.id === onlyOrg);
  const groups = access.groups.filter((g) => !onlyOrg || g.org_id === onlyOrg);
  return {
    id: row.id,
    kind: row.kind,
    ref: row.ref,
    name: row.name ?? row.reg_name,
    names: row.names ?? {},
    icon_url: row.logo_url,
    uploaded_icon: Boolean(row.icon_etag),
    launch_url: row.launch_url,
    idp_initiated: row.idp_initiated,
    target_link_uri: row.target_link_uri,
    trial_url: row.trial_url,
    access: row.restricted ? { organizations: orgs.map((o) => o.slug), groups: groups.map((g) => `${g.org_slug}/${g.name}`) } : null,
  };
}

export function createAppAdmin(d: { store: AppStore; audit: Audit }) {
  const scope = (actor: AppActor) => (actor.operator ? undefined : actor.orgId);

  async function load(actor: AppActor, id: string) {
    const row = id.length <= 300 ? await d.store.find(id, scope(actor)) : undefined;
    if (!row) throw notFound('not_found', 'no such app');
    const access = (await d.store.access([row.id])).get(row.id)!;
    return { row, access };
  }

  const record = (ctx: Context | undefined, actor: AppActor, type: string, row: AppRow, data: Record<string, unknown>) =>
    d.audit.record(ctx, {
      type,
      outcome: 'success',
      clientId: row.ref,
      orgId: actor.orgId ?? null,
      actor: actor.who,
      data: { target: row.id, ...(actor.who === 'cli' ? { via: 'cli' } : {}), ...data },
    });

  /** Organizations by slug and groups by entry; an unknown one is a 400 naming it. */
  async function resolve(organizations: string[], groups: string[], onlyOrg?: string) {
    const parsed = groups.map(parseGroupEntry);
    const slugs = [...new Set([...organizations, ...parsed.flatMap((g) => (g.org ? [g.org] : []))])];
    const orgs = await d.store.orgsBySlug(slugs);
    const bySlug = new Map(orgs.map((o) => [o.slug, o.id]));
    for (const slug of slugs) {
      const orgId = bySlug.get(slug);
      if (!orgId || (onlyOrg && orgId !== onlyOrg))
        throw badRequest('unknown_organization', onlyOrg ? `only your own organization can be named (${slug})` : `no organization ${slug}`);
    }
    const listed = organizations.map((s) => bySlug.get(s)!);
    const scopeOrgs = onlyOrg ? [onlyOrg] : listed.length ? listed : undefined;
    const found = await d.store.groupsNamed([...new Set(parsed.map((g) => g.name))], onlyOrg ? [onlyOrg, ...listed] : undefined);
    const groupIds: string[] = [];
    for (const [i, g] of parsed.entries()) {
      const inOrgs = g.org ? [bySlug.get(g.org)!] : scopeOrgs;
      const matches = found.filter((f) => f.name === g.name && (!inOrgs || inOrgs.includes(f.org_id)));
      if (!matches.length) throw badRequest('unknown_group', `no group ${groups[i]}`);
      groupIds.push(...matches.map((m) => m.id));
    }
    return { orgIds: listed, groupIds };
  }

  async function get(actor: AppActor, id: string): Promise<AppView> {
    const { row, access } = await load(actor, id);
    return viewOf(row, access, scope(actor));
  }

  return {
    resolve,

    async list(actor: AppActor): Promise<AppView[]> {
      const rows = await d.store.list(scope(actor));
      const access = await d.store.access(rows.map((r) => r.id));
      return rows.map((r) => viewOf(r, access.get(r.id)!, scope(actor)));
    },

    get,

    /** The app of a client id or an SP id (the CLI accepts either, or the app id). */
    async find(idOrRef: string): Promise<string | undefined> {
      if (await d.store.find(idOrRef)) return idOrRef;
      return (await d.store.idOf('oidc', idOrRef)) ?? (await d.store.idOf('saml', idOrRef));
    },

    async update(ctx: Context | undefined, actor: AppActor, id: string, input: z.output<typeof appUpdateInput>): Promise<AppView> {
      const { row, access } = await load(actor, id);
      if (!actor.operator) throw forbidden('operator_only', "only an operator changes an app's launcher fields");
      const patch: AppPatch = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.names !== undefined) patch.names = input.names;
      if (input.icon_url !== undefined) patch.logo_url = input.icon_url;
      if (input.launch_url !== undefined) patch.launch_url = input.launch_url;
      if (input.target_link_uri !== undefined) patch.target_link_uri = input.target_link_uri;
      if (input.trial_url !== undefined) patch.trial_url = input.trial_url;
      if (!Object.keys(patch).length) return viewOf(row, access);
      await d.store.update(row.id, patch);
      const before = Object.fromEntries(Object.keys(input).map((k) => [k, (viewOf(row, access) as Record<string, unknown>)[k] ?? null]));
      await record(ctx, actor, 'admin.app_updated', row, { before, after: input });
      return get(actor, row.id);
    },

    async setAccess(ctx: Context | undefined, actor: AppActor, id: string, input: z.output<typeof appAccessInput>): Promise<AppView> {
      const { row, access } = await load(actor, id);
      const own = scope(actor);
      const before = viewOf(row, access).access;
      if (own) {
        const listsOwn = access.orgs.some((o) => o.id === own) || access.groups.some((g) => g.org_id === own);
        if (input.everyone || !row.restricted || !listsOwn)
          throw forbidden('operator_only', 'an organization administrator changes only apps that already list their organization');
      }
      let next: { orgIds: string[]; groupIds: string[] } | null = null;
      if (!input.everyone) {
        const mine = await resolve(input.organizations, input.groups, own);
        next = own
          ? {
              orgIds: [...access.orgs.filter((o) => o.id !== own).map((o) => o.id), ...mine.orgIds],
              groupIds: [...access.groups.filter((g) => g.org_id !== own).map((g) => g.id), ...mine.groupIds],
            }
          : mine;
      }
      await d.store.setAccess(row.id, next);
      const after = await get({ who: actor.who, operator: true }, row.id);
      await record(ctx, actor, 'admin.app_access_changed', row, {
        before: own ? viewOf(row, access, own).access : before,
        after: own ? (await get(actor, row.id)).access : after.access,
      });
      return own ? get(actor, row.id) : after;
    },

    async setIcon(ctx: Context | undefined, actor: AppActor, id: string, bytes: Buffer | null): Promise<AppView> {
      const { row } = await load(actor, id);
      if (!actor.operator) throw forbidden('operator_only', "only an operator changes an app's icon");
      const icon = bytes ? checkIcon(bytes) : null;
      await d.store.setIcon(row.id, icon);
      await record(ctx, actor, 'admin.app_icon_set', row, { after: icon ? { type: icon.type, bytes: icon.bytes.length } : null });
      return get(actor, row.id);
    },
  };
}
export type AppAdmin = ReturnType<typeof createAppAdmin>;
