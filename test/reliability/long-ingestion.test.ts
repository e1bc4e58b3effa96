import { afterAll, expect, test } from 'vitest';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { SentenceSplitter } from '../../src/ingestion/sentence-splitter.js';
import { Document } from '../../src/schema/document.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';

const name = uniqueName('long');
afterAll(() => IndexedDBVectorStore.delete(name));

test('a 10k-chunk ingestion can be cancelled and resumed: stored documents are skipped by content hash', async () => {
  const embedModel = fixtureEmbedding();
  await embedModel.load();
  const splitter = new SentenceSplitter({ chunkSize: 16, chunkOverlap: 0, countTokens: (t) => embedModel.countTokens(t) });
  const words = 'the cat and the dog ran to the river while rain and snow fell on the mountain near the ocean'.split(' ');
  const docs = Array.from({ length: 200 }, (_, d) => {
    const sentences = Array.from({ length: 50 }, (_, s) => `${Array.from({ length: 10 }, (_, w) => words[(d + s * 3 + w) % words.length]).join(' ')} ${d}.`);
    return new Document({ id: `long-${d}`, text: sentences.join(' ') });
  });
  const vectorStore = await IndexedDBVectorStore.open(name);
  const controller = new AbortController();
  let total = 0;
  const first = VectorStoreIndex.fromDocuments(docs, {
    embedModel,
    vectorStore,
    transformations: [splitter],
    signal: controller.signal,
    onProgress: (p) => {
      if (p.phase === 'embed') total = p.total;
      if (p.phase === 'store' && p.done >= 3000) controller.abort();
    },
  });
  await expect(first).rejects.toMatchObject({ name: 'AbortError' });
  expect(total).toBeGreaterThanOrEqual(10_000);
  const storedAfterCancel = vectorStore.count;
  expect(storedAfterCancel).toBeGreaterThanOrEqual(3000);
  expect(storedAfterCancel).toBeLessThan(total);
  expect(await vectorStore.verify()).toEqual([]);

  embedModel.embeddedTexts.length = 0;
  await VectorStoreIndex.fromDocuments(docs, { embedModel, vectorStore, transformations: [splitter] });
  expect(vectorStore.count).toBe(total);
  // Only what was not stored yet was embedded the second time.
  expect(embedModel.embeddedTexts.length).toBe(total - storedAfterCancel);
  expect(await vectorStore.verify()).toEqual([]);
  vectorStore.close();
}, 300_000);
