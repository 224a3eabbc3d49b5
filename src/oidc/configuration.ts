/**
 * oidc-provider configuration. Rules enforced here:
 * - no placeholder page: errors, logout, signed-out and device pages are ours (oidc/pages.ts);
 * - PKCE S256 is required for public clients (oidc-provider's default policy, plain is not offered);
 * - refresh tokens rotate on every use (the grace window lives in the adapter);
 * - ES256 signs by default (RS256 available per client); JWT access tokens for registered APIs only,
 *   an unknown resource indicator is `invalid_target`;
 * - first-party apps get their grant without a consent page; third-party apps go to consent;
 * - "Stay signed in" unchecked gives a browser-session cookie and a short server-side lifetime;
 *   checked gives `rememberDays`, extended at each visit.
 */
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { errors, interactionPolicy } from './lib.js';
import type { Config } from '../config/schema.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { AccountStore } from '../accounts/store.js';
import type { PrivateJwk } from './keys.js';
import { GATED } from './interactions.js';
import { oidcPages } from './pages.js';
import { ACR } from '../login/gate.js';
import type { SessionPolicy } from '../login/session-policy.js';
import type { SessionAge } from '../orgs/session-lengths.js';
import type { RefreshTokenLimit } from './refresh-token-limit.js';
import { cookieKeys } from '../http/cookie-keys.js';

export interface ConfigurationDeps {
  config: Config;
  adapter: NonNullable<Configuration['adapter']>;
  jwks: { keys: PrivateJwk[] };
  clients: ClientRegistry;
  accounts: AccountStore;
  /** Whether a reused session meets today's policy; set once the policy gate exists (undefined until then). */
  sessionPolicy: () => SessionPolicy | undefined;
  /** Whether a reused session is older than its person's organizations allow (undefined: no such check). */
  sessionAge?: () => SessionAge | undefined;
  /** Refresh tokens within the organizations' session lengths (refresh-token-limit.ts). */
  refreshTokenLimit?: RefreshTokenLimit;
}

export const CLAIMS = {
  sid: null,
  iss: null,
  // acr, amr and auth_time say how the person signed in: every ID token carries them.
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'locale', 'updated_at'],
};

async function firstPartyGrant(ctx: KoaContextWithOIDC, clients: ClientRegistry) {
  const { oidc } = ctx;
  const client = oidc.client!;
  const grantId = oidc.result?.consent?.grantId || oidc.session!.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!(await clients.isFirstParty(client.clientId))) return existing;
  const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: oidc.session!.accountId });
  const granted = (g: typeof grant) => JSON.stringify([g.openid, g.resources]);
  const before = existing && granted(existing);
  const requested = String(oidc.params?.scope ?? 'openid').split(' ');
  grant.addOIDCScope(requested.filter((s) => ['openid', 'email', 'profile', 'offline_access'].includes(s)).join(' '));
  const claims = oidc.requestParamClaims as Set<string> | undefined;
  if (claims?.size) grant.addOIDCClaims([...claims]);
  for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
    grant.addResourceScope(indicator, (server as { scope?: string }).scope ?? '');
  }
  // Saved when new or when it gained something; an unchanged grant (the same app again in this
  // session) is not written again. An expired grant is not found, so a new one is made.
  if (!existing || granted(grant) !== before) await grant.save();
  return grant;
}

/**
 * oidc-provider's prompts, plus step-up: an app asking for the multi-factor class (acr_values) while
 * the session has only a single factor gets the login prompt again (the journey then asks for a
 * second factor only).
 */
function interactionPolicyWithStepUp(sessionPolicy: () => SessionPolicy | undefined, sessionAge: () => SessionAge | undefined) {
  // oidc-provider runs a prompt's checks in parallel: both checks below share one answer per request.
  const expiredOf = new WeakMap<object, Promise<boolean>>();
  const expired = (ctx: KoaContextWithOIDC) => {
    const session = ctx.oidc.session;
    const tooOld = sessionAge();
    if (!session?.accountId || !tooOld) return Promise.resolve(false);
    let answer = expiredOf.get(ctx);
    if (!answer) {
      answer = tooOld({ accountId: session.accountId, loginTs: session.loginTs, transient: !!session.transient });
      expiredOf.set(ctx, answer);
    }
    return answer;
  };
  const { base, Check } = interactionPolicy;
  const policy = base();
  const login = policy.get('login')!;
  login.checks.add(
    new Check('mfa_required', 'the app requires two-step verification', (ctx) => {
      const requested = String(ctx.oidc.params?.acr_values ?? '')
        .split(' ')
        .includes(ACR.mfa);
      return requested && ctx.oidc.session?.acr !== ACR.mfa ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  // A reused session is not used for an app the person may not use (apps/rule.ts): the app gets access_denied.
  login.checks.add(
    new Check('app_not_allowed', 'the person may not use this app', async (ctx) => {
      const session = ctx.oidc.session;
      const mayUse = sessionPolicy()?.mayUseApp;
      if (!session?.accountId || !mayUse || (await mayUse(session.accountId, String(ctx.oidc.params?.client_id ?? ''))))
        return Check.NO_NEED_TO_PROMPT;
      throw new errors.AccessDenied('this account may not use this app');
    }),
  );
  // A session older than its organizations' session lengths signs in again from the start (not a step-up).
  login.checks.add(
    new Check('session_expired', 'the session is older than the organization allows', 'login_required', async (ctx) =>
      (await expired(ctx)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  // A reused session must meet today's policy (login/session-policy.ts): otherwise the journey asks for what is missing.
  login.checks.add(
    new Check('policy_changed', 'the session does not meet the sign-in policy in force', 'login_required', async (ctx) => {
      const session = ctx.oidc.session;
      const meets = sessionPolicy();
      // A session too old signs in from the start: no step-up over it.
      if (!session?.accountId || !meets || (await expired(ctx))) return Check.NO_NEED_TO_PROMPT;
      // The resume of a login the gate has just allowed for this interaction (interactions.ts GATED):
      // the gate checked today's policy moments ago. Not so for a later step's result (consent) that
      // carries the login along.
      const result = (ctx.oidc as { result?: Record<string, unknown> }).result;
      if (result?.login && result[GATED] === true && !result.consent) return Check.NO_NEED_TO_PROMPT;
      const login = { accountId: session.accountId, loginTs: session.loginTs, amr: session.amr, acr: session.acr };
      return (await meets(ctx, login, String(ctx.oidc.params?.client_id ?? ''))) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}

export function buildConfiguration({
  config,
  adapter,
  jwks,
  clients,
  accounts,
  sessionPolicy,
  sessionAge,
  refreshTokenLimit,
}: ConfigurationDeps): Configuration {
  const capped = (ctx: KoaContextWithOIDC | undefined, ttl: number) => refreshTokenLimit?.capped(ctx, ttl) ?? ttl;
  const alg = config.oidc.defaultSigningAlg;
  const secure = config.server.issuer.startsWith('https:');
  const cookieOptions = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure };

  return {
    adapter,
    jwks,
    clients: [],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: alg,
    },
    cookies: {
      keys: cookieKeys(config.secrets.cookieKeys),
      names: { session: 'wf_session', interaction: 'wf_interaction', resume: 'wf_resume' },
      long: cookieOptions,
      short: cookieOptions,
    },
    claims: CLAIMS as unknown as Configuration['claims'],
    acrValues: [ACR.password, ACR.mfa],
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    responseTypes: ['code', 'none'],
    // domain_hint: a company's verified domain routes the sign-in to its identity provider at once.
    extraParams: ['domain_hint'],
    conformIdTokenClaims: true,
    async findAccount(ctx, sub, token) {
      const user = await accounts.findUser(sub);
      if (!user || user.status !== 'active') return undefined;
      await refreshTokenLimit?.check(ctx, user.id, token);
      return {
        accountId: user.id,
        async claims() {
          return {
            sub: user.id,
            email: user.email,
            email_verified: user.email_verified,
            name: user.name ?? undefined,
            given_name: user.given_name ?? undefined,
            family_name: user.family_name ?? undefined,
            locale: user.locale ?? undefined,
            updated_at: Math.floor(user.updated_at.getTime() / 1000),
          };
        },
      };
    },
    interactions: {
      policy: interactionPolicyWithStepUp(sessionPolicy, sessionAge ?? (() => undefined)),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    extraTokenClaims: async (ctx, token) => refreshTokenLimit?.claims(ctx, token),
    loadExistingGrant: (ctx) => firstPartyGrant(ctx, clients),
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // Outgoing calls (back-channel logout) keep oidc-provider's guard against private and special-use
    // addresses, except for the hosts the operator lists (apps on the same private network).
    fetch: (url, options) => {
      const target = new URL(typeof url === 'string' || url instanceof URL ? url : url.url);
      if (!config.oidc.allowPrivateHosts.includes(target.hostname)) return globalThis.fetch(url, options);
      const { dispatcher: _guarded, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(url, rest);
    },
    clientBasedCORS(_ctx, origin, client) {
      if (origin === 'null') return false;
      return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
    },
    ttl: {
      // A registered API's own lifetime wins (resource indicators); otherwise the configured default.
      // Both end no later than the sign-in may last for the person's organizations (refresh-token-limit.ts).
      AccessToken: (ctx, token) =>
        capped(
          ctx,
          (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer?.accessTokenTTL ?? config.oidc.accessTokenTtl,
        ),
      AuthorizationCode: 60,
      ClientCredentials: (_ctx, token) =>
        (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer?.accessTokenTTL ?? config.oidc.accessTokenTtl,
      DeviceCode: config.device.userCodeSeconds,
      IdToken: config.oidc.idTokenTtl,
      Interaction: config.oidc.interactionTtl,
      RefreshToken: (ctx) => capped(ctx, config.oidc.refreshTokenTtl),
      Grant: Math.max(config.oidc.refreshTokenTtl, config.session.rememberDays * 86400),
      Session: (_ctx, session) => (session.transient ? config.oidc.transientSessionTtl : config.session.rememberDays * 86400),
      BackchannelAuthenticationRequest: 600,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // A public client may only introspect its own tokens; confidential clients (APIs) any.
        // Inactive once the token's sign-in is past its person's organizations' current length (refresh-token-limit.ts).
        allowedPolicy: async (ctx, client, token) =>
          (client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client?.clientId) &&
          ((await refreshTokenLimit?.current(ctx, token)) ?? true),
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        // The confirmation page names where and when the device asked (src/device/pages.ts).
        deviceInfo: (ctx) => ({ ip: ctx.ip, ua: ctx.get('user-agent').slice(0, 300), at: Date.now() }),
        userCodeInputSource: oidcPages.userCodeInputSource,
        userCodeConfirmSource: oidcPages.userCodeConfirmSource,
        successSource: oidcPages.successSource,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: oidcPages.logoutSource,
        postLogoutSuccessSource: oidcPages.postLogoutSuccessSource,
      },
      backchannelLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx, resourceIndicator) {
          const server = await clients.findResource(resourceIndicator);
          if (!server) throw new errors.InvalidTarget('the requested resource is not registered');
          return {
            scope: server.scopes.join(' '),
            audience: server.identifier,
            accessTokenTTL: server.access_token_ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg } },
          };
        },
      },
    },
    renderError: oidcPages.renderError,
  };
}
