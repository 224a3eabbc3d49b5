/**
 * Compares two V8 heap snapshots (.heapsnapshot, as --heapsnapshot-signal writes them): objects counted
 * by constructor name (closures by function name, other node types by their type), sorted by how many
 * more the second snapshot holds. Enough to see what accumulates; open the files in Chrome DevTools for
 * retainer paths.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function counts(file: string) {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt]];
    const name = snap.strings[snap.nodes[i + nameAt]];
    const key = type === 'object' ? name : type === 'closure' ? `${name}()` : `(${type})`;
    const entry = out.get(key) ?? { count: 0, size: 0 };
    entry.count += 1;
    entry.size += snap.nodes[i + sizeAt];
    out.set(key, entry);
  }
  return out;
}

export function growth(beforeFile: string, afterFile: string) {
  const before = counts(beforeFile);
  const after = counts(afterFile);
  return [...after]
    .map(([name, a]) => {
      const b = before.get(name) ?? { count: 0, size: 0 };
      return { name, before: b.count, after: a.count, delta: a.count - b.count, sizeDelta: a.size - b.size };
    })
    .sort((x, y) => y.sizeDelta - x.sizeDelta);
}
