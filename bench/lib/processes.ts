/**
 * Child processes for benchmarks: started with `node --import tsx <entry>` directly, so the pid is the
 * server itself (no npx/tsx wrapper) and /proc/<pid>/status measures the real process. Every child is
 * remembered and stopped on exit, on a signal and on failure.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** The last lines of stderr/stdout, shown when the child fails. */
  tail(): string;
  stop(): Promise<void>;
}

const children = new Set<Child>();
process.on('exit', () => {
  for (const c of children) c.proc.kill('SIGKILL');
});

/** Starts `entry` (a path from the repository root): TypeScript under tsx, JavaScript (dist/) as is. */
/** Wayfinder as production runs it: compiled to dist/ (npm run build) and started with plain node. */
export function buildWayfinder(): string {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: root, stdio: 'ignore' });
  return 'dist/src/main.js';
}

export function startNode(name: string, entry: string, env: NodeJS.ProcessEnv, nodeFlags: string[] = []): Child {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const proc = spawn(process.execPath, [...nodeFlags, ...loader, entry], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!proc.pid) throw new Error(`${name}: could not start`);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 30));
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    tail: () => lines.join('\n'),
    async stop() {
      children.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const force = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
    },
  };
  children.add(child);
  return child;
}

export async function stopAll() {
  await Promise.allSettled([...children].map((c) => c.stop()));
}

/** Polls `url` until it answers 200, the child exits, or `timeoutMs` passes. */
export async function waitReady(child: Child, url: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`${child.name} exited with ${child.proc.exitCode}:\n${child.tail()}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${child.name} was not ready at ${url} within ${timeoutMs} ms:\n${child.tail()}`);
}

/** Resident memory of a process in MB, from /proc/<pid>/status (VmRSS now, VmHWM peak since start). */
export function memoryMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** Samples VmRSS every `everyMs` until stopped; returns the highest value seen. */
export function sampleRss(pid: number, everyMs = 100) {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, memoryMb(pid).rss);
    } catch {
      /* exited: the load run reports it */
    }
  };
  sample();
  const timer = setInterval(sample, everyMs).unref();
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Runs a benchmark's main: every child process and every registered clean-up is stopped at the end,
 * on failure (exit code 1) and on SIGINT/SIGTERM (exit code 130).
 */
export async function runBenchmark(main: (cleanups: Array<() => Promise<void> | void>) => Promise<void>) {
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    await stopAll();
    for (const fn of cleanups.reverse())
      await Promise.resolve()
        .then(fn)
        .catch((e) => console.error(`cleanup: ${(e as Error).message}`));
    cleanups.length = 0;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await main(cleanups);
  } catch (e) {
    console.error(`benchmark failed: ${(e as Error).message}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}
