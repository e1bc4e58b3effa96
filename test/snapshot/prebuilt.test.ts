// The CLI's snapshot (built in Node by the global setup from test/fixtures/site) loaded in the
// browser, against the same folder indexed in the browser.
import { describe, expect, inject, test } from 'vitest';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { documentFromFile } from '../../src/ingestion/file-document.js';
import { SentenceSplitter } from '../../src/ingestion/sentence-splitter.js';
import { decodeSnapshot } from '../../src/snapshot/snapshot-format.js';
import { MetadataMode } from '../../src/schema/metadata-mode.js';
import { TextNode } from '../../src/schema/node.js';
import { fixtureEmbedding } from '../support/models.js';
import { storesDeletedAfterEach } from '../support/stores.js';

const FILES = import.meta.glob('../fixtures/site/**/*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const siteFiles = Object.entries(FILES).map(([path, content]) => ({ path: path.replace('../fixtures/site/', ''), content }));
const snapshotUrl = `/${inject('siteSnapshot')}`;

const openStore = storesDeletedAfterEach('prebuilt');

const QUESTIONS = ['boats on the lake at dawn', 'snow on the mountain in winter', 'the train to the city', 'market', 'the dog runs to the river'];

async function results(index: VectorStoreIndex, mode: 'vector' | 'bm25' | 'hybrid') {
  const retriever = index.asRetriever({ mode, similarityTopK: 3 });
  return Promise.all(QUESTIONS.map(async (q) => (await retriever.retrieve(q)).map((r) => ({ doc: r.node.refDocId, text: r.node.text, score: Number(r.score.toFixed(4)) }))));
}

describe('a snapshot built by `pagerag build-index` in Node', () => {
  test('loads into IndexedDB and answers like the same folder indexed in the browser; vectors agree (cosine ≥ 0.999)', async () => {
    const bytes = new Uint8Array(await (await fetch(snapshotUrl)).arrayBuffer());
    const { header, data } = await decodeSnapshot(bytes);
    expect(header.counts.documents).toBe(siteFiles.length);
    expect(header.embedModel).toMatchObject({ model: 'fixtures/bert-tiny', dtype: 'fp32', pooling: 'mean', normalize: true });

    const prebuilt = await VectorStoreIndex.fromSnapshot(snapshotUrl, { vectorStore: await openStore(), embedModel: fixtureEmbedding() });
    expect(prebuilt.lastSnapshotLoad?.loaded).toBe(true);
    expect(await prebuilt.vectorStore.verify()).toEqual([]);

    // The same folder, read and indexed here with the snapshot's chunker settings.
    const embedModel = fixtureEmbedding();
    await embedModel.load();
    const splitter = new SentenceSplitter({ ...header.chunker!, countTokens: (t) => embedModel.countTokens(t) });
    const inBrowser = await VectorStoreIndex.fromDocuments(
      siteFiles.map((f) => documentFromFile(f.path, f.content)),
      { embedModel, vectorStore: await openStore(), transformations: [splitter] },
    );
    // Same documents (ids, hashes, texts: HTML reduced the same way) …
    const docs = async (index: VectorStoreIndex) => (await index.vectorStore.listRefDocs()).map((d) => [d.id, d.hash, d.nodeIds.length]).sort();
    expect(await docs(prebuilt)).toEqual(await docs(inBrowser));
    expect(data.documents.find((d) => d.id === 'blog/2026/boats.html')!.nodes.map((n) => n.text).join(' ')).not.toMatch(/hacked|not text|comment|color/);
    // … same answers, all three retrievers.
    for (const mode of ['vector', 'bm25', 'hybrid'] as const) expect([mode, await results(prebuilt, mode)]).toEqual([mode, await results(inBrowser, mode)]);

    // Node's vectors against the browser's for the same chunk contents (text with its metadata, as embedded).
    expect(header.embedModel.embedsMetadata).toBe(true);
    const texts = data.documents.flatMap((d) => d.nodes.map((n) => new TextNode(n).getContent(MetadataMode.EMBED)));
    expect(texts.every((t) => t.startsWith('file_path: '))).toBe(true);
    const here = await embedModel.getTextEmbeddings(texts);
    const dims = header.embedModel.dimensions;
    const cosines = here.map((v, r) => {
      let dot = 0;
      let a = 0;
      let b = 0;
      for (let d = 0; d < dims; d++) {
        const w = data.vectors[r * dims + d]!;
        dot += v[d]! * w;
        a += v[d]! ** 2;
        b += w ** 2;
      }
      return dot / Math.sqrt(a * b);
    });
    expect(Math.min(...cosines)).toBeGreaterThanOrEqual(0.999);
  });

  test('a second load of the same snapshot is a no-op', async () => {
    const vectorStore = await openStore();
    const embedModel = fixtureEmbedding();
    await VectorStoreIndex.fromSnapshot(snapshotUrl, { vectorStore, embedModel });
    const segments = (await vectorStore.readAll()).segments.map((s) => s.id);
    const again = await VectorStoreIndex.fromSnapshot(snapshotUrl, { vectorStore, embedModel });
    expect(again.lastSnapshotLoad).toMatchObject({ loaded: false, written: 0, removed: 0 });
    expect((await vectorStore.readAll()).segments.map((s) => s.id)).toEqual(segments);
    expect(embedModel.embeddedTexts).toEqual([]);
  });
});
