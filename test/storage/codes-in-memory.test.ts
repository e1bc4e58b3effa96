// A large persisted index keeps only its vectors' codes in memory and reads the float32 rows a
// query re-ranks from IndexedDB. Seeded data, real IndexedDB: the answers must be those of the
// same index held as float32, through writes, deletes, refreshes and reopening.
import { afterAll, describe, expect, test } from 'vitest';
import { TextNode } from '../../src/schema/node.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import type { StoredDocument, VectorStoreQuery } from '../../src/storage/vector-store.js';
import { uniqueName } from '../support/models.js';
import { clusteredVectors } from '../support/vectors.js';

const DIMS = 384;
const ROWS = 6000;
const PER_DOC = 6;
const MODEL = { model: 'codes-test', dimensions: DIMS };
const names: string[] = [];
afterAll(async () => {
  for (const name of names) await IndexedDBVectorStore.delete(name);
});

function documents(vectors: Float32Array, first: number, count: number): StoredDocument[] {
  return Array.from({ length: count }, (_, d) => {
    const doc = first + d;
    const nodes = Array.from({ length: PER_DOC }, (_, i) => new TextNode({ id: `n${doc * PER_DOC + i}`, text: `chunk ${doc * PER_DOC + i}`, refDocId: `d${doc}`, metadata: { even: doc % 2 === 0 } }));
    return { refDocId: `d${doc}`, hash: `h${doc}`, nodes, vectors: nodes.map((_, i) => vectors.subarray((doc * PER_DOC + i) * DIMS, (doc * PER_DOC + i + 1) * DIMS)) };
  });
}

/** Counts the float32 vector pages each query reads (IDBObjectStore.get on the "vectors" store). */
function countVectorReads(): { reads: number; restore(): void } {
  const counter = { reads: 0, restore: () => (IDBObjectStore.prototype.get = get) };
  const get = IDBObjectStore.prototype.get;
  IDBObjectStore.prototype.get = function (this: IDBObjectStore, key: IDBValidKey | IDBKeyRange) {
    if (this.name === 'vectors') counter.reads++;
    return get.call(this, key);
  };
  return counter;
}

const ids = (hits: { node: { id: string } }[]) => hits.map((h) => h.node.id);

describe('an index that keeps only codes in memory', () => {
  test('answers as the float32 index does: vector, filtered, hybrid and exact queries; after deletes, a refresh and reopening', async () => {
    const name = uniqueName('codes');
    names.push(name);
    const { vectors, queries } = clusteredVectors({ rows: ROWS, dims: DIMS, queries: 20, clusters: 32, seed: 11 });
    const docs = ROWS / PER_DOC;
    const codes = await IndexedDBVectorStore.open(name, { floatRowsInMemory: 0 });
    for (let first = 0; first < docs; first += 250) await codes.add(documents(vectors, first, 250), MODEL);
    await codes.compact();
    // The same database opened with the default settings: it opens on its codes too, so its first
    // query reads float32 pages; 6,000 rows are under the default floatRowsInMemory, so it reads all
    // of them in the background, and once ready its queries read nothing.
    const floats = await IndexedDBVectorStore.open(name);
    const first = countVectorReads();
    const early = await floats.query({ queryEmbedding: queries[0]!, similarityTopK: 10 });
    first.restore();
    expect(first.reads).toBeGreaterThan(0);
    await floats.ready();
    const late = countVectorReads();
    expect(ids(await floats.query({ queryEmbedding: queries[0]!, similarityTopK: 10 }))).toEqual(ids(early));
    late.restore();
    expect(late.reads).toBe(0);

    const compare = async (query: Omit<VectorStoreQuery, 'queryEmbedding'>, minRecall: number) => {
      let same = 0;
      let total = 0;
      const counter = countVectorReads();
      try {
        for (const q of queries) {
          const [a, b] = await Promise.all([codes.query({ ...query, queryEmbedding: q }), floats.query({ ...query, queryEmbedding: q, exact: true })]);
          total += b.length;
          same += ids(a).filter((id) => ids(b).includes(id)).length;
          // A row found by both has the same float32 score: re-ranking reads the stored vectors.
          for (const hit of a) {
            const twin = b.find((h) => h.node.id === hit.node.id);
            if (twin) expect(hit.score).toBeCloseTo(twin.score, 6);
          }
        }
      } finally {
        counter.restore();
      }
      expect(same / total).toBeGreaterThanOrEqual(minRecall);
      return counter.reads;
    };

    // The codes-only store read float32 pages for its shortlist only: at most 40 per query (the
    // float32 store, ready, read none).
    const reads = await compare({ similarityTopK: 10 }, 0.99);
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThanOrEqual(40 * queries.length);
    await compare({ similarityTopK: 10, filters: { filters: [{ key: 'even', value: true, operator: '==' }] } }, 0.99);
    // exact: every row is re-ranked in float32, so the answers are those of the float32 index.
    await compare({ similarityTopK: 10, exact: true }, 1);
    const hybrid = await codes.query({ mode: 'hybrid', queryStr: 'chunk 42', queryEmbedding: queries[0]!, similarityTopK: 5 });
    expect(hybrid.length).toBe(5);

    // Deleting a third of the documents (the matrix squeezes: codes move) and refreshing one.
    for (let d = 0; d < docs; d += 3) await codes.delete(`d${d}`);
    const refreshed = documents(vectors, 1, 1)[0]!;
    const target = queries[3]!;
    refreshed.vectors = refreshed.nodes.map(() => target);
    await codes.add([refreshed], MODEL);
    const top = await codes.query({ queryEmbedding: target, similarityTopK: 3 });
    expect(top[0]!.node.refDocId).toBe('d1');
    expect(top[0]!.score).toBeCloseTo(1, 5);
    for (const q of queries) {
      const hits = await codes.query({ queryEmbedding: q, similarityTopK: 20 });
      expect(hits.every((h) => Number(h.node.refDocId!.slice(1)) % 3 !== 0)).toBe(true);
    }
    expect(await codes.verify()).toEqual([]);
    // The row count opening sizes its memory by follows writes, deletes and the refresh.
    expect((await codes.readAll()).config?.rows).toBe(ROWS - Math.ceil(docs / 3) * PER_DOC);

    // Reopened both ways, the database gives the same answers as the store that wrote it.
    codes.close();
    floats.close();
    const again = await IndexedDBVectorStore.open(name, { floatRowsInMemory: 0 });
    const asFloats = await IndexedDBVectorStore.open(name);
    for (const q of queries) {
      const [a, b] = await Promise.all([again.query({ queryEmbedding: q, similarityTopK: 10, exact: true }), asFloats.query({ queryEmbedding: q, similarityTopK: 10, exact: true })]);
      expect(ids(a)).toEqual(ids(b));
    }
    expect(again.count).toBe(asFloats.count);
    expect(await again.verify()).toEqual([]);
    again.close();
    asFloats.close();
  });
});
