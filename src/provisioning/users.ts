/**
 * Provisioning people (SCIM Users), for the SCIM routes now and the admin layer later. Rules:
 * - everything happens inside one organization (the caller's token says which); another
 *   organization's people are not found (404);
 * - a person's email must be in a domain the organization has verified (an IdP cannot create
 *   accounts for addresses it does not own); an existing account with that email is taken over only
 *   when it already belongs to the organization (or was provisioned by it and deleted); otherwise 409;
 * - userName and externalId are unique in the organization (409 `uniqueness`);
 * - `active: false` (or DELETE) disables the account and at once ends its sessions and revokes its
 *   refresh tokens (sign-out-everywhere); `active: true` enables it again;
 * - DELETE is a soft delete: hidden from SCIM, disabled, out of the groups; purged after retention;
 * - an `If-Match` that is not the current version is a 412; concurrent writes retry on the new version;
 * - every change is audited (`scim.user_*`, with the organization and who did it).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { AccountStore } from '../accounts/store.js';
import type { Audit } from '../audit/index.js';
import { domainOfEmail } from '../orgs/domains.js';
import type { OrgStore } from '../orgs/store.js';
import { invalidValue, notFound, preconditionFailed, uniqueness } from './errors.js';
import { applyPatch, type PatchOperation } from './patch.js';
import { listParams, listResponse, project } from './representation.js';
import type { ScimStore, ScimUserRow } from './store.js';
import { docOf, etagOf, fieldsOf, parseUser, userResource, type UserDoc } from './user-resource.js';

/** Who makes a change: an IdP with a SCIM token, the CLI, or (later) an administrator. */
export interface Actor {
  via: 'scim' | 'cli' | 'admin';
  tokenId?: string;
  userId?: string;
}

export interface ProvisioningDeps {
  store: ScimStore;
  accounts: AccountStore;
  orgs: OrgStore;
  audit: Audit;
  /** Ends every session of a person and revokes their refresh tokens (oidc/sessions.ts signOutAll). */
  signOutEverywhere: (userId: string) => Promise<number>;
  /** `${issuer}/scim/v2`. */
  baseUrl: string;
}

export type ListQuery = {
  filter?: string;
  startIndex?: number;
  count?: number;
  attributes?: string;
  excludedAttributes?: string;
  sortBy?: string;
  sortOrder?: string;
};

const RETRIES = 3;

/** Whether an If-Match header allows writing over `version`. */
export function matchesVersion(ifMatch: string | undefined, version: number) {
  if (!ifMatch || ifMatch.trim() === '*') return true;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return ifMatch.split(',').some((t) => strip(t) === strip(etagOf(version)));
}

export function createProvisionedUsers(d: ProvisioningDeps) {
  const audit = (ctx: Context | undefined, actor: Actor, type: string, userId: string, orgId: string, data: Record<string, unknown> = {}) =>
    d.audit.record(ctx, {
      type,
      outcome: 'success',
      userId,
      data: { orgId, via: actor.via, tokenId: actor.tokenId, actorId: actor.userId, ...data },
    });

  async function checkDomain(orgId: string, email: string) {
    const domain = domainOfEmail(email);
    const owner = domain ? await d.orgs.verifiedOwner(domain) : undefined;
    if (owner?.id !== orgId) throw invalidValue(`emails: ${domain ?? email} is not a verified domain of the organization`);
  }

  async function load(orgId: string, id: string) {
    const row = await d.store.findUser(orgId, String(id));
    if (!row) throw notFound(`no user ${id}`);
    return row;
  }

  /** After a change of `active` (or a delete): sessions end at once when the person is disabled. */
  async function afterActive(ctx: Context | undefined, actor: Actor, orgId: string, userId: string, before: boolean, after: boolean) {
    if (before && !after) {
      const ended = await d.signOutEverywhere(userId);
      await audit(ctx, actor, 'scim.user_deactivated', userId, orgId, { endedSessions: ended });
    } else if (!before && after) {
      await audit(ctx, actor, 'scim.user_reactivated', userId, orgId);
    }
  }

  /** Saves a new document over `row`, retrying on a concurrent change unless the caller named a version. */
  async function save(
    ctx: Context | undefined,
    actor: Actor,
    orgId: string,
    id: string,
    change: (row: ScimUserRow) => UserDoc,
    ifMatch?: string,
  ) {
    for (let attempt = 0; ; attempt += 1) {
      const row = await load(orgId, id);
      if (!matchesVersion(ifMatch, row.version)) throw preconditionFailed(`the user has changed (version ${etagOf(row.version)})`);
      const doc = change(row);
      const { user, scim } = fieldsOf(doc);
      if (user.email !== primaryOfRow(row)) await checkDomain(orgId, user.email);
      const saved = await d.store.updateUser(orgId, id, row.version, user, scim);
      if (saved) {
        await audit(ctx, actor, 'scim.user_updated', id, orgId, { version: saved.version });
        await afterActive(ctx, actor, orgId, id, row.active, saved.active);
        return userResource(saved, d.baseUrl);
      }
      if (ifMatch || attempt >= RETRIES) throw preconditionFailed('the user changed while it was being updated; try again');
    }
  }

  const primaryOfRow = (row: ScimUserRow) => {
    try {
      return fieldsOf(parseUser(docOf(row))).user.email;
    } catch {
      return undefined;
    }
  };

  return {
    async create(ctx: Context | undefined, actor: Actor, orgId: string, body: unknown) {
      const doc = parseUser(body);
      const { user, scim } = fieldsOf(doc);
      await checkDomain(orgId, user.email);
      let id: string = randomUUID();
      let adopt = false;
      const existing = await d.accounts.findUserByEmail(user.email);
      if (existing) {
        const record = await d.store.recordOf(existing.id);
        const member = (await d.orgs.membershipsOf(existing.id)).some((m) => m.id === orgId);
        if (record ? record.org_id !== orgId || !record.deleted_at : !member) throw uniqueness('a person with this email already exists');
        id = existing.id;
        adopt = true;
      }
      const row = await d.store.createUser(orgId, id, user, scim, adopt);
      await audit(ctx, actor, 'scim.user_created', id, orgId, { adopted: adopt, active: row.active });
      if (adopt && existing?.status === 'active' && !row.active) await afterActive(ctx, actor, orgId, id, true, false);
      return userResource(row, d.baseUrl);
    },

    async get(orgId: string, id: string, q: ListQuery = {}) {
      return project(userResource(await load(orgId, id), d.baseUrl), q);
    },

    async list(orgId: string, q: ListQuery) {
      const { start, params } = listParams(q);
      const { total, rows } = await d.store.listUsers(orgId, params);
      return listResponse(
        rows.map((r) => project(userResource(r, d.baseUrl), q)),
        total,
        start,
      );
    },

    /** PUT: the document replaces the stored one (userName required; what it leaves out is gone). */
    replace: (ctx: Context | undefined, actor: Actor, orgId: string, id: string, body: unknown, ifMatch?: string) =>
      save(ctx, actor, orgId, id, () => parseUser(body), ifMatch),

    patch: (ctx: Context | undefined, actor: Actor, orgId: string, id: string, operations: PatchOperation[], ifMatch?: string) =>
      save(ctx, actor, orgId, id, (row) => parseUser(applyPatch(docOf(row), operations)), ifMatch),

    async remove(ctx: Context | undefined, actor: Actor, orgId: string, id: string, ifMatch?: string) {
      const row = await load(orgId, id);
      if (!matchesVersion(ifMatch, row.version)) throw preconditionFailed(`the user has changed (version ${etagOf(row.version)})`);
      if (!(await d.store.softDeleteUser(orgId, id))) throw notFound(`no user ${id}`);
      const ended = await d.signOutEverywhere(id);
      await audit(ctx, actor, 'scim.user_deleted', id, orgId, { endedSessions: ended });
    },
  };
}
export type ProvisionedUsers = ReturnType<typeof createProvisionedUsers>;
