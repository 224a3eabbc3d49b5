/** Typed request input (src/http/input.ts): forms read as text, JSON shapes refused with a 400. */
import type { Context } from 'koa';
import { z } from 'zod';
import { bodyOf, form, queryOf, text, textFields } from '../../src/http/input.js';
import { AppError } from '../../src/lib/errors.js';

const withBody = (body: unknown) => ({ request: { body }, query: {} }) as unknown as Context;

test('a form field that is missing or not text reads as empty text', () => {
  const login = form({ email: text, remember: text });
  expect(bodyOf(withBody({ email: 'a@b.test' }), login)).toEqual({ email: 'a@b.test', remember: '' });
  expect(bodyOf(withBody({ email: ['a', 'b'], remember: { x: 1 } }), login)).toEqual({ email: '', remember: '' });
  expect(bodyOf(withBody(undefined), login)).toEqual({ email: '', remember: '' });
  expect(bodyOf(withBody(['not', 'an', 'object']), login)).toEqual({ email: '', remember: '' });
});

test('a form of any text fields keeps only text', () => {
  expect(bodyOf(withBody({ code: '123456', extra: 7 }), textFields)).toEqual({ code: '123456', extra: '' });
});

test('a JSON shape that does not match is a 400 naming the field', () => {
  const answer = z.object({ approve: z.boolean(), number: z.number().int() });
  expect(bodyOf(withBody({ approve: true, number: 4 }), answer)).toEqual({ approve: true, number: 4 });
  let caught: unknown;
  try {
    bodyOf(withBody({ approve: 'yes', number: 4 }), answer);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  expect(caught).toMatchObject({ status: 400, code: 'invalid_input' });
  expect((caught as Error).message).toContain('approve');
});

test('the query is read the same way', () => {
  const ctx = { request: {}, query: { lang: 'fr', page: ['1', '2'] } } as unknown as Context;
  expect(queryOf(ctx, form({ lang: text, page: text }))).toEqual({ lang: 'fr', page: '' });
});
