/**
 * Every upstream identity connector, by kind. The `satisfies` makes a missing connector a compile
 * error; adding a kind means one file and one line here, never a change to the journey.
 */
import type { ConnectionTable } from '../db/schema.js';
import { oidcConnector } from './oidc.js';
import { samlConnector } from './saml.js';
import type { Connector } from './types.js';

export type ConnectionKind = ConnectionTable['kind'];
type AnyConnector = Connector<{ mfa_trust: 'trust' | 'require' | 'none'; trust_email: boolean; jit: boolean }>;

export const CONNECTORS = {
  oidc: oidcConnector,
  saml: samlConnector,
} satisfies Record<ConnectionKind, AnyConnector>;

export function connectorOf(kind: string): AnyConnector | undefined {
  return Object.prototype.hasOwnProperty.call(CONNECTORS, kind) ? (CONNECTORS as Record<string, AnyConnector>)[kind] : undefined;
}
