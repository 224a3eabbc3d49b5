/** Services on a fresh migrated database, without HTTP (for store-level tests). */
import { loadConfig } from '../../src/config/load.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/log.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase } from './database.js';
import { TEST_SECRETS } from './server.js';

export async function testServices(overrides: Record<string, unknown> = {}) {
  const config = loadConfig({ env: { NODE_ENV: 'test' }, overrides: { secrets: TEST_SECRETS, ...overrides }, warn: () => {} });
  const testDb = await createTestDatabase();
  await migrateToLatest(testDb.database.db);
  const services = createServices(testDb.database.db, config, createLogger('silent'));
  return { services, config, testDb, db: testDb.database.db, close: () => testDb.drop() };
}
