// The benchmark page: runs in headless Chromium (scripts/bench.mjs starts it) and reports JSON.
import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { FakeEmbeddings } from '@langchain/core/utils/testing';
import { Document as LCDocument } from '@langchain/core/documents';
import { HNSW } from 'mememo';
import { pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { IndexedDBVectorStore, TextNode, TransformersEmbedding, VectorStoreIndex, WorkerLLM, StreamingResponse, applyModelSource } from '../src/index.js';
import { pushIterator } from '../src/streams/push-iterator.js';
import { MockLLM } from '../src/index.js';
import { instantiateInt8DotKernel } from '../src/search/int8-dot-kernel.js';
import { Int8Index } from '../src/search/int8-index.js';
import { VectorMatrix } from '../src/search/vector-matrix.js';
import { encodeVectorCodes } from '../src/search/vector-codes.js';

type MatrixRowOf = { nodeId: string; refDocId: string; metadata: Record<string, never> };
import { clusteredVectors } from '../test/support/vectors.js';
import { encodeSnapshot, type SnapshotDocument } from '../src/snapshot/snapshot-format.js';
import { analyzeKeywords } from '../src/search/bm25-index.js';
import { ANALYZER_ID } from '../src/search/english-analyzer.js';

type Row = Record<string, string | number | boolean | null>;
const results: { figures: Row[]; peers: Row[]; notes: string[]; env: Row } = { figures: [], peers: [], notes: [], env: {} };
// Visible while running, so a run cut short by its time limit still reports what it measured.
(window as unknown as { __partial: unknown }).__partial = results;
const log = (...args: unknown[]) => console.log('[bench]', ...args);
const params = new URLSearchParams(location.search);
const SIZES = (params.get('sizes') ?? '10000,100000,1000000').split(',').map(Number);
const PEER_SIZES = (params.get('peerSizes') ?? '10000,100000').split(',').map(Number);
const DIMS = 384;
const SEED = 42;
const QUERIES = 100;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const round = (v: number, digits = 2) => Number(v.toFixed(digits));
const mb = () => ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0) / 1e6;

async function timeQueries(run: (q: Float32Array) => unknown | Promise<unknown>, queries: Float32Array[]) {
  const times: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    await run(q);
    times.push(performance.now() - t);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

function recallAt10(got: string[][], exact: string[][]): number {
  let hit = 0;
  got.forEach((ids, i) => (hit += ids.filter((id) => exact[i]!.includes(id)).length));
  return hit / (exact.length * 10);
}

async function buildMatrix(rows: number, seed: number) {
  const kernel = await instantiateInt8DotKernel(1);
  const matrix = new VectorMatrix<MatrixRowOf>(DIMS, rows, kernel && new Int8Index(kernel, DIMS));
  const chunk = 10_000;
  let queries: Float32Array[] = [];
  // Kept for the peers, which are only run at these sizes.
  const kept: Float32Array[] = [];
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    const set = clusteredVectors({ rows: n, dims: DIMS, queries: start === 0 ? QUERIES : 0, clusters: 256, seed: seed + start, centresSeed: seed });
    if (start === 0) queries = set.queries;
    matrix.append(Array.from({ length: n }, (_, i): MatrixRowOf => ({ nodeId: `n${start + i}`, refDocId: `d${start + i}`, metadata: {} })), set.vectors);
    if (PEER_SIZES.includes(rows)) kept.push(set.vectors);
  }
  return { matrix, queries, kept };
}

async function searchFigures(): Promise<void> {
  for (const rows of SIZES) {
    log(`search ${rows}`);
    let built: Awaited<ReturnType<typeof buildMatrix>>;
    const t0 = performance.now();
    try {
      built = await buildMatrix(rows, SEED);
    } catch (error) {
      results.notes.push(`${rows} rows: could not build the matrix in this tab (${(error as Error).message}).`);
      continue;
    }
    const buildMs = performance.now() - t0;
    const { matrix, queries, kept } = built;
    const exactIds: string[][] = [];
    const exact = await timeQueries((q) => exactIds.push(matrix.search(q, 10, { exact: true }).map((r) => r.info.nodeId)), queries);
    const fastIds: string[][] = [];
    const fast = await timeQueries((q) => fastIds.push(matrix.search(q, 10).map((r) => r.info.nodeId)), queries);
    // The search before the 1-bit stage (int8 over every row, float32 re-rank), in the same run.
    const twoStage = await timeQueries((q) => matrix.search(q, 10, { bits: false }), queries);
    results.figures.push({
      figure: `top-10 query, ${rows.toLocaleString('en')} × ${DIMS}`,
      'pagerag p50 ms': round(fast.p50),
      'pagerag p95 ms': round(fast.p95),
      'int8 two-stage p50 ms': round(twoStage.p50),
      'speed-up over it': round(twoStage.p50 / fast.p50, 2),
      'exact float32 p50 ms': round(exact.p50),
      'recall@10': round(recallAt10(fastIds, exactIds), 4),
      'build s': round(buildMs / 1000),
      'heap MB': round(heapMB(), 0),
    });
    if (PEER_SIZES.includes(rows)) await peers(rows, matrix, kept, queries, exactIds);
  }
  const largest = Math.max(...SIZES);
  if (largest >= 1_000_000) await codesMemoryFigure(largest);
}

/**
 * What the search holds when only the codes are in memory (an IndexedDB index above
 * floatRowsInMemory): a matrix made with `floats: false`, rows given as their codes.
 */
async function codesMemoryFigure(rows: number): Promise<void> {
  log(`codes-only matrix ${rows}`);
  const kernel = await instantiateInt8DotKernel(1);
  if (!kernel) return;
  const before = heapMB();
  const matrix = new VectorMatrix<MatrixRowOf>(DIMS, rows, new Int8Index(kernel, DIMS), false);
  for (let start = 0; start < rows; start += 10_000) {
    const n = Math.min(10_000, rows - start);
    const { vectors } = clusteredVectors({ rows: n, dims: DIMS, queries: 0, clusters: 256, seed: SEED + start, centresSeed: SEED });
    matrix.appendCodes(Array.from({ length: n }, (_, i): MatrixRowOf => ({ nodeId: `n${start + i}`, refDocId: `d${start + i}`, metadata: {} })), encodeVectorCodes(vectors, DIMS));
  }
  const heap = heapMB() - before;
  const wasm = kernel.memory.buffer.byteLength / 1e6;
  results.figures.push({
    figure: `memory of the vector search over ${rows.toLocaleString('en')} × ${DIMS}, codes only (float32 rows read per query)`,
    'JS heap MB (rows and norms)': round(heap, 0),
    'wasm MB (int8 and 1-bit codes)': round(wasm, 0),
    'JS + wasm MB': round(heap + wasm, 0),
    rows: matrix.size,
  });
}

/** The JS heap after a collection (the bench page may force one), in MB. */
function heapMB(): number {
  (globalThis as unknown as { gc?: () => void }).gc?.();
  return mb();
}

/**
 * The heap in MB after a pause and a forced collection. A collection's sweeping goes on after it:
 * measured at once, the heap still counted garbage (a store's figure came out 0.5 GB high).
 */
async function settled(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return heapMB();
}

function vectorsOf(chunks: readonly Float32Array[], rows: number): number[][] {
  const out: number[][] = [];
  for (const chunk of chunks) for (let at = 0; at < chunk.length && out.length < rows; at += DIMS) out.push(Array.from(chunk.subarray(at, at + DIMS)));
  return out;
}

async function peers(rows: number, matrix: VectorMatrix<MatrixRowOf>, kept: readonly Float32Array[], queries: Float32Array[], exactIds: string[][]): Promise<void> {
  const vectors = vectorsOf(kept, rows);
  const pagerag = await timeQueries((q) => matrix.search(q, 10), queries);
  const add = async (name: string, build: () => Promise<(q: Float32Array) => Promise<string[]>>, extra: Row = {}) => {
    log(`peer ${name} ${rows}`);
    try {
      const t = performance.now();
      const query = await build();
      const buildMs = performance.now() - t;
      const ids: string[][] = [];
      const times = await timeQueries(async (q) => ids.push(await query(q)), queries);
      results.peers.push({
        peer: name,
        rows,
        'build s': round(buildMs / 1000),
        'p50 ms': round(times.p50),
        'p95 ms': round(times.p95),
        'recall@10': round(recallAt10(ids, exactIds), 4),
        'pagerag p50 / peer p50': round(pagerag.p50 / times.p50, 3),
        ...extra,
      });
    } catch (error) {
      results.peers.push({ peer: name, rows, error: (error as Error).message.slice(0, 160) });
    }
  };
  await add('LangChain.js MemoryVectorStore', async () => {
    const store = new MemoryVectorStore(new FakeEmbeddings());
    await store.addVectors(vectors, vectors.map((_, i) => new LCDocument({ pageContent: '', metadata: { id: `n${i}` } })));
    return async (q) => (await store.similaritySearchVectorWithScore(Array.from(q), 10)).map(([doc]) => doc.metadata.id as string);
  });
  await add('Orama vector search', async () => {
    const db = create({ schema: { id: 'string', embedding: `vector[${DIMS}]` } as const });
    await insertMultiple(db, vectors.map((embedding, i) => ({ id: `n${i}`, embedding })), 5000);
    return async (q) => {
      const found = await oramaSearch(db, { mode: 'vector', vector: { value: Array.from(q), property: 'embedding' }, similarity: 0, limit: 10, includeVectors: false });
      return found.hits.map((h) => h.document.id as string);
    };
  });
  if (rows <= 10_000) {
    await add(
      'MeMemo HNSW (IndexedDB)',
      async () => {
        const index = new HNSW({ distanceFunction: 'cosine', useIndexedDB: true, seed: SEED });
        await index.bulkInsert(vectors.map((_, i) => `n${i}`), vectors);
        return async (q) => (await index.query(Array.from(q), 10)).keys;
      },
      { note: 'HNSW, approximate' },
    );
  } else {
    results.notes.push(`MeMemo at ${rows.toLocaleString('en')} rows was not run: its HNSW build with IndexedDB takes far longer than the benchmark's 15-minute budget.`);
  }
  await add('Voy (voy-search)', async () => {
    const { Voy } = await loadVoy();
    const voy = new Voy({ embeddings: vectors.map((embeddings, i) => ({ id: `n${i}`, title: '', url: '', embeddings })) });
    return async (q) => (voy.search(q, 10) as { neighbors: { id: string }[] }).neighbors.map((n) => n.id);
  });
}

/** Voy ships a wasm-bindgen "bundler" build (an ESM wasm import Vite cannot do): instantiate it by hand. */
async function loadVoy(): Promise<{ Voy: new (resource: unknown) => { search(q: Float32Array, k: number): unknown } }> {
  const glue = await import('voy-search/voy_search_bg.js');
  const wasmUrl = (await import('voy-search/voy_search_bg.wasm?url')).default;
  const { instance } = await WebAssembly.instantiateStreaming(fetch(wasmUrl), { './voy_search_bg.js': glue as unknown as WebAssembly.ModuleImports });
  (glue as unknown as { __wbg_set_wasm(exports: unknown): void }).__wbg_set_wasm(instance.exports);
  return glue as unknown as { Voy: new (resource: unknown) => { search(q: Float32Array, k: number): unknown } };
}

/**
 * What an open store holds, in MB: the JS heap with it less the heap once it is closed and
 * collected (each after a forced collection, where the page may force one), and its WebAssembly
 * memory. Measured this way, garbage the page held before does not count. `released` says whether
 * the closed store was collected (else the heap figure means nothing).
 */
async function memoryOfStore(holder: { store?: IndexedDBVectorStore | undefined }): Promise<{ heap: number; buffers: number; wasm: number; released: boolean }> {
  let store: IndexedDBVectorStore | undefined = holder.store!;
  holder.store = undefined;
  const withStore = await settled();
  // The bench reads the store's private parts: no public API reports memory. The typed arrays'
  // contents live outside the JS heap (the heap figure leaves them out): counted here.
  type Buffers = { byteLength: number };
  const matrix = (store as unknown as { index?: { matrix: { data: Buffers; inverseNorms: Buffers; approx: Buffers; int8?: { scales: Buffers; kernel: { memory: WebAssembly.Memory } } } } }).index?.matrix;
  const buffers = ((matrix?.data.byteLength ?? 0) + (matrix?.inverseNorms.byteLength ?? 0) + (matrix?.approx.byteLength ?? 0) + (matrix?.int8?.scales.byteLength ?? 0)) / 1e6;
  const wasm = (matrix?.int8?.kernel.memory.buffer.byteLength ?? 0) / 1e6;
  const ref = new WeakRef(store);
  store.close();
  store = undefined;
  // Timers of the closed store (the one-second background start) hold it until they fire.
  const without = await settled();
  return { heap: withStore - without, buffers, wasm, released: ref.deref() === undefined };
}

/** Writes `rows` clustered vectors (10 nodes per document, 1,000 documents per write) to a new index; returns its name and write time. */
async function writeStore(rows: number): Promise<{ name: string; writeMs: number; query: Float32Array }> {
  const name = `bench-${rows}-${Date.now()}`;
  const store = await IndexedDBVectorStore.open(name);
  // Stored under the 384-dimension fixture encoder's id, so a real query engine can search it below.
  const model = { model: params.get('embedModel') ?? 'fixtures/all-MiniLM-L6-v2-random', dimensions: DIMS };
  const perDoc = 10;
  const perWrite = perDoc * 1000;
  let writeMs = 0;
  let query = new Float32Array(0);
  for (let start = 0; start < rows; start += perWrite) {
    // Generated a write at a time, so a million rows never sit in this page's memory at once.
    const n = Math.min(perWrite, rows - start);
    const { vectors } = clusteredVectors({ rows: n, dims: DIMS, queries: 0, clusters: 256, seed: SEED + start, centresSeed: SEED });
    if (start === 0) query = vectors.slice(0, DIMS);
    const docs = [];
    for (let d = 0; d < n; d += perDoc) {
      const nodes = Array.from({ length: perDoc }, (_, i) => new TextNode({ id: `n${start + d + i}`, text: `chunk ${start + d + i}`, refDocId: `doc${start + d}` }));
      docs.push({ refDocId: `doc${start + d}`, hash: String(start + d), nodes, vectors: nodes.map((_, i) => vectors.subarray((d + i) * DIMS, (d + i + 1) * DIMS)) });
    }
    const t = performance.now();
    await store.add(docs, model);
    writeMs += performance.now() - t;
  }
  await store.compact();
  store.close();
  return { name, writeMs, query };
}

/**
 * Opens a stored index until its first query ran, waits for its background work (float32 rows
 * read where kept, keyword index), then times queries on it.
 */
async function openAndQuery(name: string, query: Float32Array, options: { floatRowsInMemory?: number } = {}, exact = false) {
  // As on a later visit: not while the page still holds the garbage of the store that wrote the
  // index (2.3 GB after writing a million rows), whose collection slowed the 1M open from 2.8 to 5.8 s.
  await settled();
  const t = performance.now();
  const store = await IndexedDBVectorStore.open(name, options);
  await store.query({ queryEmbedding: query, similarityTopK: 10 });
  const openMs = performance.now() - t;
  await store.ready();
  const readyMs = performance.now() - t;
  const { queries } = clusteredVectors({ rows: 0, dims: DIMS, queries: 50, clusters: 256, seed: SEED + 7, centresSeed: SEED });
  const ids: string[][] = [];
  const times = await timeQueries(async (q) => ids.push((await store.query({ queryEmbedding: q, similarityTopK: 10, ...(exact && { exact }) })).map((hit) => hit.node.id)), queries);
  return { store: store as IndexedDBVectorStore | undefined, openMs, readyMs, queryP50: times.p50, ids };
}

async function storageFigures(): Promise<void> {
  log('storage');
  for (const rows of [100_000, ...(SIZES.includes(1_000_000) ? [1_000_000] : [])]) {
    const label = rows.toLocaleString('en');
    const { name, writeMs, query } = await writeStore(rows);
    results.figures.push({ figure: `write ${label} precomputed vectors with nodes to IndexedDB`, 'vectors/s': round(rows / (writeMs / 1000), 0), s: round(writeMs / 1000) });
    // Default settings: 100k rows are read into memory as float32 after the first query, 1M keep only codes.
    const opened = await openAndQuery(name, query);
    const figure: Row = {
      figure: `open a stored ${label} × ${DIMS} index until the first query ran`,
      ms: round(opened.openMs, 0),
      'ready ms': round(opened.readyMs, 0),
      [rows <= 131072 ? 'query p50 ms, ready (float32 in memory)' : 'query p50 ms (codes in memory, float32 rows read)']: round(opened.queryP50, 2),
    };
    // Ready: the keyword index built, and float32 rows read where they are kept.
    const memory = await memoryOfStore(opened);
    Object.assign(figure, {
      'JS heap MB, ready': round(memory.heap, 0),
      'typed arrays MB': round(memory.buffers, 0),
      'wasm MB': round(memory.wasm, 0),
      'JS + wasm MB, ready': round(memory.heap + memory.buffers + memory.wasm, 0),
      'released when closed': memory.released,
    });
    if (rows === 100_000) {
      // On a store of its own: what the engine loads (the embedding model) is not the store's memory.
      const forEngine = await openAndQuery(name, query);
      await engineFigures(forEngine.store!, params.get('embedModel') ?? 'fixtures/all-MiniLM-L6-v2-random');
      forEngine.store?.close();
      const { ids: exactIds } = await openAndQuery(name, query, {}, true).then((r) => (r.store?.close(), r));
      // The same index keeping only codes (floatRowsInMemory: 0): every query reads its float32 rows.
      const codes = await openAndQuery(name, query, { floatRowsInMemory: 0 });
      codes.store?.close();
      Object.assign(figure, { 'codes only: query p50 ms': round(codes.queryP50, 2), 'codes only: recall@10 vs exact': round(recallAt10(codes.ids, exactIds), 4) });
    } else {
      const again = await openAndQuery(name, query);
      Object.assign(figure, { 'second open ms': round(again.openMs, 0), 'second open: query p50 ms': round(again.queryP50, 2) });
      again.store?.close();
    }
    await IndexedDBVectorStore.delete(name);
    results.figures.push(figure);
  }
}

/** Time to first token minus its parts, and main-thread long tasks, on the 100k index. */
async function engineFigures(store: IndexedDBVectorStore, embedModelId: string): Promise<void> {
  log('engine');
  const source = { localModelPath: '/models/', allowRemoteModels: false, useBrowserCache: false };
  const embedModel = new TransformersEmbedding({ model: embedModelId, device: 'wasm', modelSource: source });
  const index = await VectorStoreIndex.fromVectorStore(store, { embedModel });
  const llm = new MockLLM({ response: 'answer 1 from the scripted model' });
  const question = 'What did the author do growing up?';
  const overheads: number[] = [];
  for (let i = 0; i < 20; i++) {
    let t = performance.now();
    const q = await embedModel.getQueryEmbedding(question);
    const embedMs = performance.now() - t;
    t = performance.now();
    await store.query({ queryEmbedding: q, similarityTopK: 2 });
    const searchMs = performance.now() - t;
    t = performance.now();
    for await (const _ of llm.streamComplete('warm')) break;
    const modelFirstMs = performance.now() - t;
    const response = await index.asQueryEngine({ llm, streaming: true, similarityTopK: 2 }).query(question);
    for await (const _ of response.responseGen) break;
    overheads.push(response.firstTokenMs! - (embedMs + searchMs + modelFirstMs));
  }
  results.figures.push({ figure: 'time to first token minus (query embedding + search + model first token), 100k index', 'p50 ms': round(percentile(overheads, 50), 3) });

  const worker = new Worker(new URL('../test/support/llm-worker.ts', import.meta.url), { type: 'module', name: JSON.stringify({ maxNewTokens: 200 }) });
  const workerLLM = await WorkerLLM.connect(worker);
  await workerLLM.complete('warm up');
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
  observer.observe({ type: 'longtask', buffered: false });
  for (let i = 0; i < 5; i++) await (await index.asQueryEngine({ llm: workerLLM, streaming: true, similarityTopK: 2 }).query(question)).getResponse();
  await new Promise((r) => setTimeout(r, 100));
  observer.disconnect();
  worker.terminate();
  results.figures.push({
    figure: 'main-thread long tasks during 5 queries, LLM in a worker, retrieval on the page, 100k index',
    'long tasks': longTasks.length,
    'longest ms': round(Math.max(0, ...longTasks), 0),
  });
}

async function bridgeFigures(): Promise<void> {
  log('bridge');
  const n = 10_000;
  // Baseline: a plain async generator over the same deltas; the bridge adds push buffering and StreamingResponse.
  const t0 = performance.now();
  let count = 0;
  for await (const _ of (async function* () {
    for (let i = 0; i < n; i++) yield 'x';
  })())
    count++;
  const baseline = performance.now() - t0;
  const t1 = performance.now();
  const stream = pushIterator<string>({
    merge: (a, b) => a + b,
    start: async (sink) => {
      // Like a model: one delta, then the producer yields.
      for (let i = 0; i < n; i++) {
        sink.push('x');
        await Promise.resolve();
      }
    },
  });
  const response = new StreamingResponse({ stream, sourceNodes: [] });
  count = 0;
  for await (const _ of response.responseGen) count++;
  const bridged = performance.now() - t1;
  results.figures.push({ figure: 'streaming bridge cost per delta (10k deltas)', 'ms/delta': round(bridged / n, 5), 'plain generator ms/delta': round(baseline / n, 5), deltas: count });
}

async function embeddingFigures(): Promise<void> {
  log('embedding');
  const source = { localModelPath: '/models/', allowRemoteModels: false, useBrowserCache: false };
  const model = params.get('embedModel') ?? 'fixtures/all-MiniLM-L6-v2-random';
  // Chunk-sized texts (pagerag never embeds more than a chunk at once).
  const lines = (await scifactTexts()).map((t) => t.slice(0, 800));
  for (const device of ['wasm', 'webgpu'] as const) {
    // SwiftShader's software WebGPU is slow: fewer texts there.
    const texts = lines.slice(0, device === 'wasm' ? 256 : 64);
    const embed = new TransformersEmbedding({ model, device, modelSource: source, batchSize: 32 });
    await embed.load();
    await embed.getTextEmbeddings(texts.slice(0, 32));
    await applyModelSource(source);
    const bare = (await pipeline('feature-extraction', model, { device, dtype: 'fp32' })) as FeatureExtractionPipeline;
    await bare(texts.slice(0, 32), { pooling: 'mean', normalize: true });
    const runs = device === 'wasm' ? 3 : 1;
    let pageragMs = 0;
    let bareMs = 0;
    for (let r = 0; r < runs; r++) {
      let t = performance.now();
      await embed.getTextEmbeddings(texts);
      pageragMs += performance.now() - t;
      t = performance.now();
      for (let i = 0; i < texts.length; i += 32) await bare(texts.slice(i, i + 32), { pooling: 'mean', normalize: true });
      bareMs += performance.now() - t;
    }
    results.figures.push({
      figure: `embedding throughput, ${device} (${model}, ${texts.length} SciFact texts of ≤ 800 characters, batch 32)`,
      'pagerag texts/s': round((texts.length * runs) / (pageragMs / 1000), 1),
      'bare pipeline texts/s': round((texts.length * runs) / (bareMs / 1000), 1),
      'overhead %': round((100 * (pageragMs - bareMs)) / bareMs, 1),
    });
    await embed.dispose();
    await bare.dispose();
  }
}

async function scifactTexts(): Promise<string[]> {
  const corpus = await (await fetch('/eval-data/scifact/corpus.jsonl')).text();
  return corpus
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const doc = JSON.parse(line) as { title: string; text: string };
      return `${doc.title} ${doc.text}`.trim();
    });
}

async function scifactFigures(): Promise<void> {
  log('scifact');
  const source = { localModelPath: '/models/', allowRemoteModels: false, useBrowserCache: false };
  // npm run bench passes the real-architecture MiniLM fixture (--scifact-model for another).
  const model = params.get('scifactModel') ?? 'fixtures/all-MiniLM-L6-v2-random';
  const texts = await scifactTexts();
  const embed = new TransformersEmbedding({ model, device: 'wasm', modelSource: source, batchSize: 64 });
  const t = performance.now();
  const vectors = await embed.getTextEmbeddings(texts);
  const embedMs = performance.now() - t;
  const kernel = await instantiateInt8DotKernel(1);
  const matrix = new VectorMatrix<MatrixRowOf>(embed.dimensions, texts.length, kernel && new Int8Index(kernel, embed.dimensions));
  const flat = new Float32Array(texts.length * embed.dimensions);
  vectors.forEach((v, i) => flat.set(v, i * embed.dimensions));
  matrix.append(texts.map((_, i): MatrixRowOf => ({ nodeId: `s${i}`, refDocId: `s${i}`, metadata: {} })), flat);
  // The two-stage search (int8 shortlist, float32 rescoring) is what is measured: every row has its codes first.
  await matrix.whenInt8Ready();
  const queries = vectors.filter((_, i) => i % 50 === 0);
  const exactIds = queries.map((q) => matrix.search(q, 10, { exact: true }).map((r) => r.info.nodeId));
  const ids: string[][] = [];
  const times = await timeQueries((q) => ids.push(matrix.search(q, 10).map((r) => r.info.nodeId)), queries);
  results.figures.push({
    figure: `SciFact corpus (${texts.length} docs) embedded with ${model}: two-stage search vs exact float32`,
    'embed docs/s': round(texts.length / (embedMs / 1000), 1),
    'query p50 ms': round(times.p50, 3),
    'recall@10': round(recallAt10(ids, exactIds), 4),
  });
}

/**
 * 10k-chunk snapshots of SciFact text with 384-dimension vectors: file sizes, and load → first query.
 * Two shapes: 2 chunks per document (5,000 documents) and 20 per document (500 pages of a site).
 */
async function snapshotFigures(): Promise<void> {
  log('snapshot');
  const chunks = 10_000;
  // Each abstract split at the sentence nearest its middle, until 10k chunks.
  const texts: string[] = [];
  for (const text of await scifactTexts()) {
    const middle = text.indexOf('. ', Math.floor(text.length / 2));
    texts.push(...(middle > 0 ? [text.slice(0, middle + 1), text.slice(middle + 2)] : [text]));
    if (texts.length >= chunks) break;
  }
  texts.length = chunks;
  const { vectors } = clusteredVectors({ rows: chunks, dims: DIMS, queries: 0, clusters: 256, seed: SEED });
  const raw = vectors.byteLength + texts.reduce((n, text) => n + new TextEncoder().encode(text).length, 0);
  const embedModelId = 'fixtures/all-MiniLM-L6-v2-random';
  const embedModel = new TransformersEmbedding({ model: embedModelId, modelSource: { localModelPath: '/models/', allowRemoteModels: false } });
  for (const perDoc of [2, 20]) {
    const documents: SnapshotDocument[] = [];
    for (let start = 0; start < chunks; start += perDoc) {
      const id = `doc-${start / perDoc}`;
      const metadata = { source: 'scifact' };
      documents.push({ id, hash: id, metadata, nodes: texts.slice(start, start + perDoc).map((text, i) => ({ id: `${id}#${i}`, text, metadata })) });
    }
    const data = {
      embedModel: { model: embedModelId, dimensions: DIMS },
      documents,
      vectors,
      keywords: texts.map((text) => analyzeKeywords(text)),
      keywordAnalyzer: ANALYZER_ID,
    };
    for (const kind of ['float32', 'int8'] as const) {
      const bytes = await encodeSnapshot(data, { vectors: kind });
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
      // Three loads, each into a new index: the median is the figure (one load swung by a third between runs).
      const loads: { loadMs: number; againMs: number; hits: number }[] = [];
      for (let run = 0; run < 3; run++) {
        const name = `bench-snapshot-${kind}-${Date.now()}`;
        const vectorStore = await IndexedDBVectorStore.open(name);
        const t = performance.now();
        await VectorStoreIndex.fromSnapshot(url, { vectorStore, embedModel });
        const hits = await vectorStore.query({ queryEmbedding: vectors.subarray(0, DIMS), similarityTopK: 10 });
        const loadMs = performance.now() - t;
        const t2 = performance.now();
        await VectorStoreIndex.fromSnapshot(url, { vectorStore, embedModel });
        loads.push({ loadMs, againMs: performance.now() - t2, hits: hits.length });
        vectorStore.close();
        await IndexedDBVectorStore.delete(name);
      }
      URL.revokeObjectURL(url);
      const median = (values: number[]) => percentile(values, 50);
      results.figures.push({
        figure: `snapshot of ${chunks} SciFact chunks × ${DIMS} in ${documents.length} documents, ${kind} vectors`,
        'file MB': round(bytes.length / 1e6),
        'file / (float32 vectors + texts)': round(bytes.length / raw, 3),
        'load → first query ms': round(median(loads.map((l) => l.loadMs)), 0),
        'slowest of 3 ms': round(Math.max(...loads.map((l) => l.loadMs)), 0),
        'second load (no-op) ms': round(median(loads.map((l) => l.againMs)), 0),
        hits: Math.min(...loads.map((l) => l.hits)),
      });
    }
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  results.env = {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    // Memory figures are taken after a forced collection only where the page can force one.
    gcBeforeMemoryFigures: typeof (globalThis as unknown as { gc?: unknown }).gc === 'function',
    seed: SEED,
    vectors: `normalized Gaussian mixture, 256 clusters, ${DIMS} dimensions, seed ${SEED}`,
  };
  const steps = (params.get('steps') ?? 'search,storage,snapshot,bridge,embedding,scifact').split(',').filter(Boolean);
  const table: Record<string, () => Promise<void>> = { search: searchFigures, storage: storageFigures, snapshot: snapshotFigures, bridge: bridgeFigures, embedding: embeddingFigures, scifact: scifactFigures };
  for (const step of steps) {
    // What the step before left (the search step's million-row matrices) collected first, so its
    // collection does not land inside this step's timings.
    heapMB();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const t = performance.now();
    try {
      await table[step]!();
      log(`${step} took ${((performance.now() - t) / 1000).toFixed(1)} s`);
    } catch (error) {
      results.notes.push(`${step} failed: ${(error as Error).message}`);
    }
  }
  results.env.totalSeconds = round((performance.now() - started) / 1000, 1);
  (window as unknown as { __results: unknown }).__results = results;
}

void main();
