/** `migrate`: applies the pending migrations (under Postgres' advisory lock, so safe beside running instances). */
import { migrateToLatest } from '../../db/migrate.js';
import { migrations } from '../../../migrations/index.js';
import type { Command } from '../context.js';

export const migrateCommands: Command[] = [
  {
    name: 'migrate',
    summary: 'apply pending database migrations (also done by the server at start)',
    anySchema: true,
    async run(ctx) {
      const applied = await migrateToLatest(ctx.database.db);
      ctx.out(...applied.map((name) => `applied ${name}`));
      const total = Object.keys(migrations).length;
      ctx.out(
        applied.length
          ? `${ctx.database.kind} ${ctx.database.where}: ${applied.length} migration${applied.length > 1 ? 's' : ''} applied, schema is current`
          : `${ctx.database.kind} ${ctx.database.where}: schema is current (${total} migrations), nothing to apply`,
      );
    },
  },
];
