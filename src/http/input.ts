/**
 * Typed request input: a body or query checked against a zod schema gives typed data, or a 400
 * (`invalid_input`, naming the fields) that the error middleware renders as a page or JSON. Routes read
 * input only through here, never from `ctx.request.body` directly. Rules:
 * - a form field is text: a missing or non-text value (an array from a repeated field, an object from
 *   `a[b]=c`) reads as '' so the flow can answer "Enter …" rather than fail on the type;
 * - JSON APIs describe their shape exactly, and anything else is refused with a 400;
 * - a NUL anywhere in the body is a 400 (Postgres cannot store it; the address is checked for every request).
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { badRequest } from '../lib/errors.js';
import { hasNul } from './nul-bytes.js';

/** A form field: its text, or '' when it is missing or not text. */
export const text = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' ? v : ''));

/** A form whose fields are all text (a factor's own fields, say). */
export const textFields = z.record(z.string(), text);

/** A form of text fields (unknown fields are ignored). */
export const form = <S extends Record<string, z.ZodType>>(shape: S) => z.object(shape);

/** The input checked against `schema`, or a 400 `invalid_input` naming the fields (in the message and in `details.fields`). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => ({ path: i.path.join('.') || `(${where})`, message: i.message }));
  const names = [...new Set(fields.map((f) => f.path))].join(', ');
  throw badRequest('invalid_input', `the request's input is not valid (${names})`, { fields });
}
const parse = parseInput;

/** The form or JSON body (an absent or non-object body counts as empty). */
export function bodyOf<S extends z.ZodType>(ctx: Context, schema: S): z.output<S> {
  const body = ctx.request.body;
  if (hasNul(body)) throw badRequest('invalid_input', 'the request contains a NUL character, which no field may hold');
  return parse(schema, body && typeof body === 'object' && !Array.isArray(body) ? body : {});
}

/** The query string's parameters. */
export function queryOf<S extends z.ZodType>(ctx: Context, schema: S): z.output<S> {
  return parse(schema, ctx.query);
}
