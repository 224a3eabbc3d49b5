/** Configuration: defaults, environment overrides, readable failures, production secrets. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'wf-config-'));
const secrets = { COOKIE_KEYS: 'k'.repeat(40), ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };

test('environment overrides the files', () => {
  const c = loadConfig({
    env: { NODE_ENV: 'test', PORT: '4100', ISSUER: 'https://id.example.test', DATA_DIR: tmp(), ...secrets },
    warn: () => {},
  });
  expect(c.server.port).toBe(4100);
  expect(c.server.issuer).toBe('https://id.example.test');
  expect(c.secrets.cookieKeys).toEqual(['k'.repeat(40)]);
  expect(c.password.argon2.memoryCost).toBe(8192); // config/test.yaml
});

test('invalid values fail with a readable list naming the variable', () => {
  let err: unknown;
  try {
    loadConfig({
      env: { NODE_ENV: 'test', PORT: 'eighty', ISSUER: 'not a url', DATABASE_URL: 'mysql://x', DATA_DIR: tmp(), ...secrets },
      warn: () => {},
    });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const message = (err as Error).message;
  expect(message).toMatch(/PORT: expected a whole number, got "eighty"/);
  expect(message).not.toMatch(/at .*\.ts:\d+/); // no stack trace in the message
});

test('an issuer with a path is refused with the reason', () => {
  expect(() =>
    loadConfig({ env: { NODE_ENV: 'test', ISSUER: 'https://id.example.test/idp', DATA_DIR: tmp(), ...secrets }, warn: () => {} }),
  ).toThrow(/server.issuer \(ISSUER\): the issuer must be an origin/);
});

test('production refuses to start without secrets and names each missing one', () => {
  expect(() => loadConfig({ env: { NODE_ENV: 'production', DATA_DIR: tmp() } })).toThrow(
    /COOKIE_KEYS is missing[\s\S]*ENCRYPTION_KEY is missing/,
  );
  expect(() => loadConfig({ env: { NODE_ENV: 'production', DATA_DIR: tmp(), COOKIE_KEYS: secrets.COOKIE_KEYS } })).toThrow(
    /ENCRYPTION_KEY is missing/,
  );
  expect(loadConfig({ env: { NODE_ENV: 'production', DATA_DIR: tmp(), ...secrets } }).env).toBe('production');
});

test('development generates secrets once, keeps them and warns', () => {
  const dir = tmp();
  const warnings: string[] = [];
  const a = loadConfig({ env: { DATA_DIR: dir }, warn: (m) => warnings.push(m) });
  const b = loadConfig({ env: { DATA_DIR: dir }, warn: (m) => warnings.push(m) });
  expect(a.secrets).toEqual(b.secrets);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/generated development secrets/);
});

test('CONFIG_FILE is layered over the defaults; unknown keys are refused', () => {
  const dir = tmp();
  const file = path.join(dir, 'wayfinder.yaml');
  writeFileSync(file, 'server:\n  port: 4200\n');
  expect(loadConfig({ env: { NODE_ENV: 'test', CONFIG_FILE: file, DATA_DIR: dir, ...secrets } }).server.port).toBe(4200);
  writeFileSync(file, 'server:\n  prot: 4200\n');
  expect(() => loadConfig({ env: { NODE_ENV: 'test', CONFIG_FILE: file, DATA_DIR: dir, ...secrets } })).toThrow(/server: Unrecognized key/);
});

test('TRUST_PROXY_HOPS and TRUST_PROXY_CIDRS are read and checked; the demo is off outside development', () => {
  const base = { NODE_ENV: 'production', DATA_DIR: tmp(), ...secrets };
  const proxy = { TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2', TRUST_PROXY_CIDRS: '10.0.0.0/8, fd00::/8', METRICS_TOKEN: 'm'.repeat(20) };
  const c = loadConfig({ env: { ...base, ...proxy } });
  expect([c.server.trustProxyHops, c.server.trustProxyCidrs, c.server.metricsToken, c.demo]).toEqual([
    2,
    ['10.0.0.0/8', 'fd00::/8'],
    'm'.repeat(20),
    false,
  ]);
  expect(loadConfig({ env: base }).server.trustProxyHops).toBe(1);
  expect(() => loadConfig({ env: { ...base, TRUST_PROXY_CIDRS: '10.0.0.0/33' } })).toThrow(/trustProxyCidrs\.0: an address or CIDR/);
  expect(() => loadConfig({ env: { ...base, METRICS_TOKEN: 'short' } })).toThrow(/METRICS_TOKEN/);
});
