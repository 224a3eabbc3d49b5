/**
 * Issue 16, defect 8: `npm ci` must not warn EBADENGINE on the Node versions package.json advertises
 * (i18next 27 and dns2 3.1 wanted Node 22): every locked package's `engines.node` accepts the lowest
 * advertised version and the machine's own. (oidc-provider 9's own "Unsupported runtime" notice
 * below Node 22 LTS is dropped on Node 20.19+ by src/oidc/runtime-notice.ts; its test is
 * test/integration/runtime-notice.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const semver = require('semver') as { satisfies(v: string, range: string): boolean; minVersion(range: string): { version: string } };

test('every locked package supports the advertised Node versions', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { engines?: { node?: string } | string[] }>;
  };
  const lowest = semver.minVersion(pkg.engines.node).version;
  const refusing = Object.entries(lock.packages)
    .filter(([name, p]) => name && p.engines && !Array.isArray(p.engines) && p.engines.node)
    .filter(([, p]) => {
      const range = (p.engines as { node: string }).node;
      return !semver.satisfies(lowest, range) || !semver.satisfies(process.versions.node, range);
    })
    .map(([name, p]) => `${name} (${(p.engines as { node: string }).node})`);
  expect(refusing).toEqual([]);
});
