/**
 * Redeems, in-process, an authorization code issued to one of Wayfinder's own first-party clients
 * (e.g. the SAML bridge): no HTTP round trip to the token endpoint (the issuer URL may not be
 * reachable from inside a container) and no tokens minted. Rules, as the token endpoint would
 * apply them: the code exists, is unexpired and unused, was issued to `clientId` for
 * `redirectUri`, and the PKCE verifier matches its S256 challenge. It is consumed before its
 * contents are returned, so it works once.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Oidc } from './provider.js';

export interface RedeemedCode {
  accountId: string;
  /** The uid of the browser session the code was issued in (stable for that sign-in). */
  sessionUid?: string;
  amr: string[];
  acr?: string;
  /** Seconds since the epoch, when the person last authenticated. */
  authTime?: number;
}

export function createInternalCodes(oidc: Oidc) {
  return {
    async redeem(code: string, expected: { clientId: string; redirectUri: string; verifier: string }): Promise<RedeemedCode | undefined> {
      if (!code || code.length > 512) return undefined;
      const found = await oidc.provider.AuthorizationCode.find(code).catch(() => undefined);
      if (!found || !found.isValid || found.clientId !== expected.clientId || found.redirectUri !== expected.redirectUri) return undefined;
      const challenge = createHash('sha256').update(expected.verifier).digest('base64url');
      const given = Buffer.from(String(found.codeChallenge ?? ''));
      if (found.codeChallengeMethod !== 'S256' || given.length !== challenge.length || !timingSafeEqual(given, Buffer.from(challenge)))
        return undefined;
      // Atomic: of two redemptions at once, the one that did not consume it gets nothing.
      try {
        await found.consume();
      } catch {
        return undefined;
      }
      return { accountId: found.accountId!, sessionUid: found.sessionUid, amr: found.amr ?? [], acr: found.acr, authTime: found.authTime };
    },
  };
}
export type InternalCodes = ReturnType<typeof createInternalCodes>;
