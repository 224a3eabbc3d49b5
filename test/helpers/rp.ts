/** A relying party written elsewhere (openid-client) for end-to-end tests. */
import * as oidc from 'openid-client';
import { type PageClient, signInWithPassword } from './browser.js';

export const REDIRECT_URI = 'https://rp.example.test/cb';

export async function discover(issuer: string, clientId: string, clientSecret?: string) {
  return oidc.discovery(new URL(issuer), clientId, clientSecret, clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

/** Runs authorization code + PKCE by posting our sign-in forms; returns the token response. */
export async function codeFlow(
  config: oidc.Configuration,
  opts: {
    page: PageClient;
    email: string;
    password: string;
    scope?: string;
    remember?: boolean;
    extra?: Record<string, string>;
  },
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: opts.scope ?? 'openid email profile',
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...opts.extra,
  });
  const interaction = await opts.page.get(url.toString());
  const back = interaction.startsWith(REDIRECT_URI)
    ? interaction
    : await signInWithPassword(opts.page, interaction, opts.email, opts.password, { remember: opts.remember });
  if (!back.startsWith(REDIRECT_URI))
    throw new Error(`sign-in did not return to the app: ${back} (${opts.page.last.status}: ${opts.page.title()})`);
  return oidc.authorizationCodeGrant(config, new URL(back), { pkceCodeVerifier: verifier, expectedState: state });
}

export { oidc };
