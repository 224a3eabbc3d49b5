/**
 * Named prepared statements for the Postgres pool (issue 18: a statement parsed and planned once per
 * connection instead of on every execution; measured: Postgres CPU per statement about half).
 * Rules:
 * - only statements with parameters are named (kysely sends every query as text + values; `begin`,
 *   `commit` and other parameterless statements stay unnamed); streaming cursors are left alone;
 * - the name is a hash of the text, so one text has one name on every connection, and a text never
 *   meets another text's name ("Prepared statements must be unique");
 * - bounded: at most `MAX_PER_CONNECTION` names per connection, the rest run unnamed;
 * - a schema change under a running server (a migration by a newer instance that adds a column read by
 *   `select *`) makes Postgres refuse a stale plan ("cached plan must not change result type", 0A000):
 *   every connection then moves to fresh names, and a statement outside a transaction is run again
 *   unnamed (inside one, the transaction has failed and its error goes to the caller, as any error);
 * - `database.preparedStatements: false` (DATABASE_PREPARED_STATEMENTS=false) turns it off, for a pooler
 *   in transaction mode that cannot keep a session's statements (PgBouncer before 1.21).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';

export const MAX_PER_CONNECTION = 500;

/** Bumped when Postgres reports a stale plan: every connection then prepares under new names. */
let generation = 0;

function isStalePlan(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return e?.code === '0A000' && typeof e.message === 'string' && /cached plan must not change result type/i.test(e.message);
}

type AnyQuery = (this: pg.Client, ...args: unknown[]) => unknown;
const baseQuery = pg.Client.prototype.query as unknown as AnyQuery;

interface ConnectionState {
  names: Set<string>;
  /** Follows begin / commit / rollback, to know whether a failed statement may simply run again. */
  inTransaction: boolean;
}
const states = new WeakMap<pg.Client, ConnectionState>();

function stateOf(client: pg.Client): ConnectionState {
  let state = states.get(client);
  if (!state) states.set(client, (state = { names: new Set(), inTransaction: false }));
  return state;
}

/** Names by text (bounded): the hash is computed once per distinct text, not on every execution. */
const namesByText = new Map<string, string>();

function nameFor(state: ConnectionState, text: string): string | undefined {
  let name = namesByText.get(text);
  if (!name?.startsWith(`wf${generation}_`)) {
    name = `wf${generation}_${createHash('sha1').update(text).digest('base64url')}`;
    if (namesByText.has(text) || namesByText.size < MAX_PER_CONNECTION * 4) namesByText.set(text, name);
  }
  if (state.names.has(name)) return name;
  if (state.names.size >= MAX_PER_CONNECTION) return undefined;
  state.names.add(name);
  return name;
}

function track(state: ConnectionState, text: string) {
  const t = text.trimStart().slice(0, 20).toLowerCase();
  if (t.startsWith('begin') || t.startsWith('start transaction')) state.inTransaction = true;
  else if (t.startsWith('commit') || t.startsWith('end') || (t.startsWith('rollback') && !/^rollback\s+to/.test(t))) {
    state.inTransaction = false;
  }
}

async function runNamed(client: pg.Client, state: ConnectionState, name: string, text: string, values: unknown[]) {
  try {
    return await baseQuery.call(client, { name, text, values });
  } catch (err) {
    if (!isStalePlan(err)) throw err;
    generation += 1;
    state.names.clear();
    if (state.inTransaction) throw err;
    return baseQuery.call(client, text, values);
  }
}

/**
 * A pg client that names the statements it sends with parameters (see the rules above). kysely calls
 * query(text, values) for statements and query(cursor) for streams; any other form goes through as is.
 */
export class PreparingClient extends pg.Client {}

(PreparingClient.prototype as unknown as { query: AnyQuery }).query = function preparingQuery(this: pg.Client, ...args: unknown[]) {
  const [text, values, callback] = args;
  if (typeof text !== 'string' || !Array.isArray(values) || callback !== undefined) return baseQuery.apply(this, args);
  const state = stateOf(this);
  if (values.length === 0) {
    track(state, text);
    return baseQuery.call(this, text, values);
  }
  const name = nameFor(state, text);
  return name ? runNamed(this, state, name, text, values) : baseQuery.call(this, text, values);
};
