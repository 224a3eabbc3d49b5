/**
 * The operator CLI: `npm run wayfinder -- <command>`, bin/wayfinder.js, or `node --import tsx src/cli/main.ts`.
 * Configuration comes from the same files and environment as the server (DATABASE_URL, DATA_DIR,
 * ENCRYPTION_KEY, ...). `wayfinder help` lists the commands; see run.ts for the exit codes.
 */
import { main } from './run.js';

const code = await main(process.argv.slice(2));
// Let stdout drain before exiting (a pipe may still hold output), then exit even if a handle lingers.
process.stdout.write('', () => process.exit(code));
