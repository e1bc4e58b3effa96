import { afterAll, describe, expect, test } from 'vitest';
import { IngestionPipeline } from '../../src/ingestion/ingestion-pipeline.js';
import { Document } from '../../src/schema/document.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';

const name = uniqueName('pipeline');
afterAll(() => IndexedDBVectorStore.delete(name));

describe('IngestionPipeline', () => {
  test('a re-run over 2,000 unchanged documents looks their hashes up in one read and writes nothing', async () => {
    const vectorStore = await IndexedDBVectorStore.open(name);
    const pipeline = new IngestionPipeline({ embedModel: fixtureEmbedding(), vectorStore });
    const docs = Array.from({ length: 2000 }, (_, i) => new Document({ id: `d${i}`, text: `The cat ${i} ran to the river.` }));
    expect((await pipeline.run(docs)).every(Boolean)).toBe(true);

    // Counted on this store and on IndexedDB itself: one lookup per document is what made re-runs
    // over 100k documents take minutes.
    const calls = { lookups: 0, ids: 0, adds: 0, transactions: 0 };
    const getRefDocs = vectorStore.getRefDocs.bind(vectorStore);
    vectorStore.getRefDocs = (ids) => ((calls.lookups++, (calls.ids += ids.length)), getRefDocs(ids));
    const add = vectorStore.add.bind(vectorStore);
    vectorStore.add = (...args) => (calls.adds++, add(...args));
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      calls.transactions++;
      return transaction.apply(this, args);
    };
    try {
      expect((await pipeline.run(docs)).some(Boolean)).toBe(false);
    } finally {
      IDBDatabase.prototype.transaction = transaction;
    }
    expect(calls).toEqual({ lookups: 1, ids: 2000, adds: 0, transactions: 1 });
    vectorStore.close();
  });
});
