/**
 * Behind a proxy (TRUST_PROXY=true) the client address is the one the trusted hop appended to
 * X-Forwarded-For (the rightmost, or TRUST_PROXY_HOPS from the right, or the rightmost outside
 * TRUST_PROXY_CIDRS) — never the leftmost, which the client writes itself. A client that puts a new
 * address in front of the proxy's on every try must still meet the per-IP throttle, and the audit log
 * must record the proxy's view of it.
 */
import { PageClient } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addApp, addUser, auditTypes, authorize, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';

const THROTTLE = { accountFreeAttempts: 100, ipFreeAttempts: 3, maxDelaySeconds: 2, windowSeconds: 3600 };
const APPENDED = '203.0.113.7'; // what the (simulated) proxy appends: the real client

let h: Harness;
let app: Awaited<ReturnType<typeof addApp>>;

beforeAll(async () => {
  h = await startWithMail({ server: { trustProxy: true }, throttle: THROTTLE });
  app = await addApp(h.server, 'reports');
});
afterAll(() => h?.close());

/** One wrong password for a new account, with `forwardedFor` as X-Forwarded-For; returns the status. */
async function wrongPassword(server: TestServer, config: typeof app, forwardedFor: string) {
  const page = new PageClient(server.url, { 'x-forwarded-for': forwardedFor });
  const a = await authorize(config, page);
  const email = uniqueEmail('sprayed');
  await addUser(server, email);
  await page.post(`/interaction/${a.uid}/identify`, { email });
  await page.post(`/interaction/${a.uid}/password`, { password: 'not the password at all' });
  return page.last.status;
}

test('a spoofed leftmost X-Forwarded-For does not escape the per-IP throttle, and the audit log names the appended address', async () => {
  const statuses: number[] = [];
  for (let i = 1; i <= 8; i += 1) statuses.push(await wrongPassword(h.server, app, `198.51.100.${i}, ${APPENDED}`));
  expect(statuses).toContain(429);

  const failures = await auditTypes(h.server, { type: 'login.password' });
  expect(failures.length).toBeGreaterThan(0);
  expect(new Set(failures.map((e) => e.ip))).toEqual(new Set([APPENDED]));
});

test('TRUST_PROXY_HOPS=2 takes the second address from the right; TRUST_PROXY_CIDRS the rightmost untrusted one', async () => {
  const hops = await startTestServer({ server: { trustProxy: true, trustProxyHops: 2 }, throttle: THROTTLE });
  const trustProxyCidrs = ['127.0.0.1/32', '10.0.0.0/8'];
  const cidrs = await startTestServer({ server: { trustProxy: true, trustProxyCidrs }, throttle: THROTTLE });
  try {
    const hopsApp = await addApp(hops, 'hops');
    await wrongPassword(hops, hopsApp, `198.51.100.1, ${APPENDED}, 10.0.0.2`);
    expect((await auditTypes(hops, { type: 'login.password' })).map((e) => e.ip)).toEqual([APPENDED]);

    const cidrApp = await addApp(cidrs, 'cidrs');
    await wrongPassword(cidrs, cidrApp, `198.51.100.1, ${APPENDED}, 10.9.8.7, 10.0.0.2`);
    expect((await auditTypes(cidrs, { type: 'login.password' })).map((e) => e.ip)).toEqual([APPENDED]);
  } finally {
    await hops.close();
    await cidrs.close();
  }
});

test('without TRUST_PROXY, X-Forwarded-For is ignored: the client is the TCP peer', async () => {
  const direct = await startTestServer({ throttle: THROTTLE });
  try {
    const directApp = await addApp(direct, 'direct');
    await wrongPassword(direct, directApp, '198.51.100.1');
    expect((await auditTypes(direct, { type: 'login.password' })).map((e) => e.ip)).toEqual(['127.0.0.1']);
  } finally {
    await direct.close();
  }
});
