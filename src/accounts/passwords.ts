/**
 * Password hashing with argon2id. Rules:
 * - parameters from config (default m=19456 KiB, t=2, p=1, OWASP's minimum); a hash made with other
 *   parameters is replaced at the next successful sign-in;
 * - at most `hashConcurrency` hashes run at once, so a burst of sign-ins cannot take every libuv
 *   thread from token signing and database I/O;
 * - a sign-in for an unknown account still spends one verify (against a dummy hash), so timing does
 *   not reveal whether the account exists.
 */
import argon2 from 'argon2';
import type { Config } from '../config/schema.js';

type Params = Config['password']['argon2'];

function limiter(max: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async function run<T>(fn: () => Promise<T>): Promise<T> {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await fn();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

export function createPasswordHasher(params: Params, concurrency: number) {
  const options = { type: argon2.argon2id as 2, memoryCost: params.memoryCost, timeCost: params.timeCost, parallelism: params.parallelism };
  const run = limiter(concurrency);
  let dummy: Promise<string> | undefined;

  return {
    hash: (password: string) => run(() => argon2.hash(password, options)),
    /** Returns whether the password matches and whether the stored hash should be replaced. */
    async verify(hash: string | undefined, password: string): Promise<{ ok: boolean; rehash: boolean }> {
      if (!hash) {
        dummy ??= argon2.hash('wayfinder-dummy-password', options);
        await run(async () => argon2.verify(await dummy!, password));
        return { ok: false, rehash: false };
      }
      const ok = await run(() => argon2.verify(hash, password).catch(() => false));
      return { ok, rehash: ok && argon2.needsRehash(hash, options) };
    },
  };
}
export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
