/**
 * Starts a real Wayfinder (real HTTP on a free loopback port, real database) for a test file.
 */
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/lib/log.js';
import { startServer, type Running } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const TEST_SECRETS = {
  cookieKeys: ['test-cookie-key-0123456789abcdefghijklmnopqrstuvwxyz'],
  encryptionKey: Buffer.alloc(32, 7).toString('base64'),
};

export interface TestServer extends Running {
  testDb: TestDatabase;
  close(): Promise<void>;
}

export async function startTestServer(
  overrides: Record<string, unknown> = {},
  options: { issuerHost?: 'localhost' | '127.0.0.1' } = {},
): Promise<TestServer> {
  const config: Config = loadConfig({
    env: { NODE_ENV: 'test' },
    overrides: { secrets: TEST_SECRETS, ...overrides },
    warn: () => {},
  });
  const testDb = await createTestDatabase();
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const running = await startServer(config, { database: testDb.database, issuerFromPort: true, issuerHost: options.issuerHost, log });
  return {
    ...running,
    testDb,
    async close() {
      await running.stop();
      await testDb.drop();
    },
  };
}
