/**
 * Soak: the reliability an operator relies on, measured (issue 17). `npm run soak -- outage|rolling|rotation|memory|all`
 * (several names may be given; default all). Every scenario starts its own Postgres cluster (initdb in a
 * temporary folder, a free loopback port: the shared server on 5432 is never stopped) and Wayfinder
 * compiled to dist/ in production mode; everything is bounded in time and count, stays on loopback, and is
 * stopped and removed at the end of each scenario, on failure and on SIGINT/SIGTERM. Prints the figures and
 * writes bench/reports/soak.json (a scenario not run keeps its previous entry, marked by its date).
 * The script reports; it does not fail on a missed target (the figures say which), only when a scenario
 * cannot run. Knobs: see the top of each scenario file (SOAK_*), and SOAK_REPORT (report path).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBenchmark } from '../lib/processes.js';
import type { Cleanups } from './cluster.js';
import { memoryScenario } from './memory.js';
import { outageScenario } from './outage.js';
import { rollingScenario } from './rolling.js';
import { rotationScenario } from './rotation.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const reportPath = path.resolve(root, process.env.SOAK_REPORT ?? 'bench/reports/soak.json');
const scenarios = { outage: outageScenario, rolling: rollingScenario, rotation: rotationScenario, memory: memoryScenario } as const;
type Name = keyof typeof scenarios;

function chosen(args: string[]): Name[] {
  const names = args.filter((a) => a !== '--');
  if (!names.length || names.includes('all')) return Object.keys(scenarios) as Name[];
  const unknown = names.filter((n) => !(n in scenarios));
  if (unknown.length) {
    console.error(`unknown scenario ${unknown.join(', ')}; choose from ${Object.keys(scenarios).join(', ')} or all`);
    process.exit(2);
  }
  return names as Name[];
}

async function main(cleanups: Cleanups) {
  const names = chosen(process.argv.slice(2));
  const previous = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as { scenarios?: Record<string, unknown> }) : {};
  const results: Record<string, unknown> = { ...previous.scenarios };
  const failed: string[] = [];
  for (const name of names) {
    console.log(
      `\n=== ${name} (load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' / ')})`,
    );
    const local: Cleanups = [];
    const runLocal = async () => {
      for (const fn of local.splice(0).reverse()) {
        await Promise.resolve()
          .then(fn)
          .catch((e) => console.error(`cleanup: ${(e as Error).message}`));
      }
    };
    cleanups.push(runLocal);
    const loadAverage = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
    const loadAtStart = loadAverage();
    try {
      const figures = await scenarios[name](local);
      results[name] = { date: new Date().toISOString(), loadAverage: { atStart: loadAtStart, atEnd: loadAverage() }, ...figures };
    } catch (e) {
      failed.push(name);
      console.error(`${name} could not run: ${(e as Error).stack ?? e}`);
      results[name] = { date: new Date().toISOString(), error: String((e as Error).message).slice(0, 2000) };
    } finally {
      await runLocal();
    }
    mkdirSync(path.dirname(reportPath), { recursive: true });
    writeFileSync(
      reportPath,
      `${JSON.stringify(
        {
          benchmark: 'soak: database outage, rolling restart, key rotation, memory under load (issue 17)',
          node: process.version,
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model,
          scenarios: results,
        },
        null,
        2,
      )}\n`,
    );
  }
  console.log(`\nreport: ${path.relative(root, reportPath)}`);
  if (failed.length) throw new Error(`could not run: ${failed.join(', ')}`);
}

await runBenchmark(main);
