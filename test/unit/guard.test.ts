/**
 * The zod guard for route input (src/http/guard.ts): body, query and params checked before the
 * handler, typed results on ctx.state.input; a failure is a 400 invalid_input naming each field;
 * a NUL is refused; an absent or non-object body counts as empty; the handler never runs on bad input.
 */
import { jest } from '@jest/globals';
import type { Context } from 'koa';
import { z } from 'zod';
import { guard } from '../../src/http/guard.js';
import { AppError } from '../../src/lib/errors.js';

const fakeCtx = (p: { body?: unknown; query?: Record<string, unknown>; params?: Record<string, string> }) =>
  ({ request: { body: p.body }, query: p.query ?? {}, params: p.params ?? {}, state: {} }) as unknown as Context;

const g = guard({
  body: z.strictObject({ name: z.string().min(1) }),
  query: z.object({ limit: z.coerce.number().int().min(1).default(10) }),
  params: z.object({ id: z.string().max(5) }),
});

test('valid input reaches the handler, typed and with defaults applied', async () => {
  const ctx = fakeCtx({ body: { name: 'Sales' }, query: {}, params: { id: 'g1' } });
  let seen: unknown;
  await g(ctx, async () => {
    const input = g.input(ctx);
    seen = { name: input.body.name, limit: input.query.limit + 0, id: input.params.id };
  });
  expect(seen).toEqual({ name: 'Sales', limit: 10, id: 'g1' });
  expect(ctx.state.input).toBeDefined();
});

test('each invalid part is a 400 invalid_input naming the fields; the handler does not run', async () => {
  const ctx = fakeCtx({ body: { name: '', extra: 1 }, query: { limit: '0' }, params: { id: 'toolong' } });
  const next = jest.fn(async () => undefined);
  const err = (await g(ctx, next).catch((e: unknown) => e)) as AppError;
  expect(err).toBeInstanceOf(AppError);
  expect([err.status, err.code]).toEqual([400, 'invalid_input']);
  expect((err.details?.fields as Array<{ path: string }>).map((f) => f.path)).toEqual(expect.arrayContaining(['name', '(body)']));
  expect(next).not.toHaveBeenCalled();
  const badQuery = (await g(fakeCtx({ body: { name: 'x' }, query: { limit: '0' }, params: { id: 'a' } }), next).catch(
    (e: unknown) => e,
  )) as AppError;
  expect(badQuery.message).toContain('limit');
  const badParams = (await g(fakeCtx({ body: { name: 'x' }, params: { id: 'toolong' } }), next).catch((e: unknown) => e)) as AppError;
  expect(badParams.message).toContain('id');
  expect(next).not.toHaveBeenCalled();
});

test('a NUL in the body or the query is refused; a missing or non-object body counts as empty', async () => {
  const next = jest.fn(async () => undefined);
  for (const ctx of [
    fakeCtx({ body: { name: 'a\u0000b' }, params: { id: 'a' } }),
    fakeCtx({ body: { name: 'a' }, query: { limit: '1\u0000' }, params: { id: 'a' } }),
  ])
    expect(await g(ctx, next).catch((e: AppError) => e.message)).toContain('NUL');
  const empty = guard({ body: z.object({ name: z.string().default('none') }) });
  for (const body of [undefined, 'text', ['a']]) {
    const ctx = fakeCtx({ body });
    await empty(ctx, async () => expect(empty.input(ctx).body.name).toBe('none'));
  }
  expect(next).not.toHaveBeenCalled();
});
