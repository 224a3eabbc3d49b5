/**
 * The open-redirect rule: a destination Wayfinder sends a browser to (`return_to`, a launch link)
 * is one of our own paths, or a URL on the exact origin of a registered app (an OIDC client's
 * redirect, post-logout or initiate-login URI; a SAML SP's assertion consumer or launch URL).
 * Anything else is refused — other hosts, scheme-relative `//host` and `/\host`, `javascript:` and
 * other schemes, userinfo (`https://app@evil`), percent-encoded or control characters in the
 * authority or a leading path, and look-alike hosts (an IDN host becomes its punycode origin, which
 * no registered origin matches unless it was registered so).
 */

export type DestinationCheck = { ok: true; url: string } | { ok: false; reason: string };

export interface Allowed {
  issuer: string;
  /** Origins of registered apps, as `new URL(u).origin` prints them. */
  origins: ReadonlySet<string>;
}

const MAX = 2048;

export function checkDestination(raw: unknown, allowed: Allowed): DestinationCheck {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'empty' };
  if (raw.length > MAX) return { ok: false, reason: 'too_long' };
  // Control characters, spaces and backslashes are never part of a destination we issue; browsers
  // strip or reinterpret them (`/\evil`, `https:\\evil`, a tab inside `java\tscript:`).
  if ([...raw].some((ch) => ch.charCodeAt(0) <= 0x20 || ch === '\u007f' || ch === '\\'))
    return { ok: false, reason: 'forbidden_character' };
  const issuer = new URL(allowed.issuer);
  if (raw.startsWith('/')) {
    if (raw.startsWith('//')) return { ok: false, reason: 'scheme_relative' };
    // An encoded slash or backslash at the start is a scheme-relative URL once anything decodes it.
    if (/^\/(%2f|%5c)/i.test(raw)) return { ok: false, reason: 'encoded_slash' };
    const url = new URL(raw, issuer);
    if (url.origin !== issuer.origin) return { ok: false, reason: 'other_origin' };
    return { ok: true, url: `${url.pathname}${url.search}${url.hash}` };
  }
  // Absolute: http(s) only, an authority without userinfo or encodings, on a registered origin.
  const authority = /^(https?):\/\/([^/?#]*)/i.exec(raw);
  if (!authority) return { ok: false, reason: 'scheme' };
  if (/[@%]/.test(authority[2])) return { ok: false, reason: 'authority' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (url.username || url.password) return { ok: false, reason: 'userinfo' };
  if (url.origin === issuer.origin || allowed.origins.has(url.origin)) return { ok: true, url: url.href };
  return { ok: false, reason: 'unregistered_origin' };
}

/** The origin of each URL that parses as http(s); others are skipped. */
export function originsOf(urls: Iterable<unknown>): Set<string> {
  const out = new Set<string>();
  for (const u of urls) {
    if (typeof u !== 'string') continue;
    try {
      const url = new URL(u);
      if (url.protocol === 'https:' || url.protocol === 'http:') out.add(url.origin);
    } catch {
      // not a URL: not a destination
    }
  }
  return out;
}
