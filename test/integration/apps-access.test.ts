/**
 * Who may use an app, on a real database (PGlite, or Postgres with DATABASE_URL): every registered
 * client and SP gets an app row (not Wayfinder's internal clients) that goes with it; everyone's
 * apps, an organization's, a group's, and their union; people of the organization outside the
 * group see the app as requestable only when it has a trial URL; an app whose last group is deleted
 * is nobody's (fails closed); client-credentials clients are no apps for people.
 */
import { randomUUID } from 'node:crypto';
import { createFactorStore } from '../../src/factors/store.js';
import { testServices } from '../helpers/services.js';

let t: Awaited<ReturnType<typeof testServices>>;
const cli = { who: 'cli', operator: true };
const ids: Record<string, string> = {};

async function client(id: string, extra: Record<string, unknown> = {}) {
  await t.services.clients.upsert({
    client_id: id,
    client_name: id,
    redirect_uris: [`https://${id}.example.test/cb`],
    token_endpoint_auth_method: 'none',
    initiate_login_uri: `https://${id}.example.test/login`,
    ...extra,
  });
}
const access = (app: string, organizations: string[], groups: string[]) =>
  t.services.appAdmin.setAccess(undefined, cli, app, { everyone: false, organizations, groups });
const view = async (person: string) => {
  const r = await t.services.launcher.forPerson(ids[person], 'en');
  return { apps: r.apps.map((a) => a.id).sort(), requestable: r.requestable.map((a) => a.id).sort() };
};

beforeAll(async () => {
  t = await testServices();
  const factors = createFactorStore(t.db);
  for (const slug of ['acme', 'globex']) ids[slug] = await t.services.orgs.upsert({ id: randomUUID(), slug, name: slug });
  for (const p of ['ada', 'bea', 'gus', 'lone']) {
    ids[p] = (
      await t.services.users.create({ email: `${p}@example.test`, password: 'correct horse battery staple', email_verified: true })
    ).id;
  }
  await t.services.orgs.addMember(ids.acme, ids.ada, 'member');
  await t.services.orgs.addMember(ids.acme, ids.bea, 'member');
  await t.services.orgs.addMember(ids.globex, ids.gus, 'member');
  await factors.addGroupMember(ids.acme, 'eng', ids.ada);
  await factors.addGroupMember(ids.globex, 'eng', ids.gus);
  for (const c of ['open', 'acme-only', 'eng-only', 'union', 'gone']) await client(c);
  await client('robot', { grant_types: ['client_credentials'], redirect_uris: [] });
  await access('oidc-acme-only', ['acme'], []);
  await access('oidc-eng-only', [], ['acme/eng']);
  await access('oidc-union', ['globex'], ['acme/eng']);
  await t.services.appStore.update('oidc-eng-only', { trial_url: 'https://eng-only.example.test/trial' });
});
afterAll(() => t?.close());

test('every registered client and SP has an app, except internal clients; it goes with its registration', async () => {
  const all = await t.db.selectFrom('apps').select(['id', 'kind']).orderBy('id').execute();
  expect(all.map((a) => a.id)).toEqual(['oidc-acme-only', 'oidc-eng-only', 'oidc-gone', 'oidc-open', 'oidc-robot', 'oidc-union']);
  await client('wayfinder-account');
  await client('wayfinder-saml.abc');
  await t.db
    .insertInto('saml_service_providers')
    .values({ id: 'sp1', entity_id: 'https://sp1.example.test', metadata: '<x/>', settings: JSON.stringify({ allow_idp_initiated: true }) })
    .execute();
  expect(await t.services.appStore.idOf('saml', 'sp1')).toBe('saml-sp1');
  expect(await t.services.appStore.idOf('oidc', 'wayfinder-account')).toBeUndefined();
  expect(await t.services.appStore.idOf('oidc', 'wayfinder-saml.abc')).toBeUndefined();
  await access('oidc-gone', ['acme'], []);
  await t.services.clients.remove('gone');
  expect(await t.services.appStore.idOf('oidc', 'gone')).toBeUndefined();
  expect(await t.db.selectFrom('app_access_orgs').select('app_id').where('app_id', '=', 'oidc-gone').execute()).toEqual([]);
  // The client-credentials robot is no app for people: not listed.
  expect((await t.services.appAdmin.list(cli)).map((a) => a.id)).not.toContain('oidc-robot');
});

test("everyone's, the organization's, the group's apps, their union; requestable only within the organization and with a trial URL", async () => {
  expect(await view('ada')).toEqual({ apps: ['oidc-acme-only', 'oidc-eng-only', 'oidc-open', 'oidc-union', 'saml-sp1'], requestable: [] });
  expect(await view('bea')).toEqual({ apps: ['oidc-acme-only', 'oidc-open', 'saml-sp1'], requestable: ['oidc-eng-only'] });
  // gus is in globex's group called eng, not acme's: eng-only is not his, nor requestable (another organization's).
  expect(await view('gus')).toEqual({ apps: ['oidc-open', 'oidc-union', 'saml-sp1'], requestable: [] });
  expect(await view('lone')).toEqual({ apps: ['oidc-open', 'saml-sp1'], requestable: [] });
  const may = (p: string, ref: string) => t.services.launcher.mayUse(ids[p], 'oidc', ref);
  expect([await may('bea', 'eng-only'), await may('ada', 'eng-only'), await may('gus', 'union'), await may('lone', 'union')]).toEqual([
    false,
    true,
    true,
    false,
  ]);
  expect(await may('lone', 'no-such-client')).toBe(true);
});

test('joining the organization or the group opens the app at once; a deleted group leaves the app to nobody', async () => {
  await t.services.orgs.addMember(ids.acme, ids.lone, 'member');
  expect((await view('lone')).apps).toContain('oidc-acme-only');
  expect((await view('lone')).requestable).toEqual(['oidc-eng-only']);
  await createFactorStore(t.db).addGroupMember(ids.acme, 'eng', ids.bea);
  expect((await view('bea')).apps).toContain('oidc-eng-only');
  await t.db.deleteFrom('groups').where('org_id', '=', ids.acme).where('name', '=', 'eng').execute();
  expect((await view('ada')).apps).not.toContain('oidc-eng-only');
  expect((await t.services.appAdmin.get(cli, 'oidc-eng-only')).access).toEqual({ organizations: [], groups: [] });
  expect(await t.services.launcher.mayUse(ids.ada, 'oidc', 'eng-only')).toBe(false);
});
