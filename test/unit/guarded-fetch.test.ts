/**
 * The outbound fetch of company connections: private and loopback targets refused unless allowed
 * (checked at connect time, names included), plain http refused unless allowed, answers bounded in
 * size and time, redirects followed only a few hops and each checked again.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuardedFetch, fetchText, isPrivateAddress } from '../../src/connectors/fetch.js';

let server: http.Server;
let base: string;
const limits = { allowHttp: true, allowPrivateNetworks: true, fetchTimeoutMs: 500, maxFetchBytes: 1000 };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/big') return res.end('x'.repeat(5000));
    if (req.url === '/slow') return setTimeout(() => res.end('late'), 2000);
    if (req.url === '/hop') return res.writeHead(302, { location: '/ok' }).end();
    if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
    if (req.url === '/ok') return res.end('<EntityDescriptor/>');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
);

test('private, loopback, link-local and reserved addresses are recognized', () => {
  for (const a of [
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    'not-an-ip',
  ]) {
    expect([a, isPrivateAddress(a)]).toEqual([a, true]);
  }
  for (const a of ['8.8.8.8', '2606:4700:4700::1111', '::ffff:1.1.1.1']) expect([a, isPrivateAddress(a)]).toEqual([a, false]);
});

test('loopback targets are refused unless allowed, by address and by name (checked when connecting)', async () => {
  const strict = createGuardedFetch({ ...limits, allowPrivateNetworks: false });
  await expect(strict(`${base}/ok`)).rejects.toMatchObject({ reason: 'private_address' });
  await expect(strict(base.replace('127.0.0.1', 'localhost') + '/ok')).rejects.toMatchObject({ reason: 'private_address' });
  expect(await (await createGuardedFetch(limits)(`${base}/ok`)).text()).toBe('<EntityDescriptor/>');
});

test('plain http is refused unless allowed', async () => {
  await expect(createGuardedFetch({ ...limits, allowHttp: false })(`${base}/ok`)).rejects.toMatchObject({ reason: 'scheme' });
  await expect(createGuardedFetch(limits)('file:///etc/passwd')).rejects.toMatchObject({ reason: 'scheme' });
});

test('answers are limited in size and time', async () => {
  const f = createGuardedFetch(limits);
  await expect(f(`${base}/big`)).rejects.toMatchObject({ reason: 'too_large' });
  const started = Date.now();
  await expect(f(`${base}/slow`)).rejects.toMatchObject({ reason: 'timeout' });
  expect(Date.now() - started).toBeLessThan(1500);
});

test('fetchText follows a few redirects, refuses endless ones and error statuses', async () => {
  const f = createGuardedFetch(limits);
  expect(await fetchText(f, `${base}/hop`)).toBe('<EntityDescriptor/>');
  await expect(fetchText(f, `${base}/loop`)).rejects.toThrow(/too many redirects/);
  await expect(fetchText(f, `${base}/missing`)).rejects.toThrow(/answered 404/);
});
