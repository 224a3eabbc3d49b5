/**
 * A bare oidc-provider doing the same work as Wayfinder's client-credentials token endpoint: same
 * client (client_secret_basic), same resource server (JWT access token, ES256, same TTL), the default
 * in-memory adapter, no middleware around it. Configured by the benchmark through the environment.
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const env = (name: string) =>
  process.env[name] ??
  (() => {
    throw new Error(`${name} is required`);
  })();
const port = Number(env('PORT'));
const resource = env('BENCH_RESOURCE');
const scope = env('BENCH_SCOPE');
const ttl = Number(env('BENCH_TTL'));

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const provider = new Provider(env('ISSUER'), {
  jwks: { keys: [{ ...key, kid: 'bench-es256', alg: 'ES256', use: 'sig' } as any] },
  cookies: { keys: [env('BENCH_COOKIE_KEY')] },
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
  },
  clients: [
    {
      client_id: env('BENCH_CLIENT_ID'),
      client_secret: env('BENCH_CLIENT_SECRET'),
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? resource,
      useGrantedResource: async () => true,
      async getResourceServerInfo(_ctx, indicator) {
        if (indicator !== resource) throw new errors.InvalidTarget('the requested resource is not registered');
        return { scope, audience: resource, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
      },
    },
  },
});

const server = http.createServer(provider.callback());
server.listen(port, '127.0.0.1', () => process.stderr.write(`bare oidc-provider listening on ${port}\n`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
