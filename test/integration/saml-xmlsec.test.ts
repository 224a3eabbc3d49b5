/**
 * Wayfinder's SAML signatures checked by xmlsec1 (the XML Security Library's command-line tool, Debian
 * package), a second independent verifier beside node-saml: the response and assertion signatures of
 * a real sign-in, each verified against the certificate from our metadata; then a changed attribute
 * value and a certificate that is not ours make xmlsec1 fail.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PageClient, signInWithPassword } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSp, idpCertificates, postedXml, spKeys, type TestSp } from '../helpers/saml-sp.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-xmlsec-'));
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const RESPONSE_SIGNATURE = "/*[local-name()='Response']/*[local-name()='Signature']";
const ASSERTION_SIGNATURE = "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']";
let server: TestServer;
let sp: TestSp;
let certFile: string;

beforeAll(async () => {
  server = await startTestServer();
  await server.services.users.create({
    email: 'ada@example.test',
    password: 'correct horse battery staple',
    name: 'Ada',
    email_verified: true,
  });
  sp = await addSp(server, 'xmlsec');
  const [active] = await idpCertificates(server);
  certFile = path.join(dir, 'idp.pem');
  writeFileSync(certFile, `-----BEGIN CERTIFICATE-----\n${active.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`);
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function xmlsec1(xml: string, signature: string, cert = certFile): Promise<{ code: number; output: string }> {
  const file = path.join(dir, `r-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  return new Promise((resolve) => {
    execFile(
      'xmlsec1',
      [
        '--verify',
        '--pubkey-cert-pem',
        cert,
        '--id-attr:ID',
        `${PROTOCOL}:Response`,
        '--id-attr:ID',
        `${ASSERTION}:Assertion`,
        '--node-xpath',
        signature,
        file,
      ],
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

test('xmlsec1 verifies the response signature and the assertion signature of a real sign-in, and fails on a change', async () => {
  const page = new PageClient(server.url);
  await signInWithPassword(
    page,
    await page.get(await sp.saml.getAuthorizeUrlAsync('', undefined, {})),
    'ada@example.test',
    'correct horse battery staple',
  );
  const xml = postedXml(page);

  for (const signature of [RESPONSE_SIGNATURE, ASSERTION_SIGNATURE]) {
    const ok = await xmlsec1(xml, signature);
    expect([signature, ok.code, ok.output]).toEqual([signature, 0, expect.stringContaining('OK')]);
  }

  const changed = xml.replace('>ada@example.test<', '>eve@example.test<');
  expect(changed).not.toBe(xml);
  for (const signature of [RESPONSE_SIGNATURE, ASSERTION_SIGNATURE]) {
    const bad = await xmlsec1(changed, signature);
    expect([signature, bad.code]).not.toEqual([signature, 0]);
  }

  const other = path.join(dir, 'other.pem');
  writeFileSync(other, (await spKeys()).certificate);
  expect((await xmlsec1(xml, RESPONSE_SIGNATURE, other)).code).not.toBe(0);
});
