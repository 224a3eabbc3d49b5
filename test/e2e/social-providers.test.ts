/**
 * Each social provider's own protocol, end to end against its stand-in: Microsoft (issuer validated
 * per tenant, keyed on tid/oid), Apple (form_post cross-site callback, ES256 client secret verified
 * by the stand-in with the public key, name only on the first sign-in and kept, private-relay email
 * verified), Facebook (OAuth 2.0, Graph /me with appsecret_proof, app-scoped id), LinkedIn and a
 * generic OpenID Connect issuer (PKCE and nonce), and secrets sealed at rest.
 */
import { PageClient } from '../helpers/browser.js';
import { addUser, auditTypes, newMail, pageText, redeem, uniqueEmail } from '../helpers/sign-in.js';
import { MS_TENANT, oidcSocialSignIn, pressButton, SECRET, startSocial, type Social } from '../helpers/social.js';

let s: Social;
beforeAll(async () => {
  s = await startSocial();
  for (const id of ['microsoft', 'apple', 'facebook', 'linkedin', 'keyvault']) await s.configure(id, { allow_sign_up: true });
});
afterAll(() => s?.close());

const db = () => s.h.server.testDb.database.db;
const linkRows = (connection: string) => db().selectFrom('social_links').selectAll().where('connection_id', '=', connection).execute();
const accounts = () => s.h.server.services.accounts;

/** Signs up through the link page's "Create an account" (the provider verified the email). */
async function signUp(page: PageClient, uid: string) {
  return page.post(`/interaction/${uid}/social/signup`, {});
}

test('Microsoft: the issuer is validated per tenant, the identity is (tid, oid), and the mutable email is not trusted', async () => {
  const email = uniqueEmail('ola');
  s.microsoft.people.set('ms-ola', { tid: MS_TENANT, oid: 'oid-ola', email, name: 'Ola N' });
  const page = new PageClient(s.h.server.url);
  const { a, toProvider } = await oidcSocialSignIn(s, page, s.microsoft, 'microsoft', 'ms-ola');
  const asked = new URL(toProvider).searchParams;
  expect([asked.get('code_challenge_method'), Boolean(asked.get('nonce')), Boolean(asked.get('state'))]).toEqual(['S256', true, true]);
  // Not verified by Microsoft for a work account: sign-up goes through a mailed code.
  const mail = await newMail(s.h.sink, email, /code/i, () => signUp(page, a.uid));
  expect(pageText(page.last.body)).toContain('we sent it a code');
  const end = await page.post(`/interaction/${a.uid}/social/link/code`, { code: /\b(\d{6})\b/.exec(mail.text)![1] });
  const ola = (await accounts().findUserByEmail(email))!;
  expect((await redeem(s.app, end, a)).claims()!.sub).toBe(ola.id);
  expect((await linkRows('microsoft')).map((l) => l.subject)).toEqual([`${MS_TENANT}/oid-ola`]);

  // Same (tid, oid), another email: the same account.
  s.microsoft.people.set('ms-ola', { tid: MS_TENANT, oid: 'oid-ola', email: 'renamed@example.test' });
  const again = new PageClient(s.h.server.url);
  const second = await oidcSocialSignIn(s, again, s.microsoft, 'microsoft', 'ms-ola');
  expect((await redeem(s.app, second.end, second.a)).claims()!.sub).toBe(ola.id);

  // A token whose tid names another tenant than its issuer is refused.
  s.microsoft.people.set('ms-mallory', { tid: '00000000-0000-4000-8000-000000000000', oid: 'oid-m', email: 'm@example.test' });
  const bad = new PageClient(s.h.server.url);
  await oidcSocialSignIn(s, bad, s.microsoft, 'microsoft', 'ms-mallory');
  expect(bad.last.status).toBe(400);
  expect(pageText(bad.last.body)).toContain('The provider answered in a way we could not verify');
  expect((await auditTypes(s.h.server, { type: 'social.failed' })).some((e) => String((e.data as any).detail).includes('iss'))).toBe(true);
});

/** Apple: press the button, let the stand-in answer, and POST its form cross-site (no cookies), then follow in the browser. */
async function appleRoundTrip(page: PageClient) {
  const { a, toProvider } = await pressButton(s, page, 'apple');
  expect(toProvider.startsWith(s.apple.issuer)).toBe(true);
  const html = await (await fetch(toProvider)).text();
  const action = /action="([^"]+)"/.exec(html)![1];
  const fields = Object.fromEntries(
    [...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&')]),
  );
  const res = await fetch(action, {
    method: 'POST',
    body: new URLSearchParams(fields),
    redirect: 'manual',
    headers: { origin: s.apple.issuer },
  });
  const location = res.headers.get('location');
  const end = location ? await page.get(location) : '';
  return { a, res, end, fields, location };
}

test('Apple: form_post answer, ES256 client secret, the name kept from the first sign-in, a private-relay email verified', async () => {
  const relay = `${uniqueEmail('pia').split('@')[0]}@privaterelay.appleid.com`;
  s.apple.next.person = { sub: '001234.apple-pia', email: relay, privateRelay: true, firstName: 'Pia', lastName: 'Quinn' };
  const page = new PageClient(s.h.server.url);
  const first = await appleRoundTrip(page);
  expect(first.res.status).toBe(303);
  expect(first.fields.user).toContain('Pia');
  expect(s.apple.requests.at(-1)!.get('response_mode')).toBe('form_post');
  expect(s.apple.secrets.at(-1)).toEqual({ kid: 'KEY1234567', lifetime: 300 });
  const end = await signUp(page, first.a.uid);
  const pia = (await accounts().findUserByEmail(relay))!;
  expect((await redeem(s.app, end, first.a)).claims()!.sub).toBe(pia.id);
  expect([pia.name, pia.given_name, pia.family_name, pia.email_verified]).toEqual(['Pia Quinn', 'Pia', 'Quinn', true]);
  expect((await linkRows('apple')).find((l) => l.user_id === pia.id)!.name).toBe('Pia Quinn');

  // Second sign-in: Apple sends no name; the account keeps it.
  const again = new PageClient(s.h.server.url);
  const second = await appleRoundTrip(again);
  expect(second.fields.user).toBeUndefined();
  expect((await redeem(s.app, second.end, second.a)).claims()!.sub).toBe(pia.id);
  expect((await accounts().findUser(pia.id))!.name).toBe('Pia Quinn');

  // The same form posted again (a replay) is refused with a page.
  const replay = await fetch(new URL('/social/callback/apple', s.h.server.url), {
    method: 'POST',
    body: new URLSearchParams(second.fields),
  });
  expect(replay.status).toBe(400);
  expect(pageText(await replay.text())).toContain('This sign-in took too long, or its answer was already used.');

  // An ID token with another nonce than this sign-in's is refused.
  s.apple.next.wrongNonce = true;
  const nonce = await appleRoundTrip(new PageClient(s.h.server.url));
  s.apple.next.wrongNonce = false;
  expect(nonce.res.status).toBe(400);
  expect(pageText(await nonce.res.text())).toContain('The provider answered in a way we could not verify');
  const details = (await auditTypes(s.h.server, { type: 'social.failed' })).map((e) => String((e.data as any).detail));
  expect(details.some((d) => d.includes('"nonce" claim'))).toBe(true);

  // Cancelled at Apple.
  s.apple.next.refuse = true;
  const cancelled = new PageClient(s.h.server.url);
  const c = await appleRoundTrip(cancelled);
  expect(c.res.status).toBe(400);
  expect(pageText(await c.res.text())).toContain('You cancelled signing in with the provider');
  expect(
    (await auditTypes(s.h.server, { type: 'social.failed' })).some(
      (e) => (e.data as any).reason === 'cancelled' && (e.data as any).connectionId === 'apple',
    ),
  ).toBe(true);
});

test('Facebook: OAuth 2.0 + Graph /me with appsecret_proof; identity = app-scoped id; the email is never taken as verified', async () => {
  const email = uniqueEmail('rex');
  const rex = await addUser(s.h.server, email);
  s.facebook.next.person = { id: '10158000000000001', name: 'Rex F', email };
  await s.configure('facebook', { allow_sign_up: true, trust_verified_email: true });
  const page = new PageClient(s.h.server.url);
  const { a, toProvider } = await pressButton(s, page, 'facebook');
  expect(new URL(toProvider).searchParams.get('nonce')).toBeNull();
  const back = (await fetch(toProvider, { redirect: 'manual' })).headers.get('location')!;
  await page.get(back);
  // trust_verified_email cannot apply: Facebook does not say the email is verified.
  expect(page.title()).toBe('Connect your Facebook account');
  expect(s.facebook.proofs.at(-1)).toEqual({ ok: true, fields: 'id,name,email,first_name,last_name' });
  const end = await page.post(`/interaction/${a.uid}/social/link/password`, { email, password: 'correct horse battery staple' });
  expect((await redeem(s.app, end, a)).claims()!.sub).toBe(rex.id);
  expect((await linkRows('facebook')).map((l) => l.subject)).toEqual(['10158000000000001']);

  s.facebook.next.refuse = true;
  const no = new PageClient(s.h.server.url);
  const refused = await pressButton(s, no, 'facebook');
  await no.get((await fetch(refused.toProvider, { redirect: 'manual' })).headers.get('location')!);
  expect(no.last.status).toBe(400);
  expect(pageText(no.last.body)).toContain('You cancelled signing in with the provider');
});

test('LinkedIn and a generic OpenID Connect issuer: PKCE and nonce, verified email sign-up', async () => {
  for (const [connection, idp] of [
    ['linkedin', s.linkedin],
    ['keyvault', s.generic],
  ] as const) {
    const email = uniqueEmail(connection);
    idp.people.set(`${connection}-sam`, { email, email_verified: true, name: `Sam ${connection}` });
    const page = new PageClient(s.h.server.url);
    const { a, toProvider } = await oidcSocialSignIn(s, page, idp, connection, `${connection}-sam`);
    const asked = new URL(toProvider).searchParams;
    expect([asked.get('code_challenge_method'), Boolean(asked.get('nonce')), asked.get('scope')]).toEqual([
      'S256',
      true,
      'openid email profile',
    ]);
    const end = await signUp(page, a.uid);
    const user = (await accounts().findUserByEmail(email))!;
    expect((await redeem(s.app, end, a)).claims()!.sub).toBe(user.id);
    expect(user.email_verified).toBe(true);
  }
});

test("client secrets (and Apple's key) are sealed at rest", async () => {
  const rows = await db().selectFrom('social_connections').select(['id', 'secret_enc']).execute();
  expect(rows.length).toBe(6);
  for (const r of rows) {
    expect(r.secret_enc).toMatch(/^v1\./);
    expect(r.secret_enc).not.toContain(SECRET);
    expect(r.secret_enc).not.toContain('PRIVATE KEY');
  }
});
