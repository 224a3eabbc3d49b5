/**
 * The policy gate's rule for social sign-ins (method 'social'): the social connection must still
 * exist and be enabled when the gate runs (also after a second factor: a provider switched off
 * meanwhile stops the sign-in). A social sign-in never counts as a second factor: it adds none, and
 * the two-step rule then applies exactly as after a password. Members of an SSO-only organization
 * are refused by the SSO-only rule (orgs/sso-only.ts), which admits only their company's connection.
 */
import type { GateRule } from '../../login/gate.js';
import type { SocialStore } from './store.js';

export function socialConnectionRule(store: SocialStore): GateRule {
  return {
    name: 'social-connection',
    async check(auth) {
      if (auth.method !== 'social') return undefined;
      const row = auth.social && (await store.findConnection(auth.social.id));
      return row?.enabled ? undefined : { kind: 'deny', reason: 'login.connection_disabled' };
    },
  };
}
