#!/usr/bin/env node
// npm run bench: runs bench/bench.ts in headless Chromium (same launcher as the tests), writes
// bench/results/<date>.json and prints Markdown tables with the machine and browser versions.
//
//   npm run bench [-- --sizes 10000,100000,1000000 --peer-sizes 10000,100000 --steps search,storage,snapshot,bridge,embedding,scifact --scifact-model <id>]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { markdownTable, root, runPage } from './page-runner.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

const { results, browser, seconds } = await runPage({
  page: 'bench/index.html',
  query: {
    sizes: option('sizes', '10000,100000,1000000'),
    peerSizes: option('peer-sizes', '10000,100000'),
    steps: option('steps', 'search,storage,snapshot,bridge,embedding,scifact'),
    // The SciFact step's encoder: the real-architecture MiniLM fixture gives 384-dimension vectors of MiniLM's shape.
    scifactModel: option('scifact-model', 'fixtures/all-MiniLM-L6-v2-random'),
  },
  timeoutMs: 14 * 60_000,
  chromiumArgs: ['--enable-precise-memory-info', '--js-flags=--max-old-space-size=8192'],
});
results.env.browser = browser;
results.env.machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}`;
results.env.wallSeconds = seconds;

// The issue's targets, checked against this run's figures.
const find = (prefix) => results.figures.find((f) => String(f.figure).startsWith(prefix));
const check = (figure, target, value, ok, unit = '') => ({ figure, target, measured: value === undefined ? 'not measured' : `${value}${unit}`, met: value === undefined ? 'no' : ok(value) ? 'yes' : 'no' });
const q100k = find('top-10 query, 100,000');
const q1m = find('top-10 query, 1,000,000');
const recalls = results.figures.filter((f) => String(f.figure).startsWith('top-10 query')).map((f) => f['recall@10']);
const wasmEmbed = find('embedding throughput, wasm');
results.targets = [
  check('top-10 query over 100k × 384, p50', '≤ 5 ms', q100k?.['pagerag p50 ms'], (v) => v <= 5, ' ms'),
  check('top-10 query over 1M × 384, p50', '≤ 50 ms', q1m?.['pagerag p50 ms'], (v) => v <= 50, ' ms'),
  check('recall@10 against exact float32 cosine (lowest size)', '≥ 0.99', recalls.length ? Math.min(...recalls) : undefined, (v) => v >= 0.99),
  check('recall@10 on SciFact vectors of the real-architecture MiniLM fixture (two-stage vs exact)', '≥ 0.99', find('SciFact corpus')?.['recall@10'], (v) => v >= 0.99),
  check('open a stored 100k × 384 index until the first query ran', '≤ 500 ms', find('open a stored')?.ms, (v) => v <= 500, ' ms'),
  check('write 100k precomputed vectors with nodes to IndexedDB', '≥ 20k vectors/s', find('write 100k')?.['vectors/s'], (v) => v >= 20000, ' vectors/s'),
  check('10k-chunk snapshot loaded, stored and queryable (500 documents)', '≤ 1000 ms', find('snapshot of 10000 SciFact chunks × 384 in 500 documents, float32')?.['load → first query ms'], (v) => v <= 1000, ' ms'),
  check('10k-chunk snapshot loaded, stored and queryable (5,000 documents)', '≤ 1000 ms', find('snapshot of 10000 SciFact chunks × 384 in 5000 documents, float32')?.['load → first query ms'], (v) => v <= 1000, ' ms'),
  check('10k-chunk snapshot size, float32 / (vectors + texts)', '≤ 1.1', find('snapshot of 10000 SciFact chunks × 384 in 500 documents, float32')?.['file / (float32 vectors + texts)'], (v) => v <= 1.1),
  check('10k-chunk snapshot size, int8 / (float32 vectors + texts)', '≤ 0.35', find('snapshot of 10000 SciFact chunks × 384 in 500 documents, int8')?.['file / (float32 vectors + texts)'], (v) => v <= 0.35),
  check('streaming bridge overhead per delta', '≤ 0.05 ms', find('streaming bridge')?.['ms/delta'], (v) => v <= 0.05, ' ms'),
  check('time to first token minus its parts, 100k index', '≤ 5 ms', find('time to first token')?.['p50 ms'], (v) => v <= 5, ' ms'),
  check('main-thread long tasks during a query (LLM in a worker)', 'none over 50 ms', find('main-thread long tasks')?.['longest ms'], (v) => v <= 50, ' ms longest'),
  check("TransformersEmbedding overhead vs bare pipeline (wasm)", '≤ 5 %', wasmEmbed?.['overhead %'], (v) => v <= 5, ' %'),
];

/** One table per shape of row, so every table has only its own columns. */
function tables(rows) {
  const groups = new Map();
  for (const row of rows) {
    const key = Object.keys(row).join('|');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(row);
  }
  return [...groups.values()].map(markdownTable).join('\n\n');
}

const date = new Date().toISOString().slice(0, 10);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const file = join(root, 'bench', 'results', `${date}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n## pagerag benchmark, ${date}\n`);
console.log(`${results.env.machine}; ${results.env.browser}; vectors: ${results.env.vectors}\n`);
console.log('### Targets\n');
console.log(markdownTable(results.targets));
console.log('\n### Figures\n');
console.log(tables(results.figures));
console.log('\n### Peers, same vectors, same run\n');
console.log(tables(results.peers));
if (results.notes.length) console.log(`\nNotes:\n${results.notes.map((n) => `- ${n}`).join('\n')}`);
console.log(`\nWritten to ${file} (${seconds} s).`);
