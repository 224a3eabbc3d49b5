/**
 * Where pages and mails learn whose brand they wear, without new statements on the sign-in path:
 * - sign-in pages: the app from the interaction, and the company the identify step routed to from the
 *   journey read with it (interactions.details already loads both);
 * - My account and the admin center: the signed-in person's organization (cached briefly);
 * - mails: the app of the request that sends them (a code during a sign-in), over the request's
 *   organization or else the recipient's (membership, else the owner of their verified domain).
 */
import type { Context } from 'koa';
import type { Interactions } from '../oidc/interactions.js';
import type { CurrentPerson } from '../accounts/current-person.js';
import type { Mailer } from '../notify/mailer.js';
import type { Services } from '../services.js';
import { ttlCache } from '../lib/ttl-cache.js';
import { domainOfEmail } from '../orgs/domains.js';
import { requestBrandScope, TTL_MS } from './index.js';

export function brandedInteractions(i: Interactions): Interactions {
  return {
    ...i,
    async details(ctx: Context) {
      const v = await i.details(ctx);
      ctx.state.brandClientId = v.clientId;
      const realm = (v.journey as { realm?: { kind: string; org?: { id: string } } } | null | undefined)?.realm;
      if (realm?.kind === 'company' && realm.org) ctx.state.brandOrgId = realm.org.id;
      return v;
    },
  };
}

/** The organization whose brand a person sees: their first active membership (cached for TTL_MS). */
export function personOrg(services: Services) {
  const cache = ttlCache<string | null>(TTL_MS, 5000);
  // No branding anywhere: nothing to look up (and nothing cached, so a brand set later shows at once).
  return async (userId: string) =>
    services.branding.any()
      ? cache.get(userId, async () => (await services.orgs.membershipsOf(userId)).find((m) => m.status === 'active')?.id ?? null)
      : null;
}

export function brandedPerson(person: CurrentPerson, orgOf: (userId: string) => Promise<string | null>): CurrentPerson {
  return {
    ...person,
    async signedIn(ctx: Context, opts?: Parameters<CurrentPerson['signedIn']>[1]) {
      const who = await person.signedIn(ctx, opts);
      if (who && !ctx.state.brandOrgId) ctx.state.brandOrgId = (await orgOf(who.user.id)) ?? undefined;
      return who;
    },
  };
}

/** Mails wear the recipient's organization's brand (or the deployment's): built again with it when it is not the default. */
export function brandedMailer(inner: Mailer, services: Services, orgOf: (userId: string) => Promise<string | null>): Mailer {
  async function orgOfAddress(to: string) {
    const user = await services.accounts.findUserByEmail(to);
    const member = user && (await orgOf(user.id));
    if (member) return member;
    const domain = domainOfEmail(to);
    return (domain && (await services.orgs.verifiedOwner(domain))?.id) || undefined;
  }
  return {
    async send(mail) {
      await services.branding.ready();
      // No branding anywhere (the default): the mail as built, without looking anyone up.
      if (!mail.rebrand || !services.branding.any()) return inner.send(mail);
      const request = requestBrandScope.getStore();
      const clientId = typeof request?.brandClientId === 'string' ? request.brandClientId : undefined;
      let brand = services.branding.resolve({ clientId });
      try {
        const orgId = typeof request?.brandOrgId === 'string' ? request.brandOrgId : await orgOfAddress(mail.to);
        brand = services.branding.resolve({ clientId, orgId });
      } catch {
        // The deployment's brand: a lookup failure must not lose the mail.
      }
      await inner.send(brand.custom ? mail.rebrand(brand, services.config.server.issuer) : mail);
    },
  };
}
