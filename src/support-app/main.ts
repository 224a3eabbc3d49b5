/**
 * The reference temporary support app: a separate program that plays the customer's computer for ad
 * hoc support, talking to Wayfinder only over HTTP (for demos and tests), written from the protocol
 * src/support/protocol.ts documents: it shares no code with the server, only the reference
 * authenticator's device-side keys and signatures (src/authenticator/device.ts).
 *
 *   npm run support-app -- activate <security code> [--server <url>] [--state <file>]
 *   npm run support-app -- status [--state <file>]
 *
 * --server defaults to $WAYFINDER_URL, then http://localhost:3000; the state file (default
 * ~/.wayfinder-support-app.json, mode 0600) keeps the server, the session and the private key.
 * Exit codes: 0 the session is active (its end time is printed), 1 refused (expired, ended, unknown
 * code: the server's sentence is printed), 2 usage.
 */
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
// The device-side keys and signatures the reference authenticator uses (P-256, WebCrypto, RFC 7638).
import { generateKeys, sign, thumbprint } from '../authenticator/device.js';

interface State {
  server: string;
  sessionId: string;
  privateKey: JsonWebKey;
  endsAt: string;
}

class Refused extends Error {}
class UsageError extends Error {}

const say = (line: string) => process.stdout.write(`${line}\n`);

function serverOf(given: string | undefined) {
  const url = new URL(given ?? process.env.WAYFINDER_URL ?? 'http://localhost:3000');
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new UsageError(`refusing ${url.origin}: use https (plain http only to this machine)`);
  return url.origin;
}

async function call(url: string, init: RequestInit) {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new Refused(`cannot reach ${new URL(url).origin}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Refused(String(body.error_description ?? `HTTP ${res.status}`));
  return body as { session_id: string; ends_at: string };
}

function save(file: string, state: State) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function load(file: string): State {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as State;
    if (typeof s.server !== 'string' || typeof s.sessionId !== 'string' || !s.privateKey) throw new Error('incomplete');
    return s;
  } catch {
    throw new Refused(`no support session on this computer (${file}): activate one with the security code from your help desk`);
  }
}

async function activate(rawCode: string | undefined, server: string, file: string) {
  if (!rawCode) throw new UsageError('activate needs the security code your help desk gave you');
  const code = rawCode.toUpperCase().replace(/[\s-]/g, '');
  const { publicKey: key, privateKey } = await generateKeys();
  const thumb = await thumbprint(key);
  const timestamp = Date.now();
  const signature = await sign(privateKey, ['wayfinder-support-activate', code, thumb, String(timestamp)].join('\n'));
  const body = await call(`${server}/api/support/activate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, key, timestamp, signature }),
  });
  save(file, { server, sessionId: body.session_id, privateKey, endsAt: body.ends_at });
  say(`Support session active until ${body.ends_at}`);
}

async function status(file: string) {
  const state = load(file);
  const timestamp = Date.now();
  const signature = await sign(state.privateKey, ['wayfinder-support-status', state.sessionId, String(timestamp)].join('\n'));
  const body = await call(`${state.server}/api/support/sessions/${encodeURIComponent(state.sessionId)}`, {
    headers: { 'x-wayfinder-timestamp': String(timestamp), 'x-wayfinder-signature': signature },
  });
  say(`Support session active until ${body.ends_at}`);
}

async function main(argv: string[]): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { server: { type: 'string' }, state: { type: 'string' } },
    });
    const file = values.state ?? path.join(os.homedir(), '.wayfinder-support-app.json');
    const [command, arg] = positionals;
    if (command === 'activate') await activate(arg, serverOf(values.server), file);
    else if (command === 'status') await status(file);
    else throw new UsageError('usage: support-app activate <security code> [--server <url>] | support-app status');
    return 0;
  } catch (err) {
    if (err instanceof Refused) {
      say(err.message);
      return 1;
    }
    process.stderr.write(`support-app: ${(err as Error).message}\n`);
    return err instanceof UsageError || String((err as { code?: string }).code ?? '').startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
