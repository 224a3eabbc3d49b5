/** Jest global teardown: drops the template database of the global setup (Postgres only). */
import pg from 'pg';

export default async function globalTeardown() {
  const base = process.env.DATABASE_URL;
  const template = process.env.WF_TEST_TEMPLATE;
  if (!base || !template) return;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database if exists ${template} with (force)`);
  await admin.end();
}
