/**
 * PATCH (RFC 7644 §3.5.2) as Entra ID and Okta send it, applied to a resource document in memory
 * (the document of one resource, never a query). Accepted:
 * - operation names in any case (`Add`, `Replace`, `remove`);
 * - paths `attr`, `attr.sub`, schema-URN-prefixed paths (`urn:…:enterprise:2.0:User:manager`),
 *   `attr[filter]` and `attr[filter].sub`, attribute names in any case;
 * - path-less operations whose value is an object of attributes (keys may be paths themselves);
 * - add to a multi-valued attribute appends what is not already there; replace with a filter that
 *   matches nothing adds the element the filter describes (Entra's `emails[type eq "work"].value`);
 * - remove with a filter, with a value (the elements listed), or of the whole attribute;
 * - a value an operation makes primary is the only primary one of its attribute afterwards: the
 *   others lose `primary` (RFC 7644 §3.5.2), so an added primary email becomes the sign-in address.
 * Booleans as strings are read by the resource's schema when the document is validated afterwards.
 */
import { z } from 'zod';
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget } from './errors.js';
import { elementOf, ENTERPRISE, matchesElement, parseFilter, type Filter } from './filter.js';
import { canonical, MULTI_VALUED } from './user-resource.js';

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export const patchSchema = z.object({
  schemas: z.array(z.string()).optional(),
  Operations: z
    .array(
      z.object({
        op: z
          .string()
          .transform((s) => s.toLowerCase())
          .pipe(z.enum(['add', 'replace', 'remove'])),
        path: z.string().max(1000).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1)
    .max(1000),
});
export type PatchOperation = z.output<typeof patchSchema>['Operations'][number];

export interface ParsedPath {
  schema?: 'enterprise';
  attr: string;
  filter?: Filter;
  sub?: string;
}

const READ_ONLY = new Set(['id', 'meta', 'schemas', 'groups']);

/** Splits a PATCH path into its parts. */
export function parsePath(raw: string): ParsedPath {
  let path = raw.trim();
  let schema: ParsedPath['schema'];
  const lower = path.toLowerCase();
  const core = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/i.exec(path);
  if (lower.startsWith(`${ENTERPRISE.toLowerCase()}:`)) {
    schema = 'enterprise';
    path = path.slice(ENTERPRISE.length + 1);
  } else if (core) {
    path = path.slice(core[0].length);
  } else if (lower === ENTERPRISE.toLowerCase()) {
    return { attr: ENTERPRISE };
  } else if (lower.startsWith('urn:')) {
    throw invalidPath(`unknown schema in path ${raw}`);
  }
  const m = /^([A-Za-z$][\w$-]*)(?:\[(.*)\])?(?:\.([A-Za-z$][\w$-]*))?$/.exec(path);
  if (!m) throw invalidPath(`the path ${raw} is not valid`);
  const [, attr, filterText, sub] = m;
  return {
    schema,
    attr: canonical(attr),
    filter: filterText !== undefined ? parseFilter(filterText) : undefined,
    sub: sub && canonical(sub),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
/** Two elements of a multi-valued attribute are the same when their `value` is (or, without one, when they are equal). */
const same = (a: unknown, b: unknown) =>
  isObject(a) && isObject(b) && a.value !== undefined
    ? String(a.value).toLowerCase() === String(b.value ?? '').toLowerCase()
    : JSON.stringify(a) === JSON.stringify(b);

function keyIn(obj: Record<string, unknown>, name: string) {
  return Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
}

function apply(doc: Record<string, unknown>, op: PatchOperation['op'], p: ParsedPath, value: unknown) {
  if (READ_ONLY.has(p.attr) && !p.schema) throw mutability(`${p.attr} is read-only`);
  let container = doc;
  if (p.schema === 'enterprise') {
    const k = keyIn(doc, ENTERPRISE);
    if (!isObject(doc[k])) {
      if (op === 'remove') return;
      doc[k] = {};
    }
    container = doc[k] as Record<string, unknown>;
  }
  const key = keyIn(container, p.attr);
  const current = container[key];
  const multi = MULTI_VALUED.has(p.attr) || Array.isArray(current);

  if (p.filter) {
    if (!multi) throw invalidPath(`${p.attr} is not multi-valued: it takes no filter`);
    const list = Array.isArray(current) ? [...current] : [];
    const hits = list.map((e, i) => (matchesElement(p.filter!, e) ? i : -1)).filter((i) => i >= 0);
    if (op === 'remove') {
      container[key] = p.sub
        ? list.map((e, i) =>
            hits.includes(i) && isObject(e)
              ? Object.fromEntries(Object.entries(e).filter(([k]) => k.toLowerCase() !== p.sub!.toLowerCase()))
              : e,
          )
        : list.filter((_, i) => !hits.includes(i));
      return;
    }
    if (!hits.length) {
      const described = elementOf(p.filter);
      if (!described) throw noTarget(`no ${p.attr} matches the filter`);
      const made = p.sub ? { ...described, [p.sub]: value } : { ...described, ...(isObject(value) ? value : { value }) };
      container[key] = [...list, made];
      return;
    }
    container[key] = list.map((e, i) => {
      if (!hits.includes(i)) return e;
      if (p.sub) return { ...(isObject(e) ? e : { value: e }), [p.sub]: value };
      return isObject(value) ? (op === 'add' ? { ...(isObject(e) ? e : {}), ...value } : value) : value;
    });
    return;
  }

  if (p.sub) {
    if (multi) {
      // `emails.value`: every element.
      if (op === 'remove') throw noTarget(`remove ${p.attr}.${p.sub} needs a filter`);
      container[key] = (Array.isArray(current) ? current : []).map((e) => ({ ...(isObject(e) ? e : {}), [p.sub!]: value }));
      return;
    }
    const inner = isObject(current) ? { ...current } : {};
    const subKey = keyIn(inner, p.sub);
    if (op === 'remove') delete inner[subKey];
    else inner[subKey] = value;
    container[key] = inner;
    return;
  }

  if (op === 'remove') {
    if (multi && value !== undefined && value !== null) {
      const gone = Array.isArray(value) ? value : [value];
      container[key] = (Array.isArray(current) ? current : []).filter((e) => !gone.some((g) => same(e, g)));
    } else {
      delete container[key];
    }
    return;
  }
  if (multi) {
    const values = Array.isArray(value) ? value : [value];
    if (op === 'replace') {
      container[key] = values;
      return;
    }
    const list = Array.isArray(current) ? [...current] : [];
    for (const v of values) {
      const at = list.findIndex((e) => same(e, v));
      if (at >= 0) list[at] = isObject(v) && isObject(list[at]) ? { ...(list[at] as object), ...v } : v;
      else list.push(v);
    }
    container[key] = list;
    return;
  }
  container[key] = op === 'add' && isObject(value) && isObject(current) ? { ...current, ...value } : value;
}

const isPrimary = (e: unknown) => isObject(e) && (e.primary === true || String(e.primary).toLowerCase() === 'true');

/** The primary elements of each multi-valued attribute, as text (to see which ones an operation made primary). */
function primaries(doc: Record<string, unknown>) {
  const out = new Map<string, string[]>();
  for (const [k, v] of Object.entries(doc))
    if (Array.isArray(v) && MULTI_VALUED.has(canonical(k)))
      out.set(
        k,
        v.filter(isPrimary).map((e) => JSON.stringify(e)),
      );
  return out;
}

/** At most one primary per attribute: the one the operation made primary (the last of them) wins. */
function keepOnePrimary(doc: Record<string, unknown>, before: Map<string, string[]>) {
  for (const [k, v] of Object.entries(doc)) {
    if (!Array.isArray(v) || !MULTI_VALUED.has(canonical(k))) continue;
    const marked = v.filter(isPrimary);
    if (marked.length < 2) continue;
    const old = before.get(k) ?? [];
    const fresh = marked.filter((e) => !old.includes(JSON.stringify(e)));
    const keep = fresh.length ? fresh[fresh.length - 1] : marked[0];
    doc[k] = v.map((e) => (isPrimary(e) && e !== keep ? { ...(e as object), primary: false } : e));
  }
}

/** Applies the operations to a copy of `doc` and returns it (validate it afterwards). */
export function applyPatch(doc: Record<string, unknown>, operations: PatchOperation[]): Record<string, unknown> {
  const next = structuredClone(doc);
  for (const o of operations) {
    const before = primaries(next);
    applyOne(next, o);
    keepOnePrimary(next, before);
  }
  return next;
}

function applyOne(next: Record<string, unknown>, o: PatchOperation) {
  if (!o.path) {
    if (o.op === 'remove') throw noTarget('remove needs a path');
    if (!isObject(o.value)) throw invalidSyntax(`${o.op} without a path needs an object of attributes as its value`);
    for (const [k, v] of Object.entries(o.value)) {
      if (READ_ONLY.has(canonical(k))) continue; // Okta sends the id back in path-less replaces.
      if (k.toLowerCase() === ENTERPRISE.toLowerCase() && isObject(v)) {
        for (const [ek, ev] of Object.entries(v)) apply(next, o.op, { schema: 'enterprise', attr: canonical(ek) }, ev);
        continue;
      }
      apply(next, o.op, parsePath(k), v);
    }
    return;
  }
  if (o.op !== 'remove' && o.value === undefined) throw invalidValue(`${o.op} ${o.path} needs a value`);
  apply(next, o.op, parsePath(o.path), o.value);
}
