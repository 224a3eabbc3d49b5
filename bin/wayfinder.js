#!/usr/bin/env node
// The `wayfinder` command: runs the compiled CLI (dist/, in the container image) when it exists,
// otherwise the TypeScript sources through tsx (a checkout).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
