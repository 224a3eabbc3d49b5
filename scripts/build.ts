/**
 * Production build: transpiles src/ and migrations/ to JavaScript in dist/ (one file per source file,
 * no bundling, so native modules and dynamic imports behave as in development) and copies the files
 * the code reads at run time (every non-TypeScript file under src/, and config/). `node dist/src/main.js`
 * then runs without tsx, which saves its loader's memory (~35–60 MB measured in bench/).
 */
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist');
const sources = ['src', 'migrations'].flatMap((dir) =>
  readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(root, dir, f)),
);

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: sources,
  outdir: out,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
// Everything under src/ that is not TypeScript is read at run time (templates, locales, assets, schemas).
for (const file of readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
  const from = path.join(root, 'src', file);
  if (!file.endsWith('.ts') && statSync(from).isFile()) cpSync(from, path.join(out, 'src', file));
}
cpSync(path.join(root, 'config'), path.join(out, 'config'), { recursive: true });
console.log(`built ${sources.length} files into ${path.relative(process.cwd(), out) || '.'}/`);
