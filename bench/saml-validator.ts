/**
 * Measures the SAML schema validator (src/saml/validator.ts): time per call and memory over many
 * calls, on a signed ~6 KB Response and a small AuthnRequest. Memory is read after forced garbage
 * collection (run with --expose-gc: `npm run bench:saml-validator`) after a warm-up, then again after
 * N more calls: a leak shows as growth proportional to N.
 *
 * Knobs (environment): VALIDATOR_CALLS (2000 per round), VALIDATOR_ROUNDS (5).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createXmlValidator } from '../src/saml/validator.js';
import { sampleMessages } from './lib/saml-messages.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const calls = Number(process.env.VALIDATOR_CALLS ?? 2000);
const rounds = Number(process.env.VALIDATOR_ROUNDS ?? 5);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:saml-validator does)');

const settle = async () => {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
};
const mb = (bytes: number) => Math.round((bytes / 1048576) * 100) / 100;

async function measure(name: string, xml: string) {
  const validator = createXmlValidator(102_400);
  validator.validate(xml, 'protocol'); // must be valid
  for (let i = 0; i < 500; i++) validator.validate(xml, 'protocol');
  await settle();
  const start = process.memoryUsage();
  const samples: Array<{ calls: number; heapUsedMb: number; rssMb: number; msPerCall: number }> = [];
  for (let r = 1; r <= rounds; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) validator.validate(xml, 'protocol');
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    await settle();
    const m = process.memoryUsage();
    samples.push({
      calls: r * calls,
      heapUsedMb: mb(m.heapUsed - start.heapUsed),
      rssMb: mb(m.rss - start.rss),
      msPerCall: Math.round((ms / calls) * 1000) / 1000,
    });
  }
  const perCall = samples.map((s) => s.msPerCall).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  console.log(`${name} (${Buffer.byteLength(xml)} bytes): ${perCall} ms per call (median of ${rounds} rounds of ${calls})`);
  for (const s of samples)
    console.log(
      `  after ${String(s.calls).padStart(6)} calls: heapUsed ${s.heapUsedMb >= 0 ? '+' : ''}${s.heapUsedMb} MB, RSS ${s.rssMb >= 0 ? '+' : ''}${s.rssMb} MB`,
    );
  return { name, bytes: Buffer.byteLength(xml), msPerCall: perCall, samples };
}

const messages = await sampleMessages();
const report = {
  benchmark: 'SAML schema validator: time per call and memory (heap and RSS growth after forced GC)',
  date: new Date().toISOString(),
  node: process.version,
  results: [await measure('signed Response', messages.response), await measure('AuthnRequest', messages.authnRequest)],
};
mkdirSync(path.join(root, 'bench/reports'), { recursive: true });
writeFileSync(path.join(root, 'bench/reports/saml-validator.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log('report: bench/reports/saml-validator.json');
