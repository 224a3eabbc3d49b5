/**
 * What SCIM answers look like: list responses with pagination (1-based startIndex, count capped at
 * MAX_RESULTS), and the `attributes` / `excludedAttributes` projections (RFC 7644 §3.9): `id`,
 * `schemas` and `meta` are always returned; names match case-insensitively, `name.givenName` and
 * URN-prefixed names work too.
 */
import { z } from 'zod';
import { ENTERPRISE, normalizeAttr, parseFilter, type Filter } from './filter.js';
import { parseSort, type Sort } from './sort-store.js';

export const SCIM_JSON = 'application/scim+json; charset=utf-8';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const MAX_RESULTS = 1000;

const int = (min: number) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().int().min(min));

export const listQuery = z.object({
  filter: z.string().optional(),
  startIndex: int(-1e9).optional(),
  count: int(-1e9).optional(),
  attributes: z.string().max(2000).optional(),
  excludedAttributes: z.string().max(2000).optional(),
  sortBy: z.string().max(300).optional(),
  sortOrder: z.string().max(30).optional(),
});
export const projectionQuery = listQuery.pick({ attributes: true, excludedAttributes: true });

export const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
/** Attribute names in a search request: a JSON array of names (or a comma-separated string, as in a query). */
const attributeNames = z
  .union([z.array(z.string().max(300)).max(100), z.string().max(2000)])
  .transform((v) => (Array.isArray(v) ? v.join(',') : v))
  .optional();
/** The body of POST /Users/.search and /Groups/.search (RFC 7644 §3.4.3): the list query's parameters as JSON. */
export const searchRequest = listQuery.extend({
  schemas: z
    .array(z.string())
    .refine((s) => s.includes(SEARCH_SCHEMA), `schemas must include ${SEARCH_SCHEMA}`)
    .optional(),
  attributes: attributeNames,
  excludedAttributes: attributeNames,
});

/** startIndex below 1 counts as 1, a negative count as 0 (RFC 7644 §3.4.2.4). */
export function page(q: { startIndex?: number; count?: number }) {
  const start = Math.max(1, q.startIndex ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, q.count ?? 100));
  return { start, offset: start - 1, count };
}

/** What a list query asks the store for: the parsed filter and sort, and the page. */
export interface ListParams {
  filter?: Filter;
  sort?: Sort;
  offset: number;
  count: number;
}

/** A list query (GET or .search) parsed: bad filters and sorts are 400s before any SQL runs. */
export function listParams(q: { filter?: string; sortBy?: string; sortOrder?: string; startIndex?: number; count?: number }) {
  const { start, offset, count } = page(q);
  const params: ListParams = { filter: q.filter?.trim() ? parseFilter(q.filter) : undefined, sort: parseSort(q), offset, count };
  return { start, params };
}

export function listResponse(resources: Array<Record<string, unknown>>, total: number, start: number) {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex: start, itemsPerPage: resources.length, Resources: resources };
}

const ALWAYS = new Set(['id', 'schemas', 'meta']);
const names = (text?: string) =>
  text
    ? text
        .split(',')
        .map((s) => normalizeAttr(s.trim()))
        .filter(Boolean)
    : [];

function keyOf(resource: Record<string, unknown>, name: string) {
  if (name.startsWith('enterprise')) return ENTERPRISE;
  return Object.keys(resource).find((k) => k.toLowerCase() === name);
}

/** Applies attributes / excludedAttributes to one resource. */
export function project(resource: Record<string, unknown>, q: { attributes?: string; excludedAttributes?: string }) {
  const include = names(q.attributes);
  const exclude = names(q.excludedAttributes);
  if (!include.length && !exclude.length) return resource;
  if (include.length) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(resource)) if (ALWAYS.has(k)) out[k] = v;
    for (const name of include) {
      const [head, sub] = name.startsWith('enterprise.') ? ['enterprise', name.slice('enterprise.'.length)] : name.split('.');
      const key = keyOf(resource, head);
      if (!key || resource[key] === undefined) continue;
      const value = resource[key];
      if (!sub || typeof value !== 'object' || value === null || Array.isArray(value)) {
        out[key] = value;
        continue;
      }
      const subKey = Object.keys(value).find((k) => k.toLowerCase() === sub);
      if (subKey) out[key] = { ...(out[key] as object | undefined), [subKey]: (value as Record<string, unknown>)[subKey] };
    }
    return out;
  }
  const out = { ...resource };
  for (const name of exclude) {
    const key = keyOf(out, name.split('.')[0]);
    if (key && !ALWAYS.has(key) && !name.includes('.')) delete out[key];
  }
  return out;
}
