/**
 * The authenticator's local state: the one account it is paired with, its device id and its key
 * pair. Rules: the file is written atomically (temporary file, then rename) and readable by its
 * owner only (mode 0600), since it holds the private key; a missing or broken file is a readable
 * error that says to pair first.
 */
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PublicJwk } from './device.js';

export interface DeviceState {
  issuer: string;
  deviceId: string;
  name: string;
  account: string | null;
  publicKey: PublicJwk;
  privateKey: JsonWebKey;
  fingerprint: string;
  pairedAt: string;
}

export const defaultStatePath = () => path.join(os.homedir(), '.wayfinder-authenticator.json');

export class StateError extends Error {}

export function loadState(file: string): DeviceState {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    throw new StateError(`no authenticator state at ${file}: pair this device first (authenticator pair <pairing-link>)`);
  }
  try {
    const s = JSON.parse(raw) as DeviceState;
    if (typeof s.issuer !== 'string' || typeof s.deviceId !== 'string' || !s.privateKey) throw new Error('incomplete');
    return s;
  } catch {
    throw new StateError(`the authenticator state at ${file} is unreadable: pair again to replace it`);
  }
}

export function saveState(file: string, state: DeviceState) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
