/**
 * Offline check of the Kubernetes manifests in deploy/kubernetes (deploy/kubernetes/validate.sh, and
 * test/integration/kubernetes.test.ts under npm test). No cluster and no network: the schemas come from
 * the kubernetes-models package (generated from the Kubernetes OpenAPI spec), used twice:
 * - its JSON-schema validators (ajv): types, required fields, enums, formats of every object;
 * - its TypeScript interfaces, through the TypeScript compiler: each document becomes an object literal
 *   typed as its kind, so an unknown or misspelt field anywhere is an excess-property error (what
 *   kubeconform's -strict does; the JSON schemas alone let unknown fields through).
 * Then what this deployment relies on: every file listed in kustomization.yaml and every listed file
 * present, probes on /readyz and /healthz, a preStop drain, terminationGracePeriodSeconds above the
 * preStop sleep plus server.shutdownGraceSeconds, Service and PodDisruptionBudget selecting the pods, the
 * migrations as a Job, and a Secret that is only a template (placeholder values).
 * Usage: node --import tsx scripts/kubernetes-manifests.ts [dir]; exits 1 and lists the problems.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
type Obj = Record<string, any>; // parsed YAML: shapes are checked by the schemas, not by this type
export interface Doc {
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  data: Obj;
}

export function loadManifests(dir: string): { docs: Doc[]; problems: string[] } {
  const problems: string[] = [];
  const kustomization = YAML.parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as { resources?: string[] };
  const listed = kustomization.resources ?? [];
  const present = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
  for (const f of present) if (!listed.includes(f)) problems.push(`${f}: not listed in kustomization.yaml resources`);
  const docs: Doc[] = [];
  for (const file of listed) {
    if (!present.includes(file)) {
      problems.push(`kustomization.yaml: lists ${file}, which does not exist`);
      continue;
    }
    for (const d of YAML.parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
      if (d.errors.length) {
        problems.push(`${file}: ${d.errors[0].message.split('\n')[0]}`);
        continue;
      }
      const data = d.toJSON() as Obj | null;
      if (!data) continue;
      docs.push({ file, apiVersion: String(data.apiVersion), kind: String(data.kind), name: String(data.metadata?.name), data });
    }
  }
  return { docs, problems };
}

/** The JSON-schema check (kubernetes-models' validators). */
async function schemaCheck(doc: Doc): Promise<string[]> {
  let mod: Obj;
  try {
    mod = await import(`kubernetes-models/${doc.apiVersion}`);
  } catch {
    return [`${doc.file}: unknown apiVersion ${doc.apiVersion}`];
  }
  const Model = mod[doc.kind] as (new (data: Obj) => { validate(): void }) | undefined;
  if (!Model) return [`${doc.file}: no kind ${doc.kind} in ${doc.apiVersion}`];
  try {
    new Model(doc.data).validate();
    return [];
  } catch (e) {
    return [`${doc.file} (${doc.kind} ${doc.name}): ${(e as Error).message.replace(/\s+/g, ' ')}`];
  }
}

/** The strict check: the TypeScript interfaces of kubernetes-models, with excess-property checks. */
function typeCheck(docs: Doc[]): string[] {
  const cache = path.join(root, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'kubernetes-check-'));
  try {
    const files = docs.map((d, i) => {
      const file = path.join(dir, `doc${i}.ts`);
      writeFileSync(
        file,
        [
          `import type { I${d.kind} } from 'kubernetes-models/${d.apiVersion}';`,
          `export const doc: I${d.kind} = ${JSON.stringify(d.data, null, 2)};`,
          '',
        ].join('\n'),
      );
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
    });
    return ts.getPreEmitDiagnostics(program).map((diag) => {
      const i = diag.file ? files.indexOf(path.resolve(diag.file.fileName)) : -1;
      const where = i >= 0 ? `${docs[i].file} (${docs[i].kind} ${docs[i].name})` : (diag.file?.fileName ?? 'typescript');
      const at = diag.file && diag.start !== undefined ? diag.file.getLineAndCharacterOfPosition(diag.start).line : -1;
      const line = at >= 0 ? diag.file!.text.split('\n')[at].trim() : '';
      return `${where}: ${ts.flattenDiagnosticMessageText(diag.messageText, ' ').slice(0, 300)}${line ? ` at ${line.slice(0, 120)}` : ''}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const matches = (selector: Obj | undefined, labels: Obj | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** What this deployment relies on, beyond the schema. */
function deploymentRules(docs: Doc[]): string[] {
  const problems: string[] = [];
  const one = (kind: string) => {
    const found = docs.filter((d) => d.kind === kind);
    if (found.length !== 1) problems.push(`expected one ${kind}, found ${found.length}`);
    return found[0]?.data;
  };
  const deployment = one('Deployment');
  const pod = deployment?.spec?.template;
  const container = pod?.spec?.containers?.[0];
  if (container) {
    if (container.readinessProbe?.httpGet?.path !== '/readyz') problems.push('Deployment: readinessProbe must GET /readyz');
    if (container.livenessProbe?.httpGet?.path !== '/healthz') {
      problems.push('Deployment: livenessProbe must GET /healthz (never the database)');
    }
    const preStop = container.lifecycle?.preStop;
    const sleep = Number(preStop?.sleep?.seconds ?? (preStop?.exec?.command?.[0] === 'sleep' ? preStop.exec.command[1] : NaN));
    if (!(sleep > 0)) problems.push('Deployment: preStop must sleep a few seconds (so load balancers stop sending before SIGTERM)');
    const config = docs.find((d) => d.kind === 'ConfigMap')?.data?.data?.['config.yaml'];
    const grace = Number((config ? YAML.parse(config) : undefined)?.server?.shutdownGraceSeconds ?? 10);
    const termination = Number(pod.spec.terminationGracePeriodSeconds ?? 30);
    if (!(termination > (sleep || 0) + grace)) {
      problems.push(
        `Deployment: terminationGracePeriodSeconds ${termination} must exceed ` +
          `the preStop sleep ${sleep || 0} + shutdownGraceSeconds ${grace}`,
      );
    }
  }
  const labels = pod?.metadata?.labels;
  const selected = (kind: string, selector: Obj | undefined) => {
    if (!matches(selector, labels)) problems.push(`${kind}: selector ${JSON.stringify(selector)} does not select the Deployment's pods`);
  };
  if (deployment) selected('Deployment', deployment.spec?.selector?.matchLabels);
  const service = one('Service');
  if (service) {
    selected('Service', service.spec?.selector);
    const ports = (container?.ports ?? []) as Obj[];
    for (const p of (service.spec?.ports ?? []) as Obj[]) {
      if (!ports.some((c) => c.name === p.targetPort || c.containerPort === p.targetPort)) {
        problems.push(`Service: targetPort ${p.targetPort} is no container port`);
      }
    }
  }
  const pdb = one('PodDisruptionBudget');
  if (pdb) selected('PodDisruptionBudget', pdb.spec?.selector?.matchLabels);
  const job = one('Job');
  const jobCommands = [...(job?.spec?.template?.spec?.initContainers ?? []), ...(job?.spec?.template?.spec?.containers ?? [])].map(
    (c: Obj) => [...(c.command ?? []), ...(c.args ?? [])].join(' '),
  );
  if (job && !jobCommands.some((c) => /\bmigrate\b/.test(c))) problems.push('Job: no container runs `wayfinder migrate`');
  const secret = one('Secret');
  for (const [k, v] of Object.entries({ ...secret?.stringData, ...secret?.data })) {
    if (!/^CHANGE-ME/.test(String(v))) problems.push(`Secret: ${k} holds a value; the file is a template (CHANGE-ME placeholders only)`);
  }
  return problems;
}

export async function checkManifests(dir: string): Promise<{ documents: number; problems: string[] }> {
  const { docs, problems } = loadManifests(dir);
  for (const d of docs) problems.push(...(await schemaCheck(d)));
  if (docs.length) problems.push(...typeCheck(docs));
  problems.push(...deploymentRules(docs));
  return { documents: docs.length, problems };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(process.argv[2] ?? path.join(root, 'deploy/kubernetes'));
  const shown = path.relative(process.cwd(), dir) || '.';
  const { documents, problems } = await checkManifests(dir);
  if (problems.length) {
    console.error(`${shown}: ${problems.length} problem${problems.length > 1 ? 's' : ''} in ${documents} documents`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log(`${shown}: ${documents} documents valid (Kubernetes schemas, strict fields, deployment rules)`);
}
