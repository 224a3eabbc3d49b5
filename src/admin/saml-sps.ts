/**
 * Registering SAML service providers from their metadata (admin API, admin center, CLI). Rules:
 * - the metadata is read and checked by src/saml (no DTD, schema-valid, one SAML 2.0 SP, an HTTP-POST
 *   AssertionConsumerService, size and encoding limits): anything else is a 400 naming the problem;
 * - an SP is an app (`saml-<sp id>`). Apps have no owner, only who may use them, so an
 *   organization's administrator "owns" an SP app when its access lists their organization and
 *   nothing of any other organization. They register new SPs, which are for their organization only
 *   from the first moment (never open to everyone), and replace or remove only the SPs they own; an
 *   SP they do not see is not found (404), one they see but share with others is refused (403).
 *   Operators register, replace and remove any SP, and new ones they register are for everyone;
 * - the SP's id comes from its entity ID: registering one that exists is a 409 through the API
 *   (replace it by its app), an in-place update from the CLI; a replacement keeps its entity ID;
 * - SHA-1 signatures (`allow_sha1`) weaken every SP's trust in our responses: operators only;
 * - every change is an audit event (`admin.saml_sp_created|updated|removed`) with before and after.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../audit/index.js';
import type { AppActor, AppAdmin, AppView } from '../apps/admin.js';
import type { AppStore } from '../apps/store.js';
import { AppError, badRequest, forbidden, notFound } from '../lib/errors.js';
import { createAppOwner, scopeOf } from './app-owner.js';
import { spSettingsSchema, type SpSettings } from '../saml/settings.js';
import type { SamlAdmin } from '../saml/index.js';

/** Characters of metadata (the SAML validator's byte limit, saml.maxMessageBytes, applies as well). */
export const MAX_METADATA_CHARS = 1_048_576;
export const spMetadataInput = z.strictObject({
  metadata: z
    .string()
    .min(1)
    .max(MAX_METADATA_CHARS)
    .describe("The service provider's SAML 2.0 metadata (an EntityDescriptor), as XML text"),
  settings: spSettingsSchema
    .optional()
    .describe('How Wayfinder answers the SP; omitted: the defaults (new SP) or the current settings (replacement)'),
});
export type SpMetadataInput = z.input<typeof spMetadataInput>;

export interface SamlSpDeps {
  /** src/saml's registry, loaded on first use (it brings libxml2 and samlify). */
  saml: () => Promise<Pick<SamlAdmin, 'registry'>>;
  appStore: AppStore;
  apps: AppAdmin;
  audit: Audit;
  /** Who may use which app changed (the launcher's cache of open apps). */
  accessChanged: () => void;
}

export function createAdminSamlSps(d: SamlSpDeps) {
  const owner = createAppOwner(d.appStore);

  /** The SP app an actor may change: not visible → 404, not a SAML app → 404, shared → 403. */
  const owned = (actor: AppActor, appId: string) => owner.owned(actor, appId, 'saml');

  const stateOf = async (spId: string) => {
    const sp = await (await d.saml()).registry.find(spId);
    return sp && { entity_id: sp.entityId, acs: sp.acs.map((e) => e.location), settings: sp.settings };
  };

  const record = (ctx: Context | undefined, actor: AppActor, type: string, spId: string, data: Record<string, unknown>) =>
    d.audit.record(ctx, {
      type,
      outcome: 'success',
      clientId: spId,
      orgId: actor.orgId ?? null,
      actor: actor.who,
      data: { target: `saml-${spId}`, ...data },
    });

  async function save(
    ctx: Context | undefined,
    actor: AppActor,
    input: SpMetadataInput,
    existing: { appId?: string; onExisting: 'refuse' | 'update' },
  ): Promise<{ app: AppView; spId: string; entityId: string; existed: boolean }> {
    const { registry } = await d.saml();
    const sp = registry.describe(input.metadata);
    const appId = await d.appStore.idOf('saml', sp.id);
    if (existing.appId) {
      const row = await owned(actor, existing.appId);
      if (row.ref !== sp.id)
        throw badRequest(
          'entity_id_mismatch',
          'the metadata describes another service provider (its entity ID differs); register it as a new app',
        );
    } else if (appId) {
      if (existing.onExisting === 'refuse')
        throw new AppError(
          'already_registered',
          409,
          'a service provider with this entity ID is registered; replace its metadata on its app',
        );
      await owned(actor, appId);
    }
    if (!actor.operator && input.settings?.allow_sha1) throw forbidden('operator_only', 'only an operator allows SHA-1 signatures');
    const before = appId ? await stateOf(sp.id) : undefined;
    const settings: Partial<SpSettings> | undefined = input.settings ?? (existing.appId ? before?.settings : undefined);
    const restrictTo = appId ? undefined : scopeOf(actor);
    const saved = await registry.register(input.metadata, settings, { restrictTo });
    if (restrictTo) d.accessChanged();
    await record(ctx, actor, saved.existed ? 'admin.saml_sp_updated' : 'admin.saml_sp_created', saved.id, {
      entityId: saved.entityId,
      ...(before ? { before } : {}),
      after: await stateOf(saved.id),
    });
    return { app: await d.apps.get(actor, `saml-${saved.id}`), spId: saved.id, entityId: saved.entityId, existed: saved.existed };
  }

  async function remove(ctx: Context | undefined, actor: AppActor, appId: string) {
    const row = await owned(actor, appId);
    const before = await stateOf(row.ref);
    if (!(await (await d.saml()).registry.remove(row.ref))) throw notFound('not_found', 'no such SAML app');
    await record(ctx, actor, 'admin.saml_sp_removed', row.ref, { entityId: before?.entity_id, before });
    return { spId: row.ref, entityId: before?.entity_id ?? row.ref };
  }

  return {
    /** A new SP (409 when its entity ID is registered). */
    register: (ctx: Context | undefined, actor: AppActor, input: SpMetadataInput) => save(ctx, actor, input, { onExisting: 'refuse' }),
    /** A new SP, or the one with this entity ID updated in place (the CLI's `saml sp add`). */
    registerOrUpdate: (ctx: Context | undefined, actor: AppActor, input: SpMetadataInput) =>
      save(ctx, actor, input, { onExisting: 'update' }),
    /** New metadata (same entity ID) for an SP app. */
    replace: (ctx: Context | undefined, actor: AppActor, appId: string, input: SpMetadataInput) =>
      save(ctx, actor, input, { appId, onExisting: 'update' }),
    remove,
    /** By SP id or entity ID (the CLI's `saml sp remove`). */
    async removeByRef(ctx: Context | undefined, actor: AppActor, idOrEntityId: string) {
      const { registry } = await d.saml();
      const sp = (await registry.find(idOrEntityId)) ?? (await registry.findByEntityId(idOrEntityId));
      const appId = sp && (await d.appStore.idOf('saml', sp.id));
      if (!appId) throw notFound('no_saml_sp', `no SAML service provider with id or entity ID ${idOrEntityId}`);
      return remove(ctx, actor, appId);
    },
    list: async () => (await d.saml()).registry.list(),
  };
}
export type AdminSamlSps = ReturnType<typeof createAdminSamlSps>;
