/**
 * The protocol side of a social sign-in (or of linking from My account). Rules:
 * - a round trip starts only for an enabled connection; it has its own random state, stored
 *   server-side, single use, expiring after `upstreamTimeoutSeconds`, bound to the connection and to
 *   the interaction (sign-in) or the person (linking from My account) it was started for;
 * - the answer (a redirect, or Apple's cross-site form_post) is redeemed by the OIDC / OAuth 2.0 core
 *   (PKCE, state, nonce, ID token checks) and mapped to a person by the connection's provider;
 * - the person is handed on through a second single-use record (5 minutes) that only the browser
 *   holding that interaction (its interaction cookie) or that session can redeem: a callback URL
 *   sent to someone else signs no one in and links nothing;
 * - a cancelled consent, a provider error, a tampered or replayed state: a FederationError (a
 *   translated page and an audit event in routes), never a 500.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import type { Audit } from '../../audit/index.js';
import type { Config } from '../../config/schema.js';
import { answerUrl, beginCode, configurationFor, finishCode, str, userInfo, type FlowEnv } from '../core/oidc-flow.js';
import { fail, FederationError, lateAnswer } from '../errors.js';
import type { GuardedFetch } from '../fetch.js';
import type { SocialConnections } from './connections.js';
import { socialProviderOf } from './registry.js';
import type { SocialStore } from './store.js';
import type { AnySocialProvider, SocialConnection, SocialPerson } from './types.js';

const RESULT_SECONDS = 300;

export interface SocialFlowDeps {
  issuer: string;
  federation: Config['federation'];
  fetch: GuardedFetch;
  store: SocialStore;
  connections: SocialConnections;
  audit: Audit;
}

/** Who a round trip is for: an interaction's sign-in, or a signed-in person linking from My account. */
export type Purpose = { kind: 'sign_in'; uid: string } | { kind: 'link'; userId: string };

const random = () => randomBytes(24).toString('base64url');

export function createSocialFlow(d: SocialFlowDeps) {
  const env: FlowEnv = { federation: d.federation, fetch: d.fetch };
  const callbackUrl = (id: string) => `${d.issuer}/social/callback/${id}`;
  const expiry = (seconds: number) => new Date(Date.now() + seconds * 1000);
  /** Client secrets minted per request (Apple's JWT), read by the cached configuration's client authentication. */
  const minted = new Map<string, string>();

  async function usable(id: string) {
    const conn = await d.connections.find(id);
    const provider = conn && socialProviderOf(conn.provider);
    if (!conn || !provider) throw fail('unknown_connection', `no social provider ${id}`);
    if (!conn.enabled) throw fail('connection_disabled', `the social provider ${id} is switched off`);
    return { conn, provider };
  }

  function configuration(conn: SocialConnection, provider: AnySocialProvider) {
    const s = conn.settings;
    const key = `social:${conn.id}:${conn.updatedAt.getTime()}`;
    const overrides = {
      authorization_endpoint: s.authorization_endpoint,
      token_endpoint: s.token_endpoint,
      userinfo_endpoint: s.userinfo_endpoint,
      jwks_uri: s.jwks_uri,
    };
    const issuer = s.issuer ?? provider.defaults.issuer;
    const auth: oidc.ClientAuth | undefined = provider.clientSecret
      ? (as, client, body, headers) => oidc.ClientSecretPost(minted.get(key))(as, client, body, headers)
      : undefined;
    const base = { key, clientId: s.client_id, secret: conn.secret, ...(auth ? { auth } : {}), overrides };
    if (provider.protocol === 'oauth2') {
      const endpoints = { ...provider.defaults, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v)) };
      const origin = new URL(String(endpoints.authorization_endpoint)).origin;
      return { key, config: configurationFor({ ...base, metadata: { issuer: issuer ?? origin, ...endpoints } }, env) };
    }
    if (!issuer) throw fail('bad_response', 'no issuer is configured');
    const load = provider.metadata;
    return { key, config: configurationFor({ ...base, ...(load ? { metadata: () => load(issuer, env) } : { issuer }) }, env) };
  }

  async function redeem(
    conn: SocialConnection,
    provider: AnySocialProvider,
    input: { url: URL; body: Record<string, string> },
    remembered: Record<string, unknown>,
  ) {
    const { key, config: loading } = configuration(conn, provider);
    const config = await loading;
    if (provider.clientSecret) minted.set(key, await provider.clientSecret(conn));
    const url = answerUrl(input.url, input.body);
    if (provider.redeem) return provider.redeem({ conn, env, config, url, body: input.body, remembered });
    const { claims, accessToken } = await finishCode(config, url, remembered, { idToken: true });
    return str(claims.email) ? claims : { ...(await userInfo(config, accessToken, String(claims.sub))), ...claims };
  }

  return {
    usable,
    callbackUrl,

    /** Starts a round trip to the provider; returns the URL to send the browser to. */
    async start(ctx: Context, connectionId: string, purpose: Purpose): Promise<string> {
      const { conn, provider } = await usable(connectionId);
      const state = random();
      const redirectUri = callbackUrl(conn.id);
      const { url, remember } = await beginCode(await configuration(conn, provider).config, {
        redirectUri,
        scope: (conn.settings.scopes ?? provider.scopes).join(' '),
        state,
        oauth2: provider.protocol === 'oauth2',
        params: provider.params,
      });
      await d.store.putState({
        state,
        connection_id: conn.id,
        data: { ...remember, redirectUri, purpose, stage: 'upstream' },
        expires_at: expiry(d.federation.upstreamTimeoutSeconds),
      });
      await d.audit.record(ctx, {
        type: 'social.started',
        outcome: 'info',
        ...(purpose.kind === 'link' ? { userId: purpose.userId } : {}),
        data: { connectionId, purpose: purpose.kind },
      });
      return url.toString();
    },

    /** The provider's answer: verified, then kept for the interaction or the person it was for. */
    async callback(ctx: Context, connectionId: string, input: { url: URL; body: Record<string, string> }) {
      const { conn, provider } = await usable(connectionId);
      const key = input.body.state ?? input.url.searchParams.get('state') ?? '';
      let late: { data: Record<string, unknown> } | undefined;
      const pending = key ? await d.store.takeState(key, (row) => (late = row)) : undefined;
      // An answer after its sign-in's time ran out: recovered (src/routing/), not a dead end.
      const lateFor = late?.data.stage === 'upstream' ? (late.data.purpose as Purpose | undefined) : undefined;
      if (lateFor?.kind === 'sign_in') throw lateAnswer(lateFor.uid, 'the answer came after this sign-in expired');
      if (!pending || pending.data.stage !== 'upstream')
        throw fail('expired', 'no sign-in is waiting for this answer (expired, tampered with or already used)');
      const purpose = pending.data.purpose as Purpose;
      if (pending.connection_id !== conn.id)
        throw Object.assign(
          fail('expired', 'this answer belongs to another sign-in'),
          purpose.kind === 'sign_in' ? { uid: purpose.uid } : {},
        );
      let person: SocialPerson;
      try {
        const raw = await redeem(conn, provider, input, pending.data);
        const profile = provider.profile.safeParse(raw);
        if (!profile.success) throw fail('no_subject', `the provider's profile is not usable: ${profile.error.issues[0]?.message}`);
        person = provider.toPerson(profile.data);
      } catch (err) {
        // access_denied (OAuth 2.0), user_cancelled_authorize (Apple): the person said no at the provider.
        const cancelled =
          err instanceof FederationError && err.reason === 'idp_error' && /^(access_denied|user_cancelled_authorize)\b/.test(err.message);
        const e = cancelled ? fail('cancelled', (err as Error).message) : err;
        if (e instanceof FederationError && purpose.kind === 'sign_in') e.uid = purpose.uid;
        throw e;
      }
      const result = random();
      await d.store.putState({
        state: result,
        connection_id: conn.id,
        data: { stage: 'result', purpose, person },
        expires_at: expiry(RESULT_SECONDS),
      });
      await d.audit.record(ctx, {
        type: 'social.verified',
        outcome: 'success',
        ...(purpose.kind === 'link' ? { userId: purpose.userId } : {}),
        data: { connectionId, subject: person.subject, emailVerified: person.emailVerified },
      });
      return { purpose, result };
    },

    /** Redeems a verified answer for the interaction or person it was for (single use). */
    async takeResult(result: string, expected: Purpose): Promise<{ conn: SocialConnection; person: SocialPerson }> {
      const row = await d.store.takeState(String(result ?? ''));
      const purpose = row?.data.purpose as Purpose | undefined;
      const mine =
        purpose?.kind === expected.kind &&
        (purpose.kind === 'sign_in'
          ? purpose.uid === (expected as { uid: string }).uid
          : purpose.userId === (expected as { userId: string }).userId);
      if (!row || row.data.stage !== 'result' || !mine) throw fail('expired', 'this social sign-in result is not for this sign-in');
      const { conn } = await usable(row.connection_id);
      return { conn, person: row.data.person as SocialPerson };
    },
  };
}
export type SocialFlow = ReturnType<typeof createSocialFlow>;
