/** Jest global setup: nothing shared; each test file makes its own database (test/helpers/database.ts). */
export default async function globalSetup() {
  process.env.NODE_ENV = 'test';
}
