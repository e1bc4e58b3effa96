#!/usr/bin/env node
// The web-llm real-engine check: pagerag's WebLLM adapter against a real web-llm engine running a
// real compiled model library, with random weights written for that library, in headless
// Chromium (SwiftShader WebGPU where there is no GPU).
//
//   npm run check:webllm -- --lib <model-library.wasm> [--webllm <version>] [--tokenizer <dir>] [--max-tokens 2] [--steps a,b] [--out results.json]
//
// The library is not ours and never enters the repo (web-llm's are in mlc-ai/binary-mlc-llm-libs).
// A library links only with the web-llm runtime it was built for (the v0_2_48 builds with web-llm
// 0.2.79, not 0.2.86), so the check installs the web-llm version asked for into a scratch folder,
// never into the project's dependencies, and points the page's `@mlc-ai/web-llm` at it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, chromiumExecutable } from '../chromium.mjs';
import { makeFixtures } from '../fixtures/make-fixtures.mjs';
import { writeRandomModel } from './random-model.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const scratch = join(root, 'node_modules', '.cache', 'pagerag-check-webllm');
const STEPS = ['abort-during-load', 'load', 'stream', 'break', 'abort-before-generation', 'abort-during-prefill', 'worker', 'rag', 'requests'];

const { values } = parseArgs({
  options: {
    lib: { type: 'string' },
    webllm: { type: 'string' },
    tokenizer: { type: 'string', default: join(process.env.PAGERAG_SHARED_DIR ?? join(root, '..', 'shared'), 'models', 'HuggingFaceTB', 'SmolLM-360M-Instruct') },
    'max-tokens': { type: 'string', default: '2' },
    steps: { type: 'string', default: STEPS.join(',') },
    'step-timeout': { type: 'string', default: '1800' },
    out: { type: 'string' },
  },
});

if (!values.lib) {
  console.log(
    'check:webllm skipped: no model library given. Run `npm run check:webllm -- --lib <file.wasm> [--webllm <version>]` with a web-llm model library ' +
      '(e.g. web-llm-models/v0_2_48/Qwen2-0.5B-Instruct-q4f32_1-ctx4k_cs1k-webgpu.wasm from mlc-ai/binary-mlc-llm-libs, with --webllm 0.2.79). See "web-llm on a real engine" in the README.',
  );
  process.exit(0);
}
const library = resolve(values.lib);
if (!existsSync(library)) fail(`No model library at ${library}: give the path of a web-llm model library (*.wasm).`);
if (!existsSync(join(values.tokenizer, 'tokenizer.json'))) fail(`No tokenizer.json in ${values.tokenizer}: give --tokenizer <dir> with a ChatML tokenizer (SmolLM's in ../shared/models).`);
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// The version the tests run (web-llm is an optional peer of the package, a dev dependency here).
const pinned = manifest.devDependencies['@mlc-ai/web-llm'];
const version = values.webllm ?? pinned;
const maxTokens = Number(values['max-tokens']);
const steps = values.steps.split(',').map((s) => s.trim()).filter(Boolean);
for (const step of steps) if (!STEPS.includes(step)) fail(`Unknown step "${step}": the steps are ${STEPS.join(', ')}.`);
const stepTimeoutMs = Number(values['step-timeout']) * 1000;

const log = (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const started = Date.now();

const webllmDir = await installWebLLM(version);
const model = await prepareModel();
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'warn',
  cacheDir: join(scratch, `vite-${version}`),
  resolve: { alias: [{ find: /^@mlc-ai\/web-llm$/, replacement: join(webllmDir, 'lib', 'index.js') }] },
  // No watcher and no HMR: an edit in the checkout must not reload the page halfway through a run.
  server: { port: 0, host: '127.0.0.1', fs: { strict: false }, watch: null, hmr: false },
  optimizeDeps: { entries: ['scripts/check-webllm/page/index.html', 'scripts/check-webllm/page/worker.ts'] },
  plugins: [serveModel(model)],
});
await server.listen();
const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
const results = { library: basename(library), webllm: version, pinnedWebllm: pinned, model: model.id, maxTokens, browser: `Chromium ${browser.version()}`, steps: {} };
let failed = 0;
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') log(`console: ${message.text().slice(0, 400)}`);
  });
  const url = `${server.resolvedUrls.local[0]}scripts/check-webllm/page/index.html?${new URLSearchParams({ model: model.id, maxTokens: String(maxTokens) })}`;
  await page.goto(url);
  await page.waitForFunction(() => window.steps, undefined, { timeout: 120_000 });
  const adapter = await page.evaluate(async () => {
    const a = await navigator.gpu?.requestAdapter();
    return a ? `${a.info.vendor || ''} ${a.info.architecture || ''}${a.info.isFallbackAdapter ? ' (fallback adapter)' : ''}`.trim() : 'none';
  });
  results.adapter = adapter;
  log(`web-llm ${version} (project pins ${pinned}), library ${basename(library)}, ${results.browser}, WebGPU adapter: ${adapter}, maxTokens ${maxTokens}`);
  for (const step of steps) {
    const stepStarted = Date.now();
    log(`${step} …`);
    let result;
    try {
      result = await withTimeout(page.evaluate((name) => window.steps[name](), step), stepTimeoutMs, step);
    } catch (error) {
      result = { ok: false, error: String(error?.message ?? error).split('\n')[0] };
    }
    result.seconds = Math.round((Date.now() - stepStarted) / 100) / 10;
    results.steps[step] = result;
    if (!result.ok) failed++;
    log(`${result.ok ? 'PASS' : 'FAIL'} ${step} (${result.seconds} s) ${JSON.stringify({ ...result, ok: undefined, seconds: undefined })}`);
    if (/LinkError/.test(result.error ?? '')) {
      log(`the library does not link with web-llm ${version}'s runtime: it was built for another web-llm version. Pass --webllm <version> (the v0_2_48 libraries link with 0.2.79).`);
    }
    if (!result.ok && (step === 'load' || result.error?.includes('Target closed'))) break;
  }
} finally {
  await browser.close();
  await server.close();
}
results.seconds = Math.round((Date.now() - started) / 1000);
results.passed = steps.length - failed === Object.keys(results.steps).length && failed === 0;
if (values.out) writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
log(`${results.passed ? 'all steps passed' : `${failed} step(s) failed or did not run`} in ${results.seconds} s`);
process.exit(results.passed ? 0 : 1);

function fail(message) {
  console.error(`check:webllm: ${message}`);
  process.exit(2);
}

function withTimeout(promise, ms, step) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${step} did not finish within ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}

/** web-llm `version`, installed once into the scratch folder. */
async function installWebLLM(version) {
  const dir = join(scratch, `web-llm-${version}`);
  const pkg = join(dir, 'node_modules', '@mlc-ai', 'web-llm');
  if (!existsSync(join(pkg, 'package.json'))) {
    log(`installing @mlc-ai/web-llm@${version} into ${dir}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    try {
      await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', `@mlc-ai/web-llm@${version}`], { cwd: dir });
    } catch (error) {
      fail(`Could not install @mlc-ai/web-llm@${version} from the npm registry: ${error.stderr || error.message}`);
    }
  }
  return pkg;
}

/** Random weights for the library, written once per library (keyed by its hash) and tokenizer. */
async function prepareModel() {
  const hash = createHash('sha256').update(readFileSync(library)).update(readFileSync(join(values.tokenizer, 'tokenizer.json'))).digest('hex').slice(0, 16);
  const id = `random-${basename(library, '.wasm')}`;
  const dir = join(scratch, 'models', hash);
  const files = join(dir, id, 'resolve', 'main');
  if (!existsSync(join(dir, 'done'))) {
    log(`writing random weights for ${basename(library)} into ${files}`);
    const written = await writeRandomModel({ library, tokenizerDir: values.tokenizer, outDir: files, modelId: id });
    writeFileSync(join(dir, 'done'), JSON.stringify({ bytes: written.bytes, vocabSize: written.vocabSize }));
    log(`${written.metadata.params.length} parameters, ${Math.round(written.bytes / 1e6)} MB, vocabulary ${written.vocabSize}, ${written.wordTokens} word-like tokens sampled`);
  }
  makeFixtures();
  return { id, dir, library };
}

/** Serves the weights at /mlc/<id>/resolve/main/… and the library at /mlc/<id>.wasm. */
function serveModel({ id, dir, library }) {
  return {
    name: 'check-webllm-model',
    configureServer(vite) {
      vite.middlewares.use('/favicon.ico', (_req, res) => void res.writeHead(204).end());
      vite.middlewares.use('/mlc/', (req, res) => {
        const path = decodeURIComponent(req.url.split('?')[0]).replace(/^\/+/, '');
        const file = path === `${id}.wasm` ? library : join(dir, path);
        if (!file.startsWith(dir) && file !== library) return void res.writeHead(403).end();
        if (!existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
        res.writeHead(200, { 'Content-Type': file.endsWith('.json') ? 'application/json' : file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream', 'Content-Length': statSync(file).size });
        createReadStream(file).pipe(res);
      });
    },
  };
}
