/**
 * The reference authenticator: a separate program that plays the phone for push approval, talking to
 * Wayfinder only over HTTP (for tests and demos).
 *
 *   npm run authenticator -- pair <pairing-link | code --server <url>> [--name "My phone"]
 *   npm run authenticator -- approve [--pick <number>] [--wait <seconds>]
 *   npm run authenticator -- deny [--wait <seconds>]
 *   (all take --state <file>; default ~/.wayfinder-authenticator.json)
 *
 * Rules: `approve` shows the app, the IP (there is no location to show) and the time, then sends the
 * number picked — given with --pick, or asked on stdin — and only one of the three offered, as a
 * phone's buttons would; it never approves without a number. Exit codes: 0 done, 1 refused or
 * denied, 2 usage, 3 no request arrived in time.
 */
import os from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ApiError, answer, checkIssuer, next, pair, type PushRequest } from './api.js';
import { fingerprint, generateKeys, normalizeCode, sign, texts, thumbprint } from './device.js';
import { defaultStatePath, loadState, saveState } from './state.js';

class UsageError extends Error {}
const say = (line = '') => process.stdout.write(`${line}\n`);

async function pairCommand(input: string | undefined, opts: { server?: string; name?: string; state: string }) {
  if (!input) throw new UsageError('pair needs the pairing link (or the code with --server <url>)');
  let issuer = opts.server;
  let code = input;
  let account: string | null = null;
  if (/^https?:\/\//i.test(input)) {
    const url = new URL(input);
    const params = new URLSearchParams(url.hash.slice(1) || url.search.slice(1));
    issuer = url.origin;
    code = params.get('code') ?? '';
    account = params.get('user');
  }
  if (!issuer) throw new UsageError('a pairing code alone needs --server <url> (the address shown on the page)');
  code = normalizeCode(code);
  if (code.length !== 20) throw new UsageError('that is not a pairing code: it has 20 letters and digits');
  const name = (opts.name ?? `Authenticator on ${os.hostname()}`).slice(0, 60).trim();
  const keys = await generateKeys();
  const timestamp = Date.now();
  const signature = await sign(keys.privateKey, texts.pair(code, await thumbprint(keys.publicKey), name, timestamp));
  const paired = await pair(checkIssuer(issuer), { code, name, publicKey: keys.publicKey, timestamp, signature });
  const mine = await fingerprint(keys.publicKey);
  if (paired.fingerprint !== mine)
    throw new ApiError(0, 'fingerprint_mismatch', 'the server saw a different key: do not confirm on the page');
  saveState(opts.state, {
    issuer: checkIssuer(issuer),
    deviceId: paired.deviceId,
    name,
    account,
    publicKey: keys.publicKey,
    privateKey: keys.privateKey,
    fingerprint: mine,
    pairedAt: new Date().toISOString(),
  });
  say(`Paired "${name}"${account ? ` for ${account}` : ''} with ${checkIssuer(issuer)}.`);
  say(`Key fingerprint: ${mine}`);
  say('Check that the page shows the same fingerprint, then confirm there.');
}

/** Long-polls until a request arrives or `waitSeconds` pass. */
async function waitForRequest(stateFile: string, waitSeconds: number): Promise<PushRequest | undefined> {
  const state = loadState(stateFile);
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    const request = await next(state, Math.min(left, 40_000));
    if (request) return request;
  }
}

function show(r: PushRequest) {
  say(`Sign-in request${r.app ? ` for ${r.app}` : ''}${r.account ? ` (${r.account})` : ''}`);
  say(`  From:   ${r.ip ?? 'an unknown address'} (${r.location ?? 'approximate location unavailable'})`);
  say(`  At:     ${new Date(r.requestedAt).toLocaleString()}`);
  say(`  Numbers: ${r.numbers.join('   ')}`);
}

async function askNumber(): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const closed = new Promise<undefined>((resolve) => rl.once('close', () => resolve(undefined)));
  try {
    return await Promise.race([rl.question('Which number does the sign-in page show? '), closed]);
  } finally {
    rl.close();
  }
}

async function answerCommand(decision: 'approve' | 'deny', opts: { pick?: string; wait: number; state: string }) {
  const request = await waitForRequest(opts.state, opts.wait);
  if (!request) {
    say(`No sign-in request arrived within ${opts.wait} seconds.`);
    return 3;
  }
  show(request);
  let number: number | null = null;
  if (decision === 'approve') {
    const picked = (opts.pick ?? (await askNumber()) ?? '').trim();
    if (!picked) throw new UsageError('no number picked: nothing was sent (give --pick <number>)');
    number = Number(picked);
    if (!request.numbers.includes(number)) throw new UsageError(`pick one of the numbers offered: ${request.numbers.join(', ')}`);
  }
  const result = await answer(loadState(opts.state), request.id, decision, number);
  if (result.status === 'approved') say('Approved.');
  else if (result.reason === 'number_mismatch')
    say('Denied: that was not the number on the sign-in page. If you did not start this sign-in, someone may know your password.');
  else say('Denied.');
  return decision === 'approve' && result.status !== 'approved' ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      state: { type: 'string' },
      name: { type: 'string' },
      server: { type: 'string' },
      pick: { type: 'string' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, input] = positionals;
  const state = values.state ?? defaultStatePath();
  const wait = values.wait === undefined ? 120 : Number(values.wait);
  if (!Number.isFinite(wait) || wait <= 0) throw new UsageError('--wait takes a number of seconds');
  if (values.help || !command) {
    say(
      'usage: authenticator pair <pairing-link | code --server <url>> [--name <name>] | approve [--pick <n>] [--wait <s>] | deny [--wait <s>]  [--state <file>]',
    );
    return values.help ? 0 : 2;
  }
  if (command === 'pair') {
    await pairCommand(input, { server: values.server, name: values.name, state });
    return 0;
  }
  if (command === 'approve' || command === 'deny') return answerCommand(command, { pick: values.pick, wait, state });
  throw new UsageError(`unknown command "${command}" (pair, approve or deny)`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`authenticator: ${err.message}${err instanceof ApiError && err.code ? ` (${err.code})` : ''}\n`);
    const usage = err instanceof UsageError || String((err as { code?: string }).code ?? '').startsWith('ERR_PARSE_ARGS');
    process.exitCode = usage ? 2 : 1;
  },
);
