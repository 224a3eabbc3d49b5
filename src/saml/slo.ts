/**
 * SAML single logout, started by a service provider. Rules:
 * - a LogoutRequest comes from a registered SP, with allowed algorithms, dated within the clock
 *   skew, sent to us, never seen before; it must be signed when the SP's metadata holds a signing
 *   certificate (front-channel bindings have no other way to authenticate it). An SP without one
 *   can only end the session of the browser that brings the request;
 * - the sessions named (SessionIndex, else every session of that NameID at that SP) are ended:
 *   the Wayfinder session — and with it every OIDC session of that browser, back-channel logout
 *   included — and the SAML sessions of the other SPs that took part in it;
 * - those SPs are told in turn, front-channel: the browser carries a signed LogoutRequest to each
 *   one's SingleLogoutService and comes back with its LogoutResponse (matched by RelayState and
 *   InResponseTo); then the initiating SP gets its signed LogoutResponse — Success, or
 *   PartialLogout when another SP reported a failure.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import type { Sessions } from '../oidc/sessions.js';
import { BINDINGS, samlify, STATUS } from './lib.js';
import { SamlRefused } from './errors.js';
import { checkAlgorithms, readMessage, type Binding, type Inbound } from './inbound.js';
import { verifySignatureOnly, verifyWith, type Idp } from './idp.js';
import { esc, newId } from './assertion.js';
import type { ServiceProvider, SpRegistry } from './registry.js';
import type { SamlStore } from './store.js';
import type { XmlValidator } from './validator.js';
import type { Outcome } from './sso.js';

export interface SloDeps {
  issuer: string;
  entityId: string;
  limits: { clockSkewSeconds: number; maxMessageBytes: number; assertionLifetimeSeconds: number };
  store: SamlStore;
  registry: SpRegistry;
  idp: Idp;
  validator: XmlValidator;
  sessions: Sessions;
  audit: Audit;
}

interface Notice {
  spId: string;
  nameId: string;
  format: string;
  sessionIndex: string;
}
interface Round {
  initiator: { spId: string; requestId: string; relayState?: string; binding: Binding };
  queue: Notice[];
  awaiting?: { spId: string; requestId: string };
  partial: boolean;
}

const ROUND_TTL = 600;

/** The SP's logout endpoint for what we send, in the binding it supports (Redirect preferred). */
function endpoint(sp: ServiceProvider, kind: 'request' | 'response', prefer?: Binding) {
  const order: Binding[] = prefer === 'post' ? ['post', 'redirect'] : ['redirect', 'post'];
  for (const binding of order) {
    const e = sp.slo.find((s) => s.binding === BINDINGS[binding]);
    if (e) return { binding, url: kind === 'response' ? (e.responseLocation ?? e.location) : e.location };
  }
  return undefined;
}

/** A samlify SP entity that sends to exactly `url` (samlify takes the destination from metadata). */
function target(sp: ServiceProvider, binding: Binding, url: string) {
  return samlify().ServiceProvider({
    entityID: sp.entityId,
    wantLogoutRequestSigned: true,
    wantLogoutResponseSigned: true,
    singleLogoutService: [{ Binding: BINDINGS[binding], Location: url }],
    assertionConsumerService: sp.acs.map((e) => ({ Binding: e.binding, Location: e.location })),
  });
}

function toOutcome(binding: Binding, made: { context: string }, url: string, relayState?: string, param = 'SAMLRequest'): Outcome {
  if (binding === 'redirect') return { redirect: made.context };
  return { post: { url, fields: { [param]: made.context, ...(relayState !== undefined ? { RelayState: relayState } : {}) } } };
}

export function createSlo(d: SloDeps) {
  const skewMs = d.limits.clockSkewSeconds * 1000;
  const now = () => new Date().toISOString();

  function checkFreshness(msg: Inbound, sp: ServiceProvider) {
    const issued = Date.parse(msg.issueInstant);
    if (
      !Number.isFinite(issued) ||
      issued > Date.now() + skewMs ||
      issued < Date.now() - d.limits.assertionLifetimeSeconds * 1000 - skewMs
    ) {
      throw new SamlRefused('saml_expired', msg.issueInstant, sp.id);
    }
    if (msg.destination !== undefined && msg.destination !== `${d.issuer}/saml/slo`)
      throw new SamlRefused('saml_wrong_destination', msg.destination, sp.id);
  }

  async function verified(msg: Inbound) {
    const sp = await d.registry.findByEntityId(msg.issuer);
    if (!sp) throw new SamlRefused('saml_unknown_sp', msg.issuer);
    checkAlgorithms(msg, sp.settings.allow_sha1, sp.id);
    if (sp.signingCerts.length && !msg.signed) throw new SamlRefused('saml_bad_signature', `the ${msg.kind} is not signed`, sp.id);
    if (msg.signed && msg.kind === 'LogoutRequest') {
      // samlify verifies the signature against the SP's metadata (what it says was read by inbound.ts).
      const idp = await d.idp.entity(true);
      await verifyWith(sp, (e) => idp.parseLogoutRequest(e, msg.binding, msg.envelope));
    } else if (msg.signed) {
      await verifySignatureOnly(sp, msg);
    }
    checkFreshness(msg, sp);
    return sp;
  }

  async function endSession(sessionUid: string, userId: string) {
    const session = (await d.sessions.list(userId)).find((s) => s.uid === sessionUid);
    if (session) await d.sessions.signOut(userId, session.id);
    const others = await d.store.participantsOfSession(sessionUid);
    await d.store.removeParticipantsOfSession(sessionUid);
    return others;
  }

  async function next(ctx: Context, id: string, round: Round): Promise<Outcome> {
    while (round.queue.length) {
      const notice = round.queue.shift()!;
      const sp = await d.registry.find(notice.spId);
      const to = sp && endpoint(sp, 'request');
      if (!sp || !to) continue;
      const requestId = newId();
      const xml =
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"' +
        ` ID="${requestId}" Version="2.0" IssueInstant="${now()}" Destination="${esc(to.url)}"><saml:Issuer>${esc(d.entityId)}</saml:Issuer>` +
        `<saml:NameID Format="${esc(notice.format)}">${esc(notice.nameId)}</saml:NameID><samlp:SessionIndex>${esc(notice.sessionIndex)}</samlp:SessionIndex></samlp:LogoutRequest>`;
      const idp = await d.idp.entity(true);
      const made = idp.createLogoutRequest(
        target(sp, to.binding, to.url),
        to.binding,
        {},
        { relayState: id, customTagReplacement: () => ({ id: requestId, context: xml }) },
      );
      round.awaiting = { spId: sp.id, requestId };
      await d.store.saveLogout(id, round as unknown as Record<string, unknown>, ROUND_TTL);
      return toOutcome(to.binding, made, to.url, id);
    }
    const initiator = await d.registry.find(round.initiator.spId);
    const to = initiator && endpoint(initiator, 'response', round.initiator.binding);
    if (!initiator || !to) return { redirect: `${d.issuer}/saml/logged-out` };
    const status = round.partial
      ? `<samlp:StatusCode Value="${STATUS.success}"><samlp:StatusCode Value="${STATUS.partialLogout}"/></samlp:StatusCode>`
      : `<samlp:StatusCode Value="${STATUS.success}"/>`;
    const responseId = newId();
    const xml =
      '<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"' +
      ` ID="${responseId}" Version="2.0" IssueInstant="${now()}" Destination="${esc(to.url)}" InResponseTo="${esc(round.initiator.requestId)}">` +
      `<saml:Issuer>${esc(d.entityId)}</saml:Issuer><samlp:Status>${status}</samlp:Status></samlp:LogoutResponse>`;
    const idp = await d.idp.entity(true);
    const made = idp.createLogoutResponse(target(initiator, to.binding, to.url), { extract: {} } as never, to.binding, {
      relayState: round.initiator.relayState,
      customTagReplacement: () => ({ id: responseId, context: xml }),
    });
    await d.audit.record(ctx, {
      type: 'saml.logout',
      outcome: round.partial ? 'failure' : 'success',
      clientId: initiator.id,
      data: { sp: initiator.entityId, partial: round.partial },
    });
    return toOutcome(to.binding, made, to.url, round.initiator.relayState, 'SAMLResponse');
  }

  async function fromSp(ctx: Context, msg: Inbound): Promise<Outcome> {
    const sp = await verified(msg);
    if (!(await d.store.rememberMessageId(sp.entityId, msg.id, d.limits.assertionLifetimeSeconds + 2 * d.limits.clockSkewSeconds))) {
      throw new SamlRefused('saml_replayed', msg.id, sp.id);
    }
    const nameId = msg.fields.nameId ?? '';
    const indexes = msg.fields.sessionIndexes;
    const found = indexes.length
      ? (await Promise.all(indexes.map((i) => d.store.participant(i)))).filter((p) => p !== undefined)
      : await d.store.participantsOfSubject(sp.id, nameId);
    let named = found.filter((p) => p.sp_id === sp.id && p.name_id === nameId);
    if (!msg.signed) {
      const here = await d.sessions.current(ctx);
      const uid = (here as { uid?: string } | undefined)?.uid;
      named = named.filter((p) => p.session_uid === uid);
    }
    const queue: Notice[] = [];
    for (const sessionUid of new Set(named.map((p) => p.session_uid))) {
      const userId = named.find((p) => p.session_uid === sessionUid)!.user_id;
      for (const other of await endSession(sessionUid, userId)) {
        if (other.sp_id !== sp.id)
          queue.push({ spId: other.sp_id, nameId: other.name_id, format: other.name_id_format, sessionIndex: other.session_index });
      }
      await d.audit.record(ctx, {
        type: 'saml.session_ended',
        outcome: 'success',
        userId,
        clientId: sp.id,
        data: { sp: sp.entityId, notify: queue.length },
      });
    }
    const round: Round = {
      initiator: { spId: sp.id, requestId: msg.id, relayState: msg.relayState, binding: msg.binding },
      queue,
      partial: false,
    };
    return next(ctx, randomBytes(18).toString('base64url'), round);
  }

  async function fromOtherSp(ctx: Context, msg: Inbound): Promise<Outcome> {
    const sp = await verified(msg);
    const id = msg.relayState ?? '';
    const row = id ? await d.store.takeLogout(id) : undefined;
    const round = row?.data as unknown as Round | undefined;
    if (!round?.awaiting) throw new SamlRefused('saml_logout_unknown', undefined, sp.id);
    if (sp.id !== round.awaiting.spId || msg.fields.inResponseTo !== round.awaiting.requestId)
      throw new SamlRefused('saml_logout_unknown', 'not the reply we wait for', sp.id);
    if (msg.fields.status !== STATUS.success) round.partial = true;
    round.awaiting = undefined;
    return next(ctx, id, round);
  }

  return {
    async handle(ctx: Context, binding: Binding): Promise<Outcome> {
      const msg = readMessage(ctx, binding, d.validator, d.limits.maxMessageBytes);
      if (msg.kind === 'LogoutRequest') return fromSp(ctx, msg);
      if (msg.kind === 'LogoutResponse') return fromOtherSp(ctx, msg);
      throw new SamlRefused('saml_malformed', 'an AuthnRequest was sent to the logout address');
    },
  };
}
export type Slo = ReturnType<typeof createSlo>;
