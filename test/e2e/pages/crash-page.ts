// Driven by test/e2e/crash.test.ts: `?phase=ingest` ingests 50 documents (and is killed midway);
// `?phase=check` reopens the index and reports whether every document is whole or absent;
// `?phase=quota` stores a few documents, then tries a write larger than the (lowered) quota;
// `?phase=watch` reads the store another page is ingesting into, until told to stop.
import { Document, IndexedDBVectorStore, SentenceSplitter, TextNode, TransformersEmbedding, VectorStoreIndex } from '../../../src/index.js';

const params = new URLSearchParams(location.search);
const run = params.get('run')!;
const state = window as unknown as { __ready?: boolean; __report?: unknown; __stored?: number };

function documents(): Document[] {
  return Array.from({ length: 50 }, (_, i) => {
    const words = 'the cat and the dog ran to the river while rain and snow fell on the mountain'.split(' ');
    const text = Array.from({ length: 15 + (i % 7) }, (_, p) => Array.from({ length: 30 }, (_, w) => words[(i * 7 + p * 3 + w) % words.length]).join(' ') + '.').join('\n\n');
    return new Document({ id: `doc-${i}`, text, metadata: { i } });
  });
}

async function main(): Promise<void> {
  const embedModel = new TransformersEmbedding({ model: 'fixtures/bert-tiny', device: 'wasm', modelSource: { localModelPath: '/models/', allowRemoteModels: false, useBrowserCache: false } });
  await embedModel.load();
  const splitter = new SentenceSplitter({ chunkSize: 24, chunkOverlap: 4, countTokens: (t) => embedModel.countTokens(t) });
  const vectorStore = await IndexedDBVectorStore.open(`crash-${run}`);
  const docs = documents();
  if (params.get('phase') === 'ingest') {
    // Tells the test each time an IndexedDB write transaction commits, so it can crash the renderer
    // right there: where a write split over two transactions would be caught half done.
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      const tx = transaction.apply(this, args);
      if (tx.mode === 'readwrite') tx.addEventListener('complete', () => void (window as unknown as { __committed?: (stored: number) => Promise<void> }).__committed?.(state.__stored ?? 0));
      return tx;
    };
    state.__ready = true;
    // Small transactions, so a kill lands between and inside many of them.
    state.__stored = 0;
    await VectorStoreIndex.fromDocuments(docs, {
      embedModel,
      vectorStore,
      transformations: [splitter],
      nodesPerWrite: 12,
      onProgress: (p) => p.phase === 'store' && (state.__stored = p.done),
    });
    state.__report = { finished: true };
    return;
  }
  if (params.get('phase') === 'quota') {
    // The test lowers the origin's quota through the DevTools protocol, then calls this.
    const index = await VectorStoreIndex.fromDocuments(docs.slice(0, 5), { embedModel, vectorStore, transformations: [splitter] });
    const before = await index.asRetriever({ similarityTopK: 3 }).retrieve('river');
    state.__ready = true;
    (window as unknown as { __bigWrite: () => Promise<unknown> }).__bigWrite = async () => {
      // About 8 MB of node text, in one document.
      const nodes = Array.from({ length: 8 }, (_, i) => new TextNode({ id: `huge-${i}`, text: `${'many words of a very long page '.repeat(33_000)}${i}` }));
      const vectors = nodes.map(() => new Float32Array(embedModel.dimensions).fill(0.1));
      const error = (await vectorStore.add([{ refDocId: 'huge', hash: 'h', nodes, vectors }], { model: embedModel.modelId, dimensions: embedModel.dimensions }).catch((e: unknown) => e)) as Error | undefined;
      const after = await index.asRetriever({ similarityTopK: 3 }).retrieve('river');
      return {
        name: error?.name,
        message: error?.message,
        cause: (error?.cause as DOMException | undefined)?.name,
        stored: (await vectorStore.listRefDocs()).map((d) => d.id).sort(),
        problems: await vectorStore.verify(),
        sameAnswers: JSON.stringify(after.map((r) => r.node.id)) === JSON.stringify(before.map((r) => r.node.id)),
      };
    };
    return;
  }
  if (params.get('phase') === 'watch') {
    // Another page writes; this one reads what its tab sees, as fast as it can.
    const expected = new Map(docs.map((d) => [d.id, splitter.getNodesFromDocuments([d]).length]));
    const counts = new Set<number>();
    const torn = new Set<string>();
    let reads = 0;
    const control = window as unknown as { __stop?: boolean };
    state.__ready = true;
    while (!control.__stop) {
      // Search first, then the document list: every hit's document must be listed, and whole.
      const hits = await vectorStore.query({ mode: 'keyword', queryStr: 'river', similarityTopK: 10_000 });
      const stored = await vectorStore.listRefDocs();
      const listed = new Set(stored.map((d) => d.id));
      for (const hit of hits) if (!listed.has(hit.node.refDocId!)) torn.add(`a search hit from unlisted ${hit.node.refDocId}`);
      for (const d of stored) if (d.nodeIds.length !== expected.get(d.id)) torn.add(`${d.id}: ${d.nodeIds.length} of ${expected.get(d.id)} nodes`);
      counts.add(stored.length);
      reads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    state.__report = { counts: [...counts].sort((a, b) => a - b), torn: [...torn], reads, problems: await vectorStore.verify() };
    return;
  }
  const problems = await vectorStore.verify();
  const stored = await vectorStore.listRefDocs();
  const expected = new Map(docs.map((d) => [d.id, splitter.getNodesFromDocuments([d]).length]));
  const partial = stored.filter((d) => d.nodeIds.length !== expected.get(d.id)).map((d) => `${d.id}: ${d.nodeIds.length} of ${expected.get(d.id)} nodes`);
  const keywordHits = (await vectorStore.query({ mode: 'keyword', queryStr: 'river', similarityTopK: 10_000 })).length;
  state.__report = { problems, partial, present: stored.length, vectors: vectorStore.count, keywordHits };
  vectorStore.close();
}

main().catch((error: unknown) => (state.__report = { error: String(error) }));
