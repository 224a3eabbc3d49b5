/**
 * Bad input never reaches a 5xx (issue 17, defect 13): a NUL byte (%00) in a parameter of the
 * provider's endpoints is a 400 — JSON for the API endpoints, a page for the browser ones; every GET
 * under /device without the state it expects is a 4xx page; an unknown method (TRACE, PROPFIND) is a
 * 405 with an Allow header; /assets/<prototype key> is a 404.
 */
import { request } from 'node:http';
import { addApp, startWithMail, type Harness } from '../helpers/sign-in.js';
import { REDIRECT_URI } from '../helpers/rp.js';

let h: Harness;
const basic = `Basic ${Buffer.from('nul-app:nul-app-secret-value').toString('base64')}`;
beforeAll(async () => {
  h = await startWithMail();
  await addApp(h.server, 'nul-app');
});
afterAll(() => h?.close());

const FORM = 'application/x-www-form-urlencoded';
const form = (fields: string) => ({ method: 'POST', body: fields, headers: { 'content-type': FORM, authorization: basic } });
const anonymousForm = (fields: string) => ({ method: 'POST', body: fields, headers: { 'content-type': FORM } });

async function call(path: string, init?: RequestInit) {
  const res = await fetch(`${h.server.url}${path}`, { redirect: 'manual', ...init });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text(), allow: res.headers.get('allow') };
}

test('a NUL byte in a parameter of an API endpoint is a 400 JSON error', async () => {
  const cases: Array<[string, RequestInit]> = [
    ['/token', form('grant_type=authorization_code&code=abc%00def&redirect_uri=x')],
    ['/token', form('grant_type=client_credentials&scope=%00')],
    ['/token/introspection', form('token=abc%00')],
    ['/token/revocation', form('token=abc%00')],
    ['/request', form(`response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=%00`)],
    ['/token', anonymousForm('client_id=nul%00app&grant_type=client_credentials')],
    ['/token/introspection?token=%00', form('token=x')],
  ];
  for (const [path, init] of cases) {
    const res = await call(path, init);
    expect([path, res.status, res.type]).toEqual([path, 400, expect.stringContaining('application/json')]);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request' });
  }
});

test('a NUL byte in a parameter of a browser endpoint is a 400 page', async () => {
  const paths = [
    `/auth?client_id=nul-app&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=%00`,
    '/auth?client_id=nul%00app&response_type=code&scope=openid',
    '/session/end?client_id=%00',
    '/session/end?state=a%00b',
    '/device?user_code=%00',
  ];
  for (const path of paths) {
    const res = await call(path);
    expect([path, res.status, res.type]).toEqual([path, 400, expect.stringContaining('text/html')]);
    expect(res.body).toContain('<h1');
  }
  const posted = await call('/session/end/confirm', anonymousForm('xsrf=%00&logout=yes'));
  expect([posted.status, posted.type]).toEqual([400, expect.stringContaining('text/html')]);
});

test('every GET under /device without state is a 4xx page, never a 500', async () => {
  const paths = ['/device', '/device/xyz', '/device/xyz/', '/device/abc/def', '/device/callback', '/device/success', '/device/abc/abort'];
  for (const path of paths) {
    const res = await call(path);
    expect([path, res.status < 500, res.type]).toEqual([path, true, expect.stringContaining('text/html')]);
  }
  for (const path of paths.slice(1)) {
    const res = await call(path);
    expect([path, res.status >= 400]).toEqual([path, true]);
  }
  // A browser with no session posting the device form (a stale page): the form again, 400, not 500.
  const posted = await call('/device', anonymousForm('xsrf=stale&user_code=BCDF-GHJK'));
  expect([posted.status, posted.type]).toEqual([400, expect.stringContaining('text/html')]);
  expect(posted.body).toContain('name="user_code"');
});

/** fetch refuses TRACE: node:http sends any method. */
function raw(method: string, path: string) {
  return new Promise<{ status: number; allow?: string }>((resolve, reject) => {
    const req = request(`${h.server.url}${path}`, { method }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('TRACE, PROPFIND and other unknown methods answer 405 with an Allow header', async () => {
  for (const [method, path] of [
    ['TRACE', '/'],
    ['PROPFIND', '/'],
    ['TRACE', '/token'],
    ['PROPFIND', '/auth'],
    ['MKCOL', '/session/end'],
  ]) {
    const res = await raw(method, path);
    expect([method, path, res.status]).toEqual([method, path, 405]);
    expect(res.allow).toMatch(/GET/);
  }
});

test('/assets/<prototype key> is a 404, real assets still load', async () => {
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
    expect([name, (await call(`/assets/${name}`)).status]).toEqual([name, 404]);
  }
  expect((await call('/assets/wayfinder.css')).status).toBe(200);
});
