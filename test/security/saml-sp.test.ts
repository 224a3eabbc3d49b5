/**
 * SP-side SAML regression tests (DESIGN "Lessons"), one named test per attack or mistake: the XML
 * signature wrapping shapes XSW1–XSW8 built from a genuinely signed response, a replayed assertion,
 * expired and not-yet-valid assertions (and the bounded clock skew), wrong audience, recipient,
 * destination, issuer and InResponseTo, unsigned assertions, a signature by another key (even with
 * its certificate in KeyInfo), SHA-1 unless opted in, a DTD, a tampered attribute — and, as
 * controls, certificate rollover and a certificate with no `use` in the metadata still verifying.
 * Every refusal is a 4xx page, an `sso.failed` audit event naming the check, and no account.
 */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { PageClient } from '../helpers/browser.js';
import { newId, newKey, type ResponseOptions } from '../helpers/company-saml-idp.js';
import { postToAcs, SAML_CONNECTION, startSamlCompany, toIdp, type SamlCompany } from '../helpers/company-saml.js';
import { REDIRECT_URI } from '../helpers/rp.js';
import { verifyResponse } from '../../src/saml/sp/response.js';
import { FederationError } from '../../src/connectors/errors.js';

const P = 'urn:oasis:names:tc:SAML:2.0:protocol';
const A = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
let c: SamlCompany;
let counter = 0;

beforeAll(async () => {
  c = await startSamlCompany({ mfa_trust: 'none' });
});
afterAll(() => c?.close());

const b64 = (xml: string) => Buffer.from(xml).toString('base64');
const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
const serialize = (doc: Document) => new XMLSerializer().serializeToString(doc);
const first = (doc: Document | Element, ns: string, name: string) => (doc.getElementsByTagNameNS(ns, name) as unknown as Element[])[0];

/** A fresh person and sign-in; `make` builds the SAMLResponse from the request Wayfinder sent. */
async function attempt(make: (base: ResponseOptions) => string) {
  counter += 1;
  const email = `p${counter}.${Date.now().toString(36)}@fabrikam.test`;
  const page = new PageClient(c.server.url);
  const { request } = await toIdp(c, page, email);
  const base: ResponseOptions = {
    acs: c.acs,
    audience: c.spEntityId,
    inResponseTo: request.id,
    nameId: `sub-${counter}`,
    attributes: { email: [email] },
  };
  const end = await postToAcs(c, page, make(base), request.relayState);
  return { page, end, email };
}

async function expectAccepted(make: (base: ResponseOptions) => string) {
  const { end, page } = await attempt(make);
  expect([end.startsWith(REDIRECT_URI), page.last.status, page.title()]).toEqual([true, 303, '']);
}

/** Refused with a page, an audit event whose detail names `check`, and no account. */
async function expectRefused(make: (base: ResponseOptions) => string, check: RegExp, reason = 'bad_response') {
  const { end, page, email } = await attempt(make);
  expect(end.startsWith(REDIRECT_URI)).toBe(false);
  expect(page.last.status).toBeGreaterThanOrEqual(400);
  expect(page.last.status).toBeLessThan(500);
  expect(page.title()).toBe('Your company sign-in did not work');
  const [event] = await c.server.services.audit.recent({ type: 'sso.failed', limit: 1 });
  expect(event.data).toMatchObject({ reason, connectionId: SAML_CONNECTION });
  expect(String(event.data.detail)).toMatch(check);
  expect(await c.server.services.accounts.findUserByEmail(email)).toBeUndefined();
}

/** A response signed as an IdP signs it, then reshaped by `edit` (the signature bytes untouched). */
const reshaped = (sign: ResponseOptions['sign'], edit: (doc: Document, evil: Element) => void) => (base: ResponseOptions) => {
  const doc = parse(c.idp.sign(c.idp.responseXml(base), { sign }));
  const evil = first(doc, A, 'Assertion').cloneNode(true) as Element;
  first(evil, A, 'NameID').textContent = 'the-attacker';
  edit(doc, evil);
  return b64(serialize(doc));
};
const withoutSignature = (el: Element) => {
  const sig = Array.from(el.childNodes).find((n) => (n as Element).localName === 'Signature');
  if (sig) el.removeChild(sig);
  return el;
};
const SHAPE = /\[(shape|schema)\]/;

/**
 * The same shape through our own checks alone (schema validation switched off): the structural
 * rules refuse it by themselves, so a schema gap could not let it through either.
 */
async function expectShapeRefusedWithoutSchema(make: (base: ResponseOptions) => string) {
  const encoded = make({
    acs: c.acs,
    audience: c.spEntityId,
    inResponseTo: '_request',
    nameId: 'sub-unit',
    attributes: { email: ['unit@fabrikam.test'] },
  });
  const noSchema = { validate: () => undefined };
  let refusal: unknown;
  try {
    await verifyResponse(noSchema, encoded, { certificates: [c.idp.key.body], allowSha1: false, maxBytes: 100_000 });
  } catch (err) {
    refusal = err;
  }
  expect(refusal).toBeInstanceOf(FederationError);
  expect((refusal as Error).message).toMatch(/^\[shape\]/);
}

/** Both layers refuse the shape: the whole pipeline (a page, an audit event, no account) and the structural checks alone. */
async function expectWrappingRefused(make: (base: ResponseOptions) => string) {
  await expectRefused(make, SHAPE);
  await expectShapeRefusedWithoutSchema(make);
}

test('control: the genuine signed response is accepted', async () => {
  await expectAccepted((base) => c.idp.response(base));
});

test('XSW1: the signed response wrapped inside the Signature of an evil response is refused', async () => {
  await expectWrappingRefused(
    reshaped('both', (doc) => {
      const root = doc.documentElement!;
      const original = root.cloneNode(true) as Element;
      const assertion = first(root, A, 'Assertion');
      first(assertion, A, 'NameID').textContent = 'the-attacker';
      root.setAttribute('ID', newId());
      first(root, DS, 'Signature').appendChild(original);
    }),
  );
});

test('XSW2: the signed response detached next to the Signature of an evil response is refused', async () => {
  await expectWrappingRefused(
    reshaped('both', (doc) => {
      const root = doc.documentElement!;
      const original = root.cloneNode(true) as Element;
      first(first(root, A, 'Assertion'), A, 'NameID').textContent = 'the-attacker';
      root.setAttribute('ID', newId());
      root.insertBefore(original, first(root, DS, 'Signature'));
    }),
  );
});

test('XSW3: an evil assertion inserted before the signed one is refused', async () => {
  await expectWrappingRefused(
    reshaped('assertion', (doc, evil) => {
      withoutSignature(evil).setAttribute('ID', newId());
      doc.documentElement!.insertBefore(evil, first(doc, A, 'Assertion'));
    }),
  );
});

test('XSW4: the signed assertion moved inside an evil assertion is refused', async () => {
  await expectWrappingRefused(
    reshaped('assertion', (doc, evil) => {
      const original = first(doc, A, 'Assertion');
      withoutSignature(evil).setAttribute('ID', newId());
      doc.documentElement!.replaceChild(evil, original);
      evil.appendChild(original);
    }),
  );
});

test('XSW5: an evil assertion keeping the signature, the original appended at the end, is refused', async () => {
  await expectWrappingRefused(
    reshaped('assertion', (doc, evil) => {
      const original = first(doc, A, 'Assertion');
      doc.documentElement!.replaceChild(evil, original); // evil still carries the original Signature and ID
      doc.documentElement!.appendChild(withoutSignature(original));
    }),
  );
});

test('XSW6: an evil assertion keeping the signature, the original inside that Signature, is refused', async () => {
  await expectWrappingRefused(
    reshaped('assertion', (doc, evil) => {
      const original = first(doc, A, 'Assertion');
      doc.documentElement!.replaceChild(evil, original);
      first(evil, DS, 'Signature').appendChild(withoutSignature(original.cloneNode(true) as Element));
    }),
  );
});

test('XSW7: the signed assertion hidden in an Extensions element, an evil one in its place, is refused', async () => {
  await expectWrappingRefused(
    reshaped('assertion', (doc, evil) => {
      const root = doc.documentElement!;
      const original = first(doc, A, 'Assertion');
      const extensions = doc.createElementNS(P, 'samlp:Extensions');
      root.insertBefore(extensions, first(root, P, 'Status'));
      root.replaceChild(withoutSignature(evil), original);
      extensions.appendChild(original);
    }),
  );
});

test('XSW8: an evil assertion keeping the signature, the original inside a ds:Object of it, is refused', async () => {
  await expectWrappingRefused(
    reshaped('assertion', (doc, evil) => {
      const original = first(doc, A, 'Assertion');
      doc.documentElement!.replaceChild(evil, original);
      const object = doc.createElementNS(DS, 'ds:Object');
      first(evil, DS, 'Signature').appendChild(object);
      object.appendChild(withoutSignature(original.cloneNode(true) as Element));
    }),
  );
});

test('claims are read from the signed XML: a comment inside the NameID does not truncate it', async () => {
  const { email } = await (async () => {
    const r = await attempt((base) => {
      const xml = c.idp.sign(c.idp.responseXml({ ...base, nameId: 'victim@fabrikam.test.attacker' }));
      return b64(xml.replace('victim@fabrikam.test.attacker', 'victim@fabrikam.test<!---->.attacker'));
    });
    expect(r.end.startsWith(REDIRECT_URI)).toBe(true);
    return r;
  })();
  const user = (await c.server.services.accounts.findUserByEmail(email))!;
  const [link] = await c.server.testDb.database.db.selectFrom('linked_identities').selectAll().where('user_id', '=', user.id).execute();
  expect(link.subject).toBe('victim@fabrikam.test.attacker');
});

test('a replayed assertion (same assertion ID, in a new sign-in) is refused', async () => {
  const assertionId = newId();
  await expectAccepted((base) => c.idp.response({ ...base, assertionId }));
  await expectRefused((base) => c.idp.response({ ...base, assertionId }), /already used/, 'replayed');
});

test('an expired assertion is refused; within the configured clock skew (60 s) it is accepted; a future one is refused', async () => {
  await expectRefused((base) => c.idp.response({ ...base, notBefore: -600, notOnOrAfter: -90 }), /\[expired\]/);
  await expectAccepted((base) => c.idp.response({ ...base, notBefore: -600, notOnOrAfter: -30 }));
  await expectRefused((base) => c.idp.response({ ...base, notBefore: 120 }), /\[not_yet_valid\]/);
});

test('a wrong audience is refused', async () => {
  await expectRefused((base) => c.idp.response({ ...base, audience: 'https://another-sp.example/metadata' }), /\[audience\]/);
});

test('a wrong InResponseTo is refused', async () => {
  await expectRefused((base) => c.idp.response({ ...base, inResponseTo: '_not-our-request' }), /\[in_response_to\]/);
});

test('a wrong Destination, a wrong Recipient and another issuer are refused', async () => {
  await expectRefused((base) => c.idp.response({ ...base, destination: 'https://elsewhere.example/acs' }), /\[destination\]/);
  await expectRefused((base) => c.idp.response({ ...base, recipient: 'https://elsewhere.example/acs' }), /\[recipient\]/);
  await expectRefused((base) => c.idp.response({ ...base, issuer: 'https://evil-idp.example' }), /\[issuer\]/);
});

test('an unsigned assertion is refused, even inside a signed response', async () => {
  await expectRefused((base) => c.idp.response({ ...base, sign: 'none' }), /\[signature\] the assertion is not signed/);
  await expectRefused((base) => c.idp.response({ ...base, sign: 'response' }), /\[signature\] the assertion is not signed/);
});

test("an assertion signed by another key is refused, even with that key's certificate in KeyInfo", async () => {
  const other = await newKey('mallory.example');
  await expectRefused((base) => c.idp.response({ ...base, key: other }), /\[signature\] the assertion signature does not verify/);
  await expectRefused(
    (base) => c.idp.response({ ...base, key: other, keyInfo: true }),
    /\[signature\] the assertion signature does not verify/,
  );
});

test('a signed attribute changed afterwards is refused', async () => {
  await expectRefused((base) => {
    const xml = c.idp.sign(c.idp.responseXml(base));
    return b64(xml.replace(/(<saml:AttributeValue>)[^<]+@fabrikam\.test/, '$1ceo@fabrikam.test'));
  }, /\[signature\]/);
});

test('SHA-1 is refused unless the connection opts in', async () => {
  await expectRefused(
    (base) => c.idp.response({ ...base, algorithm: 'sha1' }),
    /\[algorithm\] signature algorithm http:\/\/www\.w3\.org\/2000\/09\/xmldsig#rsa-sha1/,
  );
  await c.configure({ mfa_trust: 'none', allow_sha1: true });
  try {
    await expectAccepted((base) => c.idp.response({ ...base, algorithm: 'sha1' }));
  } finally {
    await c.configure({ mfa_trust: 'none' });
  }
});

test('a response carrying a DTD or an entity is refused before it is parsed', async () => {
  await expectRefused((base) => b64(`<!DOCTYPE r [<!ENTITY x "boom">]>${c.idp.sign(c.idp.responseXml(base))}`), /\[schema\].*DTD/);
});

test('certificate rollover: with two certificates in the metadata, a response signed by the second (no KeyInfo) verifies', async () => {
  const next = await newKey('idp-next.fabrikam.test');
  c.idp.state.published.push({ key: next, use: 'signing' });
  try {
    await c.configure({ mfa_trust: 'none' });
    await expectAccepted((base) => c.idp.response({ ...base, key: next }));
    await expectAccepted((base) => c.idp.response(base));
  } finally {
    c.idp.state.published.pop();
    await c.configure({ mfa_trust: 'none' });
  }
});

test('a certificate with no `use` in the metadata still verifies; one marked for encryption only does not', async () => {
  c.idp.state.published[0].use = undefined;
  try {
    await c.configure({ mfa_trust: 'none' });
    await expectAccepted((base) => c.idp.response(base));
    const encryptionOnly = await newKey('idp-enc.fabrikam.test');
    c.idp.state.published.push({ key: encryptionOnly, use: 'encryption' });
    await c.configure({ mfa_trust: 'none' });
    await expectRefused((base) => c.idp.response({ ...base, key: encryptionOnly }), /\[signature\]/);
  } finally {
    c.idp.state.published.splice(1);
    c.idp.state.published[0].use = 'signing';
    await c.configure({ mfa_trust: 'none' });
  }
});
