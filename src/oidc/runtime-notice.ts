/**
 * oidc-provider 9 prints "Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release." when
 * it is loaded on anything but Node.js 22 LTS or later: its maintainers test those alone. On Node.js
 * 20.19+ every API it calls exists (URL.parse since 20.18, crypto.hash since 20.12, require(esm)
 * since 20.19) and Wayfinder's whole suite runs there (CI and this project's machines), so on that
 * runtime, and only when those APIs are present, that one line is dropped while oidc-provider loads
 * (src/oidc/lib.ts); every other runtime (older Node.js, Bun, Deno) still gets it. The README says so.
 */
import crypto from 'node:crypto';

export const RUNTIME_NOTICE = 'oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release.';
/**
 * Printed by oidc-provider at the first form or JSON request it serves when the body was read
 * before it: Wayfinder does that on purpose (src/http/provider-body.ts, so the NUL and client
 * authentication guards see the body; oidc-provider then parses that same text). Expected on every
 * runtime, so that exact line is always dropped: an operator reading "not recommended" in the log
 * of every instance would look for a fault that is not there.
 */
export const BODY_NOTICE =
  'oidc-provider WARNING: already parsed request body detected, having upstream middleware parser is not recommended, resolving to use req.body or request.body instead';

/** Node.js 20.19 or later below 22, with the APIs oidc-provider 9 uses. */
export function quietOnThisRuntime(versions: NodeJS.ProcessVersions = process.versions) {
  const [major, minor] = versions.node.split('.').map(Number);
  const apis = typeof (URL as { parse?: unknown }).parse === 'function' && typeof (crypto as { hash?: unknown }).hash === 'function';
  return apis && typeof versions.bun === 'undefined' && major === 20 && minor >= 19;
}

const original = console.warn;
// The notice, with or without the colors oidc-provider adds on a terminal (ESC [ … m).
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const isLine = (args: unknown[], line: string) => args.length === 1 && typeof args[0] === 'string' && args[0].replace(ANSI, '') === line;
const withoutBodyNotice = (...args: unknown[]) => (isLine(args, BODY_NOTICE) ? undefined : original.apply(console, args));

export function muteRuntimeNotice() {
  if (!quietOnThisRuntime()) return;
  console.warn = (...args: unknown[]) => (isLine(args, RUNTIME_NOTICE) ? undefined : withoutBodyNotice(...args));
}
/** After oidc-provider has loaded: console.warn as it was, but for the one expected body line. */
export function restoreWarn() {
  console.warn = withoutBodyNotice;
}

muteRuntimeNotice();
