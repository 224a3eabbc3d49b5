/**
 * A Wayfinder with social providers: stand-ins for Google, Microsoft (multi-tenant), LinkedIn and a
 * generic OpenID Connect issuer (second oidc-provider instances), Facebook (OAuth 2.0 + Graph) and
 * Apple (form_post, ES256 client secret), each configured as a social connection; an app; and the
 * walk a person takes: app → sign-in page → a provider's button → provider → back.
 */
import { exportPKCS8, generateKeyPair } from 'jose';
import type { PageClient } from './browser.js';
import { addApp, authorize, type Authorization, startWithMail, type Harness } from './sign-in.js';
import { startOidcStandIn, standInSignIn, type OidcStandIn } from './social-oidc.js';
import { startAppleStandIn, startFacebookStandIn, type AppleStandIn, type FacebookStandIn } from './social-oauth.js';
import type { oidc } from './rp.js';

export const MS_TENANT = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
export const SECRET = 'social-client-secret-value';

export interface Social {
  h: Harness;
  app: oidc.Configuration;
  google: OidcStandIn;
  microsoft: OidcStandIn;
  linkedin: OidcStandIn;
  generic: OidcStandIn;
  apple: AppleStandIn;
  facebook: FacebookStandIn;
  /** Saves a connection again with other settings. */
  configure(id: string, settings?: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

export async function startSocial(): Promise<Social> {
  const h = await startWithMail({ federation: { allowPrivateNetworks: true, allowHttp: true } });
  const cb = (id: string) => `${h.server.url}/social/callback/${id}`;
  const client = (id: string) => ({ clientId: `wayfinder-${id}`, secret: SECRET, redirectUri: cb(id) });
  const google = await startOidcStandIn(client('google'));
  const microsoft = await startOidcStandIn({ ...client('microsoft'), tenant: MS_TENANT });
  const linkedin = await startOidcStandIn(client('linkedin'));
  const generic = await startOidcStandIn(client('keyvault'));
  const key = await generateKeyPair('ES256', { extractable: true });
  const apple = await startAppleStandIn({
    clientId: 'com.example.wayfinder',
    teamId: 'TEAM123456',
    keyId: 'KEY1234567',
    publicKey: key.publicKey,
    redirectUri: cb('apple'),
  });
  const facebook = await startFacebookStandIn({ clientId: 'fb-app-1', secret: SECRET, redirectUri: cb('facebook') });
  const applePem = await exportPKCS8(key.privateKey);

  const entries: Record<string, Record<string, unknown>> = {
    google: { provider: 'google', name: 'Google', client_id: 'wayfinder-google', client_secret: SECRET, issuer: google.issuer },
    microsoft: {
      provider: 'microsoft',
      name: 'Microsoft',
      client_id: 'wayfinder-microsoft',
      client_secret: SECRET,
      issuer: microsoft.issuer,
    },
    apple: {
      provider: 'apple',
      name: 'Apple',
      client_id: 'com.example.wayfinder',
      client_secret: applePem,
      issuer: apple.issuer,
      team_id: 'TEAM123456',
      key_id: 'KEY1234567',
    },
    facebook: {
      provider: 'facebook',
      name: 'Facebook',
      client_id: 'fb-app-1',
      client_secret: SECRET,
      authorization_endpoint: `${facebook.origin}/dialog/oauth`,
      token_endpoint: `${facebook.origin}/oauth/access_token`,
      userinfo_endpoint: `${facebook.origin}/me`,
    },
    linkedin: { provider: 'linkedin', name: 'LinkedIn', client_id: 'wayfinder-linkedin', client_secret: SECRET, issuer: linkedin.issuer },
    keyvault: { provider: 'oidc', name: 'KeyVault ID', client_id: 'wayfinder-keyvault', client_secret: SECRET, issuer: generic.issuer },
  };
  const ids = Object.keys(entries);
  const configure = (id: string, settings: Record<string, unknown> = {}) =>
    h.server.features.socialConnections.save({ id, ...entries[id], ...settings } as never, ids.indexOf(id));
  for (const id of ids) await configure(id);
  const app = await addApp(h.server, 'portal');
  return {
    h,
    app,
    google,
    microsoft,
    linkedin,
    generic,
    apple,
    facebook,
    configure,
    async close() {
      await h.close();
      for (const s of [google, microsoft, linkedin, generic, apple, facebook]) await s.close();
    },
  };
}

/** App → sign-in page → the button of `connection`: returns the provider URL the browser is sent to. */
export async function pressButton(s: Social, page: PageClient, connection: string, extra: Record<string, string> = {}) {
  const a: Authorization = await authorize(s.app, page, extra);
  if (!page.last.body.includes(`/social/${connection}/start`))
    throw new Error(`no ${connection} button on ${a.url} (${page.last.status}: ${page.title()})`);
  const toProvider = await page.post(`/interaction/${a.uid}/social/${connection}/start`, {});
  return { a, toProvider };
}

/** A whole round trip through an OIDC stand-in: where the browser ends (the app, a Wayfinder page). */
export async function oidcSocialSignIn(s: Social, page: PageClient, idp: OidcStandIn, connection: string, username: string) {
  const { a, toProvider } = await pressButton(s, page, connection);
  if (!toProvider.startsWith(idp.origin)) throw new Error(`not sent to the provider: ${toProvider} (${page.last.status}: ${page.title()})`);
  const back = await standInSignIn(idp, toProvider, username);
  const end = await page.get(back);
  return { a, end, back, toProvider };
}
