/**
 * The claims of a verified assertion, read only from the XML its signature covers, and the checks
 * that are ours to make (DESIGN "Lessons"):
 * - the assertion's Issuer is the IdP of the connection's metadata; the Response's, when present, too;
 * - Audience: every AudienceRestriction names this connection's SP entity ID (at least one exists);
 * - Destination of the Response and Recipient of the bearer SubjectConfirmationData are our ACS URL;
 * - InResponseTo (Response and SubjectConfirmationData) equals the ID of the AuthnRequest we sent —
 *   and is absent for an unsolicited response;
 * - NotBefore / NotOnOrAfter of the Conditions and of the SubjectConfirmationData, with the
 *   configured clock skew and no more; the latest NotOnOrAfter bounds how long the assertion ID must
 *   be remembered against replay.
 */
import { A_NS, child, elements, parseXml, refuse } from './response.js';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export interface AssertionExpectations {
  idpEntityId: string;
  spEntityId: string;
  acsUrl: string;
  /** The ID of our AuthnRequest; undefined for an unsolicited response. */
  inResponseTo?: string;
  clockSkewSeconds: number;
  now?: number;
}

export interface AssertionClaims {
  id: string;
  nameId?: string;
  nameIdFormat?: string;
  authnContextClassRef?: string;
  attributes: Record<string, string[]>;
  /** Until when the assertion could be presented: remember its ID until then. */
  validUntil: Date;
}

const time = (value: string | null, what: string) => {
  if (value === null || value === '') return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw refuse('time', `${what} is not a date`);
  return t;
};
const text = (el: Element | undefined) => el?.textContent?.trim() || undefined;

export function readAssertion(response: Element, signedAssertion: string, ex: AssertionExpectations): AssertionClaims {
  const now = ex.now ?? Date.now();
  const skew = ex.clockSkewSeconds * 1000;
  const assertion = parseXml(signedAssertion).documentElement!;
  if (assertion.namespaceURI !== A_NS || assertion.localName !== 'Assertion')
    throw refuse('signature', 'the signed node is not an assertion');

  // The Response envelope: not covered by the assertion's signature, so only ever more restrictive.
  const destination = response.getAttribute('Destination');
  if (destination !== ex.acsUrl) throw refuse('destination', `the response is for ${destination || '(no Destination)'}, not ${ex.acsUrl}`);
  const responseIssuer = text(child(response, A_NS, 'Issuer'));
  if (responseIssuer !== undefined && responseIssuer !== ex.idpEntityId)
    throw refuse('issuer', `the response comes from ${responseIssuer}`);
  const inResponseTo = response.getAttribute('InResponseTo') || undefined;
  if (inResponseTo !== ex.inResponseTo) {
    throw refuse(
      'in_response_to',
      ex.inResponseTo
        ? `the response answers ${inResponseTo ?? 'no request'}, not ${ex.inResponseTo}`
        : 'an unsolicited response must not answer a request',
    );
  }

  const issuer = text(child(assertion, A_NS, 'Issuer'));
  if (issuer !== ex.idpEntityId) throw refuse('issuer', `the assertion comes from ${issuer ?? '(no Issuer)'}, not ${ex.idpEntityId}`);

  const subject = child(assertion, A_NS, 'Subject');
  const nameIdEl = subject && child(subject, A_NS, 'NameID');
  const bearer = subject ? elements(subject, A_NS, 'SubjectConfirmation').filter((c) => c.getAttribute('Method') === BEARER) : [];
  let confirmedUntil: number | undefined;
  const problems: string[] = [];
  for (const confirmation of bearer) {
    const data = child(confirmation, A_NS, 'SubjectConfirmationData');
    const until = time(data?.getAttribute('NotOnOrAfter') ?? null, 'SubjectConfirmationData NotOnOrAfter');
    const from = time(data?.getAttribute('NotBefore') ?? null, 'SubjectConfirmationData NotBefore');
    if (data?.getAttribute('Recipient') !== ex.acsUrl) problems.push('[recipient] the subject confirmation is for another recipient');
    else if ((data.getAttribute('InResponseTo') || undefined) !== ex.inResponseTo)
      problems.push('[in_response_to] the subject confirmation answers another request');
    else if (until === undefined || now >= until + skew) problems.push('[expired] the subject confirmation has expired');
    else if (from !== undefined && now < from - skew) problems.push('[not_yet_valid] the subject confirmation is not valid yet');
    else confirmedUntil = Math.max(confirmedUntil ?? 0, until);
  }
  if (confirmedUntil === undefined) {
    const [first] = problems;
    throw first
      ? refuse(first.slice(1, first.indexOf(']')), first.slice(first.indexOf(']') + 2))
      : refuse('subject', 'the assertion has no bearer subject confirmation');
  }

  const conditions = child(assertion, A_NS, 'Conditions');
  const notBefore = time(conditions?.getAttribute('NotBefore') ?? null, 'Conditions NotBefore');
  const notOnOrAfter = time(conditions?.getAttribute('NotOnOrAfter') ?? null, 'Conditions NotOnOrAfter');
  if (notBefore !== undefined && now < notBefore - skew) throw refuse('not_yet_valid', 'the assertion is not valid yet');
  if (notOnOrAfter !== undefined && now >= notOnOrAfter + skew) throw refuse('expired', 'the assertion has expired');
  const restrictions = conditions ? elements(conditions, A_NS, 'AudienceRestriction') : [];
  if (!restrictions.length) throw refuse('audience', 'the assertion names no audience');
  for (const r of restrictions) {
    const audiences = elements(r, A_NS, 'Audience').map((a) => text(a));
    if (!audiences.includes(ex.spEntityId))
      throw refuse('audience', `the assertion is for ${audiences.join(', ') || '(nobody)'}, not ${ex.spEntityId}`);
  }

  const attributes: Record<string, string[]> = {};
  for (const statement of elements(assertion, A_NS, 'AttributeStatement')) {
    for (const attribute of elements(statement, A_NS, 'Attribute')) {
      const name = attribute.getAttribute('Name') ?? '';
      attributes[name] = [...(attributes[name] ?? []), ...elements(attribute, A_NS, 'AttributeValue').map((v) => v.textContent ?? '')];
    }
  }
  const authn = child(assertion, A_NS, 'AuthnStatement');
  const context = authn && child(authn, A_NS, 'AuthnContext');
  return {
    id: assertion.getAttribute('ID') ?? '',
    nameId: text(nameIdEl),
    nameIdFormat: nameIdEl?.getAttribute('Format') || undefined,
    authnContextClassRef: text(context && child(context, A_NS, 'AuthnContextClassRef')),
    attributes,
    validUntil: new Date(Math.max(confirmedUntil, notOnOrAfter ?? 0) + skew),
  };
}
