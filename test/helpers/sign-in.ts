/**
 * Shared setup for the sign-in end-to-end tests: a Wayfinder whose mail goes to a real SMTP sink,
 * people and apps to sign in with, an authorization request made by openid-client, and small readers
 * of what the server stored (audit events, sessions, cookies).
 */
import { sql } from 'kysely';
import { generate } from 'otplib';
import { type PageClient } from './browser.js';
import { startMailSink, type MailSink } from './mail-sink.js';
import { oidc, REDIRECT_URI } from './rp.js';
import { startTestServer, type TestServer } from './server.js';

export const PASSWORD = 'correct horse battery staple';
export const NEW_PASSWORD = 'violet kettle upstairs marathon';

export interface Harness {
  server: TestServer;
  sink: MailSink;
  close(): Promise<void>;
}

/** A test server whose mail goes to a real SMTP server. */
export async function startWithMail(overrides: Record<string, unknown> = {}): Promise<Harness> {
  const sink = await startMailSink();
  const server = await startTestServer({ smtp: { url: sink.url }, ...overrides });
  return {
    server,
    sink,
    async close() {
      await server.close();
      await sink.close();
    },
  };
}

let counter = 0;
/** A unique address per call, so tests in one file never share a person (or a rate limit). */
export const uniqueEmail = (name: string) => `${name}.${Date.now().toString(36)}${(counter += 1)}@example.test`;

export async function addUser(server: TestServer, email: string, password = PASSWORD) {
  return server.services.users.create({ email, password, name: email.split('@')[0], email_verified: true });
}

/** A confidential app with refresh tokens; first-party unless told otherwise. */
export async function addApp(
  server: TestServer,
  clientId: string,
  opts: { firstParty?: boolean; backchannelLogoutUri?: string; name?: string } = {},
) {
  const secret = `${clientId}-secret-value`;
  await server.services.clients.upsert({
    client_id: clientId,
    client_secret: secret,
    client_name: opts.name ?? clientId,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    first_party: opts.firstParty ?? true,
    ...(opts.backchannelLogoutUri ? { backchannel_logout_uri: opts.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
  });
  return oidc.discovery(new URL(server.url), clientId, secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
}

export interface Authorization {
  url: string;
  uid: string;
  verifier: string;
  state: string;
}

/** Opens an authorization request (code + PKCE) in `page`; returns where it landed (normally an interaction). */
export async function authorize(config: oidc.Configuration, page: PageClient, extra: Record<string, string> = {}): Promise<Authorization> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const auth = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  const url = await page.get(auth.toString());
  return { url, uid: interactionUid(url), verifier, state };
}

export const interactionUid = (url: string) => /\/interaction\/([^/?#]+)/.exec(url)?.[1] ?? '';

/** Exchanges the code the app received at its redirect URI. */
export function redeem(config: oidc.Configuration, back: string, a: Authorization) {
  if (!back.startsWith(REDIRECT_URI)) throw new Error(`did not return to the app: ${back}`);
  return oidc.authorizationCodeGrant(config, new URL(back), { pkceCodeVerifier: a.verifier, expectedState: a.state });
}

/** Email step then password step of the interaction `a`; returns the URL the journey ended at. */
export async function enterCredentials(
  page: PageClient,
  a: Authorization,
  email: string,
  password: string,
  opts: { remember?: boolean } = {},
) {
  if (page.last.body.includes('name="email"')) await page.post(`/interaction/${a.uid}/identify`, { email });
  return page.post(`/interaction/${a.uid}/password`, { password, ...(opts.remember ? { remember: 'yes' } : {}) });
}

/** Full sign-in of `email` at the app: returns the token response. */
export async function signIn(
  config: oidc.Configuration,
  page: PageClient,
  email: string,
  password = PASSWORD,
  opts: { remember?: boolean } = {},
) {
  const a = await authorize(config, page);
  return redeem(config, await enterCredentials(page, a, email, password, opts), a);
}

/** Signs in to Wayfinder's own My account app (the journey starts at /account). */
export async function openMyAccount(page: PageClient, email: string, password = PASSWORD, opts: { remember?: boolean } = {}) {
  const url = await page.get('/account');
  if (!url.includes('/interaction/')) return url;
  const a = { url, uid: interactionUid(url), verifier: '', state: '' };
  return enterCredentials(page, a, email, password, opts);
}

/**
 * `email` signed in to My account, then through the admin center's step-up to `path` (a TOTP factor is
 * set up on the way: the first second factor of a test person). Returns the TOTP secret.
 */
export async function throughAdminStepUp(page: PageClient, email: string, path: string) {
  await openMyAccount(page, email);
  const uid = interactionUid(await page.get(path));
  const secret = /<code>([A-Z2-7 ]{16,})<\/code>/.exec(page.last.body)![1].replace(/ /g, '');
  await page.post(`/interaction/${uid}/factor/totp/enrol`, { code: await generate({ secret }) });
  await page.post(`/interaction/${uid}/factor/continue`, {});
  return secret;
}

/** A page with its per-request values (CSRF value, interaction uid, given strings) replaced by placeholders. */
export function comparable(html: string, replace: Record<string, string> = {}) {
  let out = html
    .replace(/name="csrf" value="[^"]*"/g, 'name="csrf" value="CSRF"')
    .replace(/(\/interaction\/|[?&;]interaction=)[A-Za-z0-9_-]+/g, '$1UID');
  for (const [value, placeholder] of Object.entries(replace)) out = out.split(value).join(placeholder);
  return out;
}

/** The visible text of a page (tags removed, whitespace folded). */
export const pageText = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

export async function auditTypes(server: TestServer, filter: { type?: string; userId?: string } = {}) {
  return server.services.audit.recent({ ...filter, limit: 500 });
}

/** The stored oidc-provider Session rows of a person. */
export function sessionRows(server: TestServer, userId: string) {
  return server.testDb.database.db
    .selectFrom('oidc_models')
    .select(['id', 'expires_at', 'payload'])
    .where('kind', '=', 'Session')
    .where('account_id', '=', userId)
    .where(sql<boolean>`(expires_at is null or expires_at > now())`)
    .execute();
}

/** The last Set-Cookie line for `name` that did not delete it, parsed. */
export function lastCookie(page: PageClient, name: string) {
  const lines = page.setCookieLog.filter(({ line }) => line.startsWith(`${name}=`) && !/expires=Thu, 01 Jan 1970/i.test(line));
  const line = lines.at(-1)?.line;
  if (!line) return undefined;
  const attrs = Object.fromEntries(
    line
      .split(';')
      .slice(1)
      .map((a) => {
        const [k, ...v] = a.trim().split('=');
        return [k.toLowerCase(), v.join('=')];
      }),
  );
  return {
    line,
    value: line.slice(name.length + 1).split(';')[0],
    expires: attrs.expires ? new Date(attrs.expires) : undefined,
    maxAge: attrs['max-age'],
  };
}

/** Runs `action`, then waits for a mail to `to` with a matching subject that was not in the inbox before. */
export async function newMail(sink: MailSink, to: string, subject: RegExp, action: () => Promise<unknown>, ms = 10000) {
  const matching = () => sink.inbox.filter((m) => m.to.includes(to) && subject.test(m.subject));
  const before = matching().length;
  await action();
  const deadline = Date.now() + ms;
  while (matching().length <= before) {
    if (Date.now() > deadline) throw new Error(`no new mail to ${to} matching ${subject}`);
    await sleep(50);
  }
  return matching()[before];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
