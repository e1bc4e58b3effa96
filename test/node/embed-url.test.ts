// `pagerag build-index --embed-url`: documents embedded by an OpenAI-compatible server on loopback
// that runs the fixture encoder (transformers.js in Node), checked against the same model run
// locally; a server that fails for a while, one with vectors of another size, one with another
// model's vectors.
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pageragSnapshot } from '../../src/node/vite-plugin.js';
import { TransformersEmbedding } from '../../src/embeddings/transformers-embedding.js';
import { runCli } from '../../src/node/cli.js';
import { decodeSnapshot } from '../../src/snapshot/snapshot-format.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'pagerag-embed-url-'));
const MODEL = ['--model', 'fixtures/bert-tiny', '--models-dir', join(root, 'models')];
const served = new TransformersEmbedding({ model: 'fixtures/bert-tiny', modelSource: { localModelPath: join(root, 'models'), allowRemoteModels: false } });
const stats = { requests: 0, failed: 0, inFlight: 0, maxInFlight: 0, models: new Set<string>() };
let server: Server;
let base = '';

beforeAll(async () => {
  await served.load();
  let flakyFailures = 0;
  server = createServer(async (req, res) => {
    let body = '';
    for await (const piece of req) body += piece;
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      const mode = req.url!.split('/')[1];
      if (req.method !== 'POST' || req.url !== `/${mode}/v1/embeddings` || !['ok', 'flaky', 'wrong-dims', 'other-model'].includes(mode!)) {
        return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      }
      // A server that is overloaded for its first two requests.
      if (mode === 'flaky' && flakyFailures < 2) {
        flakyFailures++;
        stats.failed++;
        return void res.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'overloaded, try again' } }));
      }
      const { input, model } = JSON.parse(body) as { input: string[]; model: string };
      stats.models.add(model);
      let vectors = (await served.getTextEmbeddings(input)).map((v) => [...v]);
      if (mode === 'wrong-dims') vectors = vectors.map((v) => [...v, 0.5]);
      if (mode === 'other-model') vectors = vectors.map((v) => v.map((x, i) => (i % 2 ? -x : x)));
      // Servers need not return the data in order: `index` says where each vector belongs.
      const data = vectors.map((embedding, index) => ({ object: 'embedding', embedding, index })).reverse();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model }));
    } finally {
      stats.inFlight--;
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await served.dispose();
  rmSync(work, { recursive: true, force: true });
});

async function build(out: string, ...args: string[]): Promise<{ code: number; output: string }> {
  const output: string[] = [];
  const io = { stdout: (t: string) => output.push(t), stderr: (t: string) => output.push(t), isTTY: false, cwd: root };
  const code = await runCli(['build-index', 'test/fixtures/site', '--out', join(work, out), ...MODEL, '--no-cache', '-q', ...args], io);
  return { code, output: output.join('') };
}

const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    dot += x * b[i]!;
    na += x * x;
    nb += b[i]! * b[i]!;
  });
  return dot / Math.sqrt(na * nb);
};

describe('build-index --embed-url', () => {
  test('the server embeds every chunk, in bounded concurrency, and its vectors agree with the local model (cosine ≥ 0.999)', async () => {
    const local = await build('local.pagerag');
    expect(local.code, local.output).toBe(0);
    const before = stats.requests;
    const remote = await build('remote.pagerag', '--embed-url', `${base}/ok`, '--embed-model', 'bert-tiny-on-the-server', '--embed-concurrency', '2');
    expect(remote.code, remote.output).toBe(0);
    expect(stats.requests - before).toBeGreaterThan(1);
    expect(stats.maxInFlight).toBeLessThanOrEqual(2);
    expect([...stats.models]).toEqual(['bert-tiny-on-the-server']);
    const a = await decodeSnapshot(new Uint8Array(readFileSync(join(work, 'local.pagerag'))));
    const b = await decodeSnapshot(new Uint8Array(readFileSync(join(work, 'remote.pagerag'))));
    // The index records the local model (the browser embeds queries with it), as a local build does.
    expect(b.header.embedModel).toEqual(a.header.embedModel);
    const dims = a.header.embedModel.dimensions;
    const rows = a.data.vectors.length / dims;
    expect(b.data.vectors.length).toBe(a.data.vectors.length);
    expect(rows).toBeGreaterThan(3);
    for (let row = 0; row < rows; row++) {
      expect(cosine(a.data.vectors.subarray(row * dims, (row + 1) * dims), b.data.vectors.subarray(row * dims, (row + 1) * dims))).toBeGreaterThanOrEqual(0.999);
    }
  });

  test('a server that fails twice (503) is retried with backoff and the build succeeds', async () => {
    const failedBefore = stats.failed;
    const result = await build('flaky.pagerag', '--embed-url', `${base}/flaky`);
    expect(result.code, result.output).toBe(0);
    expect(stats.failed - failedBefore).toBe(2);
    expect(existsSync(join(work, 'flaky.pagerag'))).toBe(true);
  });

  test('vectors of the wrong dimension: a named error naming the URL, nothing written', async () => {
    const result = await build('wrong.pagerag', '--embed-url', `${base}/wrong-dims`);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/Expected the vectors of http:\/\/127\.0\.0\.1:\d+\/wrong-dims\/v1\/embeddings to have \d+ dimensions, got \d+/);
    expect(existsSync(join(work, 'wrong.pagerag'))).toBe(false);
  });

  test('the Vite plugin takes the same server (embedServer)', async () => {
    const before = stats.requests;
    const outDir = join(work, 'vite-app');
    await viteBuild({
      configFile: false,
      root: join(root, 'test', 'fixtures', 'vite-app'),
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true },
      plugins: [pageragSnapshot({ input: '../site', model: 'fixtures/bert-tiny', modelsDir: '../../../models', cacheDir: join(work, 'vite-cache'), embedServer: { baseURL: `${base}/ok` } })],
    });
    expect(stats.requests - before).toBeGreaterThan(1);
    expect(readdirSync(join(outDir, 'assets')).some((f) => f.endsWith('.pagerag'))).toBe(true);
  });

  test("another model's vectors are refused before anything is embedded; a server that is not there is named", async () => {
    const requests = stats.requests;
    const other = await build('other.pagerag', '--embed-url', `${base}/other-model`);
    expect(other.code).toBe(1);
    expect(other.output).toMatch(/are not those of "fixtures\/bert-tiny" here: cosine/);
    // Only the check's one request reached the server.
    expect(stats.requests - requests).toBe(1);
    expect(existsSync(join(work, 'other.pagerag'))).toBe(false);
    const missing = await build('missing.pagerag', '--embed-url', `${base}/nothing-here`);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/nothing-here\/v1\/embeddings answered 404/);
  });
});
