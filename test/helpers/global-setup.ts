/**
 * Jest global setup. Each test file makes its own database (test/helpers/database.ts). The CLI tests
 * run the compiled CLI (dist/, as in the container image): building it once here (~2 s) makes each of
 * their many child processes start without compiling TypeScript again.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default async function globalSetup() {
  process.env.NODE_ENV = 'test';
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: root, stdio: 'ignore' });
}
