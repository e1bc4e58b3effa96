#!/usr/bin/env node
// npm run bench: runs bench/bench.ts in headless Chromium (same launcher as the tests), writes
// bench/results/<date>.json and prints Markdown tables with the machine and browser versions.
//
//   npm run bench [-- --sizes 10000,100000,1000000 --peer-sizes 10000,100000 --steps search,storage,snapshot,bridge,embedding,scifact,static --scifact-model <id> --static-sizes 100000,1000000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { markdownTable, root, runPage } from './page-runner.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

const steps = option('steps', 'search,storage,snapshot,bridge,embedding,scifact,static').split(',');
const pageSteps = steps.filter((step) => step !== 'static');
// Each step in a page (and a browser) of its own: what one step leaves in the heap (the search
// step's million-row matrices) neither slows the next nor counts in its memory figures.
let results;
let browser;
let seconds = 0;
for (const step of pageSteps) {
  const run = await runPage({
    page: 'bench/index.html',
    query: {
      sizes: option('sizes', '10000,100000,1000000'),
      peerSizes: option('peer-sizes', '10000,100000'),
      steps: step,
      // The SciFact step's encoder: the real-architecture MiniLM fixture gives 384-dimension vectors of MiniLM's shape.
      scifactModel: option('scifact-model', 'fixtures/all-MiniLM-L6-v2-random'),
    },
    timeoutMs: 14 * 60_000,
    chromiumArgs: ['--enable-precise-memory-info', '--js-flags=--max-old-space-size=8192 --expose-gc'],
  });
  seconds += run.seconds;
  browser = run.browser;
  if (!results) results = run.results;
  else {
    results.figures.push(...run.results.figures);
    results.peers.push(...run.results.peers);
    results.notes.push(...run.results.notes);
    results.env.totalSeconds += run.results.env.totalSeconds;
  }
}
results ??= { figures: [], peers: [], notes: [], env: {} };
results.env.browser = browser;
// The partitioned static index is measured in Node, against a loopback server (bench/static.ts).
if (steps.includes('static')) {
  const { staticFigures } = await loadStaticBench();
  const shared = process.env.PAGERAG_SHARED_DIR ?? join(root, '..', 'shared');
  for (const rows of option('static-sizes', '100000,1000000').split(',').map(Number)) {
    results.figures.push(...(await staticFigures({ rows, scifactCorpus: join(shared, 'evaldata', 'scifact', 'corpus.jsonl'), scifactQueries: join(shared, 'evaldata', 'scifact', 'queries.jsonl') })));
  }
}
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
  // Issue #21's targets (three stages: 1-bit, int8, float32).
  check('top-10 query over 100k × 384, p50', '≤ 1.5 ms', q100k?.['pagerag p50 ms'], (v) => v <= 1.5, ' ms'),
  check('top-10 query over 1M × 384, p50', '≤ 10 ms', q1m?.['pagerag p50 ms'], (v) => v <= 10, ' ms'),
  check('recall@10 against exact float32 cosine (lowest size)', '≥ 0.99', recalls.length ? Math.min(...recalls) : undefined, (v) => v >= 0.99),
  check('recall@10 on SciFact vectors of the real-architecture MiniLM fixture (two-stage vs exact)', '≥ 0.99', find('SciFact corpus')?.['recall@10'], (v) => v >= 0.99),
  check('open a stored 100k × 384 index until the first query ran', '≤ 300 ms', find('open a stored 100,000')?.ms, (v) => v <= 300, ' ms'),
  check('open a stored 1M × 384 index until the first query ran', '≤ 3000 ms', find('open a stored 1,000,000')?.ms, (v) => v <= 3000, ' ms'),
  check('JS + wasm memory held by an opened 1M × 384 index', '≤ 1000 MB', find('open a stored 1,000,000')?.['JS + wasm MB, ready'], (v) => v <= 1000, ' MB'),
  check('write 100k precomputed vectors with nodes to IndexedDB', '≥ 30k vectors/s', find('write 100,000')?.['vectors/s'], (v) => v >= 30000, ' vectors/s'),
  check('10k-chunk snapshot loaded, stored and queryable (500 documents)', '≤ 500 ms', find('snapshot of 10000 SciFact chunks × 384 in 500 documents, float32')?.['load → first query ms'], (v) => v <= 500, ' ms'),
  check('10k-chunk snapshot loaded, stored and queryable (5,000 documents)', '≤ 500 ms', find('snapshot of 10000 SciFact chunks × 384 in 5000 documents, float32')?.['load → first query ms'], (v) => v <= 500, ' ms'),
  check('10k-chunk snapshot size, float32 / (vectors + texts)', '≤ 1.1', find('snapshot of 10000 SciFact chunks × 384 in 500 documents, float32')?.['file / (float32 vectors + texts)'], (v) => v <= 1.1),
  check('10k-chunk snapshot size, int8 / (float32 vectors + texts)', '≤ 0.35', find('snapshot of 10000 SciFact chunks × 384 in 500 documents, int8')?.['file / (float32 vectors + texts)'], (v) => v <= 0.35),
  check('streaming bridge overhead per delta', '≤ 0.05 ms', find('streaming bridge')?.['ms/delta'], (v) => v <= 0.05, ' ms'),
  check('time to first token minus its parts, 100k index', '≤ 5 ms', find('time to first token')?.['p50 ms'], (v) => v <= 5, ' ms'),
  check('main-thread long tasks during a query (LLM in a worker)', 'none over 50 ms', find('main-thread long tasks')?.['longest ms'], (v) => v <= 50, ' ms longest'),
  check("TransformersEmbedding overhead vs bare pipeline (wasm)", '≤ 5 %', wasmEmbed?.['overhead %'], (v) => v <= 5, ' %'),
  // Partitioned static index, 100k × 384 (Node, loopback server adding 20 ms per request), default nprobe 4.
  check('static index 100k: manifest, gzip', '≤ 300 KB', find('partitioned static index, 100,000')?.['manifest KB gzip'], (v) => v <= 300, ' KB'),
  check('static index 100k: build (k-means + files), 2 cores', '≤ 60 s', find('partitioned static index, 100,000')?.['build s'], (v) => v <= 60, ' s'),
  check('static index 100k: bytes of one cold query after the manifest (nprobe 4)', '≤ 1024 KB', find('static index query, 100,000 × 384, nprobe 4')?.['KB fetched (cold, p50)'], (v) => v <= 1024, ' KB'),
  check('static index 100k: recall@10 vs exact float32 (nprobe 4)', '≥ 0.95', find('static index query, 100,000 × 384, nprobe 4')?.['recall@10'], (v) => v >= 0.95),
  check('static index 100k: cold query p50, manifest loaded (nprobe 4)', '≤ 300 ms', find('static index query, 100,000 × 384, nprobe 4')?.['cold p50 ms'], (v) => v <= 300, ' ms'),
  check('static index 100k: warm query p50 (nprobe 4)', '≤ 10 ms', find('static index query, 100,000 × 384, nprobe 4')?.['warm p50 ms'], (v) => v <= 10, ' ms'),
  check('static index 1M: manifest, gzip', '≤ 1024 KB', find('partitioned static index, 1,000,000')?.['manifest KB gzip'], (v) => v <= 1024, ' KB'),
  check('static index 1M: build (k-means + files), 2 cores', '≤ 600 s', find('partitioned static index, 1,000,000')?.['build s'], (v) => v <= 600, ' s'),
  check('static index 1M: bytes of one cold query after the manifest (nprobe 4)', '≤ 2048 KB', find('static index query, 1,000,000 × 384, nprobe 4')?.['KB fetched (cold, p50)'], (v) => v <= 2048, ' KB'),
  check('static index 1M: recall@10 vs exact float32 (nprobe 4)', '≥ 0.95', find('static index query, 1,000,000 × 384, nprobe 4')?.['recall@10'], (v) => v >= 0.95),
  check('static index 1M: cold query p50, manifest loaded (nprobe 4)', '≤ 300 ms', find('static index query, 1,000,000 × 384, nprobe 4')?.['cold p50 ms'], (v) => v <= 300, ' ms'),
  check('static index 1M: warm query p50 (nprobe 4)', '≤ 20 ms', find('static index query, 1,000,000 × 384, nprobe 4')?.['warm p50 ms'], (v) => v <= 20, ' ms'),
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

/** bench/static.ts bundled for Node by esbuild (it runs pagerag's own sources). */
async function loadStaticBench() {
  const { build } = await import('esbuild');
  const outfile = join(root, 'node_modules', '.cache', 'pagerag-bench', 'static.mjs');
  await build({ entryPoints: [join(root, 'bench', 'static.ts')], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning', external: ['onnx-proto'] });
  return import(pathToFileURL(outfile).href);
}
