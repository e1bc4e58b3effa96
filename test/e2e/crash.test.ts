// Crash consistency: ingest 50 documents, kill the page at a random moment (close, reload or a
// renderer crash), reopen, and check that every document is whole or absent. 20 runs with
// different seeds; then the whole browser killed with SIGKILL, and a fresh one on the same profile.
//
// The page is BUILT and served by the static server, not by Vite's dev server: a dev server may
// re-optimize dependencies and reload pages on its own, which once left this test waiting forever.
// Every Playwright step has a timeout and is logged, so a stuck step names itself.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, onTestFailed, test } from 'vitest';
import { CHROMIUM_ARGS, chromiumExecutable } from '../../scripts/chromium.mjs';
import { makeFixtures } from '../../scripts/fixtures/make-fixtures.mjs';
import { createRandom } from '../../scripts/fixtures/onnx-graph.mjs';
import { startStaticServer } from '../../scripts/static-server.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const outDir = join(root, 'node_modules', '.cache', 'crash-page');
const STEP_TIMEOUT = 60_000;

let browser: Browser;
let server: { url: string; close: () => Promise<void> };

const steps: string[] = [];
function log(step: string): void {
  steps.push(`${new Date().toISOString().slice(11, 23)} ${step}`);
}

/** page.close() takes no timeout of its own. */
function withTimeout<T>(promise: Promise<T>, step: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${step} did not finish in ${STEP_TIMEOUT} ms`)), STEP_TIMEOUT)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

beforeAll(async () => {
  makeFixtures();
  await build({
    configFile: false,
    root: join(root, 'test', 'e2e', 'pages'),
    base: './',
    logLevel: 'warn',
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8000, rollupOptions: { input: join(root, 'test', 'e2e', 'pages', 'crash.html') } },
  });
  server = await startStaticServer({ site: outDir, models: join(root, 'models') });
  browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** SIGKILL to every process whose command line mentions `text` (read from /proc: no pkill needed). */
function killProcessesMentioning(text: string): number {
  let killed = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) {
        process.kill(Number(pid), 'SIGKILL');
        killed++;
      }
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return killed;
}

interface Report {
  problems: string[];
  partial: string[];
  present: number;
  vectors: number;
  keywordHits: number;
  error?: string;
}

describe('crash consistency', () => {
  test('20 kills at seeded random moments leave only whole documents and a consistent store', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(STEP_TIMEOUT);
    const summary: string[] = [];
    let someButNotAll = 0;
    onTestFailed(() => console.log(`crash test steps:\n${steps.join('\n')}`));
    for (let seed = 1; seed <= 20; seed++) {
      const random = createRandom(seed);
      log(`seed ${seed}: ingest`);
      const page = await context.newPage();
      // Kill once a random share of the nodes is stored. Even seeds crash the renderer the moment an
      // IndexedDB write transaction has committed (the page tells the test through a binding), where
      // a write split across two transactions would be caught half done; odd ones close, reload or
      // crash a few ms later.
      const target = Math.floor(random.uniform() * 1500);
      let how: string;
      let crashedAtCommit: Promise<unknown> | undefined;
      if (seed % 2 === 0) {
        const session = await context.newCDPSession(page);
        crashedAtCommit = page.waitForEvent('crash');
        let fired = false;
        await page.exposeBinding('__committed', (_source, stored: number) => {
          if (fired || stored < target) return;
          fired = true;
          void session.send('Page.crash').catch(() => {});
        });
      }
      await page.goto(`${server.url}crash.html?phase=ingest&run=${seed}`);
      await page.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true);
      if (crashedAtCommit) {
        how = 'crash at a commit';
        log(`seed ${seed}: ${how}, from ${target} nodes`);
        await withTimeout(crashedAtCommit, 'renderer crash at a commit');
      } else {
        await page.waitForFunction((n) => ((window as unknown as { __stored?: number }).__stored ?? 0) >= n, target, { polling: 5 });
        await page.waitForTimeout(Math.floor(random.uniform() * 30));
        const pick = random.uniform();
        how = pick < 1 / 3 ? 'close' : pick < 2 / 3 ? 'reload' : 'crash';
        log(`seed ${seed}: ${how} after ${target} nodes`);
        // A reload kills the running ingestion; the reloaded page starts a new one, closed right away.
        // Closing a page whose reload has only just committed hung Chromium once (page.close never
        // returned): let the new document start before closing it.
        if (how === 'reload') await page.reload({ waitUntil: 'domcontentloaded' });
        if (how === 'crash') {
          // The renderer process dies at once (DevTools `Page.crash`): no unload, no cleanup.
          const crashed = page.waitForEvent('crash');
          void (await context.newCDPSession(page)).send('Page.crash').catch(() => {});
          await withTimeout(crashed, 'renderer crash');
        }
      }
      await withTimeout(page.close({ runBeforeUnload: false }), 'page.close');
      log(`seed ${seed}: check`);
      const check = await context.newPage();
      await check.goto(`${server.url}crash.html?phase=check&run=${seed}`);
      await check.waitForFunction(() => (window as unknown as { __report?: unknown }).__report !== undefined);
      const report = (await check.evaluate(() => (window as unknown as { __report: unknown }).__report)) as Report;
      await withTimeout(check.close(), 'check.close');
      expect(report.error).toBeUndefined();
      expect([seed, report.problems]).toEqual([seed, []]);
      expect([seed, report.partial]).toEqual([seed, []]);
      if (report.present > 0 && report.present < 50) someButNotAll++;
      summary.push(`seed ${seed} (${how}): ${report.present}/50 documents, ${report.vectors} vectors`);
    }
    console.log(summary.join('\n'));
    // The kills really landed mid-ingestion in most runs.
    expect(someButNotAll).toBeGreaterThanOrEqual(15);
    await context.close();
  }, 600_000);
});

describe('a killed browser', () => {
  test('SIGKILL to the browser mid-ingestion, then a fresh browser on the same profile: every document whole or absent', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'pagerag-kill-'));
    const lines: string[] = [];
    try {
      for (let seed = 1; seed <= 3; seed++) {
        const random = createRandom(100 + seed);
        const writer = await chromium.launchPersistentContext(profile, { executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
        const page = writer.pages()[0] ?? (await writer.newPage());
        await page.goto(`${server.url}crash.html?phase=ingest&run=kill-${seed}`);
        const target = 200 + Math.floor(random.uniform() * 1000);
        await page.waitForFunction((n) => ((window as unknown as { __stored?: number }).__stored ?? 0) >= n, target, { polling: 5, timeout: STEP_TIMEOUT });
        const storedBeforeKill = await page.evaluate(() => (window as unknown as { __stored?: number }).__stored ?? 0);
        // The whole browser, every process of it, at once.
        const killed = killProcessesMentioning(profile);
        expect(killed).toBeGreaterThan(0);
        await writer.close().catch(() => {});
        const reader = await chromium.launchPersistentContext(profile, { executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
        const check = reader.pages()[0] ?? (await reader.newPage());
        await check.goto(`${server.url}crash.html?phase=check&run=kill-${seed}`);
        await check.waitForFunction(() => (window as unknown as { __report?: unknown }).__report !== undefined, undefined, { timeout: STEP_TIMEOUT });
        const report = (await check.evaluate(() => (window as unknown as { __report: unknown }).__report)) as Report;
        await reader.close();
        expect(report.error).toBeUndefined();
        expect([seed, report.problems]).toEqual([seed, []]);
        expect([seed, report.partial]).toEqual([seed, []]);
        lines.push(`SIGKILL seed ${seed}: ${storedBeforeKill} nodes reported stored before the kill; after restart ${report.present}/50 documents whole, ${report.vectors} vectors, 0 torn`);
      }
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
    console.log(lines.join('\n'));
  }, 300_000);
});

describe('two tabs', () => {
  test("a second page sees the first page's documents as they commit, never half a document", async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(STEP_TIMEOUT);
    const reader = await context.newPage();
    await reader.goto(`${server.url}crash.html?phase=watch&run=tabs`);
    await reader.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true);
    const writer = await context.newPage();
    await writer.goto(`${server.url}crash.html?phase=ingest&run=tabs`);
    await writer.waitForFunction(() => (window as unknown as { __report?: unknown }).__report !== undefined, undefined, { timeout: 120_000 });
    // Let the reader see the last commit, then stop it.
    await reader.waitForTimeout(200);
    await reader.evaluate(() => ((window as unknown as { __stop?: boolean }).__stop = true));
    await reader.waitForFunction(() => (window as unknown as { __report?: unknown }).__report !== undefined);
    const report = (await reader.evaluate(() => (window as unknown as { __report: unknown }).__report)) as { counts: number[]; torn: string[]; reads: number; problems: string[] };
    console.log(`two tabs: ${report.reads} reads in the second page saw ${report.counts.length} different document counts`);
    expect(report.torn).toEqual([]);
    expect(report.problems).toEqual([]);
    // It saw documents arrive, commit by commit, without a reload: from none to all 50.
    expect(report.counts[0]).toBe(0);
    expect(report.counts.at(-1)).toBe(50);
    expect(report.counts.length).toBeGreaterThan(3);
    await context.close();
  }, 240_000);
});

describe('a full disk', () => {
  test("a real QuotaExceededError (the origin's quota lowered through the DevTools protocol) gives StorageQuotaError; stored data stays", async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(STEP_TIMEOUT);
    const page = await context.newPage();
    // Lowered before the origin first uses storage: Chromium keeps the quota it saw then.
    const session = await context.newCDPSession(page);
    await session.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: 2_000_000 });
    await page.goto(`${server.url}crash.html?phase=quota&run=quota`);
    await page.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true);
    const report = (await page.evaluate(() => (window as unknown as { __bigWrite: () => Promise<unknown> }).__bigWrite())) as Record<string, unknown>;
    await session.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin });
    expect(report).toMatchObject({ name: 'StorageQuotaError', cause: 'QuotaExceededError', problems: [], sameAnswers: true, stored: ['doc-0', 'doc-1', 'doc-2', 'doc-3', 'doc-4'] });
    expect(report.message).toMatch(/refused to store 8 vectors .*quota is exhausted\..*Documents stored before are intact/);
    await context.close();
  });
});
