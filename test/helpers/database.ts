/**
 * A fresh database per test file: a new Postgres database when DATABASE_URL is set (CI), otherwise an
 * in-memory PGlite. Either way the real migrations run on it (startServer migrates). On Postgres the
 * global setup migrates one template database (WF_TEST_TEMPLATE) and each test database is a copy of
 * it, already migrated (about 0.1 s instead of 0.8 s of migrations per database); `{ empty: true }`
 * gives a database without any table, for tests of the migrations themselves.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, openMemoryDatabase, type Database } from '../../src/db/index.js';

export interface TestDatabase {
  database: Database;
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const database = await openMemoryDatabase();
    return { database, drop: () => database.close() };
  }
  const name = `wf_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const template = process.env.WF_TEST_TEMPLATE;
  await admin.query(`create database ${name}${template && !opts.empty ? ` template ${template}` : ''}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const database = await openDatabase({ database: { url: url.toString(), dataDir: '/tmp', poolSize: 5 } });
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function onServer(base: string, statement: string) {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

/**
 * An empty database on a real Postgres (DATABASE_URL's server, else the local one on 127.0.0.1:5432),
 * for tests of Postgres itself (prepared statements, outages) that run even without DATABASE_URL;
 * undefined when no Postgres answers (the test then skips). `drop()` removes it, connections and all.
 */
export async function scratchPostgres(prefix: string): Promise<{ url: URL; drop(): Promise<void> } | undefined> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  try {
    await onServer(base, `create database ${name}`);
  } catch {
    return undefined;
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url, drop: () => onServer(base, `drop database if exists ${name} with (force)`) };
}

/**
 * Counts every statement the database's executors send (transactions included), by patching where
 * kysely's executeQuery lives; `counted` says which statements count (all by default).
 */
export function countStatements(db: Database['db'], counted: (sql: string) => boolean = () => true) {
  let proto: object | null = db.getExecutor();
  while (proto && !Object.hasOwn(proto, 'executeQuery')) proto = Object.getPrototypeOf(proto);
  const target = proto as { executeQuery: (...a: unknown[]) => Promise<unknown> };
  const original = target.executeQuery;
  let n = 0;
  target.executeQuery = function (this: unknown, ...a: unknown[]) {
    if (counted((a[0] as { sql?: string }).sql ?? '')) n += 1;
    return original.apply(this, a);
  };
  return {
    get count() {
      return n;
    },
    restore: () => void (target.executeQuery = original),
  };
}
