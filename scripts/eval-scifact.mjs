#!/usr/bin/env node
// npm run eval:scifact: BEIR SciFact in headless Chromium against real IndexedDB; prints nDCG@10,
// Recall@10 and Recall@100 for bm25, vector, hybrid and hybrid + rerank (a cross-encoder over the
// first 20; trec_eval style, binary relevance).
//
//   npm run eval:scifact [-- --embed-model fixtures/all-MiniLM-L6-v2-random] [--rerank-model fixtures/cross-encoder-tiny]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable, runPage, scifactDir } from './page-runner.mjs';

if (!existsSync(join(scifactDir, 'corpus.jsonl'))) {
  console.error(`BEIR SciFact not found in ${scifactDir} (set PAGERAG_SHARED_DIR to the folder that holds evaldata/).`);
  process.exit(1);
}
const option = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const embedModel = option('--embed-model', 'fixtures/all-MiniLM-L6-v2-random');
const rerankModel = option('--rerank-model', 'fixtures/cross-encoder-tiny');
const { results, browser, seconds } = await runPage({ page: 'eval/scifact.html', query: { embedModel, rerankModel }, timeoutMs: 14 * 60_000 });
console.log(`\n## BEIR SciFact (test, ${results.queries} queries), ${browser}, embeddings: ${embedModel}, reranker: ${rerankModel}\n`);
console.log(`Indexed ${results.documents} documents in ${results.indexSeconds} s (BM25 analysis + embedding + IndexedDB).\n`);
console.log(markdownTable(results.rows));
console.log(`\nBM25 alone (analysis + inverted index, no IndexedDB): build ${results.bm25BuildMs} ms for ${results.documents} documents; scoring p50 ${results.bm25QueryP50Ms} ms per query (top 10). "query p50 ms" above includes reading the top 100 nodes from IndexedDB.`);
console.log('\nReference: Anserini/Lucene BM25 flat, nDCG@10 0.6789, R@100 0.9253.');
if (embedModel.startsWith('fixtures/')) console.log('The fixture encoder has random weights: vector and hybrid figures are not meaningful until `npm run fetch-models` supplies a real model.');
if (rerankModel.startsWith('fixtures/')) console.log('The fixture cross-encoder has random weights: the hybrid + rerank row is there for a real one (--rerank-model Xenova/ms-marco-MiniLM-L-6-v2 once its files are under models/).');
console.log(`(${seconds} s)`);
