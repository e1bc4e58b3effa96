// BEIR SciFact retrieval quality, computed like trec_eval (binary relevance, ndcg_cut.10, recall.10/100).
import { Document, IndexedDBVectorStore, TextNode, VectorStoreIndex, type Embedding } from '../src/index.js';
import type { BaseNodePostprocessor } from '../src/postprocessors/similarity-postprocessor.js';
import { BM25Index, analyzeKeywords } from '../src/search/bm25-index.js';

export interface ScifactData {
  corpus: { _id: string; title: string; text: string }[];
  queries: { _id: string; text: string }[];
  /** query id → relevant corpus ids */
  qrels: Map<string, Set<string>>;
}

export interface Metrics {
  'nDCG@10': number;
  'Recall@10': number;
  'Recall@100': number;
  queries: number;
  'query p50 ms': number;
}

export function parseScifact(corpusJsonl: string, queriesJsonl: string, qrelsTsv: string): ScifactData {
  const lines = (text: string) => text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const qrels = new Map<string, Set<string>>();
  for (const line of lines(qrelsTsv).slice(1)) {
    const [query, doc, score] = line.split('\t');
    if (!query || !doc || Number(score) <= 0) continue;
    if (!qrels.has(query)) qrels.set(query, new Set());
    qrels.get(query)!.add(doc);
  }
  return {
    corpus: lines(corpusJsonl).map((l) => JSON.parse(l) as ScifactData['corpus'][number]),
    queries: lines(queriesJsonl).map((l) => JSON.parse(l) as ScifactData['queries'][number]),
    qrels,
  };
}

function ndcgAt10(ranked: string[], relevant: Set<string>): number {
  let dcg = 0;
  ranked.slice(0, 10).forEach((id, i) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(10, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal > 0 ? dcg / ideal : 0;
}

function recallAt(k: number, ranked: string[], relevant: Set<string>): number {
  return ranked.slice(0, k).filter((id) => relevant.has(id)).length / relevant.size;
}

/** Indexes title + " " + text per document (no chunking) into a real IndexedDB store. */
export async function indexScifact(data: ScifactData, embedModel: Embedding, name: string, onProgress?: (text: string) => void) {
  const vectorStore = await IndexedDBVectorStore.open(name);
  await embedModel.load();
  const started = performance.now();
  const index = await VectorStoreIndex.fromDocuments(
    data.corpus.map((d) => new Document({ id: d._id, text: `${d.title} ${d.text}`.trim() })),
    {
      embedModel,
      vectorStore,
      // No chunking (as BEIR evaluates): one node per document; embeddings truncate at the model's input limit.
      transformations: [{ getNodesFromDocuments: (docs) => docs.map((d) => new TextNode({ text: d.text, refDocId: d.id, startCharIdx: 0, endCharIdx: d.text.length })) }],
      nodesPerWrite: 512,
      ...(onProgress && { onProgress: (p) => p.phase === 'store' && onProgress(`stored ${p.done}/${p.total}`) }),
    },
  );
  return { index, vectorStore, indexMs: performance.now() - started };
}

const RERANK_DEPTH = 20;

/** Runs the test queries in one retrieval mode and averages the metrics over queries with judgments. */
export async function evaluate(index: VectorStoreIndex, data: ScifactData, mode: 'vector' | 'bm25' | 'hybrid' | 'hybrid+rerank', limit = Infinity, reranker?: BaseNodePostprocessor): Promise<Metrics> {
  const firstStage = index.asRetriever({ mode: mode === 'hybrid+rerank' ? 'hybrid' : mode, similarityTopK: 100 });
  if (mode === 'hybrid+rerank' && !reranker) throw new Error('hybrid+rerank needs a reranker');
  // The usual second stage: the first 20 reordered by the cross-encoder, the rest as they were.
  const retriever = {
    retrieve: async (query: string) => {
      const results = await firstStage.retrieve(query);
      if (mode !== 'hybrid+rerank') return results;
      return [...(await reranker!.postprocessNodes(results.slice(0, RERANK_DEPTH), query)), ...results.slice(RERANK_DEPTH)];
    },
  };
  const judged = data.queries.filter((q) => data.qrels.has(q._id)).slice(0, limit);
  let ndcg = 0;
  let r10 = 0;
  let r100 = 0;
  const times: number[] = [];
  for (const query of judged) {
    const t = performance.now();
    const results = await retriever.retrieve(query.text);
    times.push(performance.now() - t);
    const ranked = results.map((r) => r.node.refDocId!);
    const relevant = data.qrels.get(query._id)!;
    ndcg += ndcgAt10(ranked, relevant);
    r10 += recallAt(10, ranked, relevant);
    r100 += recallAt(100, ranked, relevant);
  }
  times.sort((a, b) => a - b);
  const n = judged.length;
  return { 'nDCG@10': ndcg / n, 'Recall@10': r10 / n, 'Recall@100': r100 / n, queries: n, 'query p50 ms': times[Math.floor(n / 2)] ?? 0 };
}

/**
 * The keyword index alone, without IndexedDB or embeddings: analysis + inverted index build for the
 * whole corpus, and the scoring time of the test queries (top 10).
 */
export function bm25Timing(data: ScifactData): { buildMs: number; queryP50Ms: number } {
  const started = performance.now();
  const index = new BM25Index<{ nodeId: string; refDocId: string; metadata: Record<string, never> }>();
  for (const doc of data.corpus) index.add({ nodeId: doc._id, refDocId: doc._id, metadata: {} }, analyzeKeywords(`${doc.title} ${doc.text}`));
  const buildMs = performance.now() - started;
  const times = data.queries
    .filter((q) => data.qrels.has(q._id))
    .map((q) => {
      const t = performance.now();
      index.search(q.text, 10);
      return performance.now() - t;
    })
    .sort((a, b) => a - b);
  return { buildMs, queryP50Ms: times[Math.floor(times.length / 2)] ?? 0 };
}
