#!/usr/bin/env node
// npm run bench: runs bench/bench.ts in headless Chromium (same launcher as the tests), writes
// bench/results/<date>.json and prints Markdown tables with the machine and browser versions.
//
//   npm run bench [-- --sizes 10000,100000,1000000 --peer-sizes 10000,100000 --steps search,storage,bridge,embedding,scifact]
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
    steps: option('steps', 'search,storage,bridge,embedding,scifact'),
  },
  timeoutMs: 14 * 60_000,
  chromiumArgs: ['--enable-precise-memory-info', '--js-flags=--max-old-space-size=8192'],
});
results.env.browser = browser;
results.env.machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}`;
results.env.wallSeconds = seconds;

const date = new Date().toISOString().slice(0, 10);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const file = join(root, 'bench', 'results', `${date}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n## pagerag benchmark, ${date}\n`);
console.log(`${results.env.machine}; ${results.env.browser}; vectors: ${results.env.vectors}\n`);
console.log(markdownTable(results.figures));
console.log('\n### Peers, same vectors, same run\n');
console.log(markdownTable(results.peers));
if (results.notes.length) console.log(`\nNotes:\n${results.notes.map((n) => `- ${n}`).join('\n')}`);
console.log(`\nWritten to ${file} (${seconds} s).`);
