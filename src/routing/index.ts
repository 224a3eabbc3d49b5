/**
 * Routing: where a person goes next. One pure decide() (decide.ts) answers for every page and
 * callback; route files gather its inputs, call it and render (respond.ts turns the answer into a
 * redirect). Nothing else in Wayfinder picks a next step or a redirect target.
 *
 * RULES (the order of precedence, first match wins)
 * Inputs read: the interaction's prompt and the app's hints (`login_hint`, `domain_hint`); the
 * journey (who passed a first step, the routed realm, the typed address); the browser's session
 * and whether the app asks for more than it has; the resume cookie (resume.ts: this browser's last
 * authorization requests) or the interaction row; the app's launch URL; a `return_to` checked by
 * destinations.ts.
 * On a sign-in page (GET /interaction/:uid):
 *   1. consent asked → the consent page;
 *   2. a first step passed → the second-factor pages;
 *   3. signed in and the app asks for more (step-up, a changed policy) → a factor if the gate wants
 *      one, else a "Continue" that posts (a GET never concludes a sign-in: only a POST or an
 *      upstream's callback calls journey.finish, which alone writes the session, the grant and
 *      `login.success`);
 *   4. the journey routed to a company → its IdP; 5. an address typed → the password page;
 *   6. the app's `login_hint`, then its `domain_hint` → home realm discovery; 7. the email page.
 * A flow that cannot go on (expired, unknown or reused interaction, lost cookie, another session,
 * an upstream answering after its state expired):
 *   1. its request known and unfinished → start that authorization request again (a GET) or one
 *      "your sign-in took too long — continue" step (a POST: its form is lost);
 *   2. known and finished (Back after signing in) → the app's launch URL when it has one;
 *   3. otherwise → the lost page.
 * After a step that may conclude (password, factor, company or social answer, passkey): concluded →
 * the app (the response already goes there); a factor asked → the factor pages; refused (wrong,
 * throttled, denied) → the step's own page, saying why.
 * A page opened directly (`/`, `/sign-in`):
 *   1. a `return_to` refused → the lost page (and a `security.redirect_refused` event);
 *   2. signed in → the allowed `return_to`, else the lost page listing their apps;
 *   3. signed out → sign-in (then `return_to`, or back to the lost page) for `/sign-in` or a
 *      `return_to`; the lost page with a sign-in offer for `/`.
 * Redirects go only to our own paths or to the exact origin of a registered app (destinations.ts).
 */
import type { Context } from 'koa';
import type { ClientRegistry } from '../clients/registry.js';
import { ttlCache } from '../lib/ttl-cache.js';
import { checkDestination, originsOf } from './destinations.js';
import { createRecovery } from './recover.js';
import { createResume } from './resume.js';

export interface RoutingDeps {
  issuer: string;
  clients: ClientRegistry;
  /** URLs registered by SAML SPs (assertion consumers, launch URLs). */
  samlUrls: () => Promise<string[]>;
  requestOf: (uid: string) => Promise<Record<string, unknown> | undefined>;
  signedIn: (ctx: Context) => Promise<boolean>;
  /** The account client's own start (My account). */
  ownLaunch: Record<string, string>;
  /** Where an app (an OIDC client id, or a SAML SP's internal client) starts a sign-in of its own. */
  launchOf: (clientId: string) => Promise<string | null | undefined>;
}

const CLIENT_URL_FIELDS = ['redirect_uris', 'post_logout_redirect_uris', 'initiate_login_uri', 'client_uri'] as const;

export function createRouting(d: RoutingDeps) {
  const secure = d.issuer.startsWith('https:');
  const resume = createResume({ secure });
  const origins = ttlCache<Set<string>>(10_000, 1);

  const registeredOrigins = () =>
    origins.get('all', async () => {
      const clients = await d.clients.list();
      const urls = clients.flatMap((c) => CLIENT_URL_FIELDS.flatMap((f) => [(c.metadata as Record<string, unknown>)[f]].flat()));
      return originsOf([...urls, ...(await d.samlUrls())]);
    });

  const check = async (raw: unknown) => checkDestination(raw, { issuer: d.issuer, origins: await registeredOrigins() });

  async function launchUrlOf(clientId: string) {
    if (d.ownLaunch[clientId]) return d.ownLaunch[clientId];
    const url = await d.launchOf(clientId);
    if (!url) return undefined;
    const checked = await check(url);
    return checked.ok ? checked.url : undefined;
  }

  const recovery = createRecovery({ resume, requestOf: d.requestOf, signedIn: d.signedIn, launchUrlOf });
  return { resume, check, recovery, launchUrlOf };
}
export type Routing = ReturnType<typeof createRouting>;
