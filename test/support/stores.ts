import { afterEach } from 'vitest';
import { IndexedDBVectorStore, type IndexedDBVectorStoreOptions } from '../../src/storage/indexeddb-vector-store.js';
import { uniqueName } from './models.js';

/**
 * An opener of stores that closes and deletes them after each test (call at module level).
 * Without a name, each store gets a fresh one.
 */
export function storesDeletedAfterEach(prefix: string, options: IndexedDBVectorStoreOptions = {}): (name?: string) => Promise<IndexedDBVectorStore> {
  const opened: IndexedDBVectorStore[] = [];
  afterEach(async () => {
    const stores = opened.splice(0);
    for (const store of stores) store.close();
    for (const name of new Set(stores.map((s) => s.name))) await IndexedDBVectorStore.delete(name);
  });
  return async (name = uniqueName(prefix)) => {
    const store = await IndexedDBVectorStore.open(name, options);
    opened.push(store);
    return store;
  };
}
