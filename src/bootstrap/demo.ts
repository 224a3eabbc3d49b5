/**
 * The first-start demo (development only, `demo: true`): a demo organization, a demo person with a
 * generated password (printed once to the terminal, never logged), and a first-party demo app whose
 * sign-in can be tried at /demo.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Services } from '../services.js';

export const DEMO_EMAIL = 'demo@wayfinder.test';
export const DEMO_CLIENT_ID = 'wayfinder-demo';

export async function ensureDemo(services: Services): Promise<{ created: boolean; password?: string }> {
  const issuer = services.config.server.issuer;
  await services.clients.upsert({
    client_id: DEMO_CLIENT_ID,
    client_name: 'Wayfinder demo app',
    token_endpoint_auth_method: 'none',
    redirect_uris: [`${issuer}/demo/callback`],
    post_logout_redirect_uris: [`${issuer}/demo`],
    grant_types: ['authorization_code', 'refresh_token'],
    first_party: true,
  });
  const orgId = await services.orgs.upsert({ id: randomUUID(), slug: 'demo', name: 'Demo Company' });
  if (await services.accounts.findUserByEmail(DEMO_EMAIL)) return { created: false };
  const password = `demo-${randomBytes(9).toString('base64url')}`;
  const user = await services.users.create({ email: DEMO_EMAIL, name: 'Demo Person', password, email_verified: true });
  await services.orgs.addMember(orgId, user.id, 'admin');
  return { created: true, password };
}
