/**
 * Defect 17 of issue 17: an 80-bit TOTP secret imported by bootstrap (JBSWY3DPEHPK3PXP, common in
 * exports from other providers) answered 500 (otplib's SecretTooShortError) to every correct code.
 * Now: 80 bits and more sign in; a wrong code gets the ordinary 400 "that code isn't right"; bootstrap
 * refuses a secret shorter than 80 bits with the path of its entry. Codes are computed here with a
 * few lines of RFC 6238 (not otplib), so the test does not share the server's library.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBootstrap, BootstrapError } from '../../src/bootstrap/apply.js';
import { PageClient } from '../helpers/browser.js';
import { addApp, authorize, enterCredentials, PASSWORD, redeem } from '../helpers/sign-in.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SECRET = 'JBSWY3DPEHPK3PXP';
const EMAIL = 'short.secret@example.test';
let server: TestServer;
const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-short-totp-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

function base32(text: string) {
  let bits = '';
  for (const c of text.replace(/=+$/, '')) bits += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(c).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
}
/** RFC 6238 with SHA-1, 30-second steps, 6 digits. */
function totpCode(secret: string, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

beforeAll(async () => {
  server = await startTestServer();
  await applyBootstrap(
    server.services,
    file('people.yaml', `users: [{ email: ${EMAIL}, password: "${PASSWORD}", totp_secret: ${SECRET} }]\n`),
  );
});
afterAll(() => server?.close());

test('a person bootstrapped with an 80-bit TOTP secret signs in with a correct code; a wrong one is a 400', async () => {
  const config = await addApp(server, 'short-totp-app');
  const page = new PageClient(server.url);
  const a = await authorize(config, page);
  const afterPassword = await enterCredentials(page, a, EMAIL, PASSWORD);
  expect(afterPassword).toContain(`/interaction/${a.uid}/factor`);
  expect(page.title()).toMatch(/authenticator app/);

  const right = totpCode(SECRET);
  const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
  await page.post(`/interaction/${a.uid}/factor/totp/verify`, { code: wrong });
  expect(page.last.status).toBe(400);
  expect(page.last.body).toMatch(/That code isn(&#39;|')t right/);

  const back = await page.post(`/interaction/${a.uid}/factor/totp/verify`, { code: totpCode(SECRET, Date.now() + 30_000) });
  expect(page.last.status).toBeLessThan(500);
  const tokens = await redeem(config, back, a);
  expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
});

test('bootstrap refuses a TOTP secret shorter than 80 bits, naming the entry', async () => {
  const f = file(
    'too-short.yaml',
    `users:\n  - { email: ok@example.test }\n  - { email: short@example.test, totp_secret: JBSWY3DPEHPK3P }\n`,
  );
  await expect(applyBootstrap(server.services, f)).rejects.toThrow(BootstrapError);
  await expect(applyBootstrap(server.services, f)).rejects.toThrow(/users\[1\]\.totp_secret: .*80 bits/);
});
