/**
 * Every link and form action a page carries is built from the issuer (ISSUER), never from the raw
 * request path or the Host / X-Forwarded-Host header: a path such as `/.//evil.example/x` must not turn
 * the language links into `//evil.example/x?lang=fr` (another site, to a browser), and a forged Host
 * must not become the logout form's action.
 */
import http from 'node:http';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let proxied: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  proxied = await startTestServer({ server: { trustProxy: true } });
});
afterAll(async () => {
  await server?.close();
  await proxied?.close();
});

/** A raw GET (fetch would normalise the path and refuses to set Host). */
function get(base: string, path: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(base);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ hostname, port, path, method: 'GET', headers: { accept: 'text/html', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
const actions = (html: string) => [...html.matchAll(/action="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));

test('language links of a page at /.//evil.example/x stay on the issuer', async () => {
  for (const path of ['/.//evil.example/x', '//evil.example/x', '/%2F%2Fevil.example/x']) {
    const res = await get(server.url, path);
    expect([path, res.status]).toEqual([path, 404]);
    const links = hrefs(res.body).filter((h) => h.includes('lang='));
    expect(links).toHaveLength(7);
    for (const link of links) {
      expect(link.startsWith(`${server.url}/`)).toBe(true);
      expect(new URL(link, 'http://browser.example/').origin).toBe(server.url);
    }
  }
});

test('a forged Host or X-Forwarded-Host does not reach the logout form or any link', async () => {
  for (const [target, headers] of [
    [server, { host: 'evil.example' }],
    [proxied, { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }],
  ] as const) {
    const res = await get(target.url, '/session/end', headers);
    expect(res.status).toBe(200);
    const formActions = actions(res.body);
    expect(formActions.length).toBeGreaterThan(0);
    for (const a of formActions) expect(a.startsWith(`${target.url}/session/end/confirm`)).toBe(true);
    expect(res.body).not.toContain('evil.example');
  }
});
