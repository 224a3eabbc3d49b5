/**
 * The SAML signing certificates, for an operator (the CLI today). Rules:
 * - listing and rotating are an operator's (403 otherwise); rotating needs write access;
 * - a rotation signs with the published next certificate and publishes a new next one (both stay in the
 *   metadata, so SPs that refresh it are ready before it signs); running instances switch within
 *   oidc.keyRefreshSeconds;
 * - a rotation is an audit event (`admin.saml_cert_rotated`) naming the actor and the activated certificate.
 */
import type { Context } from 'koa';
import type { Audit } from '../audit/index.js';
import type { SamlAdmin } from '../saml/index.js';
import { operatorOnly } from './accounts.js';
import type { Actor } from './actor.js';

export interface SamlCertDeps {
  /** src/saml's certificates, loaded on first use (it brings libxml2 and samlify). */
  saml: () => Promise<Pick<SamlAdmin, 'certificates'>>;
  audit: Audit;
}

export function createAdminSamlCerts(d: SamlCertDeps) {
  return {
    async list(actor: Actor) {
      operatorOnly(actor, false);
      return (await d.saml()).certificates.list();
    },

    /** Rotates; answers the activated certificate's id and the certificates as they are now. */
    async rotate(ctx: Context | undefined, actor: Actor) {
      operatorOnly(actor, true);
      const { certificates } = await d.saml();
      const id = await certificates.rotate();
      await d.audit.record(ctx, { type: 'admin.saml_cert_rotated', outcome: 'success', actor: actor.who, data: { activated: id } });
      return { id, certificates: await certificates.list() };
    },
  };
}

export type AdminSamlCerts = ReturnType<typeof createAdminSamlCerts>;
