/**
 * A company IdP's answer that arrives after its waiting state expired (issue 11): the sign-in is not
 * a dead end — the interaction still lives, so the person goes back through its company step (to the
 * IdP again) and then to the app. A tampered or replayed state keeps its failure page
 * (company-oidc.test.ts): only a state Wayfinder issued and saw expire is recovered.
 */
import { sql } from 'kysely';
import { PageClient } from '../helpers/browser.js';
import { startCompany, type Company } from '../helpers/company.js';
import { REDIRECT_URI } from '../helpers/rp.js';
import { auditTypes, authorize, redeem } from '../helpers/sign-in.js';
import { upstreamSignIn } from '../helpers/upstream-oidc.js';

let c: Company;
beforeAll(async () => {
  c = await startCompany();
});
afterAll(() => c?.close());

test('a late answer sends the person through the company step again, then to the app, and is audited as recovered', async () => {
  c.idp.people.set('late', { oid: 'oid-late', email: 'late@contoso.test' });
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page);
  const toIdp = await page.post(`/interaction/${a.uid}/identify`, { email: 'late@contoso.test' });
  expect(toIdp.startsWith(c.idp.issuer)).toBe(true);
  const back = await upstreamSignIn(c.idp, toIdp, 'late');
  // The person took longer at the IdP than the waiting state lives.
  await c.h.server.testDb.database.db
    .updateTable('connector_states')
    .set({ expires_at: sql<Date>`now() - interval '1 second'` })
    .execute();
  const again = await page.get(back);
  expect(again.startsWith(c.idp.issuer)).toBe(true); // back to the company IdP for this same interaction
  const end = await page.get(await upstreamSignIn(c.idp, again, 'late'));
  expect(end.startsWith(REDIRECT_URI)).toBe(true);
  const user = (await c.h.server.services.accounts.findUserByEmail('late@contoso.test'))!;
  expect((await redeem(c.app, end, a)).claims()!.sub).toBe(user.id);
  const failed = await auditTypes(c.h.server, { type: 'sso.failed' });
  expect(failed.some((e) => (e.data as { recovered?: boolean }).recovered === true)).toBe(true);
});

test('a late answer in a browser that did not start that sign-in is the lost page, not an error', async () => {
  c.idp.people.set('late2', { oid: 'oid-late2', email: 'late2@contoso.test' });
  const page = new PageClient(c.h.server.url);
  const a = await authorize(c.app, page);
  const back = await upstreamSignIn(c.idp, await page.post(`/interaction/${a.uid}/identify`, { email: 'late2@contoso.test' }), 'late2');
  await c.h.server.testDb.database.db
    .updateTable('connector_states')
    .set({ expires_at: sql<Date>`now() - interval '1 second'` })
    .execute();
  const stranger = new PageClient(c.h.server.url);
  const landed = await stranger.get(back);
  expect(landed.startsWith(REDIRECT_URI)).toBe(false);
  expect(stranger.last.status).toBe(200);
  expect(stranger.cookie('wf_session')).toBeUndefined();
});
