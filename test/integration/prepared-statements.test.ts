/**
 * Named prepared statements (src/db/prepared.ts, issue 18), on a real Postgres: statements with
 * parameters are prepared once per connection under a name derived from their text; a schema change
 * under the running pool (a column added while `select *` is prepared) is survived; the number of names
 * per connection is bounded; `preparedStatements: false` prepares nothing. Needs a Postgres
 * (DATABASE_URL, else 127.0.0.1:5432); skipped when there is none.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/index.js';
import { MAX_PER_CONNECTION } from '../../src/db/prepared.js';
import { scratchPostgres } from '../helpers/database.js';

let available = false;
let scratch: Awaited<ReturnType<typeof scratchPostgres>>;
const opened: Database[] = [];

async function open(preparedStatements?: boolean) {
  const database = await openDatabase({
    database: {
      url: scratch!.url.toString(),
      dataDir: '/tmp',
      poolSize: 1,
      ...(preparedStatements === undefined ? {} : { preparedStatements }),
    },
  } as never);
  opened.push(database);
  return database;
}

/** The names prepared on the pool's one connection (asked on that same connection). */
async function preparedNames(database: Database): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements where name like 'wf%'`.execute(database.db);
  return rows.map((r) => r.name);
}

beforeAll(async () => {
  scratch = await scratchPostgres('wf_t_prep');
  available = !!scratch;
});

afterAll(async () => {
  for (const d of opened) await d.close();
  await scratch?.drop();
});

test('a statement with parameters is prepared once per connection, under one name for one text', async () => {
  if (!available) return console.warn('prepared-statements: no Postgres reachable, skipped');
  const d = await open();
  for (let i = 0; i < 3; i += 1) {
    const { rows } = await sql<{ n: number }>`select ${i}::int + 1 as n`.execute(d.db);
    expect(rows[0].n).toBe(i + 1);
  }
  await sql`select ${'other'}::text as t`.execute(d.db);
  expect((await preparedNames(d)).length).toBe(2);
});

test('a column added under the running pool: a prepared select * answers with the new column (no error)', async () => {
  if (!available) return console.warn('prepared-statements: no Postgres reachable, skipped');
  const d = await open();
  await sql`create table prep_t (id int primary key)`.execute(d.db);
  await sql`insert into prep_t values (1)`.execute(d.db);
  const read = () => sql<Record<string, unknown>>`select * from prep_t where id = ${1}`.execute(d.db);
  expect((await read()).rows).toEqual([{ id: 1 }]);
  // Another process (a newer instance's migration) changes the table.
  const other = new pg.Client({ connectionString: scratch!.url.toString() });
  await other.connect();
  await other.query(`alter table prep_t add column label text not null default 'x'`);
  await other.end();
  expect((await read()).rows).toEqual([{ id: 1, label: 'x' }]);
  expect((await read()).rows).toEqual([{ id: 1, label: 'x' }]); // and again, prepared afresh
  // Inside a transaction the stale plan fails that transaction (rolled back), and the next statement works.
  await expect(
    d.db.transaction().execute(async (tx) => {
      await sql`alter table prep_t add column more int`.execute(tx);
      await sql`select * from prep_t where id = ${1}`.execute(tx);
    }),
  ).rejects.toThrow(/cached plan must not change result type/);
  expect((await read()).rows).toEqual([{ id: 1, label: 'x' }]);
});

test(`at most ${MAX_PER_CONNECTION} names per connection: the rest run unnamed`, async () => {
  if (!available) return console.warn('prepared-statements: no Postgres reachable, skipped');
  const d = await open();
  for (let i = 0; i < MAX_PER_CONNECTION + 20; i += 1) {
    const { rows } = await sql<{ n: number }>`select ${i}::int as n, ${sql.lit(i)} as k`.execute(d.db);
    expect(rows[0].n).toBe(i);
  }
  expect((await preparedNames(d)).length).toBe(MAX_PER_CONNECTION);
});

test('preparedStatements: false prepares nothing (a pooler in transaction mode)', async () => {
  if (!available) return console.warn('prepared-statements: no Postgres reachable, skipped');
  const d = await open(false);
  await sql`select ${1}::int as n`.execute(d.db);
  expect(await preparedNames(d)).toEqual([]);
});
