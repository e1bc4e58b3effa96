import { openDB } from 'idb';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { StorageCorruptionError, StorageVersionError } from '../../src/errors.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { Document } from '../../src/schema/document.js';
import { TextNode } from '../../src/schema/node.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { segmentVectors } from '../../src/storage/indexeddb/read-records.js';
import type { IndexConfig, SegmentRecord, StoredSegment } from '../../src/storage/indexeddb/schema.js';
import { encodeSegment } from '../../src/storage/indexeddb/segment-codec.js';
import { corpusDocuments } from '../support/corpus.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';

const names: string[] = [];
afterAll(async () => {
  for (const name of names) await IndexedDBVectorStore.delete(name);
});
const fresh = () => {
  const name = uniqueName('faults');
  names.push(name);
  return name;
};

/** The top hits of one question, with scores: what a migrated index must answer as its source did. */
const answers = (index: VectorStoreIndex, mode: 'vector' | 'bm25') =>
  index.asRetriever({ mode, similarityTopK: 3 }).retrieve('the fish in the river').then((r) => r.map((n) => [n.node.id, n.score.toFixed(5)]));

/** An index of the corpus with one document deleted, and all its records: what a hand-built older database copies. */
async function sourceWithADeletion() {
  const source = await IndexedDBVectorStore.open(fresh());
  const embedModel = fixtureEmbedding();
  const sourceIndex = await VectorStoreIndex.fromDocuments(corpusDocuments(), { embedModel, vectorStore: source });
  await source.delete(corpusDocuments()[1]!.id);
  return { source, embedModel, sourceIndex, records: await source.readAll() };
}

/**
 * A database of index `name` at an older schema `version`, with these object stores and `config`
 * as that schema wrote it (no row count).
 */
async function olderDatabase(name: string, version: number, config: IndexConfig, stores: Record<string, IDBObjectStoreParameters>) {
  const db = await openDB(`pagerag:${name}`, version, {
    upgrade(d) {
      for (const [store, options] of Object.entries(stores)) d.createObjectStore(store, options);
    },
  });
  const { rows: _rows, ...older } = config;
  await db.put('meta', { ...older, schemaVersion: version }, 'config');
  return db;
}

/** The object stores of schema 2: a docstore record per document, node pages, snapshot records. */
const SCHEMA_2_STORES: Record<string, IDBObjectStoreParameters> = {
  meta: {},
  segments: { keyPath: 'id', autoIncrement: true },
  docs: { keyPath: 'id' },
  pages: { keyPath: ['group', 'page'] },
  snapshots: { keyPath: 'name' },
};

/** A segment's row data as schemas 1 to 3 stored it: one JSON of ids, documents, metadata table and index (and, in schema 1, keywords). */
function olderRowData(s: SegmentRecord, withKeywords = false): string {
  const table = [...new Set(s.metadata.map((m) => JSON.stringify(m)))];
  const keywords = withKeywords ? [s.keywords.map((k) => k.terms), s.keywords.map((k) => k.freqs)] : [];
  return JSON.stringify([s.nodeIds, s.refDocIds, table.map((m) => JSON.parse(m)), s.metadata.map((m) => table.indexOf(JSON.stringify(m))), ...keywords]);
}

/** A segment as schema 3 stored it (codes, keyword bytes and locations as now; ids in the row JSON). */
function schema3Segment(s: SegmentRecord): StoredSegment {
  const { ids: _ids, idLengths: _lengths, docOfRow: _docs, ...rest } = encodeSegment(s);
  return { ...rest, rows: olderRowData(s) };
}

/** The database of index `name` is at schema 4, with its stores and nothing else. */
async function expectLatestSchema(name: string): Promise<void> {
  const raw = await openDB(`pagerag:${name}`);
  expect(raw.version).toBe(4);
  expect([...raw.objectStoreNames].sort()).toEqual(['docGroups', 'meta', 'pages', 'segments', 'snapshots', 'vectors']);
  raw.close();
}

describe('schema versions', () => {
  test('a database written by a newer schema gives a clear error and is left untouched', async () => {
    const name = fresh();
    const newer = await openDB(`pagerag:${name}`, 7, { upgrade: (db) => void db.createObjectStore('future') });
    newer.close();
    const error = await IndexedDBVectorStore.open(name).then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(StorageVersionError);
    expect(error!.message).toMatch(/written by a newer version of pagerag.*left untouched/);
    const again = await openDB(`pagerag:${name}`);
    expect(again.version).toBe(7);
    expect([...again.objectStoreNames]).toEqual(['future']);
    again.close();
  });

  test('a database of schema 1 is migrated in place: same documents and answers, then writable', async () => {
    // A schema-1 database as pagerag 0.1 wrote it: node pages per document, keyword rows inside each
    // segment's JSON, no snapshot records.
    const source = await IndexedDBVectorStore.open(fresh());
    const embedModel = fixtureEmbedding();
    const sourceIndex = await VectorStoreIndex.fromDocuments(corpusDocuments(), { embedModel, vectorStore: source });
    const { config, docs, segments, pages, vectorPages } = await source.readAll();
    const pageById = new Map(vectorPages.map((p) => [p.id!, p]));
    const name = fresh();
    const v1 = await olderDatabase(name, 1, config!, {
      meta: {},
      segments: { keyPath: 'id', autoIncrement: true },
      nodes: { keyPath: ['refDocId', 'page'] },
      docs: { keyPath: 'id' },
    });
    for (const s of segments) await v1.put('segments', { id: s.id, vectors: segmentVectors(s, pageById, config!.dimensions), rows: olderRowData(s, true) });
    const nodeById = new Map(pages.flatMap((p) => p.nodes).map((n) => [n.id, n]));
    for (const doc of docs) {
      for (let start = 0, page = 0; start < doc.nodeIds.length; start += 128, page++) {
        await v1.put('nodes', { refDocId: doc.id, page, nodes: doc.nodeIds.slice(start, start + 128).map((id) => nodeById.get(id)) });
      }
    }
    for (const doc of docs) await v1.put('docs', doc);
    v1.close();

    const migrated = await IndexedDBVectorStore.open(name);
    const index = await VectorStoreIndex.fromVectorStore(migrated, { embedModel });
    expect(await migrated.verify()).toEqual([]);
    expect(await answers(index, 'vector')).toEqual(await answers(sourceIndex, 'vector'));
    expect(await answers(index, 'bm25')).toEqual(await answers(sourceIndex, 'bm25'));
    await index.insert(new Document({ id: 'after-migration', text: 'a heron stands in the river' }));
    expect(await migrated.verify()).toEqual([]);
    migrated.close();
    await expectLatestSchema(name);
    source.close();
  });

  test('a database of schema 2 is migrated in place: float32 rows move to vector pages, segments get their codes', async () => {
    // A schema-2 database as pagerag wrote it before the codes were stored: float32 rows inside each
    // segment, two location fields per row (node page group, page), no vector pages.
    const { source, embedModel, sourceIndex, records } = await sourceWithADeletion();
    const { config, docs, segments, pages, vectorPages } = records;
    const pageById = new Map(vectorPages.map((p) => [p.id!, p]));
    const name = fresh();
    const v2 = await olderDatabase(name, 2, config!, SCHEMA_2_STORES);
    for (const s of segments) {
      const locations = Uint32Array.from(s.nodeIds.flatMap((_, i) => [s.locations[i * 3]!, s.locations[i * 3 + 1]!]));
      await v2.put('segments', { id: s.id, vectors: segmentVectors(s, pageById, config!.dimensions), rows: olderRowData(s), keywords: encodeSegment(s).keywords, locations });
    }
    for (const page of pages) await v2.put('pages', page);
    for (const doc of docs) await v2.put('docs', doc);
    v2.close();

    const migrated = await IndexedDBVectorStore.open(name);
    expect(await migrated.verify()).toEqual([]);
    // The migration counted the rows (schema 2 did not record them).
    expect((await migrated.readAll()).config?.rows).toBe(segments.reduce((n, s) => n + s.nodeIds.length, 0));
    // The same vectors, keyword rows and codes as the store that wrote them.
    const [after, before] = await Promise.all([migrated.exportContents(), source.exportContents()]);
    expect(Array.from(after.vectors)).toEqual(Array.from(before.vectors));
    expect(after.keywords).toEqual(before.keywords);
    const codesAfter = (await migrated.readAll()).segments.map((s) => s.codes);
    expect(codesAfter).toEqual(segments.map((s) => s.codes));
    const index = await VectorStoreIndex.fromVectorStore(migrated, { embedModel });
    expect(await answers(index, 'vector')).toEqual(await answers(sourceIndex, 'vector'));
    expect(await answers(index, 'bm25')).toEqual(await answers(sourceIndex, 'bm25'));
    await index.insert(new Document({ id: 'after-migration', text: 'a heron stands in the river' }));
    await migrated.delete(corpusDocuments()[0]!.id);
    expect(await migrated.verify()).toEqual([]);
    migrated.close();
    await expectLatestSchema(name);
    source.close();
  });

  test('a database of schema 3 is migrated in place: one docstore record per document becomes one per segment', async () => {
    // A schema-3 database as pagerag wrote it before the docstore was grouped: a `docs` store with
    // one record per document, and no row count in the config.
    const { source, embedModel, sourceIndex, records } = await sourceWithADeletion();
    const { config, docs, segments, pages, vectorPages } = records;
    const name = fresh();
    // Schema 3 added the vector pages.
    const v3 = await olderDatabase(name, 3, config!, { ...SCHEMA_2_STORES, vectors: { keyPath: 'id', autoIncrement: true } });
    for (const s of segments) await v3.put('segments', schema3Segment(s));
    for (const page of pages) await v3.put('pages', page);
    for (const page of vectorPages) await v3.put('vectors', page);
    for (const doc of docs) await v3.put('docs', doc);
    v3.close();

    const migrated = await IndexedDBVectorStore.open(name);
    expect(await migrated.verify()).toEqual([]);
    const sortById = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(sortById(await migrated.listRefDocs())).toEqual(sortById(docs));
    expect(await migrated.getRefDocs(docs.map((d) => d.id))).toEqual(docs);
    const index = await VectorStoreIndex.fromVectorStore(migrated, { embedModel });
    expect(await answers(index, 'vector')).toEqual(await answers(sourceIndex, 'vector'));
    expect(await answers(index, 'bm25')).toEqual(await answers(sourceIndex, 'bm25'));
    // Writable: a new document, a replaced one, a deleted one, and a compaction that moves entries.
    await index.insert(new Document({ id: 'after-migration', text: 'a heron stands in the river' }));
    await index.insert(new Document({ id: corpusDocuments()[2]!.id, text: 'a replaced page about otters' }));
    await migrated.delete(corpusDocuments()[0]!.id);
    await migrated.compact();
    expect(await migrated.verify()).toEqual([]);
    expect((await migrated.getRefDoc(corpusDocuments()[2]!.id))?.nodeIds.length).toBeGreaterThan(0);
    expect(await migrated.getRefDoc(corpusDocuments()[0]!.id)).toBeUndefined();
    migrated.close();
    await expectLatestSchema(name);
    source.close();
  });

  test('an upgrade from another tab does not hang: the open store closes, and reopens when used again', async () => {
    const name = fresh();
    const store = await IndexedDBVectorStore.open(name);
    const index = await VectorStoreIndex.fromDocuments(corpusDocuments(), { embedModel: fixtureEmbedding(), vectorStore: store });
    // Another tab deletes the database (a versionchange): it must not be blocked by this tab.
    await IndexedDBVectorStore.delete(name);
    // This tab notices and works on the (now empty) database instead of failing.
    expect(await index.asRetriever().retrieve('cat')).toEqual([]);
    await index.insert(new Document({ id: 'after', text: 'the cat came back' }));
    expect((await index.asRetriever().retrieve('cat'))[0]!.node.refDocId).toBe('after');
    store.close();
  });
});

describe('segment row data', () => {
  // Ids are stored back to back in one string with their lengths: no character may end one early.
  const odd = ['a\u0000b', '👋 wave', 'lone \ud800 surrogate', 'x'.repeat(1000), 'ä|ö', '\n'];
  const model = { model: 'odd-ids', dimensions: 4 };
  const vector = (i: number) => Float32Array.from([1, i, i * i, -i]);
  const documents = odd.map((id, d) => ({ refDocId: `doc ${id}`, hash: String(d), nodes: [new TextNode({ id, text: `text ${d}` }), new TextNode({ id: `${id}#2`, text: `more ${d}` })], vectors: [vector(d), vector(d + 0.5)] }));

  test('node and document ids of any characters are read back as written', async () => {
    const name = fresh();
    const writer = await IndexedDBVectorStore.open(name);
    await writer.add(documents, model);
    writer.close();
    const store = await IndexedDBVectorStore.open(name);
    for (const [d, doc] of documents.entries()) {
      const [hit] = await store.query({ queryEmbedding: vector(d), similarityTopK: 1, exact: true });
      expect([hit!.node.id, hit!.node.refDocId]).toEqual([odd[d], doc.refDocId]);
    }
    expect((await store.getRefDocs(documents.map((doc) => doc.refDocId))).map((doc) => doc?.nodeIds)).toEqual(odd.map((id) => [id, `${id}#2`]));
    expect(await store.delete(documents[0]!.refDocId)).toBe(true);
    expect(await store.verify()).toEqual([]);
    const [first] = await store.query({ queryEmbedding: vector(0), similarityTopK: 1, exact: true });
    expect(first!.node.refDocId).not.toBe(documents[0]!.refDocId);
    store.close();
  });

  test('a segment whose ids do not add up to their lengths is refused when opened, naming the segment', async () => {
    const name = fresh();
    const writer = await IndexedDBVectorStore.open(name);
    await writer.add(documents, model);
    writer.close();
    const raw = await openDB(`pagerag:${name}`);
    const [segment] = (await raw.getAll('segments')) as StoredSegment[];
    segment!.idLengths![0]! += 1;
    await raw.put('segments', segment);
    raw.close();
    const opening = IndexedDBVectorStore.open(name);
    await expect(opening).rejects.toThrow(StorageCorruptionError);
    await expect(opening).rejects.toThrow(`The row data of segment ${segment!.id} is unreadable: its ids take`);
  });
});

describe('two tabs on one index', () => {
  test("B sees A's new documents after A commits, without a reload, and never half a document", async () => {
    const name = fresh();
    const embedModel = fixtureEmbedding();
    const tabA = await IndexedDBVectorStore.open(name);
    const tabB = await IndexedDBVectorStore.open(name);
    const indexA = await VectorStoreIndex.fromDocuments([], { embedModel, vectorStore: tabA });
    await indexA.insert(new Document({ id: 'first', text: 'the mountain and the ocean' }));
    const indexB = await VectorStoreIndex.fromVectorStore(tabB, { embedModel });
    const docs = Array.from({ length: 8 }, (_, i) => new Document({ id: `doc${i}`, text: `${'the river and the sky '.repeat(20 + i)} number ${i}` }));
    const snapshots: Map<string, number>[] = [];
    const look = async () => {
      const byDoc = new Map<string, number>();
      for (const r of await indexB.asRetriever({ similarityTopK: 1000 }).retrieve('river sky')) byDoc.set(r.node.refDocId!, (byDoc.get(r.node.refDocId!) ?? 0) + 1);
      snapshots.push(byDoc);
      return byDoc;
    };
    // One document at a time: B sees each one after A's commit (A's message may take a moment).
    for (const doc of docs.slice(0, 4)) {
      await indexA.insert(doc);
      let seen = (await look()).has(doc.id);
      for (let i = 0; i < 200 && !seen; i++) {
        await new Promise((r) => setTimeout(r, 10));
        seen = (await look()).has(doc.id);
      }
      expect(seen).toBe(true);
    }
    // Many writes while B keeps querying (top-k larger than the index: B's whole view each time).
    let ingesting = true;
    const watch = (async () => {
      while (ingesting) {
        await look();
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await VectorStoreIndex.fromDocuments(docs.slice(4), { embedModel, vectorStore: tabA, nodesPerWrite: 4 });
    ingesting = false;
    await watch;
    // Every document B ever saw had all its nodes.
    const finalCounts = new Map((await tabA.listRefDocs()).map((d) => [d.id, d.nodeIds.length]));
    for (const snapshot of snapshots) for (const [id, count] of snapshot) expect([id, count]).toEqual([id, finalCounts.get(id)]);
    expect(snapshots.some((s) => s.size > 1 && s.size < docs.length + 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    const seen = new Set((await indexB.asRetriever({ similarityTopK: 500 }).retrieve('river sky')).map((r) => r.node.refDocId));
    expect(seen).toEqual(new Set(['first', ...docs.map((d) => d.id)]));
    expect(await tabB.verify()).toEqual([]);
    tabA.close();
    tabB.close();
  });

  test('a tab that hears nothing of the other still replaces what the other stored: writes trust memory only at the change count it holds', async () => {
    const name = fresh();
    const model = { model: 'two-tabs', dimensions: 4 };
    const doc = (id: string, texts: string[]) => ({
      refDocId: id,
      hash: texts.join('|'),
      nodes: texts.map((text, i) => new TextNode({ id: `${id}#${i}`, text, refDocId: id })),
      vectors: texts.map((_, i) => Float32Array.from({ length: 4 }, (_, d) => (d === i % 4 ? 1 : 0.1))),
    });
    // Tab A gets no messages, as in a browser without BroadcastChannel: it never reloads.
    const Channel = globalThis.BroadcastChannel;
    (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel = undefined;
    const tabA = await IndexedDBVectorStore.open(name).finally(() => (globalThis.BroadcastChannel = Channel));
    const tabB = await IndexedDBVectorStore.open(name);
    const lookups = vi.spyOn(IDBIndex.prototype, 'getKey');
    try {
      await tabA.add([doc('a', ['alpha one', 'alpha two'])], model);
      await tabA.add([doc('b', ['beta one'])], model);
      await tabA.delete('a');
      await tabA.add([doc('a', ['alpha again'])], model);
      // The delete looked its document up; each write knew from memory that its documents were new.
      expect(lookups.mock.calls.map(([id]) => id)).toEqual(['a']);
      lookups.mockClear();

      // B stores a document A never saw; A then writes it.
      await tabB.add([doc('x', ['x by b one', 'x by b two', 'x by b three'])], model);
      await tabA.add([doc('x', ['x by a'])], model);
      // The stored change count had moved past A's: A looked the id up and replaced B's version.
      expect(lookups.mock.calls.map(([id]) => id)).toEqual(['x']);

      // Synced again (a reload), A stores an empty document: memory, which holds rows, cannot know
      // it, so the next write of it looks it up.
      await tabA.reload();
      await tabA.add([doc('empty', [])], model);
      lookups.mockClear();
      await tabA.add([doc('empty', ['no longer empty'])], model);
      expect(lookups.mock.calls.map(([id]) => id)).toEqual(['empty']);

      const check = await IndexedDBVectorStore.open(name);
      expect(await check.verify()).toEqual([]);
      expect((await check.listRefDocs()).map((d) => [d.id, d.nodeIds]).sort()).toEqual([
        ['a', ['a#0']],
        ['b', ['b#0']],
        ['empty', ['empty#0']],
        ['x', ['x#0']],
      ]);
      expect((await check.getNodesOfRefDoc('x')).map((n) => n.text)).toEqual(['x by a']);
      expect(check.count).toBe(4);
      check.close();
    } finally {
      lookups.mockRestore();
      tabA.close();
      tabB.close();
    }
  });
});
