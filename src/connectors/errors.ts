/**
 * Why a company sign-in failed. Each reason is a typed AppError with a translated page
 * (`sso.error.<reason>` says what happened, `sso.error.<reason>_hint` what to do) and an audit
 * event (`sso.failed`); none is ever a 500.
 */
import { AppError } from '../lib/errors.js';

export const FAILURES = {
  unknown_connection: 404,
  connection_disabled: 403,
  organization_disabled: 403,
  expired: 400,
  idp_error: 400,
  bad_response: 400,
  unsolicited: 400,
  replayed: 400,
  idp_unreachable: 502,
  no_subject: 400,
  no_email: 400,
  domain_not_verified: 403,
  link_refused: 403,
  jit_disabled: 403,
  // Social sign-in (connectors/social/).
  cancelled: 400,
  already_linked: 409,
  signup_disabled: 403,
} as const;
export type FailureReason = keyof typeof FAILURES;

export class FederationError extends AppError {
  /** The interaction the failed sign-in belongs to, when known (its page then offers ways on). */
  uid?: string;
  /** The answer came after its waiting sign-in expired (not unknown, tampered or used): recoverable. */
  late?: boolean;

  constructor(
    readonly reason: FailureReason,
    detail: string,
  ) {
    super(`sso_${reason}`, FAILURES[reason], detail, true);
  }
}

export const fail = (reason: FailureReason, detail: string) => new FederationError(reason, detail);

/** An answer after its sign-in expired, for the interaction `uid` (routing recovers it). */
export const lateAnswer = (uid: string | undefined, detail: string) => Object.assign(fail('expired', detail), { uid, late: true });
