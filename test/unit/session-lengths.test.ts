/**
 * The longest a sign-in may last for its organizations' session lengths (orgs/session-lengths.ts):
 * hours without "Stay signed in", days with it, the shorter when the kind is unknown, none when unset.
 */
import { createSessionAge, limitSeconds } from '../../src/orgs/session-lengths.js';

test('limitSeconds: per kind of sign-in, the shorter when unknown, undefined when the organizations set none', () => {
  const both = { max_session_hours: 8, remember_days: 2 };
  expect([limitSeconds(both, true), limitSeconds(both, false), limitSeconds(both, undefined)]).toEqual([8 * 3600, 2 * 86400, 8 * 3600]);
  const daysOnly = { max_session_hours: null, remember_days: 1 };
  expect([limitSeconds(daysOnly, true), limitSeconds(daysOnly, false), limitSeconds(daysOnly, undefined)]).toEqual([
    undefined,
    86400,
    86400,
  ]);
  expect(limitSeconds({ max_session_hours: 48, remember_days: 1 }, undefined)).toBe(86400);
  expect(limitSeconds({ max_session_hours: null, remember_days: null }, undefined)).toBeUndefined();
});

test('createSessionAge still reads a missing transient flag as "Stay signed in"', async () => {
  const now = () => 10_000_000 * 1000;
  const tooOld = createSessionAge({ lengthsFor: async () => ({ max_session_hours: 1, remember_days: null }), now });
  expect(await tooOld({ accountId: 'u', loginTs: 10_000_000 - 7200, transient: true })).toBe(true);
  expect(await tooOld({ accountId: 'u', loginTs: 10_000_000 - 7200 })).toBe(false);
  expect(await tooOld({ accountId: 'u', loginTs: 10_000_000 - 1800, transient: true })).toBe(false);
});
