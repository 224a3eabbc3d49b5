/**
 * The one interface every upstream identity connector implements (one file per kind, listed in
 * registry.ts), and the settings every connection shares whatever its kind.
 */
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { XmlValidator } from '../saml/validator.js';
import type { GuardedFetch } from './fetch.js';

/** Settings shared by every connection (validated with the kind's own settings). */
export const commonSettings = {
  /** The IdP's email is trusted: it may link to an existing account in a verified domain of the organization. */
  trust_email: z.boolean().default(false),
  /** trust: the IdP's MFA counts as our second factor; require: ours is always asked; none: neither. */
  mfa_trust: z.enum(['trust', 'require', 'none']).default('none'),
  /** Create an account on first sign-in (just-in-time provisioning) for addresses in the organization's verified domains. */
  jit: z.boolean().default(true),
};

/** A connection as connectors see it: settings still raw (each connector parses its own). */
export interface Connection {
  id: string;
  orgId: string;
  kind: string;
  name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  /** OIDC client secret, unsealed. */
  secret?: string;
  /** SAML: the last good IdP metadata. */
  metadata: string | null;
  updatedAt: Date;
}

/** Who the company IdP says signed in, after every check passed. */
export interface UpstreamIdentity {
  /** Stable, connection-scoped subject (Entra ID: tenant id / object id; SAML: persistent NameID or the stable-ID attribute). */
  subject: string;
  email?: string;
  /** The connection trusts this email (trust_email and, where the IdP says so, verified). */
  emailTrusted: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  /** The IdP performed multi-factor authentication (amr / AuthnContextClassRef). */
  mfa: boolean;
  /** What the IdP reported (amr values or AuthnContextClassRef), for the audit log. */
  methods: string[];
}

export interface ConnectorEnv {
  federation: Config['federation'];
  fetch: GuardedFetch;
  /** Where the IdP sends the person back (OIDC redirect_uri, SAML ACS). */
  callbackUrl(connectionId: string): string;
  /** Wayfinder's SAML entity ID for this connection (also the URL of its SP metadata). */
  spEntityId(connectionId: string): string;
  /** Remembers an assertion ID until it expires; false when it was already seen (replay). */
  rememberAssertion(connectionId: string, assertionId: string, expiresAt: Date): Promise<boolean>;
  /** The shared SAML schema validator (src/saml/validator.ts). */
  readonly xml: XmlValidator;
  /** Largest SAML message accepted. */
  maxMessageBytes: number;
}

/** What the callback request carried. */
export interface CallbackInput {
  url: URL;
  body: Record<string, string>;
  /** What begin() asked to remember for this sign-in (absent for an unsolicited SAML response). */
  remembered?: Record<string, unknown>;
  /** The answer named a state that is unknown (expired or already used). */
  staleState?: boolean;
}

export interface Connector<S extends { mfa_trust: 'trust' | 'require' | 'none'; trust_email: boolean; jit: boolean }> {
  kind: string;
  settings: z.ZodType<S, unknown>;
  /** The kind can receive answers no sign-in asked for (SAML IdP-initiated); finish() decides. */
  unsolicited?: boolean;
  /** Key material a new connection makes for itself (kept sealed like a secret), e.g. a SAML encryption key. */
  generateSecret?(connectionId: string): Promise<string>;
  /** Checks what can be checked without the network when a connection is saved; throws a readable error. */
  validateStatic?(settings: Record<string, unknown>, metadata: string | undefined, xml: XmlValidator): void;
  /** Checks a connection can work (e.g. its metadata parses, its issuer answers); throws a readable error. */
  check(conn: Connection, env: ConnectorEnv): Promise<void>;
  /** Starts a sign-in at the IdP: where to send the browser and what to remember until the callback. */
  begin(
    conn: Connection,
    env: ConnectorEnv,
    opts: { state: string; loginHint?: string },
  ): Promise<{ redirect: string; remember: Record<string, unknown> }>;
  /** Reads the IdP's answer and returns the person, or throws a FederationError. */
  finish(conn: Connection, env: ConnectorEnv, input: CallbackInput): Promise<UpstreamIdentity>;
  /** Where the state of a callback request is carried (OIDC `state`, SAML `RelayState`). */
  stateOf(input: Omit<CallbackInput, 'remembered'>): string | undefined;
}
