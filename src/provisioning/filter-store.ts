/**
 * Compiles a parsed SCIM filter (filter.ts) to SQL for the users or groups query of store.ts. Rules:
 * - only attributes listed here can be filtered on; anything else is a 400 `invalidFilter`;
 * - attributes whose SCIM definition is not case-exact (userName, displayName, emails, names) compare
 *   lower-cased on both sides, matching the expression indexes of the migration; ids and externalId
 *   compare exactly;
 * - `eq` on an email (with or without its type) is a jsonb containment, answered by the GIN index;
 * - dates (meta.created, meta.lastModified) take gt/ge/lt/le/eq with an ISO 8601 value;
 * - every value is a bound parameter; LIKE patterns are escaped.
 */
import { sql, type RawBuilder } from 'kysely';
import { invalidFilter } from './errors.js';
import type { Filter } from './filter.js';

type Bool = RawBuilder<boolean>;
type Column =
  | { kind: 'text'; expr: RawBuilder<unknown>; ci: boolean }
  | { kind: 'date'; expr: RawBuilder<unknown> }
  | { kind: 'bool'; expr: RawBuilder<unknown> }
  | { kind: 'emails' }
  | { kind: 'members' };

const text = (expr: RawBuilder<unknown>, ci: boolean): Column => ({ kind: 'text', expr, ci });
const res = (path: string[]) => sql`scim_users.resource #>> ${sql.lit(`{${path.join(',')}}`)}`;

const USER_COLUMNS: Record<string, Column> = {
  id: text(sql`scim_users.user_id`, false),
  username: text(sql`lower(scim_users.user_name)`, true),
  externalid: text(sql`scim_users.external_id`, false),
  displayname: text(sql`lower(scim_users.display_name)`, true),
  active: { kind: 'bool', expr: sql`scim_users.active` },
  'meta.created': { kind: 'date', expr: sql`scim_users.created_at` },
  'meta.lastmodified': { kind: 'date', expr: sql`scim_users.updated_at` },
  'name.givenname': text(sql`lower(${res(['name', 'givenName'])})`, true),
  'name.familyname': text(sql`lower(${res(['name', 'familyName'])})`, true),
  'name.formatted': text(sql`lower(${res(['name', 'formatted'])})`, true),
  title: text(sql`lower(${res(['title'])})`, true),
  'enterprise.employeenumber': text(sql`${res(['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'employeeNumber'])}`, false),
  'enterprise.department': text(sql`lower(${res(['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'department'])})`, true),
  emails: { kind: 'emails' },
};

const GROUP_COLUMNS: Record<string, Column> = {
  id: text(sql`groups.id`, false),
  displayname: text(sql`lower(groups.name)`, true),
  externalid: text(sql`scim_groups.external_id`, false),
  'meta.created': { kind: 'date', expr: sql`scim_groups.created_at` },
  'meta.lastmodified': { kind: 'date', expr: sql`scim_groups.updated_at` },
  members: { kind: 'members' },
};

const EMAIL_PARTS: Record<string, Column> = {
  value: text(sql`(e->>'value')`, true),
  type: text(sql`(e->>'type')`, true),
  primary: { kind: 'bool', expr: sql`coalesce((e->>'primary')::boolean, false)` },
};
const MEMBER_PARTS: Record<string, Column> = { value: text(sql`gm.user_id`, false) };

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function compare(col: Column, f: Extract<Filter, { compValue: unknown }>, attr: string): Bool {
  const v = f.compValue;
  if (col.kind === 'bool') {
    const b = v === true || v === 'true' || v === 'True' ? true : v === false || v === 'false' || v === 'False' ? false : undefined;
    if (b === undefined || (f.op !== 'eq' && f.op !== 'ne')) throw invalidFilter(`${attr} is a boolean: only eq and ne with true or false`);
    return f.op === 'eq' ? sql<boolean>`${col.expr} = ${b}` : sql<boolean>`${col.expr} is distinct from ${b}`;
  }
  if (col.kind === 'date') {
    const d = typeof v === 'string' ? new Date(v) : undefined;
    if (!d || Number.isNaN(d.getTime())) throw invalidFilter(`${attr} is a date: compare it with an ISO 8601 date`);
    const ops = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as Record<string, string>;
    if (!ops[f.op]) throw invalidFilter(`${attr} is a date: ${f.op} does not apply`);
    return sql<boolean>`${col.expr} ${sql.raw(ops[f.op])} ${d}`;
  }
  if (col.kind !== 'text') throw invalidFilter(`${attr} cannot be compared directly`);
  if (v === null) {
    if (f.op === 'eq') return sql<boolean>`${col.expr} is null`;
    if (f.op === 'ne') return sql<boolean>`${col.expr} is not null`;
    throw invalidFilter(`${f.op} needs a value`);
  }
  if (typeof v === 'boolean') throw invalidFilter(`${attr} is a string, not a boolean`);
  const s = col.ci ? String(v).toLowerCase() : String(v);
  switch (f.op) {
    case 'eq':
      return sql<boolean>`${col.expr} = ${s}`;
    case 'ne':
      return sql<boolean>`${col.expr} is distinct from ${s}`;
    case 'co':
      return sql<boolean>`${col.expr} like ${`%${likeEscape(s)}%`}`;
    case 'sw':
      return sql<boolean>`${col.expr} like ${`${likeEscape(s)}%`}`;
    case 'ew':
      return sql<boolean>`${col.expr} like ${`%${likeEscape(s)}`}`;
    case 'gt':
      return sql<boolean>`${col.expr} > ${s}`;
    case 'ge':
      return sql<boolean>`${col.expr} >= ${s}`;
    case 'lt':
      return sql<boolean>`${col.expr} < ${s}`;
    case 'le':
      return sql<boolean>`${col.expr} <= ${s}`;
  }
  throw invalidFilter(`unknown operator ${f.op as string}`);
}

/** Only `eq` conditions on value and type (and-ed): answered by jsonb containment. */
function containment(f: Filter): Record<string, string> | undefined {
  if (f.op === 'eq' && (f.attrPath === 'value' || f.attrPath === 'type') && typeof f.compValue === 'string')
    return { [f.attrPath]: f.compValue.toLowerCase() };
  if (f.op === 'and') {
    const parts = f.filters.map(containment);
    return parts.every(Boolean) ? Object.assign({}, ...parts) : undefined;
  }
  return undefined;
}

function multi(col: Column, sub: Filter | undefined, attr: string): Bool {
  if (col.kind === 'emails') {
    if (!sub) return sql<boolean>`jsonb_array_length(scim_users.emails_norm) > 0`;
    const contained = containment(sub);
    if (contained) return sql<boolean>`scim_users.emails_norm @> ${JSON.stringify([contained])}::jsonb`;
    return sql<boolean>`exists (select 1 from jsonb_array_elements(scim_users.emails_norm) e where ${compile(sub, EMAIL_PARTS, attr)})`;
  }
  if (col.kind === 'members') {
    const where = sub ? compile(sub, MEMBER_PARTS, attr) : sql<boolean>`true`;
    return sql<boolean>`exists (select 1 from group_members gm where gm.group_id = groups.id and ${where})`;
  }
  throw invalidFilter(`${attr} is not multi-valued`);
}

function compile(f: Filter, columns: Record<string, Column>, parent = ''): Bool {
  switch (f.op) {
    case 'and':
    case 'or': {
      const parts = f.filters.map((x) => compile(x, columns, parent));
      return sql<boolean>`(${sql.join(parts, sql.raw(f.op === 'and' ? ' and ' : ' or '))})`;
    }
    case 'not':
      return sql<boolean>`not coalesce(${compile(f.filter, columns, parent)}, false)`;
    case '[]': {
      const col = columns[f.attrPath];
      if (!col) throw invalidFilter(`filtering on ${f.attrPath} is not supported`);
      return multi(col, f.valFilter, f.attrPath);
    }
  }
  const [head, ...rest] = f.attrPath.split('.');
  const name = `${parent ? `${parent}.` : ''}${f.attrPath}`;
  const whole = columns[f.attrPath];
  const multiCol = !whole && rest.length === 1 ? columns[head] : undefined;
  if (multiCol && (multiCol.kind === 'emails' || multiCol.kind === 'members')) {
    // `emails.value eq "x"`: some email matches.
    return multi(multiCol, { ...f, attrPath: rest[0] } as Filter, head);
  }
  if (!whole) throw invalidFilter(`filtering on ${name} is not supported`);
  if (f.op === 'pr') {
    if (whole.kind === 'emails' || whole.kind === 'members') return multi(whole, undefined, name);
    if (whole.kind === 'text') return sql<boolean>`(${whole.expr} is not null and ${whole.expr} <> '')`;
    return sql<boolean>`${whole.expr} is not null`;
  }
  if (whole.kind === 'emails' || whole.kind === 'members') return multi(whole, { ...f, attrPath: 'value' } as Filter, name);
  return compare(whole, f, name);
}

export const userFilterSql = (f: Filter) => compile(f, USER_COLUMNS);
export const groupFilterSql = (f: Filter) => compile(f, GROUP_COLUMNS);
