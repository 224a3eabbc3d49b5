/**
 * Instances that start together on one fresh Postgres apply the same bootstrap file one after the
 * other (the bootstrap lock): none fails on a duplicate key, and the later one finds every entry
 * applied and unchanged. (Found by the soak's two-instance start; PGlite has one process.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBootstrap } from '../../src/bootstrap/apply.js';
import { openDatabase } from '../../src/db/index.js';
import { createLogger } from '../../src/lib/log.js';
import { createServices } from '../../src/services.js';
import { testServices } from '../helpers/services.js';

const onPostgres = Boolean(process.env.DATABASE_URL);
const FILE = `
users:   [{ email: alice@example.test, password: "correct horse battery staple" }, { email: bob@example.test }]
clients:
  - { client_id: rp1, client_secret: s3cret-value-0123456789abcdefghij, redirect_uris: [https://rp.example/cb],
      grant_types: [authorization_code, refresh_token], token_endpoint_auth_method: client_secret_basic }
organizations: [{ slug: acme, name: Acme, members: [{ email: alice@example.test, role: admin }, { email: bob@example.test }] }]
`;

(onPostgres ? test : test.skip)('two instances applying one file at once both succeed, once each', async () => {
  const t = await testServices();
  // A second "instance": its own pool and services on the same database.
  const otherDb = await openDatabase({ database: { url: t.testDb.url!, dataDir: '/tmp', poolSize: 5 } } as never);
  const other = createServices(otherDb.db, t.config, createLogger('silent'));
  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-bootstrap-race-'));
    const file = path.join(dir, 'bootstrap.yaml');
    writeFileSync(file, FILE);
    const results = await Promise.allSettled([
      applyBootstrap(t.services, file, { exclusive: true }),
      applyBootstrap({ ...t.services }, file, { exclusive: true }),
      applyBootstrap(other, file, { exclusive: true }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const unchanged = results.map((r) => (r.status === 'fulfilled' ? r.value.unchanged : -1)).sort();
    expect(unchanged[0]).toBe(0); // the first applied everything
    expect(unchanged[2]).toBeGreaterThan(0); // a later one found it applied
    const users = await t.services.accounts.listUsers();
    expect(users.map((u) => u.email).sort()).toEqual(['alice@example.test', 'bob@example.test']);
  } finally {
    await otherDb.close();
    await t.close();
  }
});
