/**
 * SQL for the provisioning-error notification (notify.ts): the organization's address, and its run of
 * failing SCIM requests in `scim_failures`. Each step is one statement, so instances sharing the
 * database count one run and exactly one of them wins the claim to send the mail.
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { ScimFailure } from '../db/schema.js';

export interface NotifyClaim {
  failures: number;
  last_errors: ScimFailure[];
  email: string;
  lang: string | null;
  name: string;
}

export function createNotifyStore(db: Db) {
  return {
    address: (orgId: string) =>
      db
        .selectFrom('organizations')
        .select(['provisioning_notify_email as email', 'provisioning_notify_lang as lang'])
        .where('id', '=', orgId)
        .executeTakeFirst(),
    async setAddress(orgId: string, email: string | null, lang: string | null) {
      await db
        .updateTable('organizations')
        .set({ provisioning_notify_email: email, provisioning_notify_lang: email ? lang : null })
        .where('id', '=', orgId)
        .execute();
      if (!email) await db.deleteFrom('scim_failures').where('org_id', '=', orgId).execute();
    },

    /**
     * Counts a failure of an organization that has an address (others are not tracked), keeping the
     * newest `keep` errors; returns how many are kept, or undefined when nothing was recorded.
     */
    async recordFailure(orgId: string, failure: Omit<ScimFailure, 'at'>, keep: number): Promise<number | undefined> {
      const entry = JSON.stringify(failure);
      const { rows } = await sql<{ kept: number }>`
        insert into scim_failures (org_id, failures, last_errors, updated_at)
        select id, 1, jsonb_build_array(${entry}::jsonb || jsonb_build_object('at', now())), now()
        from organizations where id = ${orgId} and provisioning_notify_email is not null
        on conflict (org_id) do update set
          failures = scim_failures.failures + 1,
          last_errors = (
            select coalesce(jsonb_agg(e order by n), '[]'::jsonb)
            from jsonb_array_elements(excluded.last_errors || scim_failures.last_errors) with ordinality as t(e, n)
            where n <= ${keep}::int),
          updated_at = now()
        returning jsonb_array_length(last_errors) as kept`.execute(db);
      return rows[0] ? Number(rows[0].kept) : undefined;
    },

    /**
     * Claims the mail: succeeds (once) when the newest `keep` errors all fall within the window and
     * no mail went out within the quiet period; returns what the mail needs.
     */
    async claim(orgId: string, keep: number, windowMinutes: number, quietMinutes: number): Promise<NotifyClaim | undefined> {
      const { rows } = await sql<NotifyClaim>`
        update scim_failures f set notified_at = now()
        from organizations o
        where f.org_id = ${orgId} and o.id = f.org_id and o.provisioning_notify_email is not null
          and jsonb_array_length(f.last_errors) >= ${keep}::int
          and (f.last_errors -> ${keep - 1}::int ->> 'at')::timestamptz > now() - make_interval(mins => ${windowMinutes}::int)
          and (f.notified_at is null or f.notified_at <= now() - make_interval(mins => ${quietMinutes}::int))
        returning f.failures, f.last_errors, o.provisioning_notify_email as email, o.provisioning_notify_lang as lang, o.name`.execute(db);
      return rows[0];
    },
    /** Gives a claim back (the mail could not be sent): the next failure may try again. */
    async release(orgId: string) {
      await db.updateTable('scim_failures').set({ notified_at: null }).where('org_id', '=', orgId).execute();
    },

    /** A request succeeded: the run is over (no write when there is none). */
    async reset(orgId: string) {
      await db
        .updateTable('scim_failures')
        .set({ failures: 0, last_errors: '[]', updated_at: sql`now()` })
        .where('org_id', '=', orgId)
        .where('failures', '>', 0)
        .execute();
    },
  };
}
export type NotifyStore = ReturnType<typeof createNotifyStore>;
