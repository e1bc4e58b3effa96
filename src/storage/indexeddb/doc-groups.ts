// The docstore (schema 4): the entries of one write's documents in one record, found by document id
// through a multiEntry index. A write of 5,000 documents puts one record instead of 5,000 (in
// Chromium 156: 220–250 ms to commit 5,000 entries one by one, 32–39 ms as one record with its index).
import type { DocGroup, DocRecord } from './schema.js';

/** The parts of the `docGroups` object store used here (a store of any transaction over it). */
interface GroupStore {
  get(key: number): Promise<DocGroup | undefined>;
  index(name: 'byDoc'): { getKey(id: string): Promise<number | undefined>; count(query: IDBKeyRange): Promise<number> };
}

interface WritableGroupStore extends GroupStore {
  put(group: DocGroup): Promise<number>;
  delete(key: number): Promise<void>;
}

/** A group record of `docs` (its key is given by the store). */
export function docGroupOf(docs: readonly DocRecord[]): DocGroup {
  return { ids: docs.map((d) => d.id), docs: [...docs] };
}

/** The entries of `ids`, in order (undefined where not stored), reading each group once. */
export async function getDocs(store: GroupStore, ids: readonly string[]): Promise<(DocRecord | undefined)[]> {
  const keys = await Promise.all(ids.map((id) => store.index('byDoc').getKey(id)));
  const unique = [...new Set(keys.filter((key): key is number => key !== undefined))];
  const groups = await Promise.all(unique.map((key) => store.get(key)));
  const byKey = new Map(unique.map((key, i) => [key, new Map((groups[i]?.docs ?? []).map((d) => [d.id, d]))]));
  return ids.map((id, i) => (keys[i] === undefined ? undefined : byKey.get(keys[i]!)?.get(id)));
}

/**
 * Removes the stored entries among `ids` from their groups and returns them: one count when none
 * of their id range is stored (a new batch, a snapshot loaded into an empty index), else a lookup
 * per id, and each group read and rewritten once.
 */
export async function takeDocs(store: WritableGroupStore, ids: readonly string[]): Promise<DocRecord[]> {
  if (ids.length === 0) return [];
  const sorted = [...ids].sort();
  if ((await store.index('byDoc').count(IDBKeyRange.bound(sorted[0]!, sorted.at(-1)!))) === 0) return [];
  const taken: DocRecord[] = [];
  await updateDocs(store, ids, (doc) => void taken.push(doc));
  return taken;
}

/** Rewrites the groups holding `ids`: `change` gives an entry's new value, or undefined to drop it. */
export async function updateDocs(store: WritableGroupStore, ids: readonly string[], change: (doc: DocRecord) => DocRecord | undefined): Promise<void> {
  const wanted = new Set(ids);
  const keys = new Set((await Promise.all(ids.map((id) => store.index('byDoc').getKey(id)))).filter((key): key is number => key !== undefined));
  for (const key of keys) {
    const group = await store.get(key);
    if (!group) continue;
    const docs = group.docs.flatMap((doc) => {
      const next = wanted.has(doc.id) ? change(doc) : doc;
      return next ? [next] : [];
    });
    if (docs.length === 0) await store.delete(key);
    else await store.put({ ...docGroupOf(docs), group: key });
  }
}
