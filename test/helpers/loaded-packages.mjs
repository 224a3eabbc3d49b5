// Preloaded into a server under test (`node --import`): on SIGUSR2 it prints the npm packages loaded
// so far through CommonJS (every package here is, or is reached through, CommonJS), as one line
// "LOADED_PACKAGES [...]" on stdout.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
process.on('SIGUSR2', () => {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file.slice(file.lastIndexOf('/node_modules/')));
    if (m) names.add(m[1]);
  }
  process.stdout.write(`LOADED_PACKAGES ${JSON.stringify([...names].sort())}\n`);
});
