/** `bootstrap apply <file>`: applies a declarative bootstrap file (the format of IDP_BOOTSTRAP), idempotently. */
import { applyBootstrap } from '../../bootstrap/apply.js';
import type { Command } from '../context.js';

export const bootstrapCommands: Command[] = [
  {
    name: 'bootstrap apply',
    args: '<file>',
    summary: 'apply a bootstrap file (users, clients, APIs, organizations); safe to repeat',
    positionals: ['file'],
    async run(ctx, _values, [file]) {
      const report = await applyBootstrap(ctx.services, file);
      await ctx.audit(
        'admin.bootstrap_applied',
        {},
        {
          file,
          users: report.users,
          clients: report.clients,
          resourceServers: report.resourceServers,
          organizations: report.organizations,
        },
      );
      const unchanged = report.unchanged ? ` (${report.unchanged} entries unchanged since last applied, left alone)` : '';
      const counts = `${report.users} users, ${report.clients} clients, ${report.resourceServers} APIs, ${report.organizations} organizations`;
      ctx.out(`applied ${file}: ${counts}${unchanged}`);
      for (const note of report.notes) ctx.note(`note: ${note}`);
      const generated = Object.entries(report.generatedSecrets);
      if (generated.length) {
        ctx.out('', 'Generated client secrets (shown only now; give each to its app):');
        for (const [clientId, secret] of generated) ctx.out(`  ${clientId}: ${secret}`);
      }
    },
  },
];
