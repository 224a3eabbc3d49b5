/**
 * Redeeming a code is atomic (issue 17, defect 1): of 8 parallel POST /token with one authorization
 * code and the right PKCE verifier exactly one gets tokens; the others get `invalid_grant` (400,
 * never 500), and — RFC 6749 §4.1.2 — the second redemption revokes what the first one issued. Two
 * concurrent refreshes of one refresh token still both succeed (the grace window).
 */
import { PageClient } from '../helpers/browser.js';
import { REDIRECT_URI } from '../helpers/rp.js';
import { addApp, addUser, authorize, enterCredentials, redeem, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';

let h: Harness;
let app: Awaited<ReturnType<typeof addApp>>;
const clientId = 'race-app';
const secret = `${clientId}-secret-value`; // what addApp registers
beforeAll(async () => {
  h = await startWithMail();
  app = await addApp(h.server, clientId);
});
afterAll(() => h?.close());

const basic = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;

function tokenRequest(fields: Record<string, string>) {
  return fetch(`${h.server.url}/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, string> }));
}

async function introspect(token: string) {
  const res = await fetch(`${h.server.url}/token/introspection`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  return ((await res.json()) as { active: boolean }).active;
}

test('of 8 parallel redemptions of one code exactly one wins; the rest get invalid_grant and revoke what it issued', async () => {
  const email = uniqueEmail('race');
  await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  for (let round = 0; round < 3; round += 1) {
    const a = await authorize(app, page, { scope: 'openid' });
    const back = a.uid ? await enterCredentials(page, a, email, 'correct horse battery staple') : a.url;
    expect(back.startsWith(REDIRECT_URI)).toBe(true);
    const code = new URL(back).searchParams.get('code')!;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        tokenRequest({
          grant_type: 'authorization_code',
          code,
          code_verifier: a.verifier,
          redirect_uri: REDIRECT_URI,
        }),
      ),
    );
    const won = results.filter((r) => r.status === 200);
    const lost = results.filter((r) => r.status !== 200);
    expect(won).toHaveLength(1);
    expect(lost.map((r) => [r.status, r.body.error])).toEqual(Array(7).fill([400, 'invalid_grant']));

    // The winner's tokens died with the grant the second redemption revoked.
    expect(await introspect(won[0].body.access_token)).toBe(false);
    const refresh = await tokenRequest({ grant_type: 'refresh_token', refresh_token: won[0].body.refresh_token });
    expect([refresh.status, refresh.body.error]).toEqual([400, 'invalid_grant']);
  }
});

test('a code redeemed once, then again later: the second gets invalid_grant and revokes the first tokens', async () => {
  const email = uniqueEmail('replay');
  await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  const a = await authorize(app, page, { scope: 'openid' });
  const back = await enterCredentials(page, a, email, 'correct horse battery staple');
  const first = await redeem(app, back, a);
  expect(await introspect(first.access_token)).toBe(true);
  const code = new URL(back).searchParams.get('code')!;
  const again = await tokenRequest({ grant_type: 'authorization_code', code, code_verifier: a.verifier, redirect_uri: REDIRECT_URI });
  expect([again.status, again.body.error]).toEqual([400, 'invalid_grant']);
  expect(await introspect(first.access_token)).toBe(false);
});

test('two concurrent refreshes of one refresh token both succeed (grace window kept)', async () => {
  const email = uniqueEmail('refresh');
  await addUser(h.server, email);
  const page = new PageClient(h.server.url);
  const a = await authorize(app, page, { scope: 'openid' });
  const tokens = await redeem(app, await enterCredentials(page, a, email, 'correct horse battery staple'), a);
  const both = await Promise.all([0, 1].map(() => tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })));
  expect(both.map((r) => r.status)).toEqual([200, 200]);
  expect(await introspect(both[1].body.access_token)).toBe(true);
});

test('the adapter: of parallel consumes of one code, device code or backchannel request exactly one returns', async () => {
  const { provider } = h.server.oidc;
  for (const model of [provider.AuthorizationCode, provider.DeviceCode, provider.BackchannelAuthenticationRequest]) {
    type Consuming = { upsert(id: string, p: object, ttl: number): Promise<void>; consume(id: string): Promise<void> };
    const { adapter } = model as unknown as { adapter: Consuming };
    const id = `${model.name}-${Date.now()}`;
    await adapter.upsert(id, { kind: model.name, grantId: `grant-${id}`, clientId }, 60);
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => adapter.consume(id)));
    expect([model.name, outcomes.filter((o) => o.status === 'fulfilled').length]).toEqual([model.name, 1]);
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.error);
    expect(refused).toEqual(Array(7).fill('invalid_grant'));
  }
});
