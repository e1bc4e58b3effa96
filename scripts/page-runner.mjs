// Runs a page of this repo in headless Chromium through Vite's dev server (the same launcher and
// flags as the tests) and returns what the page leaves in `window.__results`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, chromiumExecutable } from './chromium.mjs';
import { makeFixtures } from './fixtures/make-fixtures.mjs';
import { ISOLATION_HEADERS } from './static-server.mjs';

export const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const scifactDir = resolve(process.env.PAGERAG_SHARED_DIR ?? join(root, '..', 'shared'), 'evaldata', 'scifact');

/** Serves ../shared/evaldata/scifact/<file> at /eval-data/scifact/<file>. */
function evalData() {
  return {
    name: 'eval-data',
    configureServer(vite) {
      vite.middlewares.use('/eval-data/scifact/', (req, res) => {
        const file = join(scifactDir, decodeURIComponent(req.url.split('?')[0]).replace(/^\/+/, ''));
        if (!file.startsWith(scifactDir) || !existsSync(file)) {
          res.statusCode = 404;
          res.end('not found');
          return;
        }
        res.end(readFileSync(file));
      });
    },
  };
}

/**
 * @param {{ page: string, query?: Record<string, string>, timeoutMs: number, chromiumArgs?: string[] }} options
 */
/** Vite's dev server over the repo, on a free loopback port, with the isolation headers. */
export async function startDevServer() {
  makeFixtures();
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'warn',
    // Its own dependency cache: sharing Vitest's would make the two servers re-optimize (and reload pages) in turn.
    cacheDir: join(root, 'node_modules', '.cache', 'pagerag-page-runner'),
    // Local-only server; not strict so a checkout with a linked node_modules works too.
    server: { port: 0, host: '127.0.0.1', headers: ISOLATION_HEADERS, fs: { strict: false } },
    plugins: [evalData()],
  });
  await server.listen();
  return { url: server.resolvedUrls.local[0], close: () => server.close() };
}

export async function runPage({ page: path, query = {}, timeoutMs, chromiumArgs = [] }) {
  const server = await startDevServer();
  // A profile on disk, not an incognito context: IndexedDB then gets a disk-sized quota (an
  // in-memory profile refused the bench's stored million rows at 1.4 GB).
  const profile = mkdtempSync(join(tmpdir(), 'pagerag-page-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumExecutable(), args: [...CHROMIUM_ARGS, ...chromiumArgs] });
  const started = Date.now();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.text().startsWith('[')) console.log(message.text());
    });
    page.on('pageerror', (error) => console.error('page error:', error.message));
    await page.goto(`${server.url}${path}?${new URLSearchParams(query)}`);
    let results;
    try {
      await page.waitForFunction(() => window.__results, undefined, { timeout: timeoutMs, polling: 1000 });
      results = await page.evaluate(() => window.__results);
    } catch (error) {
      // Out of time: report what the page measured so far.
      results = await page.evaluate(() => window.__partial);
      if (!results) throw error;
      results.notes = [...(results.notes ?? []), `stopped after ${Math.round(timeoutMs / 1000)} s: the steps after the last figure did not run`];
    }
    const version = (await page.evaluate(() => navigator.userAgent)).match(/Chrome\/([\d.]+)/)?.[1] ?? 'unknown';
    return { results, browser: `Chromium ${version}`, seconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** A Markdown table from rows of objects. */
export function markdownTable(rows) {
  if (rows.length === 0) return '';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map((row) => line(columns.map((c) => String(row[c] ?? ''))))].join('\n');
}
