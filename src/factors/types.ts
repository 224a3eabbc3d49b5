/**
 * The one small interface every second factor implements (one file per factor, listed in the
 * exhaustive registry in registry.ts). The journey never knows which factor it is talking to: it
 * asks the factor to start a challenge or an enrolment, renders the view it names, and passes the
 * posted form back for verification.
 */
import type { Context } from 'koa';
import type { User } from '../accounts/store.js';
import type { FactorStore, FactorRow } from './store.js';
import type { PushDeps } from './push-challenges.js';

export const FACTOR_KINDS = ['totp', 'email', 'recovery', 'push', 'sms', 'webauthn'] as const;
export type FactorKind = (typeof FACTOR_KINDS)[number];

/** What a factor needs from the rest of Wayfinder; built once per request. */
export interface FactorEnv {
  ctx: Context;
  issuer: string;
  store: FactorStore;
  seal(plain: string): string;
  open(sealed: string): string;
  /** The app the person is signing in to (for push messages), if any. */
  appName?: string;
  deps: FactorDeps;
}

/** Delivery channels and settings, wired in features.ts. */
export interface FactorDeps {
  sendEmailCode(user: User, code: string, lang: string): Promise<void>;
  /** Sends an SMS code to an E.164 number; undefined when no SMS provider is configured (SMS is off). */
  sendSmsCode?(to: string, code: string, lang: string): Promise<void>;
  /** Most text messages per day across every account (against SMS pumping). */
  smsDailyCap: number;
  audit(
    ctx: Context | undefined,
    type: string,
    outcome: 'success' | 'failure' | 'info',
    userId: string,
    data?: Record<string, unknown>,
  ): Promise<void>;
  /** Push approval: its store, delivery transport and timings. */
  push: PushDeps;
}

export interface View {
  template: string;
  data: Record<string, unknown>;
}

export type VerifyResult =
  /** `amr`, when given, replaces the factor's default methods (e.g. a passkey synced between devices is 'swk'). */
  { ok: true; factorId?: string; amr?: string[] } | { ok: false; error: string; pending?: boolean };

export interface Factor {
  kind: FactorKind;
  /** RFC 8176 method references added to `amr` when this factor passes. */
  amr: string[];
  /** SMS is low assurance: it cannot satisfy a policy that demands more. */
  assurance: 'low' | 'high';
  /** Whether a person can enrol this factor themselves (recovery codes come with the first factor). */
  enrollable: boolean;
  /**
   * A challenge answered away from the page (push): its page polls GET …/:kind/verify, which asks
   * this without side effects — true once answered; the POST of a "Continue" then verifies.
   */
  poll?(env: FactorEnv, user: User): Promise<boolean>;
  /** Whether this server can offer the factor at all (SMS needs a provider); absent means always. */
  available?(deps: FactorDeps): boolean;
  /** Enrolled and usable records of this factor for the person. */
  usable(env: FactorEnv, user: User): Promise<FactorRow[]>;
  startChallenge(env: FactorEnv, user: User, resend?: boolean): Promise<View>;
  verifyChallenge(env: FactorEnv, user: User, form: Record<string, string>): Promise<VerifyResult>;
  startEnrolment?(env: FactorEnv, user: User): Promise<View>;
  /**
   * For a factor whose startEnrolment sends a message (email): whether one is already pending. When
   * none is, My account asks before sending (a GET must not send mail).
   */
  enrolmentSent?(env: FactorEnv, user: User): Promise<boolean>;
  finishEnrolment?(env: FactorEnv, user: User, form: Record<string, string>): Promise<VerifyResult>;
}
