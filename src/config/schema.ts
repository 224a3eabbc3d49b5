/**
 * The shape of Wayfinder's configuration. Defaults live in config/default.yaml; this schema says what
 * is allowed and turns every mistake into a readable message (see load.ts).
 */
import { isIP } from 'node:net';
import { z } from 'zod';

const seconds = z.number().int().positive();

function isCidr(value: string) {
  const [address, bits, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
}

export const configSchema = z.strictObject({
  env: z.enum(['development', 'test', 'production']),
  server: z.strictObject({
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1),
    issuer: z.url().refine((u) => {
      const url = new URL(u);
      return (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash;
    }, 'the issuer must be an origin with no path, query or fragment (e.g. https://id.example.com)'),
    trustProxy: z.boolean(),
    /** Behind TRUST_PROXY: how many proxies (from the right of X-Forwarded-For) appended an address. */
    trustProxyHops: z.number().int().min(1).max(10).default(1),
    /** Behind TRUST_PROXY: the proxies' addresses; when set, the client is the rightmost address outside them. */
    trustProxyCidrs: z.array(z.string().refine(isCidr, 'an address or CIDR such as 10.0.0.0/8 or fd00::/8')).default([]),
    /** Bearer token that GET /metrics requires; unset: /metrics is not served. */
    metricsToken: z.string().min(16, 'the metrics token must be at least 16 characters').optional(),
    maxBodyBytes: z.number().int().positive(),
    shutdownGraceSeconds: seconds,
  }),
  database: z.strictObject({
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    dataDir: z.string().min(1),
    poolSize: z.number().int().positive(),
    /** Named prepared statements (src/db/prepared.ts); off for a pooler in transaction mode. */
    preparedStatements: z.boolean(),
  }),
  secrets: z.strictObject({
    cookieKeys: z.array(z.string().min(32, 'each cookie key must be at least 32 characters')).min(1),
    encryptionKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes in base64 (openssl rand -base64 32)'),
  }),
  bootstrapFile: z.string().optional(),
  demo: z.boolean(),
  smtp: z.strictObject({ url: z.string().optional(), from: z.string().min(3) }),
  /**
   * Text messages (SMS codes). `provider` unset means: the development log adapter outside production,
   * no SMS at all in production. `authToken` comes from the environment only (TWILIO_AUTH_TOKEN).
   */
  sms: z
    .strictObject({
      provider: z.enum(['log', 'twilio']).optional(),
      baseUrl: z.url(),
      accountSid: z.string().min(1).optional(),
      authToken: z.string().min(1).optional(),
      from: z.string().min(1).optional(),
      /** Most text messages sent per day across every account (a ceiling against SMS pumping). */
      dailyCap: z.number().int().positive(),
    })
    .refine(
      (s) => s.provider !== 'twilio' || (s.accountSid && s.authToken && s.from),
      'the twilio provider needs accountSid (TWILIO_ACCOUNT_SID), authToken (TWILIO_AUTH_TOKEN) and from (SMS_FROM)',
    ),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) }),
  oidc: z.strictObject({
    refreshGraceSeconds: z.number().int().min(0).max(300),
    accessTokenTtl: seconds,
    refreshTokenTtl: seconds,
    idTokenTtl: seconds,
    interactionTtl: seconds,
    transientSessionTtl: seconds,
    keyRefreshSeconds: seconds,
    purgeIntervalSeconds: seconds,
    defaultSigningAlg: z.enum(['ES256', 'RS256']),
    /** Hosts on private networks that outgoing calls (back-channel logout) may reach; all others are refused. */
    allowPrivateHosts: z.array(z.string().min(1)),
  }),
  session: z.strictObject({ rememberDays: z.number().int().min(1).max(365) }),
  /** People an administrator (or SCIM) deleted are purged this many days later (src/accounts/deletion-store.ts). */
  accounts: z.strictObject({ deletedRetentionDays: z.number().int().min(0).max(3650).default(30) }).default({ deletedRetentionDays: 30 }),
  password: z.strictObject({
    minLength: z.number().int().min(8).max(64),
    argon2: z.strictObject({
      memoryCost: z.number().int().min(8192),
      timeCost: z.number().int().min(1),
      parallelism: z.number().int().min(1),
    }),
    hashConcurrency: z.number().int().min(1),
  }),
  throttle: z.strictObject({
    accountFreeAttempts: z.number().int().min(1),
    ipFreeAttempts: z.number().int().min(1),
    maxDelaySeconds: z.number().int().min(1),
    windowSeconds: seconds,
  }),
  /** Push approval (src/factors/push*.ts). Defaults apply when the section is left out. */
  push: z
    .strictObject({
      /** How long a sign-in request waits for the device's answer. */
      challengeSeconds: z.number().int().min(1).max(600).default(120),
      /** How long a device's GET …/next is held open before answering 204 (keep under proxy timeouts). */
      longPollSeconds: z.number().int().min(1).max(55).default(25),
      /** Gateway that relays "a request is waiting" notices to phones (APNs/FCM); devices long-poll without it. */
      webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
    })
    .default({ challengeSeconds: 120, longPollSeconds: 25 }),
  /** Device sign-in (RFC 8628, src/device) and ad hoc support pairing (src/support). Defaults apply when left out. */
  device: z
    .strictObject({
      /** Seconds a device waits between polls; a faster poll gets slow_down and 5 s more. */
      pollIntervalSeconds: z.number().int().min(1).max(60).default(5),
      /** How long a user code can be entered (RFC 8628 expires_in). */
      userCodeSeconds: z.number().int().min(60).max(3600).default(600),
    })
    .default({ pollIntervalSeconds: 5, userCodeSeconds: 600 }),
  support: z
    .strictObject({
      /** How long an ad hoc support pairing lasts from its activation. */
      sessionHours: z.number().int().min(1).max(72).default(24),
      /** How long a security code can be activated after the technician created it. */
      codeMinutes: z.number().int().min(5).max(1440).default(60),
      /** Active sessions per organization unless the organization sets its own limit. */
      orgLimit: z.number().int().min(1).max(1000).default(5),
      /** Where the customer's mail sends them to install the temporary support app (default: a page of ours). */
      downloadUrl: z.url({ protocol: /^https?$/ }).optional(),
    })
    .default({ sessionHours: 24, codeMinutes: 60, orgLimit: 5 }),
  /** Company ID (src/orgs, src/connectors). Defaults apply when the section is left out. */
  federation: z
    .strictObject({
      /** DNS servers for domain verification ("host" or "host:port"); empty: the system's resolvers. */
      dnsServers: z.array(z.string().regex(/^[\w.:[\]-]+$/, 'a host or host:port')).default([]),
      dnsTimeoutMs: z.number().int().min(100).max(30_000).default(3000),
      /** Let metadata URLs and OIDC issuers point at loopback or private addresses (development, tests). */
      allowPrivateNetworks: z.boolean().default(false),
      /** Let OIDC issuers and metadata URLs use plain http (development, tests). */
      allowHttp: z.boolean().default(false),
      fetchTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
      maxFetchBytes: z.number().int().min(1024).max(10_485_760).default(1_048_576),
      /** How often SAML metadata given by URL is fetched again (the last good copy is kept on failure). */
      metadataRefreshSeconds: z.number().int().min(60).default(3600),
      /** Tolerated clock difference with company identity providers (assertion and token validity). */
      clockSkewSeconds: z.number().int().min(0).max(600).default(120),
      /** How long a person may take at their company's sign-in page. */
      upstreamTimeoutSeconds: z.number().int().min(60).max(3600).default(900),
    })
    .default({
      dnsServers: [],
      dnsTimeoutMs: 3000,
      allowPrivateNetworks: false,
      allowHttp: false,
      fetchTimeoutMs: 5000,
      maxFetchBytes: 1_048_576,
      metadataRefreshSeconds: 3600,
      clockSkewSeconds: 120,
      upstreamTimeoutSeconds: 900,
    }),
  /** SAML identity provider limits (see src/saml). Defaults apply when the section is left out. */
  saml: z
    .strictObject({
      /** Tolerated clock difference with service providers when checking IssueInstant and validity windows. */
      clockSkewSeconds: z.number().int().min(0).max(600).default(60),
      /** Largest SAML message accepted, decoded (and inflated, for the Redirect binding). */
      maxMessageBytes: z.number().int().min(4096).max(1_048_576).default(102_400),
      /** How long an assertion is valid (NotOnOrAfter) and a request ID is remembered against replay. */
      assertionLifetimeSeconds: z.number().int().min(60).max(3600).default(300),
      /** A retired signing certificate stays in the metadata this long after a rotation. */
      retiredCertificateSeconds: z.number().int().min(0).default(86_400),
    })
    .default({ clockSkewSeconds: 60, maxMessageBytes: 102_400, assertionLifetimeSeconds: 300, retiredCertificateSeconds: 86_400 }),
});

export type Config = z.infer<typeof configSchema>;
