/**
 * Home realm discovery in the email step: a verified domain with an enabled connection sends the
 * person to their company's IdP (several connections → a chooser), `login_hint` and `domain_hint`
 * do the same, "Use my company ID" finds the organization by name or slug, "I have my own email
 * address" goes back, and none of it depends on whether an account exists.
 */
import { PageClient } from '../helpers/browser.js';
import { CONNECTION, startCompany, type Company } from '../helpers/company.js';
import { addUser, authorize, comparable, redeem } from '../helpers/sign-in.js';
import { upstreamSignIn } from '../helpers/upstream-oidc.js';

let c: Company;

beforeAll(async () => {
  c = await startCompany();
  c.idp.people.set('hana', { oid: 'oid-hana', email: 'hana@contoso.test' });
  await addUser(c.h.server, 'known@contoso.test');
  await addUser(c.h.server, 'known@example.test');
});
afterAll(() => c?.close());

/** Where the email step sends `email`, with the per-request values of an IdP URL taken out. */
async function routeOf(email: string) {
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page);
  const to = await page.post(`/interaction/${a.uid}/identify`, { email });
  if (!to.startsWith(c.idp.issuer))
    return { kind: 'page', status: page.last.status, html: comparable(page.last.body, { [email]: 'EMAIL' }) };
  const url = new URL(to);
  for (const p of ['state', 'nonce', 'code_challenge', 'login_hint']) url.searchParams.delete(p);
  return { kind: 'idp', url: url.toString() };
}

test('the answer of the email step depends on the domain only, never on whether an account exists', async () => {
  const [known, unknown] = await Promise.all([routeOf('known@contoso.test'), routeOf('nobody-here@contoso.test')]);
  expect(known.kind).toBe('idp');
  expect(known).toEqual(unknown);
  const [knownElsewhere, unknownElsewhere] = await Promise.all([routeOf('known@example.test'), routeOf('nobody-here@example.test')]);
  expect(knownElsewhere.kind).toBe('page');
  expect(knownElsewhere).toEqual(unknownElsewhere);
  // A domain claimed but not verified changes nothing either.
  await c.domains.claim(c.orgId, 'unverified-contoso.test');
  expect((await routeOf('someone@unverified-contoso.test')).kind).toBe('page');
});

test('login_hint in the company domain goes straight to the company IdP, and on to the app', async () => {
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page, { login_hint: 'hana@contoso.test' });
  expect(a.url.startsWith(c.idp.issuer)).toBe(true);
  expect(new URL(a.url).searchParams.get('login_hint')).toBe('hana@contoso.test');
  const end = await page.get(await upstreamSignIn(c.idp, a.url, 'hana'));
  expect(end.startsWith('https://rp.example.test/cb')).toBe(true);
  expect((await redeem(c.app, end, a)).claims()!.amr).toEqual(['fed']);
});

test('domain_hint sends the person to the company IdP before any email is typed', async () => {
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page, { domain_hint: 'contoso.test' });
  expect(a.url.startsWith(c.idp.issuer)).toBe(true);
  expect(new URL(a.url).searchParams.get('login_hint')).toBeNull();
  // A domain nobody verified is ignored: the email page.
  const other = new PageClient(c.h.server.url);
  await authorize(c.app, other, { domain_hint: 'example.test' });
  expect(other.title()).toBe('Sign in');
});

test('"Use my company ID" finds the organization by slug or name; an unknown one is explained; "I have my own email address" goes back', async () => {
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page);
  expect(page.last.body).toContain(`href="/interaction/${a.uid}/company"`);
  await page.get(`/interaction/${a.uid}/company`);
  expect(page.title()).toBe('Sign in with your company ID');
  await page.post(`/interaction/${a.uid}/company`, { organization: 'Nobody Inc' });
  expect(page.last.status).toBe(400);
  expect(page.last.body).toContain('We could not find an organization by that name');
  for (const name of ['contoso', 'CONTOSO']) {
    const to = await page.post(`/interaction/${a.uid}/company`, { organization: name });
    expect(to.startsWith(c.idp.issuer)).toBe(true);
    await page.get(`/interaction/${a.uid}/company`);
  }
  await page.post(`/interaction/${a.uid}/restart`, {});
  expect(page.title()).toBe('Sign in');
  expect(page.last.body).toContain('name="email"');
});

test('several enabled connections: a chooser lists them; the choice goes to that IdP', async () => {
  const second = 'contoso-backup';
  await c.h.server.features.connections.save({
    id: second,
    orgId: c.orgId,
    kind: 'oidc',
    name: 'Contoso Backup IdP',
    secret: 'unused-secret',
    settings: { issuer: c.idp.issuer, client_id: 'backup-client' },
  });
  try {
    const page = new PageClient(c.h.server.url);
    const a = await authorize(c.app, page);
    await page.post(`/interaction/${a.uid}/identify`, { email: 'hana@contoso.test' });
    expect(page.title()).toBe('Choose your company sign-in');
    expect(page.last.body).toContain('Continue with Contoso Entra ID');
    expect(page.last.body).toContain('Continue with Contoso Backup IdP');
    const to = await page.post(`/interaction/${a.uid}/sso/start`, { connection: CONNECTION });
    expect(new URL(to).searchParams.get('client_id')).toBe('wayfinder');
    // Only a connection the routing offered can be started.
    await page.get(`/interaction/${a.uid}/sso`);
    await page.post(`/interaction/${a.uid}/sso/start`, { connection: 'someone-elses' });
    expect(page.last.status).toBe(404);
    // "Sign in with a password instead" leads to the password step (the gate still decides).
    await page.get(`/interaction/${a.uid}/sso/password`);
    expect(page.title()).toBe('Enter your password');
  } finally {
    await c.h.server.testDb.database.db.deleteFrom('connections').where('id', '=', second).execute();
  }
});

test('the company sign-in completes in the interaction that started it only', async () => {
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page);
  const toIdp = await page.post(`/interaction/${a.uid}/identify`, { email: 'hana@contoso.test' });
  const back = await upstreamSignIn(c.idp, toIdp, 'hana');
  // Someone else's browser opening the callback URL is not signed in (no interaction cookie).
  const stranger = new PageClient(c.h.server.url);
  const landed = await stranger.get(back);
  expect(landed.startsWith('https://rp.example.test/cb')).toBe(false);
  // Not signed in: the app's sign-in starts again in that browser, at its first page (issue 11: no dead end).
  expect(stranger.last.status).toBe(200);
  expect(stranger.last.body).toContain('name="email"');
  expect(stranger.cookie('wf_session')).toBeUndefined();
  // (The state was used by that attempt: the owner starts again.)
  const again = await page.get(`/interaction/${a.uid}`);
  const end = await page.get(await upstreamSignIn(c.idp, again, 'hana'));
  expect((await redeem(c.app, end, a)).claims()!.amr).toEqual(['fed']);
});
