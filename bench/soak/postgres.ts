/**
 * A private Postgres cluster for the soak scenarios, so that stopping it never touches the shared server
 * on 127.0.0.1:5432: initdb into a temporary folder owned by the `postgres` OS user (initdb refuses to run
 * as root), pg_ctl start on a free loopback port (no Unix socket outside the folder), pg_ctl stop -m fast
 * for an outage. remove() stops it (immediate) and deletes the folder; runBenchmark's clean-ups call it
 * on success, failure and signals.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

function binDir(): string {
  if (process.env.SOAK_PG_BIN) return process.env.SOAK_PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error(`no Postgres binaries under ${base} (set SOAK_PG_BIN)`);
  return path.join(base, versions[0], 'bin');
}

export interface PrivatePostgres {
  url: string;
  port: number;
  start(): Promise<void>;
  /** pg_ctl stop -m fast: Postgres terminates every connection ("administrator command") and exits. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  running(): Promise<boolean>;
  remove(): Promise<void>;
  query<T extends Record<string, unknown>>(sql: string): Promise<T[]>;
}

export async function privatePostgres(port: number): Promise<PrivatePostgres> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wayfinder-soak-pg-'));
  const data = path.join(tmp, 'data');
  const logFile = path.join(tmp, 'postgres.log');
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(tmp, Number(stdout.trim()), Number(gid.trim()));
  }
  const pgUser = async (cmd: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { cwd: tmp })
      : run(path.join(bin, cmd), args, { cwd: tmp });
  await pgUser('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${tmp} -c fsync=off -c max_connections=100`;
  let removed = false;
  const pgc: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await pgUser('pg_ctl', ['-D', data, '-o', options, '-l', logFile, '-w', '-t', '60', 'start']);
    },
    async stop(mode = 'fast') {
      await pgUser('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    async running() {
      try {
        await pgUser('pg_ctl', ['-D', data, 'status']);
        return true;
      } catch {
        return false;
      }
    },
    async remove() {
      if (removed) return;
      removed = true;
      if (await pgc.running()) await pgc.stop('immediate').catch(() => {});
      rmSync(tmp, { recursive: true, force: true });
    },
    async query(sql) {
      const client = new pg.Client({ connectionString: pgc.url });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    },
  };
  await pgc.start();
  return pgc;
}
