/**
 * What every soak scenario starts from: a private Postgres (bench/soak/postgres.ts) with a fresh
 * database, a bootstrap file (people, a sign-in client, a client-credentials client and its API), and
 * Wayfinder compiled to dist/ and started as production runs it (bench/lib/processes.ts). Several
 * instances share the database, the secrets and the issuer (the proxy's URL when there is one).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWayfinder, freePort, startNode, waitReady, type Child } from '../lib/processes.js';
import { privatePostgres, type PrivatePostgres } from './postgres.js';
import type { Person, SignInClient, TokenClient } from './traffic.js';

export type Cleanups = Array<() => Promise<void> | void>;

export interface Instance {
  name: string;
  port: number;
  child: Child;
  lines: { count: number; sample: string[] };
}

export interface Cluster {
  pg: PrivatePostgres;
  databaseUrl: string;
  people: Person[];
  token(origin: string): TokenClient;
  signIn(origin: string): SignInClient;
  /** Starts (or restarts on the same port) an instance and waits for /readyz. */
  start(name: string, port: number, issuer: string, flags?: string[], extraEnv?: NodeJS.ProcessEnv): Promise<Instance>;
  /** Runs the operator CLI against the same database and secrets (asynchronously: load goes on meanwhile). */
  cli(args: string[]): Promise<string>;
  env: NodeJS.ProcessEnv;
}

let entry: string | undefined;

export async function cluster(cleanups: Cleanups, opts: { people?: number; keyRefreshSeconds?: number } = {}): Promise<Cluster> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wayfinder-soak-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const pg = await privatePostgres(await freePort());
  cleanups.push(() => pg.remove());
  await pg.query('create database wayfinder');
  const databaseUrl = pg.url.replace(/\/postgres$/, '/wayfinder');

  const people = Array.from({ length: opts.people ?? 20 }, (_, i) => ({
    email: `soak${i + 1}@soak.test`,
    password: randomBytes(12).toString('base64url'),
  }));
  const secret = { signIn: randomBytes(32).toString('base64url'), token: randomBytes(32).toString('base64url') };
  const redirectUri = 'http://127.0.0.1:9/cb';
  const resource = 'https://api.soak.test';
  const bootstrap = path.join(tmp, 'bootstrap.yaml');
  writeFileSync(
    bootstrap,
    [
      'users:',
      ...people.flatMap((p, i) => [`  - email: ${p.email}`, `    password: ${p.password}`, `    name: Soak Person ${i + 1}`]),
      'clients:',
      '  - client_id: soak-login',
      `    client_secret: ${secret.signIn}`,
      '    client_name: Soak app',
      `    redirect_uris: [${redirectUri}]`,
      '    grant_types: [authorization_code]',
      '    token_endpoint_auth_method: client_secret_basic',
      '    first_party: true',
      '  - client_id: soak-cc',
      `    client_secret: ${secret.token}`,
      '    grant_types: [client_credentials]',
      '    token_endpoint_auth_method: client_secret_basic',
      'resource_servers:',
      `  - identifier: ${resource}`,
      '    scopes: [read]',
      '    access_token_ttl: 600',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const configFile = path.join(tmp, 'config.yaml');
  writeFileSync(configFile, `oidc:\n  keyRefreshSeconds: ${opts.keyRefreshSeconds ?? 30}\n`);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    DEMO: 'false',
    IDP_BOOTSTRAP: bootstrap,
    CONFIG_FILE: configFile,
  };
  entry ??= buildWayfinder();

  return {
    pg,
    databaseUrl,
    people,
    env,
    token: (origin) => ({ origin, clientId: 'soak-cc', clientSecret: secret.token, resource, scope: 'read' }),
    signIn: (origin) => ({ origin, clientId: 'soak-login', clientSecret: secret.signIn, redirectUri }),
    async start(name, port, issuer, flags = [], extraEnv = {}) {
      const child = startNode(name, entry!, { ...env, ...extraEnv, PORT: String(port), HOST: '127.0.0.1', ISSUER: issuer }, flags);
      const lines = { count: 0, sample: [] as string[] };
      const count = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          lines.count += 1;
          if (lines.sample.length < 5) lines.sample.push(line.slice(0, 300));
        }
      };
      child.proc.stdout!.on('data', count);
      child.proc.stderr!.on('data', count);
      await waitReady(child, `http://127.0.0.1:${port}/readyz`, 90_000);
      return { name, port, child, lines };
    },
    async cli(args) {
      const { execFile } = await import('node:child_process');
      return new Promise((resolve, reject) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'src/cli/main.ts', ...args],
          { env: { ...env, LOG_LEVEL: 'warn' }, timeout: 60_000 },
          (err, stdout, stderr) => (err ? reject(new Error(`wayfinder ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout)),
        );
      });
    },
  };
}

/** True while the child has not exited. */
export const alive = (i: Instance) => i.child.proc.exitCode === null && i.child.proc.signalCode === null;

/** Row counts of the tables a scenario writes (oidc_models by kind, audit events by type). */
export async function rowCounts(databaseUrl: string) {
  const pgq = await import('pg');
  const client = new pgq.default.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    type Row = { key: string; n: number };
    const models = (await client.query('select kind as key, count(*)::int as n from oidc_models group by kind')).rows as Row[];
    const audit = (await client.query('select type as key, count(*)::int as n from audit_events group by type')).rows as Row[];
    return {
      oidcModels: Object.fromEntries(models.map((r) => [r.key, r.n])) as Record<string, number>,
      auditEvents: Object.fromEntries(audit.map((r) => [r.key, r.n])) as Record<string, number>,
    };
  } finally {
    await client.end();
  }
}

/** Average stored bytes per row (pg_column_size of the row) by oidc_models kind and for audit events: for sizing. */
export async function rowBytes(databaseUrl: string) {
  const pgq = await import('pg');
  const client = new pgq.default.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    type Row = { key: string; bytes: number };
    const sql = 'select kind as key, avg(pg_column_size(m.*))::int as bytes from oidc_models m group by kind';
    const models = (await client.query(sql)).rows as Row[];
    const other = (
      await client.query(`select 'audit_events' as key, avg(pg_column_size(a.*))::int as bytes from audit_events a
      union all select 'session_meta', avg(pg_column_size(s.*))::int from session_meta s`)
    ).rows as Row[];
    return Object.fromEntries([...models, ...other].map((r) => [r.key, r.bytes])) as Record<string, number>;
  } finally {
    await client.end();
  }
}

export function diff(after: Record<string, number>, before: Record<string, number>) {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const d = (after[k] ?? 0) - (before[k] ?? 0);
    if (d) out[k] = d;
  }
  return out;
}
