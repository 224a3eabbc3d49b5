/**
 * Issue 11: a GET never concludes a sign-in. journey.finish — the only place that writes the
 * session, the grant and `login.success` — refuses a GET that is not an upstream's callback, before
 * it writes anything; a POST (or a callback) goes through.
 */
import type { Context } from 'koa';
import { createJourney, type JourneyDeps } from '../../src/login/journey.js';
import type { InteractionView } from '../../src/oidc/interactions.js';

function journeyWithSpies() {
  const writes: string[] = [];
  const deps = {
    store: {
      deleteJourney: async () => void writes.push('deleteJourney'),
      endJourney: async () => void writes.push('deleteJourney'),
      saveJourney: async () => void writes.push('saveJourney'),
    },
    audit: {
      recordMany: async (_ctx: unknown, events: Array<{ type: string }>, write?: (rows: unknown[]) => Promise<void>) => {
        if (write) await write([]);
        writes.push(...events.map((e) => e.type));
      },
    },
    metrics: { login: () => undefined },
    interactions: { finishLogin: async () => void writes.push('finishLogin') },
    ttlSeconds: 60,
  } as unknown as JourneyDeps;
  return { journey: createJourney(deps), writes };
}

const view = { uid: 'u1', clientId: 'app', params: {} } as unknown as InteractionView;
const user = { id: 'p1', email: 'p@example.test' } as Parameters<ReturnType<typeof createJourney>['finish']>[2];
const allow = { kind: 'allow', amr: ['pwd'], acr: 'urn:wayfinder:acr:pwd' } as Parameters<ReturnType<typeof createJourney>['finish']>[4];
const ctxOf = (method: string, state: Record<string, unknown> = {}) => ({ method, state }) as unknown as Context;

test('a GET is refused before anything is written', async () => {
  const { journey, writes } = journeyWithSpies();
  await expect(journey.finish(ctxOf('GET'), view, user, {}, allow)).rejects.toThrow('a GET never concludes a sign-in');
  expect(writes).toEqual([]);
});

test('a POST concludes: journey gone, login.success, then the session', async () => {
  const { journey, writes } = journeyWithSpies();
  expect(await journey.finish(ctxOf('POST'), view, user, {}, allow)).toEqual({ kind: 'finished', userId: 'p1' });
  expect(writes).toEqual(['deleteJourney', 'login.success', 'finishLogin']);
});

test("an upstream's callback (a GET the company or social IdP's answer arrives on) may conclude", async () => {
  const { journey, writes } = journeyWithSpies();
  await journey.finish(ctxOf('GET', { callback: true }), view, user, {}, allow);
  expect(writes).toContain('login.success');
});
