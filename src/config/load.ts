/**
 * Loads configuration: config/default.yaml, then config/<env>.yaml, then CONFIG_FILE, then environment
 * variables. This is the only module that reads process.env. Rules:
 * - invalid configuration fails with a readable list of what is wrong (never a stack trace);
 * - production refuses to start without COOKIE_KEYS and ENCRYPTION_KEY and names the missing one;
 * - secrets that come only from the environment (TWILIO_AUTH_TOKEN) are refused in files, and the
 *   development SMS adapter (which logs codes) is refused in production;
 * - development and test generate the secrets once, keep them in the data directory, and warn;
 * - the demo is on in development only, unless DEMO (or `demo:` in a file) says otherwise.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Environment variable → configuration path, and how to read its text. */
const ENV_MAP: Array<[string, string[], 'string' | 'int' | 'bool' | 'list']> = [
  ['PORT', ['server', 'port'], 'int'],
  ['HOST', ['server', 'host'], 'string'],
  ['ISSUER', ['server', 'issuer'], 'string'],
  ['TRUST_PROXY', ['server', 'trustProxy'], 'bool'],
  ['TRUST_PROXY_HOPS', ['server', 'trustProxyHops'], 'int'],
  ['TRUST_PROXY_CIDRS', ['server', 'trustProxyCidrs'], 'list'],
  ['METRICS_TOKEN', ['server', 'metricsToken'], 'string'],
  ['SHUTDOWN_GRACE_SECONDS', ['server', 'shutdownGraceSeconds'], 'int'],
  ['DATABASE_URL', ['database', 'url'], 'string'],
  ['DATA_DIR', ['database', 'dataDir'], 'string'],
  ['DATABASE_POOL_SIZE', ['database', 'poolSize'], 'int'],
  ['DATABASE_PREPARED_STATEMENTS', ['database', 'preparedStatements'], 'bool'],
  ['COOKIE_KEYS', ['secrets', 'cookieKeys'], 'list'],
  ['ENCRYPTION_KEY', ['secrets', 'encryptionKey'], 'string'],
  ['IDP_BOOTSTRAP', ['bootstrapFile'], 'string'],
  ['DEMO', ['demo'], 'bool'],
  ['SMTP_URL', ['smtp', 'url'], 'string'],
  ['MAIL_FROM', ['smtp', 'from'], 'string'],
  ['SMS_PROVIDER', ['sms', 'provider'], 'string'],
  ['SMS_BASE_URL', ['sms', 'baseUrl'], 'string'],
  ['TWILIO_ACCOUNT_SID', ['sms', 'accountSid'], 'string'],
  ['TWILIO_AUTH_TOKEN', ['sms', 'authToken'], 'string'],
  ['SMS_FROM', ['sms', 'from'], 'string'],
  ['SMS_DAILY_CAP', ['sms', 'dailyCap'], 'int'],
  ['PUSH_WEBHOOK_URL', ['push', 'webhookUrl'], 'string'],
  ['DNS_SERVERS', ['federation', 'dnsServers'], 'list'],
  ['FEDERATION_ALLOW_PRIVATE_NETWORKS', ['federation', 'allowPrivateNetworks'], 'bool'],
  ['LOG_LEVEL', ['log', 'level'], 'string'],
  ['SIGNING_ALG', ['oidc', 'defaultSigningAlg'], 'string'],
  ['ALLOW_PRIVATE_HOSTS', ['oidc', 'allowPrivateHosts'], 'list'],
];

type Tree = Record<string, unknown>;

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? merge(b as Tree, v as Tree) : v;
  }
  return out;
}

function readYaml(file: string, problems: string[]): Tree {
  try {
    const parsed = YAML.parse(readFileSync(file, 'utf8'));
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`${file}: expected a mapping at the top level`);
      return {};
    }
    return parsed as Tree;
  } catch (e) {
    problems.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    return {};
  }
}

function setPath(tree: Tree, keys: string[], value: unknown) {
  let node = tree;
  for (const k of keys.slice(0, -1)) {
    node[k] = { ...((node[k] as Tree) ?? {}) };
    node = node[k] as Tree;
  }
  node[keys[keys.length - 1]] = value;
}

function fromEnv(env: NodeJS.ProcessEnv, problems: string[]): Tree {
  const out: Tree = {};
  for (const [name, keys, kind] of ENV_MAP) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (kind === 'int') {
      value = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (Number.isNaN(value)) {
        problems.push(`${name}: expected a whole number, got "${raw}"`);
        continue;
      }
    } else if (kind === 'bool') {
      if (!/^(true|false|1|0)$/i.test(raw)) {
        problems.push(`${name}: expected true or false, got "${raw}"`);
        continue;
      }
      value = /^(true|1)$/i.test(raw);
    } else if (kind === 'list') {
      value = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    }
    setPath(out, keys, value);
  }
  return out;
}

/** Development secrets are generated once and kept beside the embedded database. */
function devSecrets(dataDir: string, warn: (msg: string) => void): Tree {
  const file = path.resolve(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = {
    cookieKeys: [randomBytes(32).toString('base64url')],
    encryptionKey: randomBytes(32).toString('base64'),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  warn(`generated development secrets in ${file}; set COOKIE_KEYS and ENCRYPTION_KEY in production`);
  return secrets;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Highest-priority overrides (tests use them). */
  overrides?: Tree;
  warn?: (msg: string) => void;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const problems: string[] = [];
  const mode = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';

  let tree = readYaml(path.join(rootDir, 'config/default.yaml'), problems);
  const modeFile = path.join(rootDir, `config/${mode}.yaml`);
  if (existsSync(modeFile)) tree = merge(tree, readYaml(modeFile, problems));
  if (env.CONFIG_FILE) {
    if (existsSync(env.CONFIG_FILE)) tree = merge(tree, readYaml(env.CONFIG_FILE, problems));
    else problems.push(`CONFIG_FILE: no file at ${env.CONFIG_FILE}`);
  }
  if (((tree.sms ?? {}) as Tree).authToken !== undefined) {
    problems.push('sms.authToken must not be written in a configuration file: set TWILIO_AUTH_TOKEN in the environment');
  }
  tree = merge(tree, { env: mode });
  tree = merge(tree, fromEnv(env, problems));
  if (options.overrides) tree = merge(tree, options.overrides);
  // The demo (a known person, /demo) is for a first look on a laptop: outside development only on request.
  if (tree.demo === undefined) tree = merge(tree, { demo: mode === 'development' });
  if (mode === 'production' && ((tree.sms ?? {}) as Tree).provider === 'log') {
    problems.push(
      'SMS_PROVIDER: "log" writes codes to the log and is for development only; use twilio in production (or leave it unset: no SMS)',
    );
  }

  const secrets = (tree.secrets ?? {}) as Tree;
  if (mode === 'production') {
    if (!secrets.cookieKeys)
      problems.push('COOKIE_KEYS is missing: production needs cookie signing keys (comma-separated, 32+ characters each)');
    if (!secrets.encryptionKey)
      problems.push('ENCRYPTION_KEY is missing: production needs a key for secrets at rest (openssl rand -base64 32)');
  } else if (!secrets.cookieKeys || !secrets.encryptionKey) {
    const dataDir = String(((tree.database ?? {}) as Tree).dataDir ?? './data');
    tree = merge(tree, { secrets: merge(devSecrets(dataDir, warn), secrets) });
  }
  if (problems.length) throw new ConfigError(problems);

  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) {
    const envName = (p: PropertyKey[]) => ENV_MAP.find(([, keys]) => keys.join('.') === p.join('.'))?.[0];
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = envName(i.path);
        return `${i.path.join('.') || '(root)'}${name ? ` (${name})` : ''}: ${i.message}`;
      }),
    );
  }
  return parsed.data;
}
