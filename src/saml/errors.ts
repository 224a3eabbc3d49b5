/**
 * Why Wayfinder refuses a SAML message. Each reason is a typed AppError (the error middleware shows
 * the translated `error.saml_*` page, never a 500) and is recorded as a `saml.refused` audit event.
 * samlify's own error strings are mapped onto these reasons here, in one place.
 */
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import { AppError } from '../lib/errors.js';
import { XmlRejected } from './validator.js';

export const REASONS = {
  saml_unknown_sp: [400, 'the app that sent this request is not registered'],
  saml_bad_signature: [400, 'the request signature could not be verified'],
  saml_malformed: [400, 'the SAML message could not be read'],
  saml_dtd: [400, 'the SAML message contains a DTD or entity declarations'],
  saml_too_large: [413, 'the SAML message is too large'],
  saml_algorithm: [400, 'the SAML message is signed with an algorithm that is not accepted'],
  saml_acs_not_registered: [400, 'the request asks for a reply address that is not in the app metadata'],
  saml_unsupported_binding: [400, 'the request asks for a reply binding other than HTTP-POST'],
  saml_replayed: [400, 'this request was already used'],
  saml_expired: [400, 'the request is too old, or dated in the future'],
  saml_wrong_destination: [400, 'the request was sent to another identity provider'],
  saml_request_expired: [400, 'this sign-in has expired or was already completed'],
  saml_idp_initiated_disabled: [403, 'signing in to this app must start at the app'],
  saml_logout_unknown: [400, 'the logout reply does not match a logout in progress'],
} as const;
export type Reason = keyof typeof REASONS;

export class SamlRefused extends AppError {
  constructor(
    readonly reason: Reason,
    detail?: string,
    readonly spId?: string,
  ) {
    super(reason, REASONS[reason][0], detail ? `${REASONS[reason][1]}: ${detail}` : REASONS[reason][1]);
  }
}

const SAMLIFY_REASONS: Array<[RegExp, Reason]> = [
  [/SIGNATURE|UNMATCH_CERTIFICATE|NO_SELECTED_CERTIFICATE|WRAPPING|MISSING_SIG_ALG|SIGNATURE_REFERENCES/, 'saml_bad_signature'],
  [/UNSUPPORTED_SIGNATURE_ALGORITHM/, 'saml_algorithm'],
  [/UNMATCH_ISSUER/, 'saml_unknown_sp'],
];

/** Any error from reading or verifying a message, as a SamlRefused (unexpected errors pass through). */
export function asRefusal(err: unknown, spId?: string): unknown {
  if (err instanceof SamlRefused) return err;
  if (err instanceof XmlRejected) {
    const reason: Reason = err.reason === 'too_large' ? 'saml_too_large' : err.reason === 'dtd' ? 'saml_dtd' : 'saml_malformed';
    return new SamlRefused(reason, err.message, spId);
  }
  const message = (err as Error)?.message ?? String(err);
  for (const [pattern, reason] of SAMLIFY_REASONS) if (pattern.test(message)) return new SamlRefused(reason, message, spId);
  if (/^ERR_|XML (parsing|fatal) error/.test(message)) return new SamlRefused('saml_malformed', message, spId);
  return err;
}

/** Runs `fn`; a refusal is audited (with the SP, when known) and rethrown for the error page. */
export async function audited<T>(ctx: Context, audit: Audit, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (raw) {
    const err = asRefusal(raw);
    if (err instanceof SamlRefused) {
      await audit.record(ctx, {
        type: 'saml.refused',
        outcome: 'failure',
        clientId: err.spId ?? null,
        data: { what, reason: err.reason, detail: err.message.slice(0, 300) },
      });
    }
    throw err;
  }
}
