// Snapshot files in the real browser: export an index, load it into another, check the file.
import { describe, expect, test } from 'vitest';
import { EmbeddingModelMismatchError, SnapshotFetchError, SnapshotFormatError } from '../../src/errors.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { Document } from '../../src/schema/document.js';
import { decodeSnapshot, encodeSnapshot, readSnapshotHeader } from '../../src/snapshot/snapshot-format.js';
import type { VectorStore } from '../../src/storage/vector-store.js';
import { CORPUS, corpusDocuments } from '../support/corpus.js';
import { fixtureEmbedding } from '../support/models.js';
import { rewrap } from '../support/snapshot-files.js';
import { storesDeletedAfterEach } from '../support/stores.js';

const openStore = storesDeletedAfterEach('snapshot');

async function sourceIndex() {
  const embedModel = fixtureEmbedding();
  const index = await VectorStoreIndex.fromDocuments(corpusDocuments(), { embedModel, vectorStore: await openStore() });
  return { index, embedModel, bytes: await index.toSnapshot() };
}

const QUESTIONS = ['a bird and a fish near the river water', 'mountain snow', 'the dog ran'];
async function answers(index: VectorStoreIndex, mode: 'vector' | 'bm25') {
  const retriever = index.asRetriever({ mode, similarityTopK: 4 });
  return Promise.all(QUESTIONS.map(async (q) => (await retriever.retrieve(q)).map((r) => [r.node.text, r.score.toFixed(5)])));
}

/** Everything a store holds, comparable across stores. */
async function contents(store: VectorStore) {
  const docs = await store.listRefDocs();
  const nodes = (await Promise.all(docs.map((d) => store.getNodesOfRefDoc(d.id)))).flat();
  return {
    docs: docs.map((d) => [d.id, d.hash, d.nodeIds.length]).sort(),
    texts: nodes.map((n) => `${n.refDocId}:${n.text}`).sort(),
  };
}

describe('snapshots', () => {
  test('toSnapshot → fromSnapshot gives the same index: documents, vector and BM25 results', async () => {
    const { index, embedModel, bytes } = await sourceIndex();
    const { header, data } = await decodeSnapshot(bytes);
    expect(header).toMatchObject({ format: 'pagerag-snapshot', version: 1, vectors: 'float32', counts: { documents: CORPUS.length, nodes: index.vectorStore.count } });
    expect(header.embedModel).toEqual({ model: embedModel.modelId, dimensions: embedModel.dimensions, embedsMetadata: true, pooling: 'mean', normalize: true, dtype: 'fp32' });
    expect(header.keywords?.analyzer).toBe('pagerag-english/1');
    expect(data.vectors).toHaveLength(index.vectorStore.count * embedModel.dimensions);

    const progress: string[] = [];
    const vectorStore = await openStore();
    // Every write transaction of the load, with the stores it covers.
    const writes: string[][] = [];
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      const tx = transaction.apply(this, args);
      if (tx.mode === 'readwrite') writes.push([...tx.objectStoreNames]);
      return tx;
    };
    let loaded: VectorStoreIndex;
    try {
      loaded = await VectorStoreIndex.fromSnapshot(bytes.slice().buffer, { vectorStore, embedModel: fixtureEmbedding(), onProgress: (e) => progress.push(`${e.phase}:${e.done}/${e.total}`) });
    } finally {
      IDBDatabase.prototype.transaction = transaction;
    }
    expect(loaded.lastSnapshotLoad).toMatchObject({ loaded: true, written: CORPUS.length, removed: 0 });
    // One transaction holds the documents and the snapshot's record: a crash leaves both or neither.
    expect(writes).toHaveLength(1);
    expect(writes[0]).toContain('snapshots');
    expect((await vectorStore.getSnapshotRecord('default'))?.contentHash).toBe(header.contentHash);
    expect(progress.at(-1)).toBe(`store:${header.counts.nodes}/${header.counts.nodes}`);
    expect(await loaded.vectorStore.verify()).toEqual([]);
    expect(await contents(loaded.vectorStore)).toEqual(await contents(index.vectorStore));
    expect(await answers(loaded, 'vector')).toEqual(await answers(index, 'vector'));
    expect(await answers(loaded, 'bm25')).toEqual(await answers(index, 'bm25'));
    // Exporting the loaded index gives the same content again.
    expect(readSnapshotHeader(await loaded.toSnapshot()).header.contentHash).toBe(header.contentHash);
  });

  test('loading the same snapshot twice is a no-op; a newer one writes only what changed and drops what it lost', async () => {
    const { bytes } = await sourceIndex();
    const vectorStore = await openStore();
    const embedModel = fixtureEmbedding();
    const first = await VectorStoreIndex.fromSnapshot(bytes, { vectorStore, embedModel, name: 'docs' });
    expect(first.lastSnapshotLoad?.loaded).toBe(true);
    const again = await VectorStoreIndex.fromSnapshot(bytes, { vectorStore, embedModel, name: 'docs' });
    expect(again.lastSnapshotLoad).toMatchObject({ loaded: false, written: 0 });
    expect(embedModel.embeddedTexts).toEqual([]);
    // From a stream (as from a URL), a repeat load stops reading after the header.
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(pulled, pulled + 256));
        pulled += 256;
      },
    });
    const third = await VectorStoreIndex.fromSnapshot(stream, { vectorStore, embedModel, name: 'docs' });
    expect(third.lastSnapshotLoad).toMatchObject({ loaded: false, written: 0 });
    expect(pulled).toBeLessThan(Math.min(bytes.length, readSnapshotHeader(bytes).bodyOffset + 1024));

    // A new version of the site: one document changed, one dropped, one added.
    const source = fixtureEmbedding();
    const docs = corpusDocuments();
    const changed = [
      new Document({ id: docs[0]!.id, text: `${docs[0]!.text} And a new closing sentence.`, metadata: docs[0]!.metadata }),
      ...docs.slice(1, -1),
      new Document({ id: 'brand-new', text: 'A brand new page about lighthouses and ships.' }),
    ];
    const v2 = await (await VectorStoreIndex.fromDocuments(changed, { embedModel: source, vectorStore: await openStore() })).toSnapshot();
    const updated = await VectorStoreIndex.fromSnapshot(v2, { vectorStore, embedModel, name: 'docs' });
    expect(updated.lastSnapshotLoad).toMatchObject({ loaded: true, written: 2, removed: 1 });
    expect((await vectorStore.listRefDocs()).map((d) => d.id).sort()).toEqual(changed.map((d) => d.id).sort());
    expect(await vectorStore.verify()).toEqual([]);
  });

  test('a truncated or corrupted file gives a clear error and leaves the store untouched', async () => {
    const { bytes } = await sourceIndex();
    const vectorStore = await openStore();
    await VectorStoreIndex.fromDocuments([new Document({ id: 'kept', text: 'A document stored before any snapshot.' })], { embedModel: fixtureEmbedding(), vectorStore });
    const before = await contents(vectorStore);
    const flip = (at: number) => {
      const copy = bytes.slice();
      copy[at] = copy[at]! ^ 0xff;
      return copy;
    };
    const bad: [string, Uint8Array, RegExp][] = [
      ['truncated', bytes.slice(0, Math.floor(bytes.length * 0.7)), /truncated/],
      ['cut in the header', bytes.slice(0, 40), /ends early|truncated|checksum/],
      ['body byte flipped', flip(bytes.length - 100), /SHA-256|corrupted/],
      ['header byte flipped', flip(30), /checksum|corrupted/],
      ['not a snapshot', new TextEncoder().encode('<!doctype html><title>404</title>'), /Expected a pagerag snapshot/],
      ['empty', new Uint8Array(0), /Expected a pagerag snapshot/],
    ];
    for (const [what, file, message] of bad) {
      const error = await VectorStoreIndex.fromSnapshot(file, { vectorStore, embedModel: fixtureEmbedding() }).catch((e: unknown) => e);
      expect([what, error]).toEqual([what, expect.any(SnapshotFormatError)]);
      expect([what, (error as Error).message]).toEqual([what, expect.stringMatching(message)]);
      expect(await contents(vectorStore)).toEqual(before);
    }
    expect(await vectorStore.verify()).toEqual([]);
  });

  test('refuses a snapshot made with another embedding model, before writing anything', async () => {
    const { bytes } = await sourceIndex();
    const vectorStore = await openStore();
    const other = fixtureEmbedding('fixtures/all-MiniLM-L6-v2-random');
    const error = await VectorStoreIndex.fromSnapshot(bytes, { vectorStore, embedModel: other }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingModelMismatchError);
    expect((error as Error).message).toMatch(/This snapshot was built with embedding model "fixtures\/bert-tiny/);
    expect(await vectorStore.listRefDocs()).toEqual([]);
  });

  test('unknown optional sections are skipped, unknown required ones refused; a newer format version is refused', async () => {
    const { bytes } = await sourceIndex();
    const { header, bodyOffset } = readSnapshotHeader(bytes);
    const withSection = async (flags: number) => {
      const extra = new Uint8Array(16 + 8);
      extra.set(new TextEncoder().encode('ZZZZ'));
      new DataView(extra.buffer).setUint32(4, flags, true);
      new DataView(extra.buffer).setUint32(8, 8, true);
      const body = new Uint8Array([...bytes.subarray(bodyOffset), ...extra]);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
      const contentHash = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
      return rewrap({ ...header, bodyLength: body.length, contentHash }, body);
    };
    const optional = await decodeSnapshot(await withSection(0));
    expect(optional.data.documents).toHaveLength(CORPUS.length);
    await expect(decodeSnapshot(await withSection(2))).rejects.toThrow(/needs section "ZZZZ"/);
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(8, 99, true);
    await expect(decodeSnapshot(newer)).rejects.toThrow(/format version 99/);
  });

  test('int8 vectors: about a quarter of the float32 section, same top results', async () => {
    const { index, bytes } = await sourceIndex();
    const int8 = await index.toSnapshot({ vectors: 'int8' });
    const { header, data } = await decodeSnapshot(int8);
    expect(header.vectors).toBe('int8');
    const dims = header.embedModel.dimensions;
    expect(bytes.length - int8.length).toBeGreaterThan(header.counts.nodes * dims * 4 * 0.6);
    const exact = (await decodeSnapshot(bytes)).data.vectors;
    let worst = 1;
    for (let r = 0; r < header.counts.nodes; r++) {
      let dot = 0;
      let a = 0;
      let b = 0;
      for (let d = 0; d < dims; d++) {
        dot += exact[r * dims + d]! * data.vectors[r * dims + d]!;
        a += exact[r * dims + d]! ** 2;
        b += data.vectors[r * dims + d]! ** 2;
      }
      worst = Math.min(worst, dot / Math.sqrt(a * b));
    }
    expect(worst).toBeGreaterThan(0.999);
    const loaded = await VectorStoreIndex.fromSnapshot(int8, { vectorStore: await openStore(), embedModel: fixtureEmbedding() });
    const top = async (i: VectorStoreIndex) => (await i.asRetriever({ similarityTopK: 1 }).retrieve(QUESTIONS[0]!))[0]!.node.text;
    expect(await top(loaded)).toBe(await top(index));
  });

  test('streams a URL with download progress; HTTP errors and aborts are clean', async () => {
    const { bytes } = await sourceIndex();
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    const progress: number[] = [];
    const vectorStore = await openStore();
    await VectorStoreIndex.fromSnapshot(url, { vectorStore, embedModel: fixtureEmbedding(), onProgress: (e) => e.phase === 'download' && progress.push(e.done) });
    expect(progress.at(-1)).toBe(bytes.length);
    expect(vectorStore.count).toBe(readSnapshotHeader(bytes).header.counts.nodes);
    // Again from the URL, with and without progress: the header says it is stored.
    for (const onProgress of [undefined, () => {}]) {
      const again = await VectorStoreIndex.fromSnapshot(url, { vectorStore, embedModel: fixtureEmbedding(), ...(onProgress && { onProgress }) });
      expect(again.lastSnapshotLoad).toMatchObject({ loaded: false, written: 0 });
    }
    URL.revokeObjectURL(url);

    // A body shorter than its announced length (a dropped connection) is refused as truncated.
    const cut = async () => new Response(bytes.slice(0, Math.floor(bytes.length / 2)), { headers: { 'content-length': String(bytes.length) } });
    const half = await VectorStoreIndex.fromSnapshot('/docs.pagerag', { vectorStore: await openStore(), embedModel: fixtureEmbedding(), fetch: cut }).catch((e: unknown) => e);
    expect(half).toBeInstanceOf(SnapshotFormatError);
    expect((half as Error).message).toMatch(/truncated/);

    // A malformed URL is an argument error, not a raw TypeError.
    await expect(VectorStoreIndex.fromSnapshot('http://[bad', { vectorStore: await openStore(), embedModel: fixtureEmbedding() })).rejects.toThrow(/Expected a snapshot URL/);

    const notFound = async () => new Response('missing', { status: 404, statusText: 'Not Found' });
    const missing = await VectorStoreIndex.fromSnapshot('/docs.pagerag', { vectorStore: await openStore(), embedModel: fixtureEmbedding(), fetch: notFound }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SnapshotFetchError);
    expect((missing as Error).message).toMatch(/\/docs\.pagerag failed with HTTP 404 Not Found/);
    // A dev server or SPA host answers an unknown path with its index.html.
    const fallback = await VectorStoreIndex.fromSnapshot('/no-such-snapshot.pagerag', { vectorStore: await openStore(), embedModel: fixtureEmbedding() }).catch((e: unknown) => e);
    expect(fallback).toBeInstanceOf(SnapshotFormatError);
    expect((fallback as Error).message).toMatch(/an HTML page/);

    const controller = new AbortController();
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 1000));
      },
      pull() {
        controller.abort();
      },
    });
    const empty = await openStore();
    await expect(VectorStoreIndex.fromSnapshot(stream, { vectorStore: empty, embedModel: fixtureEmbedding(), signal: controller.signal })).rejects.toThrow(/abort/i);
    expect(await empty.listRefDocs()).toEqual([]);
  });

  test('encodeSnapshot checks its input', async () => {
    const embedModel = { model: 'm', dimensions: 4 };
    await expect(encodeSnapshot({ embedModel, documents: [{ id: 'a', hash: 'h', metadata: {}, nodes: [{ id: 'n', text: 't', metadata: {} }] }], vectors: new Float32Array(3) })).rejects.toThrow(
      /Expected 1 vectors of 4 dimensions/,
    );
  });
});
