import { afterAll, describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { LocalRAGEngine, type RAGEngine } from '../../src/engines/rag-engine.js';
import type { PageragEvent } from '../../src/events.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { TransformersLLM } from '../../src/llms/transformers-llm.js';
import { StreamingResponse } from '../../src/responses/streaming-response.js';
import { Document } from '../../src/schema/document.js';
import { TextNode } from '../../src/schema/node.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { WorkerRAGEngine } from '../../src/worker/worker-rag-engine.js';
import { documentFromPdf } from '../../src/ingestion/pdf-document.js';
import { documentFromDocx } from '../../src/ingestion/docx-document.js';
import { makeDocx } from '../support/docx-files.js';
import { corpusDocuments } from '../support/corpus.js';
import { makePdf } from '../support/pdf-files.js';
import { FIXTURE_DECODER, FIXTURE_SOURCE, foreignRequests } from '../support/fixtures.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';
import { tracedPort } from '../support/traced-port.js';

const names: string[] = [];
const workers: Worker[] = [];
afterAll(async () => {
  for (const worker of workers) worker.terminate();
  for (const name of names) await IndexedDBVectorStore.delete(name);
  expect(foreignRequests()).toEqual([]);
});

async function local(maxNewTokens: number): Promise<{ engine: RAGEngine; open?: () => number[] }> {
  const name = uniqueName('rag-local');
  names.push(name);
  const embedModel = fixtureEmbedding();
  const index = await VectorStoreIndex.fromVectorStore(await IndexedDBVectorStore.open(name), { embedModel });
  const llm = new TransformersLLM({ model: FIXTURE_DECODER, device: 'wasm', maxNewTokens, modelSource: FIXTURE_SOURCE });
  return { engine: new LocalRAGEngine({ index, llm, similarityTopK: 1, fileReaders: { '.pdf': documentFromPdf, '.docx': documentFromDocx } }) };
}

async function inWorker(maxNewTokens: number): Promise<{ engine: RAGEngine; open?: () => number[] }> {
  const name = uniqueName('rag-worker');
  names.push(name);
  const worker = new Worker(new URL('../support/rag-worker.ts', import.meta.url), { type: 'module' });
  workers.push(worker);
  const traced = tracedPort(worker);
  const progress: string[] = [];
  const engine = await WorkerRAGEngine.connect(traced.port, { name, maxNewTokens }, { onProgress: (p) => progress.push(p.phase) });
  expect(progress).toContain('load-model');
  return { engine, open: traced.open };
}

describe.each([
  ['LocalRAGEngine', local],
  ['WorkerRAGEngine (the same engine in a Web Worker)', inWorker],
] as const)('RAGEngine contract: %s', (_, make) => {
  test('documents in with progress, a streamed answer with sources and events, documents out', async () => {
    const { engine, open } = await make(30);
    expect(engine.info).toEqual({ llm: FIXTURE_DECODER, embedModel: 'fixtures/bert-tiny' });
    const phases = new Set<string>();
    expect(await engine.refreshRefDocs(corpusDocuments(), { onProgress: (p) => phases.add(p.phase) })).toEqual([true, true, true, true]);
    expect([...phases]).toEqual(expect.arrayContaining(['split', 'embed', 'store']));
    expect(await engine.refreshRefDocs(corpusDocuments())).toEqual([false, false, false, false]);
    expect((await engine.listRefDocs()).map((d) => d.id).sort()).toEqual(['animals', 'author', 'search', 'weather']);

    const events: PageragEvent[] = [];
    const response = await engine.query('Where do the cat and the dog run?', { onEvent: (e) => events.push(e) });
    expect(response).toBeInstanceOf(StreamingResponse);
    expect(response.sourceNodes).toHaveLength(1);
    expect(response.sourceNodes[0]!.node).toBeInstanceOf(TextNode);
    expect(['animals', 'author', 'search', 'weather']).toContain(response.sourceNodes[0]!.node.refDocId);
    const deltas: string[] = [];
    for await (const delta of response.responseGen) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(response.usage?.completionTokens).toBe(30);
    const types = events.map((e) => e.type);
    expect(types.indexOf('retrieve-end')).toBeLessThan(types.indexOf('llm-start'));
    expect(types.filter((t) => t === 'llm-delta')).toHaveLength(deltas.length);
    const retrieved = events.find((e) => e.type === 'retrieve-end') as Extract<PageragEvent, { type: 'retrieve-end' }>;
    expect(retrieved.nodes[0]!.node).toBeInstanceOf(TextNode);

    expect(await engine.deleteRefDoc('animals')).toBe(true);
    expect(await engine.deleteRefDoc('animals')).toBe(false);
    await engine.clear();
    expect(await engine.listRefDocs()).toEqual([]);
    expect(open?.() ?? []).toEqual([]);
  });

  test('retrieval alone gives the nodes without the LLM; a follow-up with chat history is made standalone first', async () => {
    const { engine, open } = await make(12);
    await engine.refreshRefDocs(corpusDocuments());
    const nodes = await engine.retrieve('Where do the cat and the dog run?', { similarityTopK: 3 });
    expect(nodes).toHaveLength(3);
    expect(nodes[0]!.node).toBeInstanceOf(TextNode);
    expect(nodes.map((n) => n.score)).toEqual([...nodes.map((n) => n.score)].sort((a, b) => b! - a!));
    const keyword = await engine.retrieve('snow and rain', { mode: 'bm25' });
    expect(keyword[0]!.node.refDocId).toBe('weather');
    await expect(engine.retrieve('q', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });

    const events: PageragEvent[] = [];
    const history = [
      { role: 'user' as const, content: 'Tell me about the animals.' },
      { role: 'assistant' as const, content: 'A cat and a dog run in the park.' },
    ];
    const response = await engine.query('Where do they run?', { chatHistory: history, onEvent: (e) => events.push(e) });
    expect(response.sourceNodes).toHaveLength(1);
    const answer = (await response.getResponse()).response;
    expect(answer.length).toBeGreaterThan(0);
    // The retrieval ran on the question the LLM rewrote with the history, not on the follow-up as typed.
    const retrieved = events.find((e) => e.type === 'retrieve-start') as Extract<PageragEvent, { type: 'retrieve-start' }>;
    expect(retrieved.query).not.toBe('Where do they run?');
    expect(retrieved.query.length).toBeGreaterThan(0);
    await engine.clear();
    expect(open?.() ?? []).toEqual([]);
  });

  test('files read where the engine runs: Markdown, a PDF (with page labels) and a Word file; an unreadable PDF stores nothing', async () => {
    const { engine } = await make(4);
    const pdf = makePdf({ title: 'Harbour', pages: [['Boats leave at dawn.'], ['The mill grinds wheat.']] });
    const md = new TextEncoder().encode('# Bakery\n\nBread is sold until noon.');
    const phases = new Set<string>();
    const docx = makeDocx(['# Mill', 'The mill grinds wheat for the bakery.']);
    expect(await engine.addFiles([{ name: 'guide/harbour.pdf', bytes: pdf }, { name: 'bakery.md', bytes: md }, { name: 'mill.docx', bytes: docx }], { onProgress: (p) => phases.add(p.phase) })).toEqual([true, true, true]);
    expect([...phases]).toEqual(expect.arrayContaining(['split', 'embed', 'store']));
    const docs = await engine.listRefDocs();
    expect(docs.map((d) => [d.id, d.metadata.title]).sort()).toEqual([
      ['bakery.md', 'Bakery'],
      ['guide/harbour.pdf', 'Harbour'],
      ['mill.docx', 'Mill'],
    ]);
    const response = await engine.query('mill wheat');
    for await (const _ of response.responseGen);
    if (response.sourceNodes[0]!.node.refDocId === 'guide/harbour.pdf') expect(['1', '2']).toContain(response.sourceNodes[0]!.node.metadata.page_label);

    const bad = await engine.addFiles([{ name: 'fine.md', bytes: md }, { name: 'scan.pdf', bytes: makePdf({ pages: [[]] }) }]).catch((e: unknown) => e as Error);
    expect(bad).toMatchObject({ name: 'PdfReadError', message: expect.stringMatching(/"scan\.pdf" has no text layer/) });
    // Read before anything is written: fine.md did not go in without its batch.
    expect((await engine.listRefDocs()).map((d) => d.id).sort()).toEqual(['bakery.md', 'guide/harbour.pdf', 'mill.docx']);
    await expect(engine.addFiles([{ name: 'slides.pptx', bytes: md }])).rejects.toThrow(/Cannot read "slides\.pptx": expected \.md, .*\.pdf, \.docx files/);
    await engine.clear();
  });

  test('a break and an abort stop the answer; the next question works; errors keep their class', async () => {
    const { engine, open } = await make(400);
    await engine.refreshRefDocs(corpusDocuments());
    const broken = await engine.query('cat');
    let n = 0;
    for await (const _ of broken.responseGen) if (++n === 2) break;
    expect(broken.done).toBe(true);

    const controller = new AbortController();
    const reading = engine.query('dog', { signal: controller.signal }).then(async (response) => {
      for await (const _ of response.responseGen) controller.abort();
    });
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });

    const next = await engine.query('cat');
    expect((await next.getResponse()).response.startsWith(broken.toString())).toBe(true);
    await expect(engine.deleteRefDoc(42 as unknown as string)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(open?.() ?? []).toEqual([]);
  });

  test('loads a snapshot by URL, and the same one again is a no-op', async () => {
    const { engine } = await make(10);
    const sourceName = uniqueName('rag-snapshot-source');
    names.push(sourceName);
    const source = await VectorStoreIndex.fromDocuments([new Document({ id: 'river', text: 'The cat and the dog ran to the river.' })], {
      embedModel: fixtureEmbedding(),
      vectorStore: await IndexedDBVectorStore.open(sourceName),
    });
    const url = URL.createObjectURL(new Blob([(await source.toSnapshot()) as BlobPart]));
    try {
      const phases = new Set<string>();
      expect(await engine.loadSnapshot(url, { name: 'river', onProgress: (p) => phases.add(p.phase) })).toMatchObject({ loaded: true, written: 1 });
      expect(phases.has('download')).toBe(true);
      expect(await engine.loadSnapshot(url, { name: 'river' })).toMatchObject({ loaded: false });
      expect((await engine.listRefDocs()).map((d) => d.id)).toEqual(['river']);
    } finally {
      URL.revokeObjectURL(url);
      source.vectorStore.close();
    }
  });
});
