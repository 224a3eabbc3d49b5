/**
 * Provisioning-error notification over real HTTP and real SMTP (smtp-server as the sink): five SCIM
 * requests of an organization failing in a row within 15 minutes send exactly one mail to its address
 * (the organization, the count, the last errors and the time; never the token or what the request
 * carried), more failures within the hour send no second one, a success ends the run, an
 * organization without an address gets no mail and no state, a refused token the organization had
 * counts for it (an unknown one for nobody), parallel failures still send one mail, and the mail is in
 * the address's language.
 */
import { sql } from 'kysely';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { filterQuery, scimClient, scimOrg, type ScimClient } from '../helpers/scim.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SUBJECT = /SCIM provisioning for .* keeps failing/;

let sink: MailSink;
let server: TestServer;

beforeAll(async () => {
  sink = await startMailSink();
  // Failed tokens are throttled per address after a few; this file refuses more than that on purpose.
  server = await startTestServer({
    smtp: { url: sink.url },
    throttle: { accountFreeAttempts: 100, ipFreeAttempts: 200, maxDelaySeconds: 30, windowSeconds: 3600 },
  });
});
afterAll(async () => {
  await server?.close();
  await sink?.close();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 800));
const mailsTo = (to: string) => sink.inbox.filter((m) => m.to.includes(to));

async function org(slug: string, address?: string, lang?: string) {
  const o = await scimOrg(server, slug, `${slug}.test`);
  if (address) await server.features.provisioning.notifier.setAddress(undefined, { via: 'cli' }, o.orgId, address, lang);
  return o;
}
/** A failing request: a filter that does not parse (400 invalidFilter), carrying a person's address. */
const badFilter = (scim: ScimClient) => scim.get(`/Users${filterQuery('userName eq "secret.person@example.test" andx')}`);
async function fail(scim: ScimClient, n: number) {
  for (let i = 0; i < n; i += 1) expect((await badFilter(scim)).status).toBe(400);
}
const stateOf = async (orgId: string) =>
  (await sql<{ failures: number }>`select failures from scim_failures where org_id = ${orgId}`.execute(server.services.db)).rows[0];

test('five failures in a row send exactly one mail: organization, count, last errors, time; no token, no request data', async () => {
  const acme = await org('acme', 'it@acme.test');
  await fail(acme.scim, 3);
  const outside = await acme.scim.post('/Users', {
    schemas: [CORE],
    userName: 'x@elsewhere.test',
    emails: [{ value: 'x@elsewhere.test' }],
  });
  expect([outside.status, outside.body.scimType]).toEqual([400, 'invalidValue']);
  expect((await acme.scim.get('/Users/no-such-id')).status).toBe(404);

  const mail = await sink.waitFor('it@acme.test', SUBJECT);
  expect(mail.subject).toBe('SCIM provisioning for acme keeps failing');
  expect(mail.text).toContain('5 SCIM requests in a row from the identity provider of acme have failed');
  expect(mail.text).toMatch(/the latest at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(UTC\)/);
  expect(mail.text).toMatch(/- \S+ GET \/scim\/v2\/Users\/no-such-id → 404\n/);
  expect(mail.text).toMatch(/- \S+ POST \/scim\/v2\/Users → 400 invalidValue\n/);
  expect(mail.text.match(/GET \/scim\/v2\/Users → 400 invalidFilter/g)).toHaveLength(3);
  expect(mail.html).toContain('<li>');
  for (const secret of [acme.token, 'secret.person', 'elsewhere.test', 'andx']) {
    expect(mail.text).not.toContain(secret);
    expect(mail.html).not.toContain(secret);
  }
  // More failures within the hour: still one mail.
  await fail(acme.scim, 6);
  await settle();
  expect(mailsTo('it@acme.test')).toHaveLength(1);
  expect((await stateOf(acme.orgId)).failures).toBe(11);
});

test('a success ends the run: 4 failures, a success, 4 failures send nothing; the fifth in a row does', async () => {
  const globex = await org('globex', 'ops@globex.test');
  await fail(globex.scim, 4);
  expect((await globex.scim.get(`/Users${filterQuery('userName eq "nobody@globex.test"')}`)).status).toBe(200);
  expect((await stateOf(globex.orgId)).failures).toBe(0);
  await fail(globex.scim, 4);
  await settle();
  expect(mailsTo('ops@globex.test')).toHaveLength(0);
  await fail(globex.scim, 1);
  const mail = await sink.waitFor('ops@globex.test', SUBJECT);
  expect(mail.text).toContain('5 SCIM requests in a row');
});

test('no address: no mail and nothing tracked; clearing an address stops the mail', async () => {
  const initech = await org('initech');
  await fail(initech.scim, 8);
  expect(await stateOf(initech.orgId)).toBeUndefined();

  const cleared = await org('cleared', 'ops@cleared.test');
  await fail(cleared.scim, 4);
  await server.features.provisioning.notifier.setAddress(undefined, { via: 'cli' }, cleared.orgId, null);
  await fail(cleared.scim, 4);
  await settle();
  expect(mailsTo('ops@cleared.test')).toHaveLength(0);
  expect(await stateOf(cleared.orgId)).toBeUndefined();
});

test('a refused token the organization had counts for it; an unknown token counts for no one', async () => {
  const hooli = await org('hooli', 'ops@hooli.test');
  const tokens = server.features.provisioning.tokens;
  const old = await tokens.create(undefined, { via: 'cli' }, hooli.orgId, 'old');
  await tokens.revoke(undefined, { via: 'cli' }, hooli.orgId, old.id);
  const revoked = scimClient(server, old.token);
  const unknown = scimClient(server, 'wfscim_not-a-token-of-anyone');
  for (let i = 0; i < 4; i += 1) {
    expect((await revoked.get('/Users')).status).toBe(401);
    expect((await unknown.get('/Users')).status).toBe(401);
  }
  expect((await stateOf(hooli.orgId)).failures).toBe(4);
  expect((await revoked.get('/Groups')).status).toBe(401);
  const mail = await sink.waitFor('ops@hooli.test', SUBJECT);
  expect(mail.text).toMatch(/GET \/scim\/v2\/Groups → 401/);
  expect(mail.text).not.toContain(old.token);
});

test('parallel failures (as from several instances) send one mail', async () => {
  const umbrella = await org('umbrella', 'ops@umbrella.test');
  const answers = await Promise.all(Array.from({ length: 12 }, () => badFilter(umbrella.scim)));
  expect(answers.map((a) => a.status)).toEqual(Array(12).fill(400));
  await sink.waitFor('ops@umbrella.test', SUBJECT);
  await settle();
  expect(mailsTo('ops@umbrella.test')).toHaveLength(1);
  expect((await stateOf(umbrella.orgId)).failures).toBe(12);
});

test('failures older than the window do not count; after the quiet hour a new run mails again', async () => {
  const stark = await org('stark', 'ops@stark.test');
  const db = server.services.db;
  await fail(stark.scim, 4);
  // Twenty minutes pass.
  await sql`update scim_failures set last_errors = (select jsonb_agg(jsonb_set(e, '{at}', to_jsonb((e->>'at')::timestamptz - interval '20 minutes')))
    from jsonb_array_elements(last_errors) e) where org_id = ${stark.orgId}`.execute(db);
  await fail(stark.scim, 1);
  await settle();
  expect(mailsTo('ops@stark.test')).toHaveLength(0);
  await fail(stark.scim, 4);
  const first = await sink.waitFor('ops@stark.test', SUBJECT);
  expect(first.text).toContain('9 SCIM requests in a row');
  await fail(stark.scim, 5);
  await settle();
  expect(mailsTo('ops@stark.test')).toHaveLength(1);
  // An hour passes since the mail.
  await sql`update scim_failures set notified_at = notified_at - interval '61 minutes' where org_id = ${stark.orgId}`.execute(db);
  await fail(stark.scim, 1);
  await settle();
  expect(mailsTo('ops@stark.test')).toHaveLength(2);
});

test("the mail is in the address's language", async () => {
  const wayne = await org('wayne', 'ops@wayne.test', 'fr');
  await fail(wayne.scim, 5);
  const mail = await sink.waitFor('ops@wayne.test', /SCIM/);
  expect(mail.subject).toBe('Le provisionnement SCIM de wayne échoue de façon répétée');
  expect(mail.text).toContain("5 requêtes SCIM consécutives du fournisseur d'identité de wayne ont échoué");
  expect(mail.text).toContain('Nous envoyons cet e-mail au plus une fois par heure.');
});

test('a notification address must be an email address, its language one of ours', async () => {
  const notifier = server.features.provisioning.notifier;
  const { orgId } = await org('checked');
  await expect(notifier.setAddress(undefined, { via: 'cli' }, orgId, 'not an address')).rejects.toMatchObject({ status: 400 });
  await expect(notifier.setAddress(undefined, { via: 'cli' }, orgId, 'ops@checked.test', 'xx')).rejects.toMatchObject({ status: 400 });
  expect(await notifier.address(orgId)).toEqual({ email: null, lang: null });
});
