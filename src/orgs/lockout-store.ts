/**
 * The rule that keeps SSO only from locking a company out, enforced where the changes it depends on
 * are written, whichever route asked (admin API, admin center, CLI, bootstrap file):
 * - while SSO only is on, an enabled connection with a successful test sign-in remains (switching off
 *   the last one, by its switch or by a replacement with `enabled: false`, is 409 `connection_in_use`);
 * - while it is on or pending, a connection is removed only when another enabled, tested one remains,
 *   and the last verified domain stays (409 `domain_in_use`);
 * - it is switched on only while an enabled, tested connection exists.
 * Each such change runs in one transaction that first locks the organization's row (select … for
 * update): two changes of one organization at the same moment are serialized, and the second's check,
 * a later statement and so a later snapshot under read committed, sees what the first committed.
 * (The checks used to be separate statements before the change: two administrators switching off the
 * two tested connections at once both saw the other one still on, and both went through.)
 */
import type { Db } from '../db/index.js';
import { AppError } from '../lib/errors.js';

export type SsoOnlyMode = 'off' | 'pending' | 'on';

/** Runs `change` in a transaction holding the organization's row lock, with its SSO only mode as locked. */
export function withOrgLocked<T>(db: Db, orgId: string, change: (trx: Db, mode: SsoOnlyMode) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const org = await trx.selectFrom('organizations').select('sso_only').where('id', '=', orgId).forUpdate().executeTakeFirst();
    return change(trx, (org?.sso_only ?? 'off') as SsoOnlyMode);
  });
}

/** Whether an enabled connection of the organization with a successful test sign-in exists (besides `except`). */
export async function hasWayIn(trx: Db, orgId: string, except?: string): Promise<boolean> {
  let q = trx
    .selectFrom('connections')
    .select('id')
    .where('org_id', '=', orgId)
    .where('enabled', '=', true)
    .where('tested_at', 'is not', null);
  if (except !== undefined) q = q.where('id', '<>', except);
  return Boolean(await q.executeTakeFirst());
}

/** Whether the connection is enabled now (read under the lock). */
async function isEnabled(trx: Db, id: string): Promise<boolean> {
  return Boolean((await trx.selectFrom('connections').select('enabled').where('id', '=', id).executeTakeFirst())?.enabled);
}

const inUse = (code: string, message: string) => new AppError(code, 409, message);

/**
 * Refuses, under the lock, switching off connection `id` while SSO only is on and it is the last
 * enabled connection with a successful test sign-in. Call inside withOrgLocked, before the change.
 */
export async function assertMaySwitchOff(trx: Db, orgId: string, mode: SsoOnlyMode, id: string) {
  if (mode !== 'on' || !(await isEnabled(trx, id)) || (await hasWayIn(trx, orgId, id))) return;
  throw inUse(
    'connection_in_use',
    'SSO only is on and this is the last enabled connection with a successful test sign-in: switch SSO only off first',
  );
}

/** Refuses, under the lock, removing connection `id` while SSO only is on or pending and no other enabled, tested one remains. */
export async function assertMayRemoveConnection(trx: Db, orgId: string, mode: SsoOnlyMode, id: string) {
  if (mode === 'off' || (await hasWayIn(trx, orgId, id))) return;
  throw inUse(
    'connection_in_use',
    'SSO only depends on this connection: keep another enabled connection with a successful test sign-in, or switch SSO only off first',
  );
}

/** Refuses, under the lock, removing a verified domain while SSO only is on or pending and it is the last verified one. */
export async function assertMayRemoveDomain(trx: Db, orgId: string, mode: SsoOnlyMode, domain: string) {
  if (mode === 'off') return;
  const verified = await trx
    .selectFrom('org_domains')
    .select('domain')
    .where('org_id', '=', orgId)
    .where('verified_at', 'is not', null)
    .execute();
  if (!verified.some((d) => d.domain === domain) || verified.length > 1) return;
  throw inUse('domain_in_use', 'SSO only is on: the last verified domain cannot be removed (switch SSO only off first)');
}
