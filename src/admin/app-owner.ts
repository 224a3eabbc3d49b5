/**
 * Who "owns" a registered app (an OIDC client or a SAML SP) enough to replace or remove it. Apps
 * have no owner, only who may use them, so an organization's administrator owns an app when its
 * access lists their organization (itself or its groups) and nothing of any other organization.
 * An app they do not see is not found (404); one they see but share with others is refused (403).
 * Operators own every app.
 */
import type { AppActor } from '../apps/admin.js';
import type { AccessEntry, AppRow, AppStore } from '../apps/store.js';
import { forbidden, notFound } from '../lib/errors.js';

export const scopeOf = (actor: AppActor) => (actor.operator ? undefined : actor.orgId);

/** The rule: restricted, with at least one entry, and every entry the administrator's own organization or its groups. */
const ownedBy = (row: AppRow, access: AccessEntry, own: string) =>
  row.restricted &&
  access.orgs.length + access.groups.length > 0 &&
  access.orgs.every((o) => o.id === own) &&
  access.groups.every((g) => g.org_id === own);

export function createAppOwner(appStore: AppStore) {
  const label = { oidc: 'OIDC', saml: 'SAML' } as const;
  /** The app of this kind the actor may change (404 / 403 otherwise). */
  async function owned(actor: AppActor, appId: string, kind: 'oidc' | 'saml'): Promise<AppRow> {
    const row = appId.length <= 300 ? await appStore.find(appId, scopeOf(actor)) : undefined;
    if (!row || row.kind !== kind) throw notFound('not_found', `no such ${label[kind]} app`);
    const own = scopeOf(actor);
    if (own) {
      const access = (await appStore.access([row.id])).get(row.id)!;
      if (!ownedBy(row, access, own))
        throw forbidden(
          'operator_only',
          `an organization administrator changes only ${label[kind]} apps that are for their organization alone`,
        );
    }
    return row;
  }
  return {
    owned,
    /** Whether the actor may replace or remove the app (the admin center shows the forms only then). */
    async mayChange(actor: AppActor, appId: string): Promise<boolean> {
      const row = appId.length <= 300 ? await appStore.find(appId, scopeOf(actor)) : undefined;
      if (!row) return false;
      return owned(actor, appId, row.kind).then(
        () => true,
        () => false,
      );
    },
    /** The ids of every app the actor sees and may change, in two statements whatever their number (the admin center's list). */
    async changeable(actor: AppActor): Promise<Set<string>> {
      const own = scopeOf(actor);
      const rows = await appStore.list(own);
      if (!own) return new Set(rows.map((r) => r.id));
      const access = await appStore.access(rows.map((r) => r.id));
      return new Set(rows.filter((r) => ownedBy(r, access.get(r.id)!, own)).map((r) => r.id));
    },
  };
}
export type AppOwner = ReturnType<typeof createAppOwner>;
