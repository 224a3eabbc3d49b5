/** A small bounded cache whose entries live `ttlMs`. Used to keep hot lookups off the database. */
export function ttlCache<V>(ttlMs: number, max = 10000) {
  const entries = new Map<string, { at: number; value: V }>();
  return {
    async get(key: string, load: () => Promise<V>): Promise<V> {
      const hit = entries.get(key);
      if (hit && Date.now() - hit.at < ttlMs) return hit.value;
      const value = await load();
      entries.delete(key);
      entries.set(key, { at: Date.now(), value });
      if (entries.size > max) entries.delete(entries.keys().next().value!);
      return value;
    },
    delete: (key: string) => entries.delete(key),
    clear: () => entries.clear(),
  };
}
