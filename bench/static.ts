// The `static` step of npm run bench (run in Node by scripts/bench-static.mjs): a partitioned
// static index of synthetic 384-dimension vectors with SciFact texts, served by a loopback static
// server that adds 20 ms to every request (a stand-in for a network), queried by StaticVectorStore
// as a page would. Figures: build time, manifest size, and per nprobe the bytes one cold query
// fetches, recall@10 against exact float32, cold and warm latency; keyword (BM25 chunks) and hybrid
// queries on SciFact's test queries; beside it, the whole snapshot.
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeSnapshot, decodeSnapshot } from '../src/snapshot/snapshot-format.js';
import { analyzeKeywords } from '../src/search/bm25-index.js';
import { buildPartitioned } from '../src/static/static-format.js';
import { StaticVectorStore } from '../src/static/static-vector-store.js';
import { clusteredVectors } from '../test/support/vectors.js';

const DIMS = 384;
const DELAY_MS = 20;
const QUERIES = 50;

/** Above this the whole snapshot is not built for comparison (1M int8 rows with texts: about 800 MB, past what a page can hold). */
const WHOLE_SNAPSHOT_MAX_ROWS = 200_000;

export async function staticFigures({ rows, scifactCorpus, scifactQueries }: { rows: number; scifactCorpus: string; scifactQueries: string }): Promise<Record<string, unknown>[]> {
  const figures: Record<string, unknown>[] = [];
  const texts = readFileSync(scifactCorpus, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const doc = JSON.parse(line) as { title: string; text: string };
      return `${doc.title} ${doc.text}`.slice(0, 1200);
    });
  const { vectors, queries } = clusteredVectors({ rows, dims: DIMS, queries: QUERIES, clusters: 256, seed: 42 });
  // Texts repeat every 5,183 rows: analyzed once each, as a snapshot's keyword rows would come (the build figure is "vectors given").
  const analyzed = texts.map((text) => analyzeKeywords(text));
  const keywords = Array.from({ length: rows }, (_, i) => analyzed[i % texts.length]!);
  const keywordQueries = readFileSync(scifactQueries, 'utf8').split('\n').filter(Boolean).slice(0, QUERIES).map((line) => (JSON.parse(line) as { text: string }).text);
  const documents = Array.from({ length: rows }, (_, i) => ({ id: `doc-${i}`, nodes: [{ id: `node-${i}`, refDocId: `doc-${i}`, text: texts[i % texts.length]!, metadata: { source: 'scifact' } }] }));
  const embedModel = { model: 'synthetic', dimensions: DIMS };

  let t = performance.now();
  const files = await buildPartitioned({ embedModel, documents, vectors, keywords });
  const buildSeconds = (performance.now() - t) / 1000;
  const folder = mkdtempSync(join(tmpdir(), 'pagerag-static-bench-'));
  let totalBytes = 0;
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), bytes);
    totalBytes += bytes.length;
  }
  const manifestBytes = files.get('manifest.json')!;
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as { partitions: unknown[]; keywords: { chunks: unknown[] } };
  const partitions = manifest.partitions.length;
  figures.push({
    figure: `partitioned static index, ${rows.toLocaleString('en')} × ${DIMS}: build (k-means + files, vectors given)`,
    partitions,
    'build s': round(buildSeconds, 1),
    'manifest KB gzip': round(gzipSync(manifestBytes).length / 1024, 1),
    'keyword chunks': manifest.keywords.chunks.length,
    'all files MB': round(totalBytes / 1e6, 1),
  });

  // Whole snapshot, for comparison: the same documents in one file.
  if (rows <= WHOLE_SNAPSHOT_MAX_ROWS) {
    const snapshotBytes = await encodeSnapshot({ embedModel, documents: documents.map((d) => ({ id: d.id, hash: d.id, metadata: {}, nodes: d.nodes.map(({ id, text, metadata }) => ({ id, text, metadata })) })), vectors }, { vectors: 'int8' });
    writeFileSync(join(folder, 'whole.pagerag'), snapshotBytes);
  }

  const server = createServer((req, res) => {
    setTimeout(() => {
      try {
        const body = readFileSync(join(folder, decodeURIComponent(req.url!.split('?')[0]!)));
        res.writeHead(200, { 'Content-Type': req.url!.endsWith('.json') ? 'application/json' : 'application/octet-stream', 'Content-Length': body.length }).end(body);
      } catch {
        res.writeHead(404).end('not found');
      }
    }, DELAY_MS);
  });
  // Idle sockets kept open across the long exact scans (Node's fetch reuses them; a server that closed one answers ECONNRESET).
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    if (rows <= WHOLE_SNAPSHOT_MAX_ROWS) {
      t = performance.now();
      const whole = new Uint8Array(await (await fetch(`${base}/whole.pagerag`)).arrayBuffer());
      await decodeSnapshot(whole);
      figures.push({ figure: `whole snapshot (int8 vectors), ${rows.toLocaleString('en')} chunks: bytes before the first answer and download + decode`, 'MB before the first answer': round(whole.length / 1e6, 1), 'ms (download + decode)': Math.round(performance.now() - t) });
    }
    /** A store that counts the bytes it fetches after the manifest. */
    const counted = async (nprobe: number) => {
      const counter = { bytes: 0 };
      const counting: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith('manifest.json')) counter.bytes += Number(response.headers.get('Content-Length') ?? 0);
        return response;
      };
      return { store: await StaticVectorStore.open(`${base}/manifest.json`, { nprobe, cacheName: false, fetch: counting }), counter };
    };

    const exact = queries.map((q) => exactTop10(vectors, q));
    for (const nprobe of [1, 2, 4, 8, 16, 32]) {
      const cold: number[] = [];
      const warm: number[] = [];
      const bytes: number[] = [];
      let hits = 0;
      for (const [i, q] of queries.entries()) {
        const { store, counter } = await counted(nprobe);
        t = performance.now();
        const result = await store.query({ queryEmbedding: q, similarityTopK: 10 });
        cold.push(performance.now() - t);
        bytes.push(counter.bytes);
        t = performance.now();
        await store.query({ queryEmbedding: q, similarityTopK: 10 });
        warm.push(performance.now() - t);
        const got = new Set(result.map((r) => Number(r.node.id.slice('node-'.length))));
        hits += exact[i]!.filter((row) => got.has(row)).length;
      }
      figures.push({
        figure: `static index query, ${rows.toLocaleString('en')} × ${DIMS}, nprobe ${nprobe}`,
        'KB fetched (cold, p50)': round(p50(bytes) / 1024, 0),
        'recall@10': round(hits / (QUERIES * 10), 3),
        'cold p50 ms': round(p50(cold), 1),
        'warm p50 ms': round(p50(warm), 2),
      });
    }
    // Keyword (BM25 from the chunks of the query's terms) and hybrid (both, nprobe 4), SciFact's test queries.
    for (const mode of ['keyword', 'hybrid'] as const) {
      const cold: number[] = [];
      const warm: number[] = [];
      const bytes: number[] = [];
      const requests: number[] = [];
      for (const [i, queryStr] of keywordQueries.entries()) {
        const { store, counter } = await counted(4);
        const query = { mode, queryStr, similarityTopK: 10, ...(mode === 'hybrid' && { queryEmbedding: queries[i]! }) };
        t = performance.now();
        await store.query(query);
        cold.push(performance.now() - t);
        bytes.push(counter.bytes);
        t = performance.now();
        await store.query(query);
        warm.push(performance.now() - t);
      }
      figures.push({
        figure: `static index ${mode} query, ${rows.toLocaleString('en')} chunks, SciFact test queries${mode === 'hybrid' ? ', nprobe 4' : ''}`,
        'KB fetched (cold, p50)': round(p50(bytes) / 1024, 0),
        'KB fetched (cold, p90)': round(p90(bytes) / 1024, 0),
        'cold p50 ms': round(p50(cold), 1),
        'warm p50 ms': round(p50(warm), 2),
      });
    }
  } finally {
    server.close();
    rmSync(folder, { recursive: true, force: true });
  }
  return figures;
}

function exactTop10(vectors: Float32Array, q: Float32Array): number[] {
  const rows = vectors.length / DIMS;
  const scores = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    for (let d = 0; d < DIMS; d++) dot += vectors[r * DIMS + d]! * q[d]!;
    scores[r] = dot;
  }
  return [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!).slice(0, 10);
}

const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)]!;
const round = (value: number, digits: number) => Number(value.toFixed(digits));
