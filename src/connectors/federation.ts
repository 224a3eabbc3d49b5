/**
 * Company sign-in for one interaction, and the administrators' test sign-in. Rules:
 * - a sign-in starts only with a connection the journey's routing offered (home realm discovery or
 *   "Use my company ID"), enabled, of an active organization;
 * - every round trip to the IdP has its own random state, stored server-side, single use, expiring
 *   after `upstreamTimeoutSeconds`, bound to the connection it was started for;
 * - the callback verifies the IdP's answer (the connector's rules), then hands the identity to the
 *   interaction through a second single-use record that only the browser holding that interaction
 *   can redeem (its interaction cookie): a callback URL sent to someone else signs no one in;
 * - the identity becomes an account through linking.ts, then the single policy gate decides
 *   (journey.conclude with method 'sso', amr ['fed'], the IdP's MFA as a factor when trusted);
 * - a test sign-in verifies exactly like a real one, records success on the connection (and starts
 *   SSO-only enforcement waiting for it), and creates no session and no account;
 * - every start, success and failure is audited.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import type { Config } from '../config/schema.js';
import type { Journey, Outcome } from '../login/journey.js';
import type { InteractionView } from '../oidc/interactions.js';
import type { XmlValidator } from '../saml/validator.js';
import { afterTestSignIn } from '../orgs/sso-only.js';
import type { OrgStore } from '../orgs/store.js';
import type { Connections } from './connections.js';
import { fail, FederationError, lateAnswer } from './errors.js';
import type { GuardedFetch } from './fetch.js';
import type { Linking, LinkPlan } from './linking.js';
import { connectorOf } from './registry.js';
import type { ConnectorStore } from './store.js';
import { hashTestToken, issueTestLink } from './test-links.js';
import type { Connection, ConnectorEnv, UpstreamIdentity } from './types.js';

/** Not registered in RFC 8176: says the person signed in at their company's identity provider. */
export const AMR_FEDERATED = 'fed';
const RESULT_SECONDS = 300;

export interface FederationDeps {
  issuer: string;
  /** The shared SAML schema validator, and the largest SAML message accepted. */
  xml: () => XmlValidator;
  maxMessageBytes: number;
  federation: Config['federation'];
  fetch: GuardedFetch;
  store: ConnectorStore;
  connections: Connections;
  orgs: OrgStore;
  journey: Journey;
  linking: Linking;
  audit: Audit;
}

export type CallbackResult =
  | { kind: 'sign_in'; uid: string; result: string }
  | { kind: 'unsolicited'; result: string }
  | {
      kind: 'test';
      connection: Connection;
      identity: UpstreamIdentity;
      plan: LinkPlan | { kind: 'refused'; reason: string };
      enforced: boolean;
    };

const random = () => randomBytes(24).toString('base64url');

export function createFederation(d: FederationDeps) {
  const env: ConnectorEnv = {
    federation: d.federation,
    fetch: d.fetch,
    callbackUrl: (id) => `${d.issuer}/sso/callback/${id}`,
    spEntityId: (id) => `${d.issuer}/sso/saml/${id}/metadata`,
    rememberAssertion: (id, assertionId, expiresAt) => d.store.rememberAssertion(id, assertionId, expiresAt),
    get xml() {
      return d.xml();
    },
    maxMessageBytes: d.maxMessageBytes,
  };
  const expiry = (seconds: number) => new Date(Date.now() + seconds * 1000);

  /** The connection, refused unless it exists, is enabled and its organization is active. */
  async function usable(id: string) {
    const found = await d.connections.find(String(id ?? ''));
    const connector = found && connectorOf(found.row.kind);
    if (!found || !connector) throw fail('unknown_connection', `no connection ${id}`);
    if (!found.row.enabled) throw fail('connection_disabled', `the connection ${id} is switched off`);
    const org = await d.orgs.findById(found.row.org_id);
    if (org?.status !== 'active') throw fail('organization_disabled', `the organization of ${id} is disabled`);
    const settings = connector.settings.parse(found.row.settings);
    return { connection: found.connection, connector, settings, org };
  }

  async function begin(connectionId: string, purpose: 'sign_in' | 'test', data: Record<string, unknown>, loginHint?: string) {
    const { connection, connector } = await usable(connectionId);
    const state = random();
    const { redirect, remember } = await connector.begin(connection, env, { state, loginHint });
    await d.store.putState({
      state,
      connection_id: connection.id,
      purpose,
      data: { ...remember, ...data, stage: 'upstream' },
      expires_at: expiry(d.federation.upstreamTimeoutSeconds),
    });
    return redirect;
  }

  return {
    env,
    usable,
    /** A connection (any state) by id, for pages that do not sign anyone in (SP metadata). */
    find: (id: string) => d.connections.find(String(id ?? '')),

    /** Sends the person of this interaction to the connection's IdP; returns the URL. */
    async start(ctx: Context, view: InteractionView, connectionId: string) {
      const s = await d.journey.state(view.uid);
      if (s.realm?.kind !== 'company' || !s.realm.connections.some((c) => c.id === connectionId)) {
        throw fail('unknown_connection', 'this sign-in was not routed to that connection');
      }
      const redirect = await begin(connectionId, 'sign_in', { uid: view.uid }, s.email);
      await d.audit.record(ctx, { type: 'sso.started', outcome: 'info', clientId: view.clientId, data: { connectionId } });
      return redirect;
    },

    /** A single-use test sign-in link for administrators (valid one hour). */
    testLink: (connectionId: string) => issueTestLink(d.store, d.issuer, connectionId),

    async startTest(ctx: Context, token: string) {
      const row = await d.store.takeState(hashTestToken(String(token ?? '')));
      if (!row || row.purpose !== 'test' || row.data.stage !== 'link')
        throw fail('expired', 'this test sign-in link is not valid (used, expired or unknown)');
      await d.audit.record(ctx, { type: 'sso.test_started', outcome: 'info', data: { connectionId: row.connection_id } });
      return begin(row.connection_id, 'test', {});
    },

    /** The IdP's answer: verified, then handed to the interaction (or reported, for a test). */
    async callback(ctx: Context, connectionId: string, input: { url: URL; body: Record<string, string> }): Promise<CallbackResult> {
      const { connection, connector, settings } = await usable(connectionId);
      const key = connector.stateOf(input);
      let late: { purpose: string; data: Record<string, unknown> } | undefined;
      const pending = key ? await d.store.takeState(key, (row) => (late = row)) : undefined;
      // An answer after its sign-in's time ran out: recovered (src/routing/), not a dead end.
      if (late && late.data.stage === 'upstream' && late.purpose === 'sign_in')
        throw lateAnswer(typeof late.data.uid === 'string' ? late.data.uid : undefined, 'the answer came after this sign-in expired');
      // A kind that can receive unsolicited answers decides in finish() (refused unless the connection allows them).
      if (key && !pending && !connector.unsolicited)
        throw fail('expired', 'no sign-in is waiting for this answer (expired or already used)');
      if (pending && (pending.connection_id !== connection.id || pending.data.stage !== 'upstream'))
        throw fail('expired', 'this answer belongs to another sign-in');
      let identity: UpstreamIdentity;
      try {
        identity = await connector.finish(connection, env, { ...input, remembered: pending?.data, staleState: Boolean(key && !pending) });
      } catch (err) {
        if (err instanceof FederationError && typeof pending?.data.uid === 'string') err.uid = pending.data.uid;
        throw err;
      }
      const audit = { connectionId, subject: identity.subject, mfa: identity.mfa, methods: identity.methods };

      if (pending?.purpose === 'test') {
        await d.store.markTested(connection.id);
        const enforced = await afterTestSignIn(d.orgs, connection.orgId);
        let plan: LinkPlan | { kind: 'refused'; reason: string };
        try {
          plan = await d.linking.plan(connection, settings.jit, identity);
        } catch (err) {
          plan = { kind: 'refused', reason: err instanceof FederationError ? err.reason : 'error' };
        }
        await d.audit.record(ctx, { type: 'sso.test_succeeded', outcome: 'success', data: { ...audit, plan: plan.kind } });
        if (enforced)
          await d.audit.record(ctx, { type: 'org.sso_only_enforced', outcome: 'success', data: { orgId: connection.orgId, connectionId } });
        return { kind: 'test', connection, identity, plan, enforced };
      }
      const result = random();
      const uid = pending ? String(pending.data.uid ?? '') : undefined;
      if (pending && !uid) throw fail('expired', 'this answer belongs to no sign-in');
      // Unsolicited (allowed by the connection): the next interaction of this browser takes it (a cookie).
      await d.store.putState({
        state: result,
        connection_id: connection.id,
        purpose: 'sign_in',
        data: { stage: 'result', uid, unsolicited: !pending, identity },
        expires_at: expiry(RESULT_SECONDS),
      });
      await d.audit.record(ctx, { type: 'sso.verified', outcome: 'success', data: { ...audit, unsolicited: !pending } });
      return uid ? { kind: 'sign_in', uid, result } : { kind: 'unsolicited', result };
    },

    /** Back in the interaction: link or provision the account, then the policy gate decides. */
    async complete(ctx: Context, view: InteractionView, result: string): Promise<Outcome> {
      const row = await d.store.takeState(String(result ?? ''));
      if (!row || row.data.stage !== 'result' || (row.data.uid !== view.uid && row.data.unsolicited !== true))
        throw fail('expired', 'this company sign-in result is not for this sign-in');
      const { connection, settings } = await usable(row.connection_id);
      const identity = row.data.identity as UpstreamIdentity;
      const user = await d.linking.resolve(ctx, connection, settings.jit, identity);
      const trusted = settings.mfa_trust === 'trust' && identity.mfa;
      const s = await d.journey.state(view.uid);
      return d.journey.conclude(ctx, view, user, {
        ...s,
        email: user.email,
        method: 'sso',
        amr: [AMR_FEDERATED],
        remember: false,
        factors: trusted ? [{ kind: 'upstream_mfa', assurance: 'high' }] : [],
        sso: { id: connection.id, orgId: connection.orgId, mfaTrust: settings.mfa_trust, upstreamMfa: identity.mfa },
      });
    },
  };
}
export type Federation = ReturnType<typeof createFederation>;
