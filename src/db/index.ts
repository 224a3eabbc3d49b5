/**
 * The database: real Postgres (pg pool) when a URL is configured, otherwise the embedded PGlite in the
 * data directory. Both speak the same SQL through kysely.
 * PGlite has no lock of its own: two processes opening one data directory would each cache and write
 * it and corrupt it. A lock file (holding the pid) refuses a second process — e.g. the CLI while the
 * server runs — with a message saying which process holds it; a lock left by a dead process is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/schema.js';
import { PGliteDialect } from './pglite-dialect.js';
import { PreparingClient } from './prepared.js';
import type { DB } from './schema.js';

export type Db = Kysely<DB>;

/** The embedded database is open in another process. */
export class DatabaseInUseError extends Error {}

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Where the data lives, for messages (no credentials). */
  where: string;
  close(): Promise<void>;
}

/** `database.preparedStatements` may be left out (tests, tools): on. */
type DatabaseConfig = { database: Omit<Config['database'], 'preparedStatements'> & { preparedStatements?: boolean } };

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const { url, dataDir, poolSize, preparedStatements } = config.database;
  if (url) {
    // A bounded wait for a connection: an unreachable database is a quick 503 (src/db/availability.ts), not a hang.
    const pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: 5000,
      ...(preparedStatements === false ? {} : { Client: PreparingClient as unknown as typeof pg.Client }),
    });
    // Without a listener, an idle client's error ("terminating connection due to administrator command")
    // would crash the process. The pool drops that client and connects afresh on the next query.
    pool.on('error', () => {
      /* the next query reports the outage, once (src/db/availability.ts) */
    });
    // The same for a client that is checked out (e.g. held by a transaction) between two queries: the pool
    // only listens while a client is idle. Its query (or the next one) fails and reports the outage.
    pool.on('connect', (client) => {
      client.on('error', () => {
        /* reported by the failing query */
      });
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(url);
    return { db, kind: 'postgres', where: `${u.hostname}:${u.port || 5432}${u.pathname}`, close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dir = path.resolve(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(dir);
  try {
    const pglite = await PGlite.create(dir);
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
    return { db, kind: 'pglite', where: dir, close: () => db.destroy().finally(unlock) };
  } catch (err) {
    unlock();
    throw err;
  }
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the embedded database's lock file, or explains who holds it. Returns the release function. */
function lockDataDir(dir: string): () => void {
  const file = `${dir}.lock`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(file, 'utf8').trim());
    } catch {
      /* removed meanwhile: retry */
    }
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new DatabaseInUseError(
        `the embedded database in ${dir} is in use by process ${holder} (a running Wayfinder?); ` +
          'stop it first, or use Postgres (DATABASE_URL) to run several processes',
      );
    }
    rmSync(file, { force: true });
  }
}

/** An in-memory PGlite database (tests). */
export async function openMemoryDatabase(): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create();
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', where: 'memory', close: () => db.destroy() };
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
