/**
 * The database health log (src/db/availability.ts): an outage is logged once, after a ping confirms it;
 * a connection error while the database answers (one dropped connection, or a request that failed just
 * before a recovery and reports late — the database-outage test saw that on CI) is a warning, never a
 * second "database unavailable" line. The database is a kysely whose driver fails while `down` is set.
 */
import { Writable } from 'node:stream';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Driver,
} from 'kysely';
import { createDatabaseHealth } from '../../src/db/availability.js';
import type { Db } from '../../src/db/index.js';
import { createLogger } from '../../src/lib/log.js';

let down = false;
let pings = 0;
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const connection: DatabaseConnection = {
  async executeQuery() {
    pings += 1;
    if (down) throw refused();
    return { rows: [] };
  },
  // eslint-disable-next-line require-yield
  async *streamQuery() {
    throw new Error('not used');
  },
};
const driver: Driver = {
  init: async () => {},
  acquireConnection: async () => connection,
  beginTransaction: async () => {},
  commitTransaction: async () => {},
  rollbackTransaction: async () => {},
  releaseConnection: async () => {},
  destroy: async () => {},
};
const db = new Kysely<never>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => driver,
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
}) as unknown as Db;

function setup() {
  const lines: Array<{ msg: string; level: number }> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { msg: string; level: number });
      cb();
    },
  });
  const health = createDatabaseHealth(db, createLogger('info', sink), { probeMs: 20 });
  const count = (re: RegExp) => lines.filter((l) => re.test(l.msg)).length;
  return { health, lines, count };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => {
  down = false;
});

test('an outage: one "database unavailable" line once a ping fails, one "available again" line on recovery', async () => {
  const { health, count } = setup();
  down = true;
  expect(health.failed(refused())).toBe(true);
  expect(health.failed(refused())).toBe(true);
  await sleep(100);
  expect(health.up).toBe(false);
  expect(count(/database unavailable/)).toBe(1);
  down = false;
  await sleep(100);
  expect(health.up).toBe(true);
  expect(count(/database available again/)).toBe(1);
  expect(count(/database unavailable/)).toBe(1);
  health.stop();
});

test('a connection error reported just after a recovery (the database answers) is a warning, not a second outage', async () => {
  const { health, count, lines } = setup();
  down = true;
  health.failed(refused());
  await sleep(60);
  down = false;
  await sleep(60);
  expect(health.up).toBe(true);
  // A request that started during the outage reports its error late.
  expect(health.failed(refused())).toBe(true);
  await sleep(60);
  expect(health.up).toBe(true);
  expect(count(/database unavailable/)).toBe(1);
  expect(count(/database available again/)).toBe(1);
  expect(count(/the database answers/)).toBe(1);
  expect(lines.filter((l) => l.level >= 50)).toHaveLength(1);
  health.stop();
});

test('an error that is not about reaching the database is not an outage and pings nothing', async () => {
  const { health, lines } = setup();
  const before = pings;
  expect(health.failed(new Error('duplicate key value violates unique constraint'))).toBe(false);
  await sleep(40);
  expect(pings).toBe(before);
  expect(lines).toEqual([]);
  expect(await db.executeQuery(CompiledQuery.raw('select 1'))).toEqual({ rows: [] });
  health.stop();
});
