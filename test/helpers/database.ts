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
