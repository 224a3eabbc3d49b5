/**
 * "Who may use it", enforced where sign-ins end: the policy gate denies a person who may not use the
 * app that asks (`login.app_not_allowed`), for OIDC clients and for SAML SPs (whose sign-ins come
 * through /auth as their internal client `wayfinder-saml.<sp id>`, see saml/sso.ts). Clients that
 * are no app (My account, admin and SCIM clients) are not restricted.
 */
import type { GateRule } from '../login/gate.js';
import type { Launcher } from './launcher.js';

/** saml/sso.ts samlClientId's prefix (not imported: that module brings samlify). */
const SAML_CLIENT_PREFIX = 'wayfinder-saml.';

export function appOfClient(clientId: string | undefined): { kind: 'oidc' | 'saml'; ref: string } | undefined {
  if (!clientId) return undefined;
  if (clientId.startsWith(SAML_CLIENT_PREFIX)) return { kind: 'saml', ref: clientId.slice(SAML_CLIENT_PREFIX.length) };
  return { kind: 'oidc', ref: clientId };
}

/** Whether the person may use the app behind this client id (a session reused for it is checked too). */
export const mayUseClient = (launcher: Pick<Launcher, 'mayUse'>) => async (userId: string, clientId: string | undefined) => {
  const app = appOfClient(clientId);
  return !app || launcher.mayUse(userId, app.kind, app.ref);
};

export function appAccessRule(launcher: Pick<Launcher, 'mayUse'>): GateRule {
  const mayUse = mayUseClient(launcher);
  return {
    name: 'app-access',
    async check({ user }, gctx) {
      return (await mayUse(user.id, gctx.clientId)) ? undefined : { kind: 'deny', reason: 'login.app_not_allowed' };
    },
  };
}
