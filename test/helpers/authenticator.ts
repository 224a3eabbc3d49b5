/**
 * Runs the reference authenticator (src/authenticator/main.ts) as a separate process, the way a
 * person would from a terminal, with its state in a temporary file; and, for attacks the real
 * program never makes, signs device requests directly with its stored key.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign, texts } from '../../src/authenticator/device.js';
import type { DeviceState } from '../../src/authenticator/state.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const tempStateFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'wf-authenticator-')), 'state.json');
export const readState = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as DeviceState;

/**
 * `node --import tsx src/authenticator/main.ts …args`. `answer`, when given, is called with the output
 * once the program asks a question, and its return value is typed on stdin.
 */
export function runAuthenticator(args: string[], answer?: (stdout: string) => string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/authenticator/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let asked = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (answer && !asked && stdout.includes('? ')) {
        asked = true;
        child.stdin.end(`${answer(stdout)}\n`);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    if (!answer) child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The three numbers the authenticator printed. */
export const offeredNumbers = (stdout: string) => (/Numbers:\s+([\d ]+)/.exec(stdout)?.[1] ?? '').trim().split(/\s+/).map(Number);

/** A device request signed with `privateKey` (by default the paired one), for tests of what the server refuses. */
export async function signedAnswer(
  state: DeviceState,
  challengeId: string,
  body: { decision: 'approve' | 'deny'; number: number | null; timestamp?: number },
  privateKey = state.privateKey,
) {
  const timestamp = body.timestamp ?? Date.now();
  const signature = await sign(privateKey, texts.answer(challengeId, body.decision, body.number, timestamp));
  return { deviceId: state.deviceId, decision: body.decision, number: body.number, timestamp, signature };
}

export async function signedPollHeaders(state: DeviceState, privateKey = state.privateKey, timestamp = Date.now()) {
  return {
    'x-wayfinder-timestamp': String(timestamp),
    'x-wayfinder-signature': await sign(privateKey, texts.poll(state.deviceId, timestamp)),
  };
}
