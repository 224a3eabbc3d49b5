#!/usr/bin/env node
// The `wayfinder` command: runs the TypeScript CLI (src/cli/main.ts) in this process through tsx.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
