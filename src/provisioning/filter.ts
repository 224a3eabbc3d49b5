/**
 * SCIM filters (RFC 7644 §3.4.2.2), parsed by scim2-parse-filter into a tree whose attribute names are
 * normalized here: lower-cased (Entra sends `UserName`, `externalID`), schema URN prefixes of the
 * core and enterprise schemas removed or shortened, and `emails[type eq "work"].value eq "x"` (which
 * the parser reads as two independent conditions) put back into one condition on the same email.
 * The tree is compiled to SQL in filter-store.ts; nothing is ever filtered in memory. Bounded: 2,000
 * characters and 50 conditions at most.
 */
import { parse, type Filter } from 'scim2-parse-filter';
import { invalidFilter } from './errors.js';

export type { Filter } from 'scim2-parse-filter';

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const MAX_LENGTH = 2000;
const MAX_NODES = 50;

/** `urn:…:User:userName` → `username`; `urn:…enterprise:2.0:User:department` → `enterprise.department`. */
export function normalizeAttr(path: string): string {
  const lower = path.toLowerCase();
  for (const urn of [CORE_USER, CORE_GROUP]) {
    if (lower.startsWith(`${urn.toLowerCase()}:`)) return lower.slice(urn.length + 1);
  }
  if (lower.startsWith(`${ENTERPRISE.toLowerCase()}:`)) return `enterprise.${lower.slice(ENTERPRISE.length + 1)}`;
  return lower;
}

function normalize(f: Filter, count: { n: number }): Filter {
  count.n += 1;
  if (count.n > MAX_NODES) throw invalidFilter(`the filter has more than ${MAX_NODES} conditions`);
  switch (f.op) {
    case 'and':
    case 'or': {
      const mapped = f.filters.map((x) => normalize(x, count));
      const filters = f.op === 'and' ? correlate(mapped) : mapped;
      return filters.length === 1 ? filters[0] : { op: f.op, filters };
    }
    case 'not':
      return { op: 'not', filter: normalize(f.filter, count) };
    case '[]':
      return { op: '[]', attrPath: normalizeAttr(f.attrPath), valFilter: normalize(f.valFilter, count) };
    default:
      return { ...f, attrPath: normalizeAttr(f.attrPath) };
  }
}

const isAttrExp = (f: Filter): f is Extract<Filter, { op: 'pr' }> | Extract<Filter, { compValue: unknown }> =>
  f.op !== 'and' && f.op !== 'or' && f.op !== 'not' && f.op !== '[]';

/** `x[f]` followed by a condition on `x.sub` (how the parser reads `x[f].sub op v`) → `x[f and sub op v]`. */
function correlate(filters: Filter[]): Filter[] {
  const out: Filter[] = [];
  for (const f of filters) {
    const prev = out[out.length - 1];
    if (prev?.op === '[]' && isAttrExp(f) && f.attrPath.startsWith(`${prev.attrPath}.`)) {
      const sub = { ...f, attrPath: f.attrPath.slice(prev.attrPath.length + 1) };
      out[out.length - 1] = { op: '[]', attrPath: prev.attrPath, valFilter: { op: 'and', filters: [prev.valFilter, sub] } };
    } else {
      out.push(f);
    }
  }
  return out;
}

/** Parses a filter; a syntax error or an oversized filter is a 400 `invalidFilter`. */
export function parseFilter(text: string): Filter {
  if (text.length > MAX_LENGTH) throw invalidFilter(`the filter is longer than ${MAX_LENGTH} characters`);
  let tree: Filter;
  try {
    tree = parse(text);
  } catch (err) {
    throw invalidFilter(`the filter could not be parsed: ${(err as Error).message}`.slice(0, 300));
  }
  return normalize(tree, { n: 0 });
}

/** Matches one element of a multi-valued attribute (a PATCH path's `[…]`) against a filter, in memory. */
export function matchesElement(f: Filter, element: unknown): boolean {
  const obj = element && typeof element === 'object' ? (element as Record<string, unknown>) : { value: element };
  const get = (attr: string) => Object.entries(obj).find(([k]) => k.toLowerCase() === attr)?.[1];
  switch (f.op) {
    case 'and':
      return f.filters.every((x) => matchesElement(x, element));
    case 'or':
      return f.filters.some((x) => matchesElement(x, element));
    case 'not':
      return !matchesElement(f.filter, element);
    case '[]':
      return false;
    case 'pr':
      return get(f.attrPath) !== undefined && get(f.attrPath) !== null && get(f.attrPath) !== '';
    default: {
      const raw = get(f.attrPath);
      const have = typeof raw === 'string' ? raw.toLowerCase() : raw;
      const want = typeof f.compValue === 'string' ? f.compValue.toLowerCase() : f.compValue;
      const hs = String(have ?? '');
      const ws = String(want ?? '');
      switch (f.op) {
        case 'eq':
          return have === want || (typeof have === 'boolean' && String(have) === ws);
        case 'ne':
          return have !== want;
        case 'co':
          return have !== undefined && hs.includes(ws);
        case 'sw':
          return have !== undefined && hs.startsWith(ws);
        case 'ew':
          return have !== undefined && hs.endsWith(ws);
        case 'gt':
          return hs > ws;
        case 'ge':
          return hs >= ws;
        case 'lt':
          return hs < ws;
        case 'le':
          return hs <= ws;
      }
    }
  }
  return false;
}

/** The element a filter describes (its `eq` conditions), for a PATCH that targets one not there yet. */
export function elementOf(f: Filter): Record<string, unknown> | undefined {
  if (f.op === 'eq') return { [f.attrPath]: f.compValue };
  if (f.op === 'and') {
    const parts = f.filters.map(elementOf);
    return parts.every(Boolean) ? Object.assign({}, ...parts) : undefined;
  }
  return undefined;
}
