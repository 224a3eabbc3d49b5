/**
 * Domain verification through a real DNS server (dns2 on loopback) and node's resolver: the TXT
 * record proves control, a verified domain belongs to one organization only, an operator can vouch
 * for a domain, and DNS failures are reported as such.
 */
import { createDomains, normalizeDomain, systemDns } from '../../src/orgs/domains.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { testServices } from '../helpers/services.js';

let dns: Awaited<ReturnType<typeof startDnsServer>>;
let t: Awaited<ReturnType<typeof testServices>>;
let domains: ReturnType<typeof createDomains>;
let acme: string;
let rival: string;

beforeAll(async () => {
  dns = await startDnsServer();
  t = await testServices({ federation: { dnsServers: [dns.address], dnsTimeoutMs: 500 } });
  domains = createDomains(t.services.orgs, systemDns(t.config.federation));
  acme = await t.services.orgs.upsert({ id: 'org-acme', slug: 'acme', name: 'Acme' });
  rival = await t.services.orgs.upsert({ id: 'org-rival', slug: 'rival', name: 'Rival' });
});
afterAll(async () => {
  await t?.close();
  await dns?.close();
});

test('domain names are normalized; anything that is not a host name is refused', () => {
  expect(normalizeDomain(' Acme.TEST. ')).toBe('acme.test');
  expect(normalizeDomain('bücher.example')).toBe('xn--bcher-kva.example');
  for (const bad of ['localhost', 'acme', '-acme.test', 'acme..test', '10.0.0.1', 'a b.test', 'acme.test/x', ''])
    expect([bad, normalizeDomain(bad)]).toEqual([bad, undefined]);
  expect(() => domains.parse('not a domain')).toThrow(/not a domain name/);
});

test('a TXT record with the claim token verifies the domain (split strings joined); a wrong or missing one does not', async () => {
  const { claim, record } = await domains.claim(acme, 'acme.test');
  expect(record).toEqual({ name: '_wayfinder-verification.acme.test', value: `wayfinder-verification=${claim.token}` });
  // Claiming again keeps the token.
  expect((await domains.claim(acme, 'ACME.test')).claim.token).toBe(claim.token);
  expect(await domains.verifyByDns(acme, 'acme.test')).toBe('record_missing');
  dns.txt.set(record.name, ['wayfinder-verification=someone-elses-token', 'v=spf1 -all']);
  expect(await domains.verifyByDns(acme, 'acme.test')).toBe('record_missing');
  // A long value published as two character-strings of one TXT record.
  dns.txt.set(record.name, [[record.value.slice(0, 10), record.value.slice(10)]]);
  expect(await domains.verifyByDns(acme, 'acme.test')).toBe('verified');
  expect(await domains.verifyByDns(acme, 'acme.test')).toBe('already_verified');
  const [row] = await domains.list(acme);
  expect([row.domain, row.verified_by, row.verified_at instanceof Date]).toEqual(['acme.test', 'dns', true]);
});

test('a verified domain belongs to one organization: another cannot verify it, by DNS or by operator', async () => {
  const { record } = await domains.claim(rival, 'acme.test');
  dns.txt.set(record.name, [record.value]);
  expect(await domains.verifyByDns(rival, 'acme.test')).toBe('taken');
  expect(await domains.verifyByOperator(rival, 'acme.test')).toBe('taken');
  expect((await t.services.orgs.verifiedOwner('acme.test'))!.slug).toBe('acme');
  expect(await domains.verifyByDns(rival, 'never-claimed.test')).toBe('unknown_domain');
});

test('an operator can vouch for a domain', async () => {
  expect(await domains.verifyByOperator(rival, 'rival.test')).toBe('verified');
  expect((await domains.list(rival)).find((d) => d.domain === 'rival.test')!.verified_by).toBe('operator');
  expect(await domains.verifyByOperator(rival, 'rival.test')).toBe('already_verified');
});

test('a DNS server that does not answer is a DNS error, not a missing record', async () => {
  const broken = createDomains(t.services.orgs, systemDns({ ...t.config.federation, dnsServers: ['127.0.0.1:9'], dnsTimeoutMs: 200 }));
  await broken.claim(acme, 'broken-dns.test');
  expect(await broken.verifyByDns(acme, 'broken-dns.test')).toBe('dns_error');
});
