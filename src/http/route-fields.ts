/**
 * Field schemas for the query and path parameters routes declare through `guard(...)` (http/guard.ts).
 * Rules:
 * - a query parameter is one value: repeated (`?a=1&a=2`, an array) or longer than its bound, it is a
 *   400 `invalid_input` naming it, never a 500 and never silently joined;
 * - `lenient` is for a page that deliberately treats a malformed value as absent (recovers from it);
 * - a path parameter is text of 1 to `max` characters (the router decodes it).
 */
import { z } from 'zod';

/** One query parameter: absent, or a single value of at most `max` characters. */
export const queryText = (max = 1000) => z.string().max(max).optional();

/** One query parameter read as absent when it is missing or not one well-formed value. */
export const lenient = (max = 1000) => z.string().max(max).optional().catch(undefined);

/** A path parameter. */
export const segment = (max = 200) => z.string().min(1).max(max);

/** Path parameters, all segments. */
export const pathParams = <K extends string>(...names: K[]) =>
  z.object(Object.fromEntries(names.map((n) => [n, segment()])) as Record<K, ReturnType<typeof segment>>);

/** The interaction a sign-in page runs in (its route is /interaction/:uid/…; the interaction glue checks it), or ''. */
export const interactionUid = (ctx: object) => routeParam(ctx, 'uid') ?? '';

/**
 * A path parameter for what runs around a route's guard (an error page naming the connection), or
 * undefined; a handler reads its parameters from its guard.
 */
export function routeParam(ctx: object, name: string) {
  const value = (ctx as { params?: Record<string, unknown> }).params?.[name];
  return typeof value === 'string' ? value : undefined;
}
