// Playwright against the BUILT demo, served locally, in Debian's Chromium, on the fixture models.
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, chromiumExecutable } from '../../scripts/chromium.mjs';
import { DEMO_CSP, startStaticServer } from '../../scripts/static-server.mjs';
import { makePdf } from '../support/pdf-files.js';
import { makeDocx } from '../support/docx-files.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const shots = join(root, 'test', 'screenshots');
const outDir = join(root, 'node_modules', '.cache', 'dist-demo-e2e');

let browser: Browser;
let context: BrowserContext;
let page: Page;
let server: { url: string; close: () => Promise<void> };
const requests: string[] = [];
const dialogs: string[] = [];

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function waitForDoc(name: string): Promise<void> {
  await page.locator('#doc-list li .name', { hasText: name }).first().waitFor({ timeout: 60_000 });
}

async function askAndWait(question: string, state: 'done' | 'stopped' = 'done'): Promise<void> {
  await page.fill('#question', question);
  await page.press('#question', 'Enter');
  await page.waitForSelector(`#answer[data-state="${state}"]`, { timeout: 60_000 });
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  // As `npm run build:demo` builds it: Vitest sets NODE_ENV=test, which would make a development
  // build (import.meta.env.PROD false: no service worker, for one).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(root, 'vite.demo.config.ts'), configLoader: 'runner', mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  server = await startStaticServer({ site: outDir, models: join(root, 'models'), headers: { 'Content-Security-Policy': DEMO_CSP } });
  browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  context.on('request', (request) => requests.push(request.url()));
  page = await context.newPage();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the built demo on the fixture models', () => {
  test('indexes a file with visible progress, streams an answer with sources first, stops, and survives a reload', async () => {
    await page.goto(`${server.url}?models=fixtures&maxTokens=1500`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    await waitForDoc('What is pagerag.md');
    // The samples came from the snapshot prebuilt by `npm run build:demo`: nothing embedded here.
    await page.waitForSelector('body[data-samples="prebuilt"]');
    // That message stays until something else happens (it was overwritten at once before).
    expect(await page.textContent('#status')).toMatch(/loaded from the prebuilt index: nothing was embedded/);
    expect(requests.some((url) => /\/assets\/samples-[\w-]+\.pagerag$/.test(url))).toBe(true);
    await expect.poll(() => page.locator('#doc-list li').count()).toBe(4);
    await expect.poll(() => page.locator('#capabilities li').count()).toBeGreaterThan(3);
    await screenshot('1-loaded');

    await page.setInputFiles('#file-input', {
      name: 'river-notes.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from('# River notes\n\nThe cat and the dog ran to the river. A bird and a fish live near the water.\n\nThe mouse found fruit under the tree.'),
    });
    await waitForDoc('river-notes.md');
    await expect.poll(() => page.locator('#progress').getAttribute('data-complete')).toBe('true');
    expect(await page.locator('#progress-bar').evaluate((el: HTMLProgressElement) => el.value)).toBe(1);
    expect(await page.locator('#progress-count').textContent()).toMatch(/^\d+ \/ \d+$/);
    await screenshot('2-indexed');

    // Record how the answer grows, to see it arrive in more than one step.
    await page.evaluate(() => {
      const answer = document.getElementById('answer')!;
      const lengths: number[] = [];
      (window as unknown as { __lengths: number[] }).__lengths = lengths;
      new MutationObserver(() => lengths.push(answer.textContent!.length)).observe(answer, { childList: true, characterData: true, subtree: true });
    });
    await askAndWait('Where do the cat and the dog run?');
    const lengths = await page.evaluate(() => (window as unknown as { __lengths: number[] }).__lengths);
    expect(new Set(lengths.filter((l) => l > 0)).size).toBeGreaterThan(1);
    expect(Number(await page.getAttribute('#answer', 'data-deltas'))).toBeGreaterThan(1);
    expect(await page.locator('#sources li').count()).toBeGreaterThan(0);
    expect(await page.locator('#sources li .meta').first().textContent()).toMatch(/river-notes\.md · score \d\.\d{3}/);
    const shownAt = Number(await page.getAttribute('#sources', 'data-shown-at'));
    const firstDeltaAt = Number(await page.getAttribute('#answer', 'data-first-delta-at'));
    expect(shownAt).toBeLessThan(firstDeltaAt);
    expect(await page.textContent('#stats')).toMatch(/retrieval \d+ ms · first token \d+ ms · [\d.]+ tokens\/s/);
    await screenshot('3-answered');

    // Stop during a long answer.
    await page.fill('#question', 'Tell me everything about the river.');
    await page.click('#ask-button');
    await page.waitForFunction(() => Number(document.getElementById('answer')!.dataset.deltas) > 3);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#answer[data-state="stopped"]', { timeout: 30_000 });
    const stoppedText = await page.textContent('#answer');
    await page.waitForTimeout(300);
    expect(await page.textContent('#answer')).toBe(stoppedText);
    expect(await page.textContent('#status')).toBe('Stopped.');
    expect(await page.isEnabled('#ask-button')).toBe(true);
    await screenshot('4-stopped');

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    await waitForDoc('river-notes.md');
    expect(await page.locator('#doc-list li .name').allTextContents()).toContain('What is pagerag.md');
    // After a reload the engine still answers.
    await askAndWait('What does the mouse find?');
    await screenshot('5-after-reload');
  });

  test('a PDF and a Word file dropped on the page are read in the engine worker (pdf.js, mammoth) and indexed; a scanned PDF is refused by name', async () => {
    await page.setInputFiles('#file-input', { name: 'harbour-manual.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makePdf({ title: 'Harbour manual', pages: [['Boats leave at dawn.'], ['The lighthouse keeper rings the bell at dusk.']] })) });
    await waitForDoc('harbour-manual.pdf');
    // Its text went through pdf.js in the worker: the page script holds no PDF code (see the bundle test).
    expect(await page.locator('#doc-list li', { hasText: 'harbour-manual.pdf' }).textContent()).toMatch(/\d+ chunks?/);
    await askAndWait('When does the lighthouse keeper ring the bell?');
    await page.setInputFiles('#file-input', { name: 'keeper.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: Buffer.from(makeDocx(['# Keeper', 'The keeper rings the bell.'])) });
    await waitForDoc('keeper.docx');
    const scanned = Buffer.from(makePdf({ pages: [[]] }));
    await page.setInputFiles('#file-input', { name: 'scan.pdf', mimeType: 'application/pdf', buffer: scanned });
    await expect.poll(() => page.textContent('#status')).toMatch(/PdfReadError: "scan\.pdf" has no text layer/);
    expect(await page.locator('#doc-list li .name').allTextContents()).not.toContain('scan.pdf');
  });

  test('document names, document text and model output are shown as text, never run', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const text = `${hostile} <script>alert(2)</script> the cat and the dog`;
    await page.setInputFiles('#file-input', { name: `${hostile}.md`, mimeType: 'text/markdown', buffer: Buffer.from(text) });
    await waitForDoc(hostile);
    await askAndWait(text);
    expect(await page.locator('#doc-list img, #sources img, #answer img, #doc-list script, #sources script').count()).toBe(0);
    expect(await page.locator('#sources li .text').allTextContents()).toContainEqual(expect.stringContaining('<script>alert(2)</script>'));
    expect(dialogs).toEqual([]);
    await screenshot('6-hostile');
  });

  test('the page itself loads no model runtime: transformers.js and ONNX Runtime are only in the engine worker', () => {
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    const pageScripts = [...html.matchAll(/src="\.\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(pageScripts.length).toBeGreaterThan(0);
    for (const script of pageScripts) {
      const code = readFileSync(join(outDir, script), 'utf8');
      expect(code).not.toMatch(/InferenceSession|AutoTokenizer|onnxruntime|getTextContent/);
      // The worker's chunk holds them; the page only names the worker.
      expect(code).toMatch(/engine-worker-[\w-]+\.js/);
    }
    const workerChunk = readdirSync(join(outDir, 'assets')).find((f) => /^engine-worker-.*\.js$/.test(f))!;
    expect(readFileSync(join(outDir, 'assets', workerChunk), 'utf8')).toMatch(/exposeRAGEngine|engine-init/);
  });

  test('the page made no request to another origin', () => {
    const origin = new URL(server.url).origin;
    const foreign = requests.filter((url) => !url.startsWith('blob:') && !url.startsWith('data:') && new URL(url).origin !== origin);
    expect(requests.length).toBeGreaterThan(5);
    expect(foreign).toEqual([]);
  });
  test('a model that cannot be loaded: a named error with what to try, Ask disabled, the samples not marked as seeded', async () => {
    const context2 = await browser.newContext();
    const failing = await context2.newPage();
    await failing.goto(`${server.url}?models=fixtures`);
    // Settings that name an embedding model the server does not have.
    await failing.evaluate(() => {
      localStorage.clear();
      const models = new URL('models/', location.href).pathname;
      localStorage.setItem('pagerag-demo-settings', JSON.stringify({ embedModel: 'fixtures/no-such-model', modelsBaseUrl: models, llmKind: 'transformers', llmModel: 'fixtures/llama-tiny' }));
    });
    await failing.goto(server.url);
    await failing.waitForSelector('body[data-ready="failed"]', { timeout: 60_000 });
    expect(await failing.locator('#status').textContent()).toMatch(/ModelLoadError: .*no-such-model.*\?models=fixtures/s);
    expect(await failing.locator('#ask-button').isDisabled()).toBe(true);
    expect(await failing.evaluate(() => localStorage.getItem('pagerag-demo-seeded'))).toBeNull();
    await context2.close();
  });

  test('another embedding model: asked first, then every stored document embedded again with it, none lost', async () => {
    const context3 = await browser.newContext();
    const switching = await context3.newPage();
    const asked: string[] = [];
    let accept = false;
    switching.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void (accept ? dialog.accept() : dialog.dismiss());
    });
    await switching.goto(`${server.url}?models=fixtures`);
    await switching.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    await expect.poll(() => switching.locator('#doc-list li').count()).toBe(4);
    await switching.setInputFiles('#file-input', { name: 'harbour.md', mimeType: 'text/markdown', buffer: Buffer.from('# Harbour\n\nTwelve wooden boats.\n\nThe fishermen paint them blue.') });
    await expect.poll(() => switching.locator('#doc-list li').count()).toBe(5);
    const names = await switching.locator('#doc-list li .name').allTextContents();
    const switchTo = async () => {
      await switching.locator('details:has(#settings-form)').evaluate((details: HTMLDetailsElement) => (details.open = true));
      await switching.fill('#set-embed', 'fixtures/all-MiniLM-L6-v2-random');
      await switching.click('#settings-form button[type="submit"]');
    };

    // Declined: nothing changes.
    await switchTo();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/The 5 stored documents will be embedded again with it.*They stay stored under "fixtures\/bert-tiny" until that is done/s);
    expect(await switching.evaluate(() => JSON.parse(localStorage.getItem('pagerag-demo-settings:fixtures') ?? '{}').embedModel)).toBeUndefined();

    accept = true;
    await Promise.all([switching.waitForEvent('load'), switchTo()]);
    await switching.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
    await expect.poll(() => switching.locator('#doc-list li .name').allTextContents()).toEqual(names);
    expect(await switching.locator('#capabilities').textContent()).toContain('fixtures/all-MiniLM-L6-v2-random');
    // One database left, the new model's: the old one went only after every document was carried over.
    const databases = await switching.evaluate(async () => (await indexedDB.databases()).map((db) => db.name).filter((name) => name?.startsWith('pagerag:')));
    expect(databases).toEqual(['pagerag:pagerag-demo:fixtures/all-MiniLM-L6-v2-random']);
    await switching.fill('#question', 'What colour are the boats?');
    await switching.press('#question', 'Enter');
    await switching.waitForSelector('#answer[data-state="done"]', { timeout: 60_000 });
    expect(await switching.locator('#sources li').count()).toBeGreaterThan(0);
    // The model's bar goes once the model is loaded, rather than "1.0 / 1.0 MB" beside "Done.".
    await switching.waitForSelector('body[data-llm="loaded"]');
    expect(await switching.locator('#progress').isHidden()).toBe(true);

    // An empty index: said plainly, without token figures for an answer no model wrote.
    await switching.click('#clear-index');
    await expect.poll(() => switching.locator('#doc-list').getAttribute('data-count')).toBe('0');
    await switching.fill('#question', 'What colour are the boats?');
    await switching.press('#question', 'Enter');
    await switching.waitForSelector('#answer[data-state="done"]', { timeout: 60_000 });
    expect(await switching.textContent('#status')).toBe('The index is empty: add documents (or load the samples), then ask.');
    expect(await switching.textContent('#stats')).not.toMatch(/tokens/);
    await context3.close();
  });

  test('the demo links to a page with <pagerag-search> over the sample snapshot, which finds a sample', async () => {
    const other = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const visit = await other.newPage();
    await visit.goto(`${server.url}?models=fixtures`);
    await visit.click('#widget-link');
    await visit.waitForURL(/demo\/search\.html\?models=fixtures$/);
    await visit.waitForFunction(() => document.querySelector('pagerag-search')?.shadowRoot);
    await visit.keyboard.press('Control+k');
    await visit.keyboard.type('streaming answers');
    await visit.waitForFunction(() => (document.querySelector('pagerag-search')!.shadowRoot!.querySelectorAll('.results a').length ?? 0) > 0, null, { timeout: 60_000 });
    await other.close();
  });

  test('on a phone (390 × 844) the question box is on the first screen, above the documents', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    await small.goto(`${server.url}?models=fixtures`);
    await small.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    const question = (await small.locator('#question').boundingBox())!;
    expect(question.y + question.height).toBeLessThan(844);
    expect(question.y).toBeLessThan((await small.locator('#dropzone').boundingBox())!.y);
    await small.screenshot({ path: join(shots, '7-phone.png') });
    await phone.close();
  });

  test('offline after one visit: reload without a network, ask, answer (the shell was precached at install)', async () => {
    const context4 = await browser.newContext();
    const visit = await context4.newPage();
    await visit.goto(`${server.url}?models=fixtures`);
    await visit.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    await visit.fill('#question', 'What is pagerag?');
    await visit.press('#question', 'Enter');
    await visit.waitForSelector('#answer[data-state="done"]', { timeout: 60_000 });
    // The service worker took over and finished its install (the whole precache list).
    await expect.poll(() => visit.evaluate(async () => (await navigator.serviceWorker.ready).active?.state === 'activated' && navigator.serviceWorker.controller !== null), { timeout: 30_000 }).toBe(true);
    const cachesBefore = await visit.evaluate(() => caches.keys());
    expect(cachesBefore.some((key) => key.startsWith('pagerag-demo-shell-'))).toBe(true);

    await context4.setOffline(true);
    await visit.reload();
    await visit.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    // Styled: the stylesheet came from the precache.
    expect(await visit.evaluate(() => getComputedStyle(document.body).fontFamily)).not.toMatch(/^"?Times/);
    await visit.fill('#question', 'What is pagerag?');
    await visit.press('#question', 'Enter');
    await visit.waitForSelector('#answer[data-state="done"]', { timeout: 60_000 });
    expect(await visit.locator('#sources li').count()).toBeGreaterThan(0);
    // The models' own caches survived the worker's activation.
    expect(await visit.evaluate(() => caches.keys())).toEqual(cachesBefore);
    await context4.close();
  });

  // Last: the blocked attempts below must not count as the page's own requests in the test above.
  test('the Content-Security-Policy binds the engine worker too: a fetch to another origin never leaves it', async () => {
    let reached = 0;
    const foreign = createServer((_, res) => {
      reached++;
      res.writeHead(200, { 'Access-Control-Allow-Origin': '*' }).end('leaked');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(foreign.address() as { port: number }).port}/exfiltrate`;
    try {
      const worker = page.workers().find((w) => w.url().includes('engine-worker'));
      expect(worker).toBeDefined();
      const fromWorker = await worker!.evaluate((target) => fetch(target).then(() => 'allowed', () => 'blocked'), url);
      const fromPage = await page.evaluate((target) => fetch(target).then(() => 'allowed', () => 'blocked'), url);
      expect([fromWorker, fromPage]).toEqual(['blocked', 'blocked']);
      expect(reached).toBe(0);
    } finally {
      foreign.close();
    }
    const response = await fetch(`${server.url}assets/${readdirSync(join(outDir, 'assets')).find((f) => f.startsWith('engine-worker-'))}`);
    expect(response.headers.get('content-security-policy')).toBe(DEMO_CSP);
    // The meta tag (for hosts without headers) says the same.
    expect(readFileSync(join(outDir, 'index.html'), 'utf8')).toContain(`content="${DEMO_CSP}"`);
  });

});
