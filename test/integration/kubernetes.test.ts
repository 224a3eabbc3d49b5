/**
 * The Kubernetes manifests (deploy/kubernetes) pass the offline check that CI runs, and the check fails on
 * broken copies: a schema error, a misspelt field (strict), and each rule the deployment relies on.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import YAML from 'yaml';
import { checkManifests, loadManifests } from '../../scripts/kubernetes-manifests.js';
import { bootstrapSchema } from '../../src/bootstrap/schema.js';
import { loadConfig } from '../../src/config/load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifests = path.join(root, 'deploy/kubernetes');

function validateSh(dir: string) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile('bash', [path.join(manifests, 'validate.sh'), dir], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** A copy of the manifests with `edit` applied to one file's text. */
function broken(file: string, edit: (text: string) => string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wayfinder-k8s-'));
  cpSync(manifests, dir, { recursive: true });
  const target = path.join(dir, file);
  const before = readFileSync(target, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`the edit of ${file} changed nothing`);
  writeFileSync(target, after);
  return dir;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('deploy/kubernetes', () => {
  test('validate.sh accepts the manifests and refuses a broken copy', async () => {
    const ok = await validateSh(manifests);
    expect(ok.out).toMatch(/6 documents valid/);
    expect(ok.code).toBe(0);
    const dir = broken('deployment.yaml', (t) => t.replace('replicas: 2', 'replicas: two'));
    dirs.push(dir);
    const bad = await validateSh(dir);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/spec\/replicas must be integer/);
  });

  test("the ConfigMap's files are what Wayfinder reads: config.yaml through CONFIG_FILE, bootstrap.yaml for bootstrap apply", () => {
    const files = loadManifests(manifests).docs.find((d) => d.kind === 'ConfigMap')!.data.data as Record<string, string>;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wayfinder-k8s-config-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'config.yaml'), files['config.yaml']);
    const env = {
      NODE_ENV: 'production',
      CONFIG_FILE: path.join(dir, 'config.yaml'),
      ISSUER: 'https://id.example.com',
      DATABASE_URL: 'postgres://wayfinder@pgbouncer:6432/wayfinder',
      COOKIE_KEYS: randomBytes(32).toString('base64url'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    const config = loadConfig({ env, warn: () => {} });
    expect(config.server.shutdownGraceSeconds).toBe(20);
    expect(config.database.poolSize).toBe(10);
    expect(config.database.preparedStatements).toBe(false); // safe behind any PgBouncer in transaction mode
    expect(bootstrapSchema.safeParse(YAML.parse(files['bootstrap.yaml'])).error).toBeUndefined();
  });

  const edits: Array<[string, string, (t: string) => string, RegExp]> = [
    [
      'a misspelt field (strict)',
      'deployment.yaml',
      (t) => t.replace('readinessProbe:', 'readinesProbe:'),
      /'"readinesProbe"' does not exist in type 'IContainer'/,
    ],
    [
      'an unknown field in the PodDisruptionBudget',
      'pdb.yaml',
      (t) => t.replace('minAvailable: 1', 'minAvailable: 1\n  maxUnavailabel: 1'),
      /maxUnavailabel/,
    ],
    [
      'a grace period shorter than the drain',
      'deployment.yaml',
      (t) => t.replace('terminationGracePeriodSeconds: 40', 'terminationGracePeriodSeconds: 20'),
      /terminationGracePeriodSeconds 20 must exceed the preStop sleep 5 \+ shutdownGraceSeconds 20/,
    ],
    [
      'a liveness probe on the database',
      'deployment.yaml',
      (t) => t.replace(/(livenessProbe:\n\s+httpGet:\n\s+path:) \/healthz/, '$1 /readyz'),
      /livenessProbe must GET \/healthz/,
    ],
    [
      'a Service that selects nothing',
      'service.yaml',
      (t) => t.replace('app.kubernetes.io/component: server', 'app.kubernetes.io/component: web'),
      /Service: selector .* does not select/,
    ],
    [
      'a real secret in the template',
      'secret.yaml',
      (t) => t.replace('COOKIE_KEYS: CHANGE-ME', 'COOKIE_KEYS: 0123456789abcdefghijklmnopqrstuvwxyz'),
      /Secret: COOKIE_KEYS holds a value/,
    ],
    ['a file left out of kustomization.yaml', 'kustomization.yaml', (t) => t.replace('  - pdb.yaml\n', ''), /pdb.yaml: not listed/],
  ];
  test.each(edits)('refuses %s', async (_name, file, edit, expected) => {
    const dir = broken(file, edit);
    dirs.push(dir);
    const { problems } = await checkManifests(dir);
    expect(problems.join('\n')).toMatch(expected);
  });
});
