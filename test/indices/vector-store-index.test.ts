import { describe, expect, test } from 'vitest';
import {
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  InvalidArgumentError,
  StorageQuotaError, StorageWriteError,
} from '../../src/errors.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { SimilarityPostprocessor } from '../../src/postprocessors/similarity-postprocessor.js';
import { Document } from '../../src/schema/document.js';
import { CORPUS, corpusDocuments } from '../support/corpus.js';
import { foreignRequests, realTokenizerFixture } from '../support/fixtures.js';
import { MetadataMode } from '../../src/schema/metadata-mode.js';
import { fixtureEmbedding } from '../support/models.js';
import { storesDeletedAfterEach } from '../support/stores.js';

const minilm = await realTokenizerFixture('minilm');
const openStore = storesDeletedAfterEach('index');

async function buildIndex(name?: string) {
  const embedModel = fixtureEmbedding();
  const vectorStore = await openStore(name);
  const progress: string[] = [];
  const index = await VectorStoreIndex.fromDocuments(corpusDocuments(), {
    embedModel,
    vectorStore,
    onProgress: (e) => progress.push(`${e.phase}:${e.done}/${e.total}`),
  });
  return { index, embedModel, vectorStore, progress };
}

const ids = (results: { node: { id: string } }[]) => results.map((r) => r.node.id);

describe('VectorStoreIndex on the fixture encoder and real IndexedDB', () => {
  test('ingests, survives a reload and retrieves the same results', async () => {
    const { index, vectorStore, progress } = await buildIndex();
    expect(vectorStore.count).toBeGreaterThanOrEqual(CORPUS.length);
    expect(progress).toContain(`split:${CORPUS.length}/${CORPUS.length}`);
    expect(progress.at(-1)).toBe(`store:${vectorStore.count}/${vectorStore.count}`);
    expect(await vectorStore.verify()).toEqual([]);

    const question = 'a bird and a fish near the river water';
    const before = await index.asRetriever({ similarityTopK: 3 }).retrieve(question);
    expect(before).toHaveLength(3);
    expect(before[0]!.node.refDocId).toBe('animals');
    expect(before[0]!.score).toBeGreaterThanOrEqual(before[1]!.score);

    vectorStore.close();
    const reopened = await openStore(vectorStore.name);
    const again = await VectorStoreIndex.fromVectorStore(reopened, { embedModel: fixtureEmbedding() });
    const after = await again.asRetriever({ similarityTopK: 3 }).retrieve(question);
    expect(ids(after)).toEqual(ids(before));
    after.forEach((r, i) => expect(r.score).toBeCloseTo(before[i]!.score, 5));
    expect(after[0]!.node.text).toBe(before[0]!.node.text);
    expect(foreignRequests()).toEqual([]);
  });

  test("a query equal to what a chunk embedded (its text after its metadata) returns that chunk first with score ≈ 1", async () => {
    const { index, vectorStore } = await buildIndex();
    const nodes = await vectorStore.getNodesOfRefDoc('author');
    const target = nodes[0]!;
    expect(target.getContent(MetadataMode.EMBED)).not.toBe(target.text);
    const [first] = await index.asRetriever({ similarityTopK: 1 }).retrieve(target.getContent(MetadataMode.EMBED));
    expect(first!.node.id).toBe(target.id);
    expect(first!.score).toBeCloseTo(1, 5);
    expect(target.metadata).toEqual(CORPUS[2]!.metadata);
    expect(CORPUS[2]!.text.slice(target.startCharIdx, target.endCharIdx)).toBe(target.text);
  });

  test('refreshRefDocs re-embeds only changed or new documents; deleteRefDoc removes every node', async () => {
    const { index, embedModel, vectorStore } = await buildIndex();
    embedModel.embeddedTexts.length = 0;
    const docs = corpusDocuments();
    docs[1] = new Document({ ...CORPUS[1]!, text: `${CORPUS[1]!.text} The score of each chunk is new.` });
    docs.push(new Document({ id: 'fresh', text: 'A new document about apple and banana fruit.' }));
    const refreshed = await index.refreshRefDocs(docs);
    expect(refreshed).toEqual([false, true, false, false, true]);
    const changedNodes = (await vectorStore.getNodesOfRefDoc('search')).length + (await vectorStore.getNodesOfRefDoc('fresh')).length;
    expect(embedModel.embeddedTexts).toHaveLength(changedNodes);
    expect(await vectorStore.verify()).toEqual([]);

    const countBefore = vectorStore.count;
    const animalNodes = await vectorStore.getNodesOfRefDoc('animals');
    expect(await index.deleteRefDoc('animals')).toBe(true);
    expect(await index.deleteRefDoc('animals')).toBe(false);
    expect(vectorStore.count).toBe(countBefore - animalNodes.length);
    expect(await vectorStore.getNodesOfRefDoc('animals')).toEqual([]);
    expect(await vectorStore.getRefDoc('animals')).toBeUndefined();
    const results = await index.asRetriever({ similarityTopK: 50 }).retrieve(CORPUS[0]!.text);
    expect(results.some((r) => r.node.refDocId === 'animals')).toBe(false);
    expect(await vectorStore.verify()).toEqual([]);
  });

  test('metadata filters and the similarity cutoff are honoured', async () => {
    const { index } = await buildIndex();
    const query = 'the sun over the mountain';
    const nature = await index.asRetriever({ similarityTopK: 10, filters: { filters: [{ key: 'topic', value: 'nature' }] } }).retrieve(query);
    expect(new Set(nature.map((r) => r.node.refDocId))).toEqual(new Set(['animals', 'weather']));
    const recentOrEssay = await index
      .asRetriever({
        similarityTopK: 10,
        filters: {
          condition: 'or',
          filters: [
            { key: 'year', value: 2024, operator: '>=' },
            { key: 'tags', value: ['essay'], operator: 'in' },
          ],
        },
      })
      .retrieve(query);
    expect(new Set(recentOrEssay.map((r) => r.node.refDocId))).toEqual(new Set(['search', 'author']));
    const notNature = await index
      .asRetriever({ similarityTopK: 10, filters: { filters: [{ key: 'topic', value: ['nature'], operator: 'nin' }, { key: 'tags', value: 'ssa', operator: 'contains' }] } })
      .retrieve(query);
    expect(notNature.map((r) => r.node.refDocId)).toEqual(['author']);

    const all = await index.asRetriever({ similarityTopK: 10 }).retrieve(query);
    const cutoff = all[1]!.score;
    const kept = new SimilarityPostprocessor({ similarityCutoff: cutoff }).postprocessNodes(all);
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.every((r) => r.score >= cutoff)).toBe(true);
    expect(kept.length).toBeLessThan(all.length);
  });

  test('an ingestion aborted mid-way leaves only whole documents', async () => {
    const embedModel = fixtureEmbedding();
    const vectorStore = await openStore();
    const controller = new AbortController();
    const docs = Array.from({ length: 12 }, (_, i) => new Document({ id: `doc-${i}`, text: CORPUS[i % 4]!.text.repeat(3 + i) }));
    const attempt = VectorStoreIndex.fromDocuments(docs, {
      embedModel,
      vectorStore,
      nodesPerWrite: 8,
      onProgress: (e) => e.phase === 'store' && e.done >= 8 && controller.abort(),
      signal: controller.signal,
    });
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
    const stored = await vectorStore.listRefDocs();
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThan(docs.length);
    expect(await vectorStore.verify()).toEqual([]);
    // Re-running skips what is stored and completes the rest.
    embedModel.embeddedTexts.length = 0;
    const index = await VectorStoreIndex.fromDocuments(docs, { embedModel, vectorStore });
    expect((await vectorStore.listRefDocs()).length).toBe(docs.length);
    const alreadyStored = stored.reduce((n, d) => n + d.nodeIds.length, 0);
    expect(embedModel.embeddedTexts.length).toBe(vectorStore.count - alreadyStored);
    expect(await index.asRetriever().retrieve('cat')).toHaveLength(2);
    expect(await vectorStore.verify()).toEqual([]);
  });

  test('bad input gets named errors that say what was expected and what was given', async () => {
    const { index, vectorStore } = await buildIndex();
    const empty = await VectorStoreIndex.fromDocuments([], { embedModel: fixtureEmbedding(), vectorStore: await openStore() });
    expect(empty.vectorStore.count).toBe(0);
    await empty.insert(new Document({ id: 'blank', text: '' }));
    expect(empty.vectorStore.count).toBe(0);

    expect(() => new Document({ text: 42 as unknown as string })).toThrow(/Expected Document text to be a string, got 42 \(number\)/);
    await expect(index.insert({ id: 'x', text: null } as unknown as Document)).rejects.toThrow(InvalidArgumentError);
    expect(() => index.asRetriever({ similarityTopK: 0 })).toThrow(/similarityTopK to be a positive integer, got 0/);
    expect(() => index.asRetriever({ similarityTopK: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => index.asRetriever({ filters: { filters: [{ key: 'a', value: 1, operator: '~=' as '==' }] } })).toThrow(/Unknown filter operator "~=" .*Expected one of ==/);
    const dims = vectorStore.embedModel!.dimensions;
    await expect(vectorStore.query({ queryEmbedding: new Float32Array(dims + 1), similarityTopK: 1 })).rejects.toThrow(DimensionMismatchError);
    const nan = new Float32Array(dims).fill(Number.NaN);
    await expect(vectorStore.query({ queryEmbedding: nan, similarityTopK: 1 })).rejects.toThrow(/finite numbers/);
    const node = (await vectorStore.getNodesOfRefDoc('author'))[0]!;
    await expect(
      vectorStore.add([{ refDocId: 'nan', hash: 'h', nodes: [node], vectors: [nan] }], vectorStore.embedModel!),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      vectorStore.add([{ refDocId: 'short', hash: 'h', nodes: [node], vectors: [new Float32Array(3)] }], vectorStore.embedModel!),
    ).rejects.toThrow(DimensionMismatchError);
    expect(await vectorStore.verify()).toEqual([]);
  });

  test.skipIf(!minilm)('refuses another embedding model than the one the index was built with', async () => {
    const { vectorStore } = await buildIndex();
    const other = fixtureEmbedding(minilm!);
    await expect(VectorStoreIndex.fromVectorStore(vectorStore, { embedModel: other })).rejects.toThrow(EmbeddingModelMismatchError);
    await expect(VectorStoreIndex.fromDocuments(corpusDocuments(), { embedModel: other, vectorStore })).rejects.toThrow(/built with embedding model "fixtures\/bert-tiny" \(32 dimensions\)/);
  });

  test('a failed write (quota) rejects with a named error and leaves stored documents intact', async () => {
    const { index, vectorStore } = await buildIndex();
    const before = await index.asRetriever({ similarityTopK: 3 }).retrieve('cat and dog');
    const originalPut = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'pages') throw new DOMException('Injected: quota exceeded', 'QuotaExceededError');
      return originalPut.apply(this, args);
    };
    try {
      await expect(index.insert(new Document({ id: 'big', text: 'apple banana orange fruit tree' }))).rejects.toThrow(StorageQuotaError);
      await expect(index.insert(new Document({ id: 'big', text: 'apple banana orange fruit tree' }))).rejects.toThrow(/quota is exhausted.*Documents stored before are intact/);
    } finally {
      IDBObjectStore.prototype.put = originalPut;
    }
    expect(await vectorStore.getRefDoc('big')).toBeUndefined();
    expect(await vectorStore.verify()).toEqual([]);
    const after = await index.asRetriever({ similarityTopK: 3 }).retrieve('cat and dog');
    expect(ids(after)).toEqual(ids(before));
  });

  test('a write whose every request succeeds but whose transaction fails to commit changes nothing, in memory either', async () => {
    const { index, vectorStore } = await buildIndex();
    const count = vectorStore.count;
    const originalPut = IDBObjectStore.prototype.put;
    let last: IDBRequest | undefined;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const request = originalPut.apply(this, args);
      last = request;
      // Every request succeeds; when the last one has, the transaction is aborted, as a failed
      // commit would end it: only the transaction's own outcome says the write did not happen.
      request.addEventListener('success', () => {
        if (request === last) this.transaction.abort();
      });
      return request;
    };
    try {
      await expect(index.insert(new Document({ id: 'uncommitted', text: 'zebra giraffe savanna' }))).rejects.toBeInstanceOf(StorageWriteError);
    } finally {
      IDBObjectStore.prototype.put = originalPut;
    }
    // Memory follows only a committed write: no row of the aborted document is searchable.
    expect(vectorStore.count).toBe(count);
    expect((await index.asRetriever({ mode: 'bm25', similarityTopK: 5 }).retrieve('zebra giraffe savanna')).map((r) => r.node.refDocId)).not.toContain('uncommitted');
    expect(await vectorStore.getRefDoc('uncommitted')).toBeUndefined();
    expect(await vectorStore.verify()).toEqual([]);
  });
});
