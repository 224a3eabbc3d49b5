/**
 * The operator CLI's dispatcher: finds the command, parses its flags (node:util parseArgs), loads the
 * configuration, runs it, and turns the outcome into an exit code: 0 done, 1 refused or failed (one
 * readable line on stderr), 2 wrong usage (with the usage text). The entry point is main.ts.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { describeError, UsageError, withContext, type Command } from './context.js';
import { migrateCommands } from './commands/migrate.js';
import { bootstrapCommands } from './commands/bootstrap.js';
import { keyCommands } from './commands/keys.js';
import { clientCommands } from './commands/clients.js';
import { resourceCommands } from './commands/resources.js';
import { userCommands } from './commands/users.js';
import { domainCommands } from './commands/domains.js';
import { connectionCommands } from './commands/connections.js';
import { samlCommands } from './commands/saml.js';
import { twoStepCommands } from './commands/two-step.js';
import { scimCommands } from './commands/scim.js';
import { socialCommands } from './commands/social.js';
import { supportCommands } from './commands/support.js';
import { appCommands } from './commands/apps.js';

export const commands: Command[] = [
  ...migrateCommands,
  ...bootstrapCommands,
  ...keyCommands,
  ...clientCommands,
  ...resourceCommands,
  ...userCommands,
  ...domainCommands,
  ...connectionCommands,
  ...samlCommands,
  ...twoStepCommands,
  ...scimCommands,
  ...supportCommands,
  ...appCommands,
  ...socialCommands,
];

export function usage(only?: Command[]): string {
  const shown = only ?? commands;
  const lines = shown.map((c) => `  ${[c.name, c.args].filter(Boolean).join(' ')}\n      ${c.summary}`);
  return [
    'Usage: wayfinder <command> [arguments]   (npm run wayfinder -- <command>)',
    '',
    'Commands:',
    ...lines,
    ...(only
      ? []
      : [
          '  help',
          '      show this text',
          '',
          'Configuration is read like the server reads it: config/*.yaml, CONFIG_FILE, then environment variables',
          '(DATABASE_URL for Postgres, else the embedded database in DATA_DIR; ENCRYPTION_KEY; NODE_ENV; LOG_LEVEL).',
          'The embedded database can be open in one process only: stop the server before using the CLI on it.',
        ]),
  ].join('\n');
}

function find(argv: string[]): { command: Command; rest: string[] } | undefined {
  for (const words of [3, 2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = commands.find((c) => c.name === name);
    if (command && argv.length >= words) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  const say = (text: string) => process.stdout.write(`${text}\n`);
  const fail = (text: string) => process.stderr.write(`${text}\n`);
  if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0])) {
    say(usage());
    return 0;
  }
  const found = find(argv);
  if (!found) {
    const group = commands.filter((c) => c.name.split(' ')[0] === argv[0]);
    fail(
      group.length && argv.length === 1
        ? `error: "${argv[0]}" needs one of: ${[...new Set(group.map((c) => c.name.split(' ')[1]))].join(', ')}\n`
        : `error: unknown command "${argv.slice(0, group.length ? 2 : 1).join(' ')}"\n`,
    );
    fail(usage(group.length ? group : undefined));
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    say(usage([command]));
    return 0;
  }

  let config: Config | undefined;
  try {
    const { values, positionals } = (() => {
      try {
        return parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    })();
    const expected = command.positionals ?? [];
    if (positionals.length < expected.length)
      throw new UsageError(
        `missing ${expected
          .slice(positionals.length)
          .map((p) => `<${p}>`)
          .join(' ')}`,
      );
    if (positionals.length > expected.length) throw new UsageError(`unexpected argument "${positionals[expected.length]}"`);
    config = loadConfig();
    await withContext(config, command, (ctx) => command.run(ctx, values, positionals));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      fail(`error: ${err.message}\n`);
      fail(usage([command]));
      return 2;
    }
    const { message, expected } = describeError(err, config);
    fail(`error: ${message}`);
    if (!expected) {
      if (config?.log.level === 'debug' || config?.log.level === 'trace') fail(String((err as Error)?.stack ?? err));
      else fail('(run with LOG_LEVEL=debug for details)');
    }
    return 1;
  }
}
