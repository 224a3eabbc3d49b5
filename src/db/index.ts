/**
 * The database: real Postgres (pg pool) when a URL is configured, otherwise the embedded PGlite in the
 * data directory. Both speak the same SQL through kysely.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/schema.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { DB } from './schema.js';

export type Db = Kysely<DB>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Where the data lives, for messages (no credentials). */
  where: string;
  close(): Promise<void>;
}

export async function openDatabase(config: Pick<Config, 'database'>): Promise<Database> {
  const { url, dataDir, poolSize } = config.database;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: poolSize });
    pool.on('error', () => { /* a broken idle client is dropped by the pool; queries report errors */ });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(url);
    return { db, kind: 'postgres', where: `${u.hostname}:${u.port || 5432}${u.pathname}`, close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dir = path.resolve(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', where: dir, close: () => db.destroy() };
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
