/**
 * The operator CLI as an operator runs it, for the CLI suites: the compiled `dist/src/cli/main.js`
 * (built by the global setup) as a child process, on a database of its own.
 *
 * Where each suite runs (`cliTargets`): the embedded database when DATABASE_URL is unset; Postgres
 * when it is set (CI), as every other suite does. The one suite that covers the embedded path in CI
 * as well asks for `{ embeddedToo: true }`: a CLI process on PGlite spends about a second opening its
 * data directory, so running every CLI suite on both doubled the slowest part of CI for no new case.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { openDatabase } from '../../src/db/index.js';
import { createLogger } from '../../src/lib/log.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** Time for a test of several CLI runs. */
export const SLOW = 180_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type CliTarget = 'pglite' | 'postgres';

/** The environment a CLI process starts from: the test's own, without its database and jest settings. */
const { NODE_OPTIONS: _o, DATABASE_URL: _u, DATA_DIR: _d, ...inherited } = process.env;
export const baseEnv: NodeJS.ProcessEnv = { ...inherited, NODE_ENV: 'test' };

export function cliTargets(opts: { embeddedToo?: boolean } = {}): CliTarget[] {
  if (!process.env.DATABASE_URL) return ['pglite'];
  return opts.embeddedToo ? ['pglite', 'postgres'] : ['postgres'];
}

export function runCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: root, env, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** The `error: …` lines of a run's stderr. */
export const errorLines = (r: CliResult) => r.stderr.split('\n').filter((l) => l.startsWith('error: '));
/** The first `error: …` line, or ''. */
export const errorLine = (r: CliResult) => errorLines(r)[0] ?? '';

/** Rows of a printed table (header excluded), split on runs of two or more spaces. */
export const tableRows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(/ {2,}/));

/** A CLI environment on `target`: a temporary DATA_DIR and, on Postgres, a fresh database. */
export interface CliSetup {
  env: NodeJS.ProcessEnv;
  dir: string;
  run(...args: string[]): Promise<CliResult>;
  /** Services over the same database (closed afterwards), to set up or check what output alone could hide. */
  withServices<T>(fn: (s: Services) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `emptyDatabase`: a Postgres database without tables (the migrate command's own test); else one already migrated. */
export async function cliSetup(
  target: CliTarget,
  prefix: string,
  extra: NodeJS.ProcessEnv = {},
  opts: { emptyDatabase?: boolean } = {},
): Promise<CliSetup> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `wf-${prefix}-`));
  const env: NodeJS.ProcessEnv = { ...baseEnv, DATA_DIR: dir, ISSUER: 'https://id.example.test', ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k]; // `{ ISSUER: undefined }` leaves it unset
  let pgdb: TestDatabase | undefined;
  if (target === 'postgres') {
    pgdb = await createTestDatabase({ empty: opts.emptyDatabase });
    env.DATABASE_URL = pgdb.url;
  }
  return {
    env,
    dir,
    run: (...args) => runCli(env, ...args),
    async withServices(fn) {
      const config = loadConfig({ env, warn: () => {} });
      const database = await openDatabase(config);
      try {
        return await fn(createServices(database.db, config, createLogger('silent')));
      } finally {
        await database.close();
      }
    },
    async close() {
      await pgdb?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
