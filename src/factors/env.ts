/** Builds the per-request environment factors work in (see types.ts). */
import type { Context } from 'koa';
import type { SecretBox } from '../lib/secretbox.js';
import type { FactorStore } from './store.js';
import type { FactorDeps, FactorEnv } from './types.js';

export function createFactorEnv(issuer: string, store: FactorStore, box: SecretBox, deps: FactorDeps) {
  return (ctx: Context, appName?: string): FactorEnv => ({
    ctx,
    issuer,
    store,
    deps,
    appName,
    seal: (plain) => box.seal(plain, 'factor-secret'),
    open: (sealed) => box.open(sealed, 'factor-secret'),
  });
}
export type FactorEnvFactory = ReturnType<typeof createFactorEnv>;
