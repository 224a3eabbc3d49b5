/**
 * Defect 18 (hardening issue): a one-time code belongs to the sign-in that asked for it, and an
 * expired one is replaced and sent. Real SMTP (mail sink); the clock is moved by ageing the stored
 * challenge, not with fake timers. SMS codes share the mechanism (factors/codes.ts): one case here
 * checks it for them too.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { discover, oidc, REDIRECT_URI } from '../helpers/rp.js';
import { newMail, PASSWORD, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';

let h: Harness;
const texts: string[] = [];
let smsProvider: http.Server;

beforeAll(async () => {
  smsProvider = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      texts.push(new URLSearchParams(body).get('Body') ?? '');
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${texts.length}`, status: 'queued' }));
    });
  });
  await new Promise<void>((r) => smsProvider.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(smsProvider.address() as AddressInfo).port}`;
  const sms = { provider: 'twilio', baseUrl, accountSid: 'AC00000000000000000000000000000001', authToken: 'provider-token' };
  h = await startWithMail({ sms: { ...sms, from: '+15005550006', dailyCap: 1000 } });
  await h.server.services.clients.upsert({
    client_id: 'app',
    client_secret: 'app-secret-value',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    first_party: true,
  });
});
afterAll(async () => {
  await h?.close();
  await new Promise((r) => smsProvider?.close(r));
});

const codeOf = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? '';
/** Answers the factor page of sign-in `s` with `code`; true when the sign-in finished at the app. */
const answer = async (s: { page: PageClient; uid: string }, kind: string, code: string) =>
  (await s.page.post(`/interaction/${s.uid}/factor/${kind}/verify`, { code })).startsWith(REDIRECT_URI);

async function person(kind: 'email' | 'sms') {
  const user = await h.server.services.users.create({ email: uniqueEmail(`code-${kind}`), password: PASSWORD, email_verified: true });
  const sealed = kind === 'sms' ? h.server.services.box.seal('+33612345678', 'factor-secret') : null;
  const label = kind === 'sms' ? '+33 • •• •• •• 78' : user.email;
  await h.server.features.factorStore.insertFactor({ user_id: user.id, kind, label, secret_enc: sealed, confirmed: true });
  return user;
}

/** A sign-in at the app in a browser of its own, up to the factor page (password entered). */
async function startSignIn(email: string) {
  const page = new PageClient(h.server.url);
  const config = await discover(h.server.url, 'app', 'app-secret-value');
  const challenge = await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier());
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const interaction = await page.get(url.toString());
  const uid = new URL(interaction).pathname.split('/')[2];
  return { page, uid, passwordStep: () => signInWithPassword(page, interaction, email, PASSWORD) };
}

/** Ages every stored challenge of the person by `minutes` (as if that time had passed). */
async function age(userId: string, minutes: number) {
  await h.server.testDb.database.db
    .updateTable('factor_challenges')
    .set({
      created_at: sql`created_at - make_interval(mins => ${minutes})`,
      expires_at: sql`expires_at - make_interval(mins => ${minutes})`,
    })
    .where('user_id', '=', userId)
    .execute();
}

test('after an abandoned sign-in older than the code, the next sign-in sends a new code, and that code works', async () => {
  const user = await person('email');
  const first = await startSignIn(user.email);
  await newMail(h.sink, user.email, /./, first.passwordStep);
  expect(first.page.title()).toBe('Check your email');
  await age(user.id, 11); // abandoned 11 minutes ago: its code has expired

  const second = await startSignIn(user.email);
  const mail = await newMail(h.sink, user.email, /./, second.passwordStep, 3000);
  expect(second.page.title()).toBe('Check your email');
  const back = await second.page.post(`/interaction/${second.uid}/factor/email/verify`, { code: codeOf(mail.text) });
  expect(back.startsWith(REDIRECT_URI)).toBe(true);
});

test("a code mailed for one sign-in is refused in another browser's sign-in, and works where it was asked for", async () => {
  const user = await person('email');
  const a = await startSignIn(user.email);
  const mailA = await newMail(h.sink, user.email, /./, a.passwordStep);
  const b = await startSignIn(user.email);
  const mailB = await newMail(h.sink, user.email, /./, b.passwordStep, 3000); // its own code
  expect(codeOf(mailB.text)).not.toBe('');

  await b.page.post(`/interaction/${b.uid}/factor/email/verify`, { code: codeOf(mailA.text) });
  expect(b.page.last.status).toBe(400);
  expect(b.page.cookie('wf_session')).toBeUndefined();
  expect(await answer(a, 'email', codeOf(mailA.text))).toBe(true);
  if (codeOf(mailB.text) !== codeOf(mailA.text)) {
    expect(await answer(b, 'email', codeOf(mailB.text))).toBe(true);
  }
});

test('SMS codes share the mechanism: bound to their sign-in, and an expired one is replaced', async () => {
  const user = await person('sms');
  const a = await startSignIn(user.email);
  await a.passwordStep();
  expect(a.page.title()).toBe('Check your phone');
  const codeA = codeOf(texts.at(-1)!);
  const b = await startSignIn(user.email);
  await b.passwordStep();
  await b.page.post(`/interaction/${b.uid}/factor/sms/verify`, { code: codeA });
  expect(b.page.last.status).toBe(400);

  await age(user.id, 11);
  const sent = texts.length;
  const c = await startSignIn(user.email);
  await c.passwordStep();
  expect(texts.length).toBe(sent + 1);
  expect(await answer(c, 'sms', codeOf(texts.at(-1)!))).toBe(true);
});
