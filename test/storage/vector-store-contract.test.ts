// The store contract: the same cases run against every VectorStore implementation.
import { describe, expect, test } from 'vitest';
import { DimensionMismatchError, EmbeddingModelMismatchError, InvalidArgumentError, InvalidStateError } from '../../src/errors.js';
import { TextNode } from '../../src/schema/node.js';
import { encodeKeywordRows } from '../../src/search/keyword-codec.js';
import { MemoryVectorStore } from '../../src/storage/memory-vector-store.js';
import type { StoredDocument, VectorStore } from '../../src/storage/vector-store.js';
import { storesDeletedAfterEach } from '../support/stores.js';

const MODEL = { model: 'contract-model', dimensions: 4 };
const openIndexedDB = storesDeletedAfterEach('contract');
// Only the vectors' codes in memory, float32 rows read from IndexedDB per query (how a large index runs).
const openIndexedDBCodes = storesDeletedAfterEach('contract-codes', { floatRowsInMemory: 0 });

const IMPLEMENTATIONS: [string, () => Promise<VectorStore>][] = [
  ['IndexedDBVectorStore', () => openIndexedDB()],
  ['IndexedDBVectorStore, codes in memory', () => openIndexedDBCodes()],
  ['MemoryVectorStore', async () => new MemoryVectorStore()],
];

/** A document whose nodes point along the given axes (one node per axis). */
function doc(id: string, axes: number[], texts: string[] = axes.map((a) => `${id} text on axis ${a}`), metadata: Record<string, string> = {}): StoredDocument {
  const nodes = axes.map((_, i) => new TextNode({ id: `${id}#${i}`, text: texts[i]!, refDocId: id, metadata }));
  const vectors = axes.map((axis) => Float32Array.from({ length: 4 }, (_, d) => (d === axis ? 1 : 0.1)));
  return { refDocId: id, hash: `hash-${id}`, metadata, nodes, vectors };
}

const axis = (a: number) => Float32Array.from({ length: 4 }, (_, d) => (d === a ? 1 : 0));

describe.each(IMPLEMENTATIONS)('VectorStore contract: %s', (_name, open) => {
  test('an empty store answers nothing and records no model', async () => {
    const store = await open();
    expect(store.count).toBe(0);
    expect(store.embedModel).toBeUndefined();
    expect(store.capabilities.keyword).toBe(true);
    expect(await store.query({ queryEmbedding: axis(0), similarityTopK: 3 })).toEqual([]);
    expect(await store.query({ mode: 'keyword', queryStr: 'axis', similarityTopK: 3 })).toEqual([]);
    expect(await store.listRefDocs()).toEqual([]);
    expect(await store.verify()).toEqual([]);
    await expect(store.exportContents()).rejects.toBeInstanceOf(InvalidStateError);
  });

  test('vector, keyword and hybrid queries find the stored nodes, best first, with their text', async () => {
    const store = await open();
    await store.add([doc('a', [0, 1], ['the red fox', 'a blue whale']), doc('b', [2], ['green fox tracks'])], MODEL);
    expect(store.count).toBe(3);
    // Written without saying how it embeds: recorded as bare text.
    expect(store.embedModel).toEqual({ ...MODEL, embedsMetadata: false });
    const vector = await store.query({ queryEmbedding: axis(1), similarityTopK: 2 });
    expect(vector.map((r) => r.node.text)).toEqual(['a blue whale', expect.any(String)]);
    expect(vector[0]!.score).toBeGreaterThan(vector[1]!.score);
    expect(vector[0]!.node.refDocId).toBe('a');
    const keyword = await store.query({ mode: 'keyword', queryStr: 'fox', similarityTopK: 5 });
    expect(keyword.map((r) => r.node.text).sort()).toEqual(['green fox tracks', 'the red fox']);
    const hybrid = await store.query({ mode: 'hybrid', queryStr: 'fox', queryEmbedding: axis(2), similarityTopK: 1 });
    expect(hybrid.map((r) => r.node.text)).toEqual(['green fox tracks']);
    // Numbers arrays work as query embeddings too.
    expect((await store.query({ queryEmbedding: [0, 0, 1, 0], similarityTopK: 1 }))[0]!.node.text).toBe('green fox tracks');
    expect(await store.verify()).toEqual([]);
  });

  test('filters apply to every mode', async () => {
    const store = await open();
    await store.add([doc('en', [0], ['fox in english'], { lang: 'en' }), doc('fr', [0], ['fox en français'], { lang: 'fr' })], MODEL);
    const filters = { filters: [{ key: 'lang', value: 'fr' }] };
    for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
      const hits = await store.query({ mode, queryEmbedding: axis(0), queryStr: 'fox', similarityTopK: 5, filters });
      expect(hits.map((h) => h.node.refDocId)).toEqual(['fr']);
    }
  });

  test('adding a stored document replaces it whole; delete removes it', async () => {
    const store = await open();
    await store.add([doc('a', [0, 1, 2]), doc('b', [3])], MODEL);
    await store.add([doc('a', [1], ['only node now'])], MODEL);
    expect(store.count).toBe(2);
    expect((await store.getNodesOfRefDoc('a')).map((n) => n.text)).toEqual(['only node now']);
    expect((await store.getRefDocs(['a', 'missing', 'b'])).map((d) => d?.nodeIds)).toEqual([['a#0'], undefined, ['b#0']]);
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect(store.count).toBe(1);
    expect((await store.query({ queryEmbedding: axis(1), similarityTopK: 5 })).map((r) => r.node.refDocId)).toEqual(['b']);
    expect((await store.listRefDocs()).map((d) => d.id)).toEqual(['b']);
    // A deleted document's node ids are free again.
    await store.add([{ ...doc('c', [2]), nodes: [new TextNode({ id: 'a#0', text: 'reused id', refDocId: 'c' })] }], MODEL);
    expect((await store.getRefDocs(['c']))[0]?.nodeIds).toEqual(['a#0']);
    expect(await store.verify()).toEqual([]);
  });

  test('a bad write is refused whole, before anything is stored', async () => {
    const store = await open();
    await store.add([doc('keep', [0])], MODEL);
    const short = { ...doc('short', [1]), vectors: [new Float32Array(3)] };
    const nan = { ...doc('nan', [1]), vectors: [Float32Array.from([Number.NaN, 0, 0, 0])] };
    const missing = { ...doc('missing', [1, 2]), vectors: [axis(1)] };
    await expect(store.add([doc('x', [1]), short], MODEL)).rejects.toBeInstanceOf(DimensionMismatchError);
    await expect(store.add([doc('x', [1]), nan], MODEL)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.add([missing], MODEL)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.add([doc('twice', [1]), doc('twice', [2])], MODEL)).rejects.toThrow(/"twice" twice/);
    const clash = doc('other', [2]);
    await expect(store.add([doc('x', [1]), { ...clash, nodes: [new TextNode({ id: 'x#0', text: 'same id', refDocId: 'other' })] }], MODEL)).rejects.toThrow(/node ids to be unique/);
    await expect(store.add([doc('y', [1])], { model: 'another-model', dimensions: 4 })).rejects.toBeInstanceOf(EmbeddingModelMismatchError);
    // A node id that a stored document holds (an idFunc without the document id) is refused...
    const thief = { ...doc('thief', [1]), nodes: [new TextNode({ id: 'keep#0', text: 'not keep', refDocId: 'thief' })] };
    await expect(store.add([thief], MODEL)).rejects.toThrow(/Node id "keep#0" of document "thief" is already stored for document "keep"/);
    expect((await store.query({ mode: 'keyword', queryStr: 'keep', similarityTopK: 5 })).map((r) => r.node.text)).toEqual(['keep text on axis 0']);
    expect((await store.listRefDocs()).map((d) => d.id)).toEqual(['keep']);
    expect(store.count).toBe(1);
    expect(await store.verify()).toEqual([]);
  });

  test('keyword rows given encoded (keywordBytes, as a snapshot load does) are the ones searched and exported; bytes without a row per node, or beside rows of the documents, are refused whole', async () => {
    const store = await open();
    const a = doc('a', [0, 1]);
    // Terms the texts do not hold: found only if the store took its rows from the bytes.
    const rows = [
      { terms: ['heron'], freqs: [2] },
      { terms: ['otter', 'heron'], freqs: [1, 1] },
    ];
    await expect(store.add([a], MODEL, { keywordBytes: encodeKeywordRows(rows.slice(0, 1)) })).rejects.toBeInstanceOf(InvalidArgumentError);
    // Rows in both places would leave it unclear which are stored: refused.
    await expect(store.add([{ ...a, keywords: rows }], MODEL, { keywordBytes: encodeKeywordRows(rows) })).rejects.toThrow(/either in keywordBytes or in the documents, got both \(document "a"/);
    expect(await store.listRefDocs()).toEqual([]);
    await store.add([a], MODEL, { keywordBytes: encodeKeywordRows(rows) });
    expect((await store.query({ mode: 'keyword', queryStr: 'otter', similarityTopK: 5 })).map((r) => r.node.id)).toEqual(['a#1']);
    expect(await store.query({ mode: 'keyword', queryStr: 'axis', similarityTopK: 5 })).toEqual([]);
    expect((await store.exportContents()).keywords).toEqual(rows);
    expect(await store.verify()).toEqual([]);
  });

  test('vectors given as consecutive views of one buffer (an embedding batch) are stored as given; the buffer is free again once add resolves', async () => {
    const batch = Float32Array.from({ length: 3 * 4 }, (_, i) => (i % 4 === Math.floor(i / 4) ? 1 : 0.1));
    const rows = [0, 1, 2].map((r) => batch.subarray(r * 4, (r + 1) * 4));
    const store = await open();
    await store.add([{ ...doc('a', [0, 1]), vectors: rows.slice(0, 2) }, { ...doc('b', [2]), vectors: rows.slice(2) }], MODEL);
    const given = batch.slice();
    batch.fill(-1);
    const hit = await store.query({ queryEmbedding: axis(1), similarityTopK: 1 });
    expect(hit.map((r) => r.node.id)).toEqual(['a#1']);
    expect(hit[0]!.score).toBeCloseTo(1 / Math.hypot(1, 0.1, 0.1, 0.1), 5);
    expect((await store.exportContents()).vectors).toEqual(given);
    expect(await store.verify()).toEqual([]);
  });

  test('queries are checked: mode, top-k, query text and embedding, dimensions', async () => {
    const store = await open();
    await store.add([doc('a', [0])], MODEL);
    await expect(store.query({ queryEmbedding: axis(0), similarityTopK: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.query({ mode: 'fuzzy' as 'vector', queryEmbedding: axis(0), similarityTopK: 1 })).rejects.toThrow(/Unknown query mode/);
    await expect(store.query({ mode: 'keyword', similarityTopK: 1 })).rejects.toThrow(/queryStr/);
    await expect(store.query({ mode: 'hybrid', queryStr: 'a', similarityTopK: 1 })).rejects.toThrow(/queryEmbedding/);
    await expect(store.query({ queryEmbedding: new Float32Array(3), similarityTopK: 1 })).rejects.toBeInstanceOf(DimensionMismatchError);
    await expect(store.query({ queryEmbedding: axis(0), similarityTopK: 1, alpha: 2 })).rejects.toThrow(/alpha/);
  });

  test('exportContents gives every document in id order with its vectors and keyword rows', async () => {
    const store = await open();
    const b = doc('b', [2, 3]);
    const a = doc('a', [1]);
    await store.add([b, a], MODEL);
    const contents = await store.exportContents();
    expect(contents.embedModel).toEqual({ ...MODEL, embedsMetadata: false });
    expect(contents.documents.map((d) => [d.id, d.hash, d.nodes.map((n) => n.id)])).toEqual([
      ['a', 'hash-a', ['a#0']],
      ['b', 'hash-b', ['b#0', 'b#1']],
    ]);
    expect(Array.from(contents.vectors)).toEqual([...a.vectors, ...b.vectors].flatMap((v) => Array.from(v)));
    expect(contents.keywords).toHaveLength(3);
    expect(contents.keywords[0]!.terms).toContain('text');
  });

  test('snapshot records, clear and close', async () => {
    const store = await open();
    await store.add([doc('a', [0])], MODEL);
    const record = { name: '/site.pagerag', contentHash: 'abc', refDocIds: ['a'], loadedAt: 1 };
    await store.putSnapshotRecord(record);
    expect(await store.getSnapshotRecord('/site.pagerag')).toEqual(record);
    await store.compact();
    await store.clear();
    expect(store.count).toBe(0);
    expect(store.embedModel).toBeUndefined();
    expect(await store.getSnapshotRecord('/site.pagerag')).toBeUndefined();
    // Cleared, it takes another model.
    await store.add([doc('c', [1])], { model: 'another-model', dimensions: 4 });
    expect(store.embedModel?.model).toBe('another-model');
    store.close();
    await expect(store.listRefDocs()).rejects.toBeInstanceOf(InvalidStateError);
  });
});

describe('metadata filters', () => {
  test('read own properties only: inherited keys such as __proto__ match nothing', async () => {
    const store = new MemoryVectorStore();
    await store.add([doc('a', [0], ['fox'], { lang: 'en' })], MODEL);
    // Before the fix, `__proto__` read Object.prototype, which equals {} by value: every document matched.
    expect(await store.query({ queryEmbedding: axis(0), similarityTopK: 5, filters: { filters: [{ key: '__proto__', value: {} }] } })).toEqual([]);
    expect(await store.query({ queryEmbedding: axis(0), similarityTopK: 5, filters: { filters: [{ key: 'constructor', value: 'x', operator: '!=' }] } })).toHaveLength(1);
    expect(await store.query({ queryEmbedding: axis(0), similarityTopK: 5, filters: { filters: [{ key: 'lang', value: 'en' }] } })).toHaveLength(1);
  });
});
