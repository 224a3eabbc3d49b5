/**
 * Regression (CI run of stop 21): parallel creation of one address hit the users_email_norm unique
 * index and answered 500. One unique index decides: one account, the others a 409 `account_exists`.
 */
import { AppError } from '../../src/lib/errors.js';
import { testServices } from '../helpers/services.js';

let t: Awaited<ReturnType<typeof testServices>>;
beforeAll(async () => {
  t = await testServices();
});
afterAll(() => t?.close());

test('parallel creates of one address (any case) make one account; the others get account_exists 409', async () => {
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) =>
      t.services.users.create({ email: i % 2 ? 'Race@Example.test' : 'race@example.test', status: 'invited' }),
    ),
  );
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) {
    expect(r.reason).toBeInstanceOf(AppError);
    expect([(r.reason as AppError).code, (r.reason as AppError).status]).toEqual(['account_exists', 409]);
  }
  const rows = await t.db.selectFrom('users').select('id').where('email_norm', '=', 'race@example.test').execute();
  expect(rows).toHaveLength(1);
});
