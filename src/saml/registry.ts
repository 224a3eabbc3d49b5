/**
 * Registered SAML service providers. Rules:
 * - an SP is registered from its metadata (validated, see metadata.ts) plus operator settings;
 *   its id is derived from the entity ID, so registering the same SP again updates it in place
 *   (and its persistent NameIDs stay the same after a removal and a new registration);
 * - encryption needs an encryption certificate in the metadata;
 * - lookups are cached briefly in-process (bounded in age: a removed SP stops working within
 *   `cacheMs` on every instance); the samlify entity built for an SP is reused until it changes.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../lib/errors.js';
import { ttlCache } from '../lib/ttl-cache.js';
import { samlify, type Samlify } from './lib.js';
import { parseSpMetadata, type SpDescription } from './metadata.js';
import { spSettingsSchema, type SpSettings } from './settings.js';
import type { SamlStore, SpRow } from './store.js';
import type { XmlValidator } from './validator.js';

export interface ServiceProvider extends SpDescription {
  id: string;
  settings: SpSettings;
  displayName: string;
  metadata: string;
  /** samlify entities: one per signing certificate (samlify checks a Redirect signature against one). */
  entities: Array<ReturnType<Samlify['ServiceProvider']>>;
}

export const spIdOf = (entityId: string) => createHash('sha256').update(entityId).digest('base64url').slice(0, 16);

function entitiesFor(d: SpDescription) {
  const certs = d.signingCerts.length ? d.signingCerts : [undefined];
  return certs.map((signingCert) =>
    samlify().ServiceProvider({
      entityID: d.entityId,
      signingCert,
      encryptCert: d.encryptionCert,
      authnRequestsSigned: d.authnRequestsSigned,
      wantAssertionsSigned: d.wantAssertionsSigned,
      // Everything Wayfinder sends an SP (logout requests and responses) is signed.
      wantLogoutRequestSigned: true,
      wantLogoutResponseSigned: true,
      assertionConsumerService: d.acs.map((e) => ({ Binding: e.binding, Location: e.location })),
      singleLogoutService: d.slo.map((e) => ({ Binding: e.binding, Location: e.responseLocation ?? e.location })),
    }),
  );
}

export function createSpRegistry(store: SamlStore, validator: XmlValidator, cacheMs = 2000) {
  const rows = ttlCache<SpRow | undefined>(cacheMs);
  const built = new Map<string, ServiceProvider>();

  function build(row: SpRow): ServiceProvider {
    const key = `${row.id}:${row.updated_at.getTime()}`;
    const hit = built.get(key);
    if (hit) return hit;
    const description = parseSpMetadata(row.metadata, validator);
    const settings = spSettingsSchema.parse(row.settings);
    const sp: ServiceProvider = {
      ...description,
      id: row.id,
      settings,
      metadata: row.metadata,
      displayName: settings.display_name ?? row.entity_id,
      entities: entitiesFor(description),
    };
    for (const k of built.keys()) if (k.startsWith(`${row.id}:`)) built.delete(k);
    built.set(key, sp);
    return sp;
  }

  return {
    /** Reads metadata without saving it (400 `saml_bad_metadata` naming the problem): the SP's id, entity ID and endpoints. */
    describe(metadata: string) {
      const description = parseSpMetadata(metadata, validator);
      return { id: spIdOf(description.entityId), ...description };
    },

    /** Adds or replaces an SP. Returns it and whether it existed. `restrictTo`: see SamlStore.upsertSp. */
    async register(metadata: string, settingsInput: Partial<SpSettings> = {}, opts: { restrictTo?: string } = {}) {
      const description = parseSpMetadata(metadata, validator);
      const settings = spSettingsSchema.parse(settingsInput);
      if (settings.encrypt_assertion && !description.encryptionCert) {
        throw new AppError('saml_bad_metadata', 400, 'encrypt_assertion needs an encryption certificate in the service provider metadata');
      }
      const id = spIdOf(description.entityId);
      const existed = Boolean(await store.findSp(id));
      if (!(await store.upsertSp({ id, entity_id: description.entityId, metadata, settings }, opts.restrictTo)))
        throw new AppError('already_registered', 409, 'a service provider with this entity ID is registered');
      rows.delete(id);
      rows.delete(`entity:${description.entityId}`);
      return { id, entityId: description.entityId, existed };
    },

    async find(id: string): Promise<ServiceProvider | undefined> {
      const row = await rows.get(id, () => store.findSp(id));
      return row ? build(row) : undefined;
    },

    async findByEntityId(entityId: string): Promise<ServiceProvider | undefined> {
      const row = await rows.get(`entity:${entityId}`, () => store.findSpByEntityId(entityId));
      return row ? build(row) : undefined;
    },

    list: () => store.listSps(),

    /** Removes by id or entity ID; false when there was none. */
    async remove(idOrEntityId: string) {
      const row = (await store.findSp(idOrEntityId)) ?? (await store.findSpByEntityId(idOrEntityId));
      if (!row) return false;
      rows.delete(row.id);
      rows.delete(`entity:${row.entity_id}`);
      return store.removeSp(row.id);
    },
  };
}
export type SpRegistry = ReturnType<typeof createSpRegistry>;
