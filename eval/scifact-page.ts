import { SentenceTransformerRerank, TransformersEmbedding } from '../src/index.js';
import { bm25Timing, evaluate, indexScifact, parseScifact } from './scifact.js';

const round = (v: number) => Number(v.toFixed(4));

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const model = params.get('embedModel') ?? 'fixtures/all-MiniLM-L6-v2-random';
  // The fixture cross-encoder has random weights: its row is there for a real one (-- --rerank-model Xenova/ms-marco-MiniLM-L-6-v2).
  const rerankModel = params.get('rerankModel') ?? 'fixtures/cross-encoder-tiny';
  const read = async (file: string) => (await fetch(`/eval-data/scifact/${file}`)).text();
  const data = parseScifact(await read('corpus.jsonl'), await read('queries.jsonl'), await read('qrels/test.tsv'));
  const embedModel = new TransformersEmbedding({ model, device: 'wasm', batchSize: 64, modelSource: { localModelPath: '/models/', allowRemoteModels: false, useBrowserCache: false } });
  const { index, vectorStore, indexMs } = await indexScifact(data, embedModel, `scifact-eval-${Date.now()}`, (t) => console.log(`[eval] ${t}`));
  const rows = [];
  const reranker = new SentenceTransformerRerank({ model: rerankModel, device: 'wasm', topN: 20, modelSource: { localModelPath: '/models/', allowRemoteModels: false, useBrowserCache: false } });
  for (const mode of ['bm25', 'vector', 'hybrid', 'hybrid+rerank'] as const) {
    console.log(`[eval] ${mode}`);
    const m = await evaluate(index, data, mode, Infinity, reranker);
    rows.push({ mode, 'nDCG@10': round(m['nDCG@10']), 'Recall@10': round(m['Recall@10']), 'Recall@100': round(m['Recall@100']), 'query p50 ms': round(m['query p50 ms']) });
  }
  vectorStore.close();
  const timing = bm25Timing(data);
  (window as unknown as { __results: unknown }).__results = {
    rows,
    documents: data.corpus.length,
    queries: rows.length ? 300 : 0,
    indexSeconds: round(indexMs / 1000),
    bm25BuildMs: round(timing.buildMs),
    bm25QueryP50Ms: round(timing.queryP50Ms),
  };
}

main().catch((error: unknown) => {
  console.log(`[eval] failed: ${(error as Error).message}`);
  (window as unknown as { __results: unknown }).__results = { rows: [], documents: 0, queries: 0, indexSeconds: 0, error: (error as Error).message };
});
