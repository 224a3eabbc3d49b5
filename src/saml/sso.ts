/**
 * SAML single sign-on, riding on Wayfinder's own OIDC sign-in so that every SAML sign-in walks the
 * same journey and the same policy gate (there is no second login path). Rules:
 * - an AuthnRequest is accepted only from a registered SP, signed when its metadata says it signs
 *   (and verified whenever it is signed), with allowed algorithms, dated within the clock skew, sent
 *   to us (Destination), never seen before (its ID is remembered until it could no longer be valid),
 *   asking for an ACS URL from the SP's metadata and for the HTTP-POST binding;
 * - the pending request is stored under a random state bound to this browser, then the browser
 *   goes to /auth as the SP's internal first-party client `wayfinder-saml.<sp id>` (so the sign-in
 *   pages name the app, and the gate knows which app asks): ForceAuthn → prompt=login,
 *   IsPassive → prompt=none (no session then → a NoPassive response); a person with a session gets
 *   through without a prompt;
 * - the callback redeems the code in-process (PKCE, single use) and answers with a signed Response
 *   POSTed to the ACS URL chosen at the start; the SP is recorded as a participant of the session;
 * - IdP-initiated sign-in (no request) only for an SP that allows it, and through /auth all the same.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { AccountStore } from '../accounts/store.js';
import { ttlCache } from '../lib/ttl-cache.js';
import type { Audit } from '../audit/index.js';
import type { InternalCodes } from '../oidc/internal-code.js';
import { BINDINGS, STATUS } from './lib.js';
import { SamlRefused } from './errors.js';
import { checkAlgorithms, readMessage, type Binding } from './inbound.js';
import { verifyWith, type Idp } from './idp.js';
import { buildResponse, newId } from './assertion.js';
import type { ServiceProvider, SpRegistry } from './registry.js';
import { NAMEID_FORMATS } from './settings.js';
import { attributesFor, authnContextFor, nameIdFor, type SubjectDeps } from './subject.js';
import type { XmlValidator } from './validator.js';

/** The internal OIDC client a SAML SP's sign-ins use at /auth. */
export const samlClientId = (spId: string) => `wayfinder-saml.${spId}`;

export interface SsoDeps extends SubjectDeps {
  issuer: string;
  entityId: string;
  limits: { clockSkewSeconds: number; maxMessageBytes: number; assertionLifetimeSeconds: number };
  pendingTtlSeconds: number;
  sessionTtlSeconds: number;
  registry: SpRegistry;
  idp: Idp;
  validator: XmlValidator;
  accounts: AccountStore;
  audit: Audit;
  codes: InternalCodes;
  /** Makes sure the SP's internal client exists with its current name and our callback URL. */
  ensureClient: (sp: ServiceProvider) => Promise<void>;
}

interface Pending {
  requestId?: string;
  relayState?: string;
  acsUrl: string;
  prompt?: 'login' | 'none';
  verifier: string;
  browser: string;
}

/** What the browser is sent: a redirect, or a form POSTing a SAMLResponse to the SP. */
export type Outcome = { redirect: string } | { post: { url: string; fields: Record<string, string>; appName?: string } };

/** The ACS URL to answer at: by index, by URL, or the SP's default — always an HTTP-POST one from its metadata. */
function chooseAcs(sp: ServiceProvider, ask: { url?: string; index?: string; binding?: string }) {
  if (ask.binding && ask.binding !== BINDINGS.post) throw new SamlRefused('saml_unsupported_binding', ask.binding, sp.id);
  if (ask.index !== undefined) {
    const byIndex = sp.acs.find((e) => e.index === Number(ask.index));
    if (!byIndex) throw new SamlRefused('saml_acs_not_registered', `index ${ask.index}`, sp.id);
    return byIndex.location;
  }
  if (ask.url !== undefined) {
    if (!sp.acs.some((e) => e.location === ask.url)) throw new SamlRefused('saml_acs_not_registered', ask.url, sp.id);
    return ask.url;
  }
  const sorted = [...sp.acs].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return (sp.acs.find((e) => e.isDefault) ?? sorted[0]).location;
}

export function createSso(d: SsoDeps) {
  const callbackUri = `${d.issuer}/saml/callback`;
  const skewMs = d.limits.clockSkewSeconds * 1000;
  /** A request ID is remembered as long as a request could be accepted, skew included. */
  const idMemory = d.limits.assertionLifetimeSeconds + 2 * d.limits.clockSkewSeconds;
  // A persistent NameID never changes once made: keep recent ones in memory.
  const nameIds = ttlCache<string>(600_000);
  const subjects: SubjectDeps = {
    ...d,
    store: {
      ...d.store,
      persistentNameId: (userId, spId) => nameIds.get(`${userId}\n${spId}`, () => d.store.persistentNameId(userId, spId)),
    },
  };

  /** Stores the pending request (remembering its ID, when there is one, in the same statement) and sends the browser to /auth. */
  async function toSignIn(sp: ServiceProvider, pending: Omit<Pending, 'verifier'>, lang?: string): Promise<Outcome> {
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const row = { state, spId: sp.id, data: { ...pending, verifier }, ttlSeconds: d.pendingTtlSeconds };
    const [stored] = await Promise.all([
      pending.requestId
        ? d.store.rememberAndSavePending(sp.entityId, pending.requestId, idMemory, row)
        : d.store.savePending(state, sp.id, row.data, row.ttlSeconds).then(() => true),
      d.ensureClient(sp),
    ]);
    if (!stored) throw new SamlRefused('saml_replayed', pending.requestId, sp.id);
    const url = new URL('/auth', d.issuer);
    url.search = new URLSearchParams({
      client_id: samlClientId(sp.id),
      response_type: 'code',
      scope: 'openid',
      redirect_uri: callbackUri,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...(pending.prompt ? { prompt: pending.prompt } : {}),
      ...(lang ? { ui_locales: lang } : {}),
    }).toString();
    return { redirect: url.toString() };
  }

  async function respond(
    sp: ServiceProvider,
    p: { acsUrl: string; requestId?: string; relayState?: string },
    status?: { code: string; subCode?: string },
    assertion?: Parameters<typeof buildResponse>[0]['assertion'],
  ): Promise<Outcome> {
    const xml = await buildResponse(
      {
        issuer: d.entityId,
        sp,
        acsUrl: p.acsUrl,
        inResponseTo: p.requestId,
        status,
        assertion,
        lifetimeSeconds: d.limits.assertionLifetimeSeconds,
        clockSkewSeconds: d.limits.clockSkewSeconds,
      },
      await d.idp.signingKey(),
    );
    const fields: Record<string, string> = { SAMLResponse: Buffer.from(xml).toString('base64') };
    if (p.relayState !== undefined) fields.RelayState = p.relayState;
    return { post: { url: p.acsUrl, fields, appName: sp.displayName } };
  }

  return {
    /** An AuthnRequest arrives (Redirect or POST binding). */
    async start(ctx: Context, binding: Binding, browser: string): Promise<Outcome> {
      const msg = readMessage(ctx, binding, d.validator, d.limits.maxMessageBytes);
      if (msg.kind !== 'AuthnRequest') throw new SamlRefused('saml_malformed', `a ${msg.kind} was sent to the sign-in address`);
      const sp = await d.registry.findByEntityId(msg.issuer);
      if (!sp) throw new SamlRefused('saml_unknown_sp', msg.issuer);
      checkAlgorithms(msg, sp.settings.allow_sha1, sp.id);
      if (sp.authnRequestsSigned && !msg.signed)
        throw new SamlRefused('saml_bad_signature', 'the app signs its requests but this one is not signed', sp.id);
      // samlify verifies the signature against the SP's metadata. An unsigned request has nothing to
      // verify: samlify would only validate and read it again, which inbound.ts has done.
      if (msg.signed) {
        const idp = await d.idp.entity(true);
        await verifyWith(sp, (entity) => idp.parseLoginRequest(entity, binding, msg.envelope));
      }
      const req = msg.fields;

      const issued = Date.parse(msg.issueInstant);
      if (
        !Number.isFinite(issued) ||
        issued > Date.now() + skewMs ||
        issued < Date.now() - d.limits.assertionLifetimeSeconds * 1000 - skewMs
      ) {
        throw new SamlRefused('saml_expired', msg.issueInstant, sp.id);
      }
      if (msg.destination !== undefined ? msg.destination !== `${d.issuer}/saml/sso` : msg.signed) {
        throw new SamlRefused('saml_wrong_destination', msg.destination ?? '(none)', sp.id);
      }
      const acsUrl = chooseAcs(sp, { url: req.acsUrl, index: req.acsIndex, binding: req.protocolBinding });
      const reply = { acsUrl, requestId: msg.id, relayState: msg.relayState };
      const policy = req.nameIdPolicy;
      const badPolicy = Boolean(policy && policy !== NAMEID_FORMATS.unspecified && policy !== NAMEID_FORMATS[sp.settings.nameid_format]);
      if (badPolicy || (req.forceAuthn && req.isPassive)) {
        // Answered at once with an error status; the request ID is remembered all the same.
        if (!(await d.store.rememberMessageId(sp.entityId, msg.id, idMemory))) throw new SamlRefused('saml_replayed', msg.id, sp.id);
        return respond(
          sp,
          reply,
          badPolicy
            ? { code: STATUS.requester, subCode: STATUS.invalidNameIdPolicy }
            : { code: STATUS.responder, subCode: STATUS.noPassive },
        );
      }
      return toSignIn(sp, { ...reply, prompt: req.forceAuthn ? 'login' : req.isPassive ? 'none' : undefined, browser }, ctx.state.lang);
    },

    /** IdP-initiated sign-in from the app list. */
    async launch(ctx: Context, spId: string, browser: string, relayState?: string): Promise<Outcome> {
      const sp = await d.registry.find(spId);
      if (!sp) throw new SamlRefused('saml_unknown_sp', spId);
      if (!sp.settings.allow_idp_initiated) throw new SamlRefused('saml_idp_initiated_disabled', sp.entityId, sp.id);
      if (relayState !== undefined && Buffer.byteLength(relayState) > 1024) throw new SamlRefused('saml_too_large', 'RelayState', sp.id);
      return toSignIn(sp, { acsUrl: chooseAcs(sp, {}), relayState, browser }, ctx.state.lang);
    },

    /** The sign-in came back to /saml/callback. */
    async finish(ctx: Context, q: { state?: string; code?: string; error?: string }, browser: string | undefined): Promise<Outcome> {
      const row = q.state ? await d.store.takePending(q.state) : undefined;
      const p = row?.data as Pending | undefined;
      if (!row || !p || !browser || p.browser !== browser) throw new SamlRefused('saml_request_expired');
      const sp = await d.registry.find(row.sp_id);
      if (!sp) throw new SamlRefused('saml_unknown_sp', row.sp_id);
      if (q.error) {
        await d.audit.record(ctx, { type: 'saml.sso', outcome: 'failure', clientId: sp.id, data: { sp: sp.entityId, error: q.error } });
        const sub =
          q.error === 'login_required' && p.prompt === 'none'
            ? STATUS.noPassive
            : q.error === 'access_denied'
              ? STATUS.requestDenied
              : STATUS.authnFailed;
        return respond(sp, p, { code: STATUS.responder, subCode: sub });
      }
      const code = await d.codes.redeem(String(q.code ?? ''), {
        clientId: samlClientId(sp.id),
        redirectUri: callbackUri,
        verifier: p.verifier,
      });
      if (!code) throw new SamlRefused('saml_request_expired', 'the sign-in code is not valid', sp.id);
      const user = await d.accounts.findUser(code.accountId);
      if (!user || user.status !== 'active') return respond(sp, p, { code: STATUS.responder, subCode: STATUS.authnFailed });

      const [nameId, attributes] = await Promise.all([nameIdFor(subjects, user, sp), attributesFor(subjects, user, sp)]);
      const sessionIndex = newId();
      const outcome = await respond(sp, p, undefined, {
        nameId: nameId.value,
        nameIdFormat: nameId.format,
        sessionIndex,
        authnInstant: code.authTime ? new Date(code.authTime * 1000) : new Date(),
        authnContext: authnContextFor(code.amr, code.acr),
        attributes,
      });
      await Promise.all([
        code.sessionUid &&
          d.store.addParticipant(
            {
              session_index: sessionIndex,
              session_uid: code.sessionUid,
              user_id: user.id,
              sp_id: sp.id,
              name_id: nameId.value,
              name_id_format: nameId.format,
            },
            d.sessionTtlSeconds,
          ),
        d.audit.record(ctx, {
          type: 'saml.sso',
          outcome: 'success',
          userId: user.id,
          clientId: sp.id,
          data: { sp: sp.entityId, idpInitiated: !p.requestId, amr: code.amr },
        }),
      ]);
      return outcome;
    },
  };
}
export type Sso = ReturnType<typeof createSso>;
