/**
 * What every CLI command runs with (configuration, logger, database, services), the command shape,
 * and how errors become one readable line. Rules:
 * - stdout carries the plain-text result; logs (JSON) and errors go to stderr;
 * - a person's mistake (bad flag, bad file, unknown user) is one line and exit 1 (usage: exit 2),
 *   never a stack trace; an unexpected error is one line too, with details at LOG_LEVEL=debug;
 * - the database is always closed, and commands other than `migrate` refuse an outdated schema;
 * - every change is recorded in the audit log (`admin.*` events with `via: cli`).
 */
import type { ParseArgsConfig } from 'node:util';
import { ZodError } from 'zod';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { BootstrapError } from '../bootstrap/apply.js';
import { formatIssuePath } from '../bootstrap/schema.js';
import { DatabaseInUseError, openDatabase, ping, type Database } from '../db/index.js';
import { pendingMigrations } from '../db/migrate.js';
import { AppError, notFound } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/log.js';
import { createServices, type Services } from '../services.js';

/** Wrong use of the command line: exit code 2 and the usage text. */
export class UsageError extends Error {}

export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface Context {
  config: Config;
  log: Logger;
  database: Database;
  services: Services;
  /** One line (or several) of plain-text output on stdout. */
  out(...lines: string[]): void;
  /** A note for the person at the terminal, on stderr. */
  note(line: string): void;
  /** Records an operator action in the audit log (identifiers only, never a secret). */
  audit(type: string, ids?: { userId?: string; clientId?: string }, data?: Record<string, unknown>): Promise<void>;
}

export interface Command {
  /** Words that select it, e.g. `client add`. */
  name: string;
  /** Arguments and flags, as shown in the usage text. */
  args?: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  /** Names of the required positional arguments. */
  positionals?: string[];
  /** `migrate` runs on an outdated schema; everything else refuses one. */
  anySchema?: boolean;
  run(ctx: Context, values: Values, positionals: string[]): Promise<void>;
}

export async function withContext(config: Config, command: Command, fn: (ctx: Context) => Promise<void>) {
  const log = createLogger(config.log.level, process.stderr);
  const database = await openDatabase(config);
  try {
    await ping(database.db).catch((err) => {
      throw new AppError(
        'database_unreachable',
        503,
        `cannot reach the database (${database.kind} ${database.where}): ${describeError(err).message}`,
      );
    });
    if (!command.anySchema) {
      const pending = await pendingMigrations(database.db);
      if (pending.length) {
        throw new AppError(
          'schema_outdated',
          409,
          `the database schema is not current (${pending.length} migration${pending.length > 1 ? 's' : ''} pending): run \`wayfinder migrate\` first`,
        );
      }
    }
    const services = createServices(database.db, config, log);
    const out = (...lines: string[]) => {
      for (const l of lines) process.stdout.write(`${l}\n`);
    };
    const audit: Context['audit'] = (type, ids = {}, data = {}) =>
      services.audit.record(undefined, { type, outcome: 'success', ...ids, data: { ...data, via: 'cli' } });
    await fn({ config, log, database, services, out, note: (l) => process.stderr.write(`${l}\n`), audit });
  } finally {
    await database.close();
  }
}

/** Flag readers: parseArgs gives strings, booleans and (for `multiple`) arrays. */
export const str = (v: Values, key: string) => (typeof v[key] === 'string' ? (v[key] as string) : undefined);
export const list = (v: Values, key: string) => (Array.isArray(v[key]) ? (v[key] as string[]) : undefined);
export function required(v: Values, key: string) {
  const value = str(v, key);
  if (!value) throw new UsageError(`--${key} is required`);
  return value;
}

const PASSWORD_PROBLEMS: Record<string, (min: number) => string> = {
  'password.too_short': (min) => `the password is too short (at least ${min} characters)`,
  'password.too_long': () => 'the password is too long (at most 256 characters)',
  'password.too_common': () => 'the password is too common; choose one that is harder to guess',
  'password.like_email': () => 'the password is too close to the email address',
};

function zodLine(err: ZodError) {
  return err.issues.map((i) => [formatIssuePath(i.path), i.message].filter(Boolean).join(': ')).join('; ');
}

/** One line for any error, and whether it is a person's mistake (else: unexpected). */
export function describeError(err: unknown, config?: Config): { message: string; expected: boolean } {
  if (err instanceof ConfigError) return { message: `invalid configuration: ${err.problems.join('; ')}`, expected: true };
  if (err instanceof BootstrapError || err instanceof DatabaseInUseError) return { message: err.message, expected: true };
  if (err instanceof ZodError) return { message: zodLine(err), expected: true };
  if (err instanceof AppError) {
    const explain = PASSWORD_PROBLEMS[err.message];
    return { message: explain ? explain(config?.password.minLength ?? 10) : err.message, expected: true };
  }
  const e = err as Error & { code?: string; errors?: Error[] };
  const text = e?.message || e?.errors?.map((x) => x.message).join('; ') || e?.code || String(err);
  return { message: text.split('\n')[0], expected: false };
}

/** The organization with this slug, or a not-found error the CLI prints. */
export async function orgBySlug(ctx: Context, slug: string) {
  const org = await ctx.services.orgs.findBySlug(slug);
  if (!org) throw notFound('no_organization', `no organization ${slug}`);
  return org;
}

/** The person with this email address, or a not-found error the CLI prints. */
export async function userByEmail(ctx: Context, email: string) {
  const user = await ctx.services.accounts.findUserByEmail(email);
  if (!user) throw notFound('no_user', `no user with email ${email}`);
  return user;
}
