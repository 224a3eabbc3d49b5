/**
 * oidc-provider's JSON endpoints (see its `routes` defaults); none of ours shares these paths. They
 * answer errors as `{ error, error_description }` JSON whatever the Accept header says.
 */
export const PROVIDER_API = new Set([
  '/token',
  '/jwks',
  '/me',
  '/token/introspection',
  '/token/revocation',
  '/device/auth',
  '/request',
  '/backchannel',
  '/.well-known/openid-configuration',
]);

/** The provider endpoints where a client authenticates (a failed attempt there is throttled). */
export const CLIENT_AUTH_PATHS = new Set([
  '/token',
  '/token/introspection',
  '/token/revocation',
  '/device/auth',
  '/request',
  '/backchannel',
]);
