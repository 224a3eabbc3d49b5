/**
 * /metrics (route names, sign-in counts, process figures) is not public: it needs
 * `Authorization: Bearer <METRICS_TOKEN>`, and without a configured token it is not served at all.
 */
import { startTestServer, type TestServer } from '../helpers/server.js';

const TOKEN = 'metrics-token-for-the-scraper-0123456789';
let server: TestServer;
let unset: TestServer;

beforeAll(async () => {
  server = await startTestServer({ server: { metricsToken: TOKEN } });
  unset = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  await unset?.close();
});

test('without the token (or with a wrong one) /metrics answers 401 and shows nothing', async () => {
  const wrong: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer wrong-token' },
    { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
  ];
  for (const headers of wrong) {
    const res = await fetch(`${server.url}/metrics`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await res.text()).not.toContain('wayfinder_http_requests_total');
  }
});

test('with the token /metrics answers the Prometheus text', async () => {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('wayfinder_http_requests_total');
});

test('without METRICS_TOKEN configured, /metrics is not served', async () => {
  const res = await fetch(`${unset.url}/metrics`);
  expect(res.status).toBe(404);
  expect(await res.text()).not.toContain('wayfinder_http_requests_total');
});
