// <pagerag-search> on a static site, the way a site owner adds it: `pagerag build-index <site>
// --out <site>/pagerag` (the index, and the component copied beside it), then one script tag and the
// element. Served statically with a strict Content-Security-Policy, driven in Chromium by keyboard.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, chromiumExecutable } from '../../scripts/chromium.mjs';
import { startStaticServer } from '../../scripts/static-server.mjs';
import { runCli } from '../../src/node/cli.js';
import { formatBytes } from '../../src/util/format-bytes.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'pagerag-widget-'));
const site = join(work, 'site');
const screenshots = join(root, 'test', 'screenshots');
/** No 'unsafe-inline', no 'unsafe-eval': what the README asks a site to allow. */
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' blob:; worker-src 'self' blob:; style-src 'self'; connect-src 'self' blob: data:; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'none'";
let browser: Browser;
let server: { url: string; close: () => Promise<void> };
let cliOutput = '';

beforeAll(async () => {
  // The component as the package ships it: dist/ui (built here) and dist/ort (ONNX Runtime's files, as the library build writes them).
  await build({ configFile: join(root, 'vite.ui.config.ts'), root, logLevel: 'warn' });
  const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  mkdirSync(join(root, 'dist', 'ort'), { recursive: true });
  for (const file of ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']) {
    if (!existsSync(join(root, 'dist', 'ort', file))) cpSync(join(ortDist, file), join(root, 'dist', 'ort', file));
  }
  cpSync(join(root, 'test', 'fixtures', 'widget-site'), site, { recursive: true });
  const out: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), isTTY: false, cwd: root };
  const code = await runCli(['build-index', site, '--out', join(site, 'pagerag'), '--model', 'fixtures/bert-tiny', '--models-dir', 'models', '--no-cache', '-q'], io);
  cliOutput = out.join('');
  if (code !== 0) throw new Error(`build-index failed:\n${cliOutput}`);
  // The same site as a large site indexes it: partitioned, read as a site.
  const partitioned = await runCli(['build-index', site, '--out', join(site, 'pagerag-static'), '--partitioned', '--site', '--partitions', '2', '--model', 'fixtures/bert-tiny', '--models-dir', 'models', '--no-cache', '-q'], io);
  if (partitioned !== 0) throw new Error(`build-index --partitioned failed:\n${out.join('')}`);
  server = await startStaticServer({ site, models: join(root, 'models'), headers: { 'Content-Security-Policy': CSP } });
  browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
  mkdirSync(screenshots, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  requests: string[];
  violations: string[];
}

async function openSite(options: { viewport?: { width: number; height: number } } = {}): Promise<Opened> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1200, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const requests: string[] = [];
  const violations: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await page.goto(`${server.url}/index.html`);
  await page.waitForFunction(() => customElements.get('pagerag-search') !== undefined);
  return { page, requests, violations };
}

/** Evaluates inside the component's shadow root. */
const shadow = <T>(page: Page, fn: (root: ShadowRoot) => T) =>
  page.evaluate(`(${fn.toString()})(document.querySelector('pagerag-search').shadowRoot)`) as Promise<T>;

const results = (page: Page) => shadow(page, (root) => [...root.querySelectorAll('.results a')].map((a) => ({ href: a.getAttribute('href'), text: a.textContent })));

describe('<pagerag-search> on a static site', () => {
  test('build-index <site> --out <folder> reads it as a site, writes the index and copies the component beside it, and says the two lines', () => {
    expect(readdirSync(join(site, 'pagerag')).sort()).toEqual(['index.pagerag', 'ort', 'ui']);
    expect(existsSync(join(site, 'pagerag', 'ui', 'pagerag-ui.js'))).toBe(true);
    expect(cliOutput).toContain('<script type="module" src="/pagerag/ui/pagerag-ui.js"></script>');
    expect(cliOutput).toContain('<pagerag-search index="/pagerag/"></pagerag-search>');
  });

  test('keyboard only: Ctrl+K, instant results, Enter, the download question, a streamed answer with its sources; Esc stops, the next question works; Esc closes and focus returns', async () => {
    const { page, requests, violations } = await openSite();
    await page.keyboard.press('Control+k');
    expect(await shadow(page, (root) => root.querySelector('dialog')!.open)).toBe(true);
    expect(await shadow(page, (root) => root.activeElement?.tagName)).toBe('INPUT');
    await page.keyboard.type('paint the boats blue');
    await page.waitForFunction(() => (document.querySelector('pagerag-search')!.shadowRoot!.querySelectorAll('.results a').length ?? 0) > 0, null, { timeout: 60_000 });
    const found = await results(page);
    expect(found[0]).toMatchObject({ href: '/boats.html#colours' });
    expect(found[0]!.text).toContain('Boats');
    expect(found[0]!.text).toContain('Colours');
    await page.screenshot({ path: join(screenshots, 'widget-1-results.png') });

    // Enter asks; the first time the component says what it downloads, and focus moves to the choice.
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.querySelector('pagerag-search')!.shadowRoot!.querySelector<HTMLElement>('.consent')!.hidden);
    // The size the host gives for the files transformers.js will fetch (fp32, as the fixture's config says).
    const files = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];
    const bytes = files.reduce((n, file) => n + statSync(join(root, 'models', 'fixtures', 'llama-tiny', file)).size, 0);
    expect(await shadow(page, (root) => root.querySelector('.consent')!.textContent)).toContain(`downloads ${formatBytes(bytes)} once`);
    expect(await shadow(page, (root) => root.activeElement?.textContent)).toBe('Download and answer');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('pagerag-search')!.shadowRoot!.querySelector('.answer-text')!.textContent!.length > 0, null, { timeout: 120_000 });
    // Esc while it writes stops the answer and keeps the dialog open.
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelector('pagerag-search')!.shadowRoot!.querySelector('.answer-text')!.getAttribute('aria-busy') === 'false');
    expect(await shadow(page, (root) => root.querySelector('dialog')!.open)).toBe(true);
    expect(await shadow(page, (root) => root.querySelector('.status')!.textContent)).toBe('Stopped.');
    const sources = await shadow(page, (root) => [...root.querySelectorAll('.sources a')].map((a) => a.getAttribute('href')));
    expect(sources.length).toBeGreaterThan(0);
    expect(sources).toContain('/boats.html#colours');
    await page.screenshot({ path: join(screenshots, 'widget-2-answer.png') });

    // A follow-up, asked with Enter, runs to its end (through the chat engine, with the history).
    await shadow(page, (root) => root.querySelector('input')!.focus());
    await page.keyboard.press('Control+a');
    await page.keyboard.type('and the rudders?');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const root = document.querySelector('pagerag-search')!.shadowRoot!;
      return root.querySelector('.answer-text')!.getAttribute('aria-busy') === 'false' && root.querySelector('.answer-text')!.textContent!.length > 0 && !root.querySelector<HTMLElement>('.copy')!.hidden;
    }, null, { timeout: 120_000 });
    expect(await shadow(page, (root) => root.querySelector('.status')!.textContent)).toBe('');

    // Copy answer.
    const answer = await shadow(page, (root) => root.querySelector('.answer-text')!.textContent);
    await shadow(page, (root) => root.querySelector<HTMLButtonElement>('.copy')!.click());
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(answer);

    // Esc with nothing running closes; opened by the shortcut from the page body, focus goes to the search button.
    await page.keyboard.press('Escape');
    expect(await shadow(page, (root) => root.querySelector('dialog')!.open)).toBe(false);
    expect(await shadow(page, (root) => root.activeElement?.className)).toBe('open');
    // Opened from a focused link, focus goes back to that link.
    await page.focus('nav a[href="/boats.html"]');
    await page.keyboard.press('Control+k');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/boats.html');
    // Still there once the dialog's close event has run.
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/boats.html');
    // Tab to the search button, Enter opens, Esc closes: focus is on the button again.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await shadow(page, (root) => root.activeElement?.className)).toBe('open');
    await page.keyboard.press('Enter');
    expect(await shadow(page, (root) => root.querySelector('dialog')!.open)).toBe(true);
    await page.keyboard.press('Escape');
    expect(await shadow(page, (root) => root.activeElement?.className)).toBe('open');

    // Everything came from the site's own origin; the CSP refused nothing; nothing ran from the page texts.
    expect(requests.filter((url) => !url.startsWith(server.url) && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
    expect(violations).toEqual([]);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  test('a hostile page title and heading are shown as text; the dialog is usable at phone width; "/" opens it', async () => {
    const { page } = await openSite({ viewport: { width: 390, height: 844 } });
    await page.keyboard.press('/');
    await page.keyboard.type('rye bread bakery dawn');
    await page.waitForFunction(() => (document.querySelector('pagerag-search')!.shadowRoot!.querySelectorAll('.results a').length ?? 0) > 0, null, { timeout: 60_000 });
    const found = await results(page);
    const bakery = found.find((r) => r.href === '/bakery.html#bread')!;
    expect(bakery.text).toContain('<img src=x onerror="window.__pwned = 1"> Bakery');
    expect(bakery.text).toContain('<b onclick="window.__pwned = 2">Bread</b>');
    expect(await shadow(page, (root) => root.querySelectorAll('.results img, .results b, .results script').length)).toBe(0);
    const box = await shadow(page, (root) => root.querySelector('dialog')!.getBoundingClientRect().toJSON() as DOMRect);
    expect(box.width).toBeLessThanOrEqual(390);
    expect(box.x).toBeGreaterThanOrEqual(0);
    await page.screenshot({ path: join(screenshots, 'widget-3-phone.png') });
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  test('over a partitioned static index (index="…/manifest.json"): results come from the partitions it fetched, linking to the right section', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${server.url}/large.html`);
    await page.waitForFunction(() => customElements.get('pagerag-search') !== undefined);
    await page.keyboard.press('Control+k');
    await page.keyboard.type('paint the boats blue');
    await page.waitForFunction(() => (document.querySelector('pagerag-search')!.shadowRoot!.querySelectorAll('.results a').length ?? 0) > 0, null, { timeout: 60_000 });
    const found = await results(page);
    expect(found.map((r) => r.href)).toContain('/boats.html#colours');
    expect(requests.some((url) => url.includes('/pagerag-static/partitions/'))).toBe(true);
    expect(requests.some((url) => url.endsWith('/index.pagerag'))).toBe(false);
    expect(requests.filter((url) => !url.startsWith(server.url) && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
    await context.close();
  });

  test('axe-core finds no serious or critical violation: closed, with results, asking before the download, with an answer', async () => {
    const { page } = await openSite();
    const axeSource = join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js');
    // The page's CSP forbids injected scripts: axe runs in an isolated context of its own (the CDP utility world is not the page's).
    const audit = async () => {
      const cdp = await page.context().newCDPSession(page);
      const { frameTree } = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
      const { executionContextId } = (await cdp.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: 'axe' })) as { executionContextId: number };
      await cdp.send('Runtime.evaluate', { expression: (await import('node:fs')).readFileSync(axeSource, 'utf8'), contextId: executionContextId });
      const { result } = (await cdp.send('Runtime.evaluate', {
        expression: `axe.run(document, { resultTypes: ['violations'] }).then((r) => JSON.stringify(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '))))`,
        contextId: executionContextId,
        awaitPromise: true,
        returnByValue: true,
      })) as { result: { value: string } };
      await cdp.detach();
      return JSON.parse(result.value) as string[];
    };
    expect(await audit()).toEqual([]);
    await page.keyboard.press('Control+k');
    await page.keyboard.type('mooring rings on the quay');
    await page.waitForFunction(() => (document.querySelector('pagerag-search')!.shadowRoot!.querySelectorAll('.results a').length ?? 0) > 0, null, { timeout: 60_000 });
    expect(await audit()).toEqual([]);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.querySelector('pagerag-search')!.shadowRoot!.querySelector<HTMLElement>('.consent')!.hidden);
    expect(await audit()).toEqual([]);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const answer = document.querySelector('pagerag-search')!.shadowRoot!.querySelector('.answer-text')!;
      return answer.getAttribute('aria-busy') === 'false' && answer.textContent!.length > 0;
    }, null, { timeout: 120_000 });
    expect(await audit()).toEqual([]);
  });
});
