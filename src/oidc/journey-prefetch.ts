/**
 * One round trip for what every sign-in page reads first: the interaction (oidc-provider's model)
 * and the sign-in journey of the same uid (login/store.ts). interactions.details runs
 * oidc-provider's interaction lookup inside `journeyPrefetch`; the adapter then reads the
 * interaction row with its journey joined (oidc/store.ts) and leaves the journey here, keyed by
 * the interaction id. Scope: that one call of one request; nothing is kept between requests, so
 * a journey is never older than the interaction read with it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Interaction id → its journey's state as read with it (null: no live journey). */
export type JourneySink = Map<string, Record<string, unknown> | null>;

export const journeyPrefetch = new AsyncLocalStorage<JourneySink>();
