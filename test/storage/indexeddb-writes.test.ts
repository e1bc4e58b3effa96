// How IndexedDBVectorStore lays a write out and answers right after it.
import { describe, expect, test, vi } from 'vitest';
import { TextNode } from '../../src/schema/node.js';
import { VECTOR_PAGE_BYTES, vectorsPerPage } from '../../src/storage/indexeddb/schema.js';
import type { StoredDocument } from '../../src/storage/vector-store.js';
import { storesDeletedAfterEach } from '../support/stores.js';

const open = storesDeletedAfterEach('writes');

/** `count` documents of `perDoc` nodes with seeded vectors of `dims`; node i's vector peaks at i % dims. */
function documents(count: number, perDoc: number, dims: number, prefix = 'doc'): StoredDocument[] {
  return Array.from({ length: count }, (_, d) => {
    const id = `${prefix}${d}`;
    const nodes = Array.from({ length: perDoc }, (_, i) => new TextNode({ id: `${id}#${i}`, text: `text ${i} of ${id}`, refDocId: id }));
    const vectors = nodes.map((_, i) => Float32Array.from({ length: dims }, (_, k) => (k === (d * perDoc + i) % dims ? 1 : 0.01 * ((k * 7 + d) % 5))));
    return { refDocId: id, hash: id, nodes, vectors };
  });
}

/** Records the object stores that `get` reads from while `run` runs. */
async function storesRead(run: () => Promise<unknown>): Promise<string[]> {
  const get = IDBObjectStore.prototype.get;
  const read: string[] = [];
  const spy = vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(function (this: IDBObjectStore, key: IDBValidKey | IDBKeyRange) {
    read.push(this.name);
    return get.call(this, key);
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return read;
}

describe('IndexedDB layout of a write', () => {
  test.each([384, 768, 1024])('float32 pages at %i dimensions hold as many rows as fit in VECTOR_PAGE_BYTES (under the 64 KiB where Chromium compresses a value and files it apart)', async (dims) => {
    const store = await open();
    const docs = documents(10, 10, dims);
    await store.add(docs, { model: 'layout', dimensions: dims });
    const { vectorPages } = await store.readAll();
    const perPage = vectorsPerPage(dims);
    expect(perPage * dims * 4).toBeLessThanOrEqual(VECTOR_PAGE_BYTES);
    expect((perPage + 1) * dims * 4).toBeGreaterThan(VECTOR_PAGE_BYTES);
    expect(vectorPages.map((p) => p.nodeIds.length)).toEqual([...Array(Math.floor(100 / perPage)).fill(perPage), ...(100 % perPage ? [100 % perPage] : [])]);
    // Each page holds its own rows, in the order written.
    const rows = docs.flatMap((d) => d.vectors);
    vectorPages.forEach((page, p) => expect(page.vectors).toEqual(Float32Array.from(rows.slice(p * perPage, p * perPage + page.nodeIds.length).flatMap((v) => [...v]))));
    expect(await store.verify()).toEqual([]);
  });
});

describe('answers right after a write', () => {
  test("the first queries after a write take the texts from the write's pages, not IndexedDB; a delete or a reload drops them", async () => {
    const store = await open();
    const dims = 16;
    await store.add(documents(4, 5, dims), { model: 'recent', dimensions: dims });
    const query = Float32Array.from({ length: dims }, (_, k) => (k === 7 ? 1 : 0));
    let hits: Awaited<ReturnType<typeof store.query>> = [];
    expect(await storesRead(async () => (hits = await store.query({ queryEmbedding: query, similarityTopK: 3 })))).not.toContain('pages');
    expect(hits.map((h) => [h.node.id, h.node.text])).toEqual([['doc1#2', 'text 2 of doc1'], expect.any(Array), expect.any(Array)]);

    // A delete drops them: the texts left are read from IndexedDB, the deleted document's are gone.
    await store.delete('doc1');
    expect(await storesRead(async () => (hits = await store.query({ queryEmbedding: query, similarityTopK: 20 })))).toContain('pages');
    expect(hits.map((h) => h.node.refDocId).sort()).toEqual([...Array(5).fill('doc0'), ...Array(5).fill('doc2'), ...Array(5).fill('doc3')]);

    // So does a reload (another tab wrote).
    await store.add(documents(1, 3, dims, 'later'), { model: 'recent', dimensions: dims });
    await store.reload();
    expect(await storesRead(() => store.query({ queryEmbedding: query, similarityTopK: 3 }))).toContain('pages');
    expect(await store.verify()).toEqual([]);
  });
});
