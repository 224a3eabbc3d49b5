/**
 * Jest global setup. Each test file makes its own database (test/helpers/database.ts). The CLI tests
 * run the compiled CLI (dist/, as in the container image): building it once here (~2 s) makes each of
 * their many child processes start without compiling TypeScript again. On Postgres, the compiled CLI
 * then migrates the template every test database is copied from (WF_TEST_TEMPLATE, dropped by the
 * teardown).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export default async function globalSetup() {
  process.env.NODE_ENV = 'test';
  const root = path.resolve(import.meta.dirname, '../..');
  await run(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: root });
  const base = process.env.DATABASE_URL;
  if (!base) return;
  const name = `wf_tpl_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const { NODE_OPTIONS: _o, ...env } = process.env;
  await run(process.execPath, ['dist/src/cli/main.js', 'migrate'], { cwd: root, env: { ...env, DATABASE_URL: url.toString() } });
  process.env.WF_TEST_TEMPLATE = name;
}
