// A newcomer's app: the package as `npm pack` makes it, installed the way the README says for a
// browser-only app (no download by onnxruntime-node's install script), then run by the Vite dev
// server, built by Vite and built by esbuild, each answering a query in Chromium on the fixture models.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { chromium, type Browser } from 'playwright';
import { build, createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, chromiumExecutable } from '../../scripts/chromium.mjs';
import { startStaticServer } from '../../scripts/static-server.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'pagerag-packed-app-'));
const app = join(work, 'app');
const exec = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// The README's install for a browser-only app: onnxruntime-node (a dependency of transformers.js)
// must not run its download.
const INSTALL_ENV = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
let browser: Browser;

interface AppResult {
  answer?: string;
  deltas?: number;
  source?: string;
  error?: string;
}

/** Opens the app, waits for its answer, and returns it with every URL the page requested. */
async function answerAt(url: string): Promise<{ result: AppResult; requests: string[] }> {
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  try {
    await page.goto(url);
    await page.waitForFunction(() => (window as { __result?: unknown }).__result, null, { timeout: 90_000 });
    return { result: await page.evaluate(() => (window as unknown as { __result: AppResult }).__result), requests };
  } finally {
    await page.close();
  }
}

function expectAnswered({ result, requests }: { result: AppResult; requests: string[] }, origin: string): void {
  expect(result.error).toBeUndefined();
  expect(result.deltas).toBeGreaterThan(0);
  expect(result.answer!.length).toBeGreaterThan(0);
  expect(['boats', 'bread']).toContain(result.source);
  // Models, code and ONNX Runtime's wasm all come from the app's own origin: no CDN.
  expect(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('blob:'))).toEqual([]);
  expect(requests.some((url) => url.endsWith('/ort-wasm-simd-threaded.asyncify.wasm') || /ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/.test(url))).toBe(true);
}

beforeAll(async () => {
  await build({ configFile: join(root, 'vite.config.ts'), root, logLevel: 'warn' });
  await build({ configFile: join(root, 'vite.ui.config.ts'), root, logLevel: 'warn' });
  await exec(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: root });
  const { stdout } = await exec(npm, ['pack', '--pack-destination', work, '--silent'], { cwd: root });
  const tarball = stdout.trim().split('\n').pop()!;
  cpSync(join(root, 'test', 'fixtures', 'packed-app'), app, { recursive: true });
  const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const manifest = {
    name: 'packed-app',
    private: true,
    type: 'module',
    dependencies: { pagerag: `file:../${tarball}` },
    devDependencies: { vite: ours.devDependencies.vite, esbuild: ours.devDependencies.esbuild },
  };
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  await exec(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: INSTALL_ENV, maxBuffer: 16 << 20 });
  // The fixture models, served at /models/ by the Vite dev server (its public folder) and by the static server.
  mkdirSync(join(app, 'public'));
  symlinkSync(join(root, 'models'), join(app, 'public', 'models'), 'dir');
  browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the packed package in a fresh app', () => {
  test("installs without onnxruntime-node's download (ONNXRUNTIME_NODE_INSTALL=skip, as the README says)", async () => {
    // npm 11 holds back install scripts until approved; `rebuild` runs the script whatever the npm version.
    const { stdout, stderr } = await exec(npm, ['rebuild', 'onnxruntime-node'], { cwd: app, env: INSTALL_ENV });
    expect(`${stdout}${stderr}`).not.toMatch(/ENOTFOUND|nuget/);
    // The package carries ONNX Runtime's wasm beside its code: no `?url` import left for a bundler to trip on.
    const dist = join(app, 'node_modules', 'pagerag', 'dist');
    // web-llm is an optional peer: an app that never uses it does not install it.
    expect(existsSync(join(app, 'node_modules', '@mlc-ai', 'web-llm'))).toBe(false);
    expect(readdirSync(join(dist, 'ort')).sort()).toEqual(['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']);
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) expect(readFileSync(join(dist, file), 'utf8')).not.toMatch(/\?url['"]/);
  });

  test('its types resolve under moduleResolution node10, and the root entry type-checks with skipLibCheck: false', async () => {
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    for (const config of ['tsconfig.node10.json', 'tsconfig.lib-check.json']) {
      const { stdout } = await exec(tsc, ['-p', config], { cwd: app }).catch((error: { stdout: string }) => error);
      expect(stdout, config).toBe('');
    }
  });

  test('the Vite dev server runs it with no configuration and answers a query', async () => {
    const server = await createServer({ root: app, configFile: false, logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
    await server.listen();
    try {
      const url = server.resolvedUrls!.local[0]!;
      const answered = await answerAt(url);
      expectAnswered(answered, new URL(url).origin);
      // ONNX Runtime's files come from the package itself, through the dev server.
      expect(answered.requests.some((u) => u.includes('/node_modules/pagerag/dist/ort/ort-wasm-simd-threaded.asyncify.wasm'))).toBe(true);
    } finally {
      await server.close();
    }
  });

  test('a Vite build answers; web-llm stays out of an app that does not use it', async () => {
    const outDir = join(work, 'vite-dist');
    await build({ root: app, configFile: false, logLevel: 'error', publicDir: false, build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 4096 } });
    const assets = readdirSync(join(outDir, 'assets'));
    expect(assets.some((f) => /^ort-wasm-simd-threaded\.asyncify-.+\.wasm$/.test(f))).toBe(true);
    expect(assets.filter((f) => f.endsWith('.js') && readFileSync(join(outDir, 'assets', f), 'utf8').includes('MLCEngine'))).toEqual([]);
    const server = await startStaticServer({ site: outDir, models: join(root, 'models') });
    try {
      expectAnswered(await answerAt(server.url), new URL(server.url).origin);
    } finally {
      await server.close();
    }
  });

  test("a worker of the app's own that imports pagerag/webllm-worker keeps web-llm's engine handler in a Vite build", async () => {
    // The entry is imported for its side effect (it installs the handler): a bundler that believed
    // the package free of side effects would emit an empty worker, and web-llm would wait for ever.
    // An app that uses web-llm installs it beside pagerag (the README's install line).
    const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    await exec(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', `@mlc-ai/web-llm@${ours.devDependencies['@mlc-ai/web-llm']}`], { cwd: app, env: INSTALL_ENV, maxBuffer: 16 << 20 });
    const outDir = join(work, 'own-worker-dist');
    await build({ root: join(app, 'own-worker'), configFile: false, logLevel: 'error', publicDir: false, build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 8192 } });
    const workers = readdirSync(join(outDir, 'assets')).filter((f) => /^worker-.+\.js$/.test(f));
    expect(workers).toHaveLength(1);
    const code = readFileSync(join(outDir, 'assets', workers[0]!), 'utf8');
    // A message kind only web-llm's WebWorkerMLCEngineHandler answers.
    expect(code).toContain('chatCompletionStreamInit');
    expect(code).toMatch(/onmessage/);
  });

  test('an esbuild build (ONNX Runtime files copied beside it, as the README says) answers; no web-llm chunk', async () => {
    const outDir = join(work, 'esbuild-dist');
    await esbuild.build({ entryPoints: [join(app, 'main.js')], absWorkingDir: app, bundle: true, format: 'esm', splitting: true, outdir: outDir, logLevel: 'silent' });
    cpSync(join(app, 'node_modules', 'pagerag', 'dist', 'ort'), join(outDir, 'ort'), { recursive: true });
    writeFileSync(join(outDir, 'index.html'), readFileSync(join(app, 'index.html'), 'utf8'));
    const scripts = readdirSync(outDir).filter((f) => f.endsWith('.js'));
    expect(scripts.filter((f) => readFileSync(join(outDir, f), 'utf8').includes('MLCEngine'))).toEqual([]);
    const server = await startStaticServer({ site: outDir, models: join(root, 'models') });
    try {
      expectAnswered(await answerAt(server.url), new URL(server.url).origin);
    } finally {
      await server.close();
    }
  });
});
