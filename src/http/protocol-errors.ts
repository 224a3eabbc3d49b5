/**
 * Protocol error descriptions (oidc-provider's and ours, in English for the app's developers) as
 * sentences a person can read in their language. A description we do not know is not shown as
 * prose: the page offers it as a technical detail instead (see views/error.eta).
 */
import type { TFunction } from 'i18next';

const PATTERNS: Array<[RegExp, string, (m: RegExpExecArray) => Record<string, string>]> = [
  [/^missing required parameter '([^']+)'$/, 'error.detail.missing_parameter', (m) => ({ param: m[1] })],
  [
    /^'([^']+)' parameter must not be provided twice$|^parameters must not be provided twice/,
    'error.detail.repeated_parameter',
    (m) => ({ param: m[1] ?? '' }),
  ],
  [/^unrecognized (?:or unsupported )?response_type|^unsupported response_type/, 'error.detail.response_type', () => ({})],
  [/redirect_uri did not match any of the client's registered redirect_uris/, 'error.detail.redirect_uri', () => ({})],
  [/^client is invalid|^invalid client|^client not found|^unrecognized client/, 'error.detail.client', () => ({})],
  [/^the person cancelled the sign-in$/, 'error.detail.cancelled', () => ({})],
  [/^End-User aborted interaction$/i, 'error.detail.cancelled', () => ({})],
  [/^requested scope is not allowed|^scope must contain 'openid'|^openid scope must be requested/, 'error.detail.scope', () => ({})],
  [/^PKCE must be used|^code_challenge/, 'error.detail.pkce', () => ({})],
  [/^request expired|^interaction session not found|^session not found/i, 'error.detail.expired', () => ({})],
];

/** The description in the reader's language, or undefined when we do not know it. */
export function describeProtocolError(t: TFunction, description: string | undefined): string | undefined {
  if (!description) return undefined;
  for (const [pattern, key, vars] of PATTERNS) {
    const m = pattern.exec(description);
    if (m) return t(key, vars(m));
  }
  return undefined;
}
