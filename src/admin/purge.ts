/**
 * The purge of deleted people, after the retention period (config `accounts.deletedRetentionDays`):
 * the CLI (`wayfinder user purge`) and the server's purge loop call it. Each purged person is an
 * audit event (`admin.user_purged`, naming the id and the organizations they belonged to); the
 * events about them stay, with their ids.
 */
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import type { DeletionStore } from '../accounts/deletion-store.js';

const BATCH = 1000;

export function createAdminPurge(d: { deletion: DeletionStore; audit: Audit; retentionDays: number }) {
  return {
    retentionDays: d.retentionDays,
    /** Purges everyone deleted more than `retentionDays` ago; how many. `via`: who runs it (`cli`, `system`). */
    async purgeDeleted(ctx: Context | undefined, via: string, retentionDays = d.retentionDays) {
      const before = new Date(Date.now() - retentionDays * 86_400_000);
      let purged = 0;
      for (;;) {
        const gone = await d.deletion.purge(before, BATCH);
        await d.audit.recordMany(
          ctx,
          gone.map((g) => ({
            type: 'admin.user_purged',
            outcome: 'success' as const,
            userId: g.id,
            orgId: g.orgIds[0] ?? null,
            actor: via,
            data: { target: g.id, orgIds: g.orgIds, retentionDays, via },
          })),
        );
        purged += gone.length;
        if (gone.length < BATCH) return purged;
      }
    },
  };
}
export type AdminPurge = ReturnType<typeof createAdminPurge>;
