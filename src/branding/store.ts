/** SQL for branding rows: the settings of every scope (without image bytes), one image, and upserts. */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { BrandingTable } from '../db/schema.js';
import type { BrandSettings } from './brand.js';

export type Scope = BrandingTable['scope'];
export type ImageKind = 'logo' | 'favicon';

export interface BrandingRow {
  scope: Scope;
  scope_id: string;
  settings: BrandSettings;
  logo_type: string | null;
  favicon_type: string | null;
  updated_at: Date;
}

export function createBrandingStore(db: Db) {
  return {
    /** Every scope's settings and which images it has: one statement, loaded into memory by branding/cache.ts. */
    all: (): Promise<BrandingRow[]> =>
      db.selectFrom('branding').select(['scope', 'scope_id', 'settings', 'logo_type', 'favicon_type', 'updated_at']).execute(),

    async image(scope: Scope, scopeId: string, kind: ImageKind): Promise<{ bytes: Buffer; type: string } | undefined> {
      const row = await db
        .selectFrom('branding')
        .select(kind === 'logo' ? ['logo as bytes', 'logo_type as type'] : ['favicon as bytes', 'favicon_type as type'])
        .where('scope', '=', scope)
        .where('scope_id', '=', scopeId)
        .executeTakeFirst();
      return row?.bytes && row.type ? { bytes: Buffer.from(row.bytes), type: row.type } : undefined;
    },

    async saveSettings(scope: Scope, scopeId: string, settings: BrandSettings) {
      const json = JSON.stringify(settings);
      await db
        .insertInto('branding')
        .values({ scope, scope_id: scopeId, settings: json })
        .onConflict((oc) => oc.columns(['scope', 'scope_id']).doUpdateSet({ settings: json, updated_at: sql`now()` }))
        .execute();
    },

    /** Sets (or with null clears) an uploaded image of the scope. */
    async saveImage(scope: Scope, scopeId: string, kind: ImageKind, image: { bytes: Buffer; type: string } | null) {
      const cols =
        kind === 'logo'
          ? { logo: image?.bytes ?? null, logo_type: image?.type ?? null }
          : { favicon: image?.bytes ?? null, favicon_type: image?.type ?? null };
      await db
        .insertInto('branding')
        .values({ scope, scope_id: scopeId, settings: '{}', ...cols })
        .onConflict((oc) => oc.columns(['scope', 'scope_id']).doUpdateSet({ ...cols, updated_at: sql`now()` }))
        .execute();
    },
  };
}
export type BrandingStore = ReturnType<typeof createBrandingStore>;
