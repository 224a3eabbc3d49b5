/**
 * One zod guard for route input: a route declares the schemas of its body, query and path parameters,
 * the guard checks them before the handler runs and leaves the typed results on `ctx.state.input`,
 * read back typed with `g.input(ctx)`. Rules (those of http/input.ts, which it builds on):
 * - a failed check is a 400 `invalid_input` naming the fields (`details.fields`), rendered as a page
 *   or JSON by the error middleware of the route family; never a 500;
 * - a NUL anywhere in the body or the query is a 400 (Postgres cannot store it);
 * - an absent or non-object body counts as empty; a part without a schema is not read.
 *
 *   const rename = guard({ params: z.object({ id: z.string() }), body: form({ name: text }) });
 *   router.post('/groups/:id/rename', rename, async (ctx) => { const { params, body } = rename.input(ctx); … });
 */
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import { badRequest } from '../lib/errors.js';
import { hasNul } from './nul-bytes.js';
import { parseInput } from './input.js';

export interface GuardSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
export type Guarded<S extends GuardSchemas> = { body: Out<S['body']>; query: Out<S['query']>; params: Out<S['params']> };

export type Guard<S extends GuardSchemas> = Middleware & {
  schemas: S;
  /** The checked input of this request (the guard ran before the handler). */
  input(ctx: Context): Guarded<S>;
};

/** Checks a request's parts now (for callers that are not a middleware chain); the guard middleware calls it. */
export function checkInput<S extends GuardSchemas>(ctx: Context, schemas: S): Guarded<S> {
  const raw = ctx.request.body;
  const body = raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
  if (hasNul(body) || hasNul(ctx.query)) throw badRequest('invalid_input', 'the request contains a NUL character, which no field may hold');
  const input = {
    body: schemas.body ? parseInput(schemas.body, body, 'body') : undefined,
    query: schemas.query ? parseInput(schemas.query, ctx.query, 'query') : undefined,
    params: schemas.params ? parseInput(schemas.params, ctx.params ?? {}, 'params') : undefined,
  } as Guarded<S>;
  ctx.state.input = input;
  return input;
}

export function guard<S extends GuardSchemas>(schemas: S): Guard<S> {
  const middleware: Middleware = async (ctx, next) => {
    checkInput(ctx, schemas);
    await next();
  };
  return Object.assign(middleware, {
    schemas,
    input: (ctx: Context) => {
      if (!ctx.state.input) throw new Error('guard.input() read before the guard ran');
      return ctx.state.input as Guarded<S>;
    },
  });
}
