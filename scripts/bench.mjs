#!/usr/bin/env node
// npm run bench: runs bench/bench.ts in headless Chromium (same launcher as the tests), writes
// bench/results/<date>.json and prints Markdown tables with the machine and browser versions.
//
//   npm run bench [-- --sizes 10000,100000,1000000 --peer-sizes 10000,100000 --steps search,storage,bridge,embedding,scifact]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, chromiumExecutable } from './chromium.mjs';
import { makeFixtures } from './make-fixtures.mjs';
import { ISOLATION_HEADERS } from './static-server.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

makeFixtures();
const scifact = join(root, '..', 'shared', 'evaldata', 'scifact', 'corpus.jsonl');
const texts = existsSync(scifact)
  ? readFileSync(scifact, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const doc = JSON.parse(line);
        return `${doc.title} ${doc.text}`.trim();
      })
  : [];

const server = await createServer({
  root,
  configFile: false,
  logLevel: 'warn',
  server: { port: 0, host: '127.0.0.1', headers: ISOLATION_HEADERS },
  plugins: [
    {
      name: 'bench-data',
      configureServer(vite) {
        vite.middlewares.use('/bench-data/scifact-texts.json', (_req, res) => {
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify(texts));
        });
      },
    },
  ],
});
await server.listen();
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: [...CHROMIUM_ARGS, '--enable-precise-memory-info', '--js-flags=--max-old-space-size=8192'] });
const page = await browser.newPage();
page.on('console', (message) => {
  if (message.text().startsWith('[bench]')) console.log(message.text());
});
page.on('pageerror', (error) => console.error('page error:', error.message));
const query = new URLSearchParams({
  sizes: option('sizes', '10000,100000,1000000'),
  peerSizes: option('peer-sizes', '10000,100000'),
  steps: option('steps', 'search,storage,bridge,embedding,scifact'),
});
const started = Date.now();
let results;
try {
  await page.goto(`${url}bench/index.html?${query}`);
  await page.waitForFunction(() => window.__benchResults, undefined, { timeout: 14 * 60_000, polling: 1000 });
  results = await page.evaluate(() => window.__benchResults);
} finally {
  results ??= { figures: [], peers: [], notes: ['the benchmark did not finish'], env: {} };
  results.env.browser = `Chromium ${browser.version()}`;
  results.env.machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}`;
  results.env.wallSeconds = Math.round((Date.now() - started) / 1000);
  await browser.close();
  await server.close();
}

function table(rows) {
  if (rows.length === 0) return '';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map((row) => line(columns.map((c) => (row[c] ?? '') + '')))].join('\n');
}

const date = new Date().toISOString().slice(0, 10);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const file = join(root, 'bench', 'results', `${date}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n## pagerag benchmark, ${date}\n`);
console.log(`${results.env.machine}; ${results.env.browser}; ${results.env.vectors ?? ''}\n`);
console.log(table(results.figures));
console.log('\n### Peers, same vectors, same run\n');
console.log(table(results.peers));
if (results.notes.length) console.log(`\nNotes:\n${results.notes.map((n) => `- ${n}`).join('\n')}`);
console.log(`\nWritten to ${file} (${results.env.wallSeconds} s).`);
