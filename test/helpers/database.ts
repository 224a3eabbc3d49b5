/**
 * A fresh database per test file: a new Postgres database when DATABASE_URL is set (CI), otherwise an
 * in-memory PGlite. Either way the real migrations run on it (startServer migrates).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, openMemoryDatabase, type Database } from '../../src/db/index.js';

export interface TestDatabase {
  database: Database;
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const database = await openMemoryDatabase();
    return { database, drop: () => database.close() };
  }
  const name = `wf_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
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
