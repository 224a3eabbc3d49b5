/**
 * Exporting 100,000 audit events as CSV streams them (batches of 1,000 read by keyset): every row
 * arrives, and while the reader stops reading the server stops reading the database (backpressure),
 * so only a few batches are ever held at once. The heap figure is printed for the note but
 * not asserted: under a loaded test run, uncollected garbage makes it meaningless as a bound.
 */
import { sql } from 'kysely';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setUpAdmin } from '../helpers/admin-api.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof setUpAdmin>>;

beforeAll(async () => {
  server = await startTestServer();
  admin = await setUpAdmin(server);
});
afterAll(() => server?.close());

test('100,000 events export as CSV in bounded memory', async () => {
  const orgId = await admin.orgId('acme');
  await sql`insert into audit_events (at, type, outcome, org_id, ip, data)
    select now() - make_interval(secs => g), 'bulk.event', 'info', ${orgId}, '192.0.2.1', jsonb_build_object('n', g, 'note', repeat('x', 80))
    from generate_series(1, 100000) g`.execute(server.testDb.database.db);
  const token = await admin.token('acme-admin');
  const store = server.features.admin.store;
  const batches = store.auditBatches.bind(store);
  let fetched = 0;
  store.auditBatches = async function* (...args: Parameters<typeof batches>) {
    for await (const b of batches(...args)) {
      fetched += 1;
      yield b;
    }
  };
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const res = await fetch(`${server.url}/api/admin/v1/audit-events/export?format=csv&type=bulk.event`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let lines = 0;
  let bytes = 0;
  let rest = '';
  let pausedAt = -1;
  for (;;) {
    if (pausedAt < 0 && bytes > 0) {
      // Stop reading for a while: the server must stop fetching batches.
      await new Promise((r) => setTimeout(r, 700));
      pausedAt = fetched;
    }
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    const text = rest + decoder.decode(value, { stream: true });
    const parts = text.split('\n');
    rest = parts.pop()!;
    lines += parts.length;
  }
  clearInterval(sampler);
  const grownMb = (peak - base) / 1048576;
  process.stdout.write(
    `audit export: ${lines - 1} rows, ${(bytes / 1048576).toFixed(1)} MB streamed, ${pausedAt} of ${fetched} batches read while the client paused, heap peak +${grownMb.toFixed(1)} MB\n`,
  );
  expect(lines).toBe(100_001);
  expect(bytes).toBeGreaterThan(15 * 1048576);
  expect(fetched).toBe(100);
  // Socket and stream buffers on loopback hold a few MB (about 20 batches here); built in memory, all 100 would be read.
  expect(pausedAt).toBeLessThan(50);
}, 120_000);
