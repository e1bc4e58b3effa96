// The `pagerag` command as installed (bin/pagerag.js over the built library) and the
// `pagerag/vite` plugin, in Node, on the fixture folder and the fixture encoder.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { build, createLogger, createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { decodeSnapshot, readSnapshotHeader } from '../../src/snapshot/snapshot-format.js';
import { makePdf } from '../support/pdf-files.js';
import { makeDocx } from '../support/docx-files.js';
import { MetadataMode } from '../../src/schema/metadata-mode.js';
import { TextNode } from '../../src/schema/node.js';
import { pageragSnapshot } from '../../src/node/vite-plugin.js';
import type { StaticManifest } from '../../src/static/static-format.js';
import { keywordChunkPath } from '../../src/static/static-keywords.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'pagerag-build-index-'));
const MODEL = ['--model', 'fixtures/bert-tiny', '--models-dir', join(root, 'models')];

async function pagerag(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin', 'pagerag.js'), ...args], { cwd: work });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  // The command runs the built library, as after `npm run build`.
  await build({ configFile: join(root, 'vite.config.ts'), root, logLevel: 'warn' });
  cpSync(join(root, 'test', 'fixtures', 'site'), join(work, 'site'), { recursive: true });
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pagerag build-index', () => {
  test('writes the same snapshot as the one the browser tests load, with progress', async () => {
    const { code, stdout, stderr } = await pagerag('build-index', 'site', '--out', 'out/site.pagerag', ...MODEL, '--no-cache');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/Wrote out\/site\.pagerag: 4 documents, \d+ chunks, fixtures\/bert-tiny \(32 dimensions, float32\)/);
    expect(stderr).toMatch(/embedding \d+\/\d+/);
    const built = readFileSync(join(work, 'out', 'site.pagerag'));
    // Deterministic: the global setup built the same folder in-process.
    const reference = readFileSync(join(root, inject('siteSnapshot')));
    expect(readSnapshotHeader(built).header.contentHash).toBe(readSnapshotHeader(reference).header.contentHash);
  });

  test('re-embeds only files that changed (content-hash cache)', async () => {
    const cache = join(work, 'cache');
    const first = await pagerag('build-index', 'site', '-o', 'a.pagerag', ...MODEL, '--cache', cache, '-q');
    expect(first.stdout).toMatch(/4 files embedded, 0 from cache/);
    const second = await pagerag('build-index', 'site', '-o', 'b.pagerag', ...MODEL, '--cache', cache, '-q');
    expect(second.stdout).toMatch(/0 files embedded, 4 from cache/);
    expect(readFileSync(join(work, 'b.pagerag')).equals(readFileSync(join(work, 'a.pagerag')))).toBe(true);
    writeFileSync(join(work, 'site', 'notes.txt'), 'Notes on the town\n\nThe market moved to the harbour.');
    const third = await pagerag('build-index', 'site', '-o', 'c.pagerag', ...MODEL, '--cache', cache, '-q');
    expect(third.stdout).toMatch(/1 files embedded, 3 from cache/);
    cpSync(join(root, 'test', 'fixtures', 'site', 'notes.txt'), join(work, 'site', 'notes.txt'));

    // A cache entry corrupted twice over (a byte inside its first gzip section, and the next
    // section's length): the decompression started for the first must not become an unhandled
    // rejection that kills the command; the file is embedded again instead.
    const entries = readdirSync(cache, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    for (const entry of entries) {
      const file = join(entry.parentPath, entry.name);
      const bytes = readFileSync(file);
      const { bodyOffset } = readSnapshotHeader(new Uint8Array(bytes));
      const firstLength = bytes.readUInt32LE(bodyOffset + 8);
      bytes[bodyOffset + 16 + 12]! ^= 0xff;
      bytes.writeUInt32LE(0xfffffff0, bodyOffset + Math.ceil((16 + firstLength) / 8) * 8 + 8);
      writeFileSync(file, bytes);
    }
    const fourth = await pagerag('build-index', 'site', '-o', 'd.pagerag', ...MODEL, '--cache', cache, '-q');
    expect([fourth.code, fourth.stderr]).toEqual([0, '']);
    expect(fourth.stdout).toMatch(/4 files embedded, 0 from cache/);
  });

  test('globs, int8 vectors and clear errors', async () => {
    const glob = await pagerag('build-index', 'site/**/*.md', '-o', 'md.pagerag', ...MODEL, '--vectors', 'int8', '--no-cache', '-q');
    expect(glob.code, glob.stderr).toBe(0);
    const { header } = readSnapshotHeader(readFileSync(join(work, 'md.pagerag')));
    expect(header).toMatchObject({ vectors: 'int8', counts: { documents: 2 } });

    expect(await pagerag('build-index', 'site')).toMatchObject({ code: 2, stderr: expect.stringMatching(/expected --out <file>[\s\S]*Usage: pagerag build-index/) });
    expect(await pagerag('index', 'site', '-o', 'x')).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "index"/) });
    expect(await pagerag('build-index', 'missing-folder', '-o', 'x.pagerag', ...MODEL)).toMatchObject({ code: 1, stderr: expect.stringMatching(/No such folder or file: "missing-folder"/) });
    expect(await pagerag('build-index', 'site', '-o', 'x.pagerag', '--chunk-size', 'big', ...MODEL)).toMatchObject({ code: 1, stderr: expect.stringMatching(/--chunk-size to be a whole number/) });
    expect(await pagerag('build-index', 'site', '-o', 'x.pagerag', '--chunk-size', '5000', ...MODEL)).toMatchObject({ code: 1, stderr: expect.stringMatching(/chunkSize to be at most \d+ tokens/) });
    expect(await pagerag('build-index', 'site', '-o', 'x.pagerag', '--model', 'no/such-model', '--models-dir', join(root, 'models'))).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/Could not load embedding model "no\/such-model"/),
    });
    expect(existsSync(join(work, 'x.pagerag'))).toBe(false);
    expect((await pagerag('--help')).stdout).toMatch(/Usage: pagerag build-index/);
  });

  test('--site: a built site read as Pagefind does, one document per heading with its url#anchor', async () => {
    const dist = join(work, 'dist', 'guide');
    mkdirSync(dist, { recursive: true });
    writeFileSync(join(dist, 'boats.html'), '<html><head><title>Boats</title></head><body><nav>Menu</nav><main><h1 id="boats">Boats</h1><p>Twelve boats.</p><h2 id="paint">Paint</h2><p>Blue every spring.</p></main><footer>f</footer></body></html>');
    const built = await pagerag('build-index', 'dist', '-o', 'site-pages.pagerag', ...MODEL, '--site', '--no-cache', '-q');
    expect(built.code, built.stderr).toBe(0);
    const { data } = await decodeSnapshot(new Uint8Array(readFileSync(join(work, 'site-pages.pagerag'))));
    expect(data.documents.map((d) => [d.id, d.metadata.url, d.metadata.heading])).toEqual([
      ['guide/boats.html#boats', '/guide/boats.html#boats', 'Boats'],
      ['guide/boats.html#paint', '/guide/boats.html#paint', 'Paint'],
    ]);
    expect(data.documents.flatMap((d) => d.nodes.map((n) => n.text)).join(' ')).not.toMatch(/Menu|\bf\b/);
  });

  test('PDFs and Word files: text by page, nodes labelled with their page; one with no text layer fails the build with its name', async () => {
    const folder = join(work, 'pdfs');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'manual.pdf'), makePdf({ title: 'Manual', pages: [['Boats leave at dawn. They return at noon. Nets dry on the quay.'], ['The mill grinds wheat. Flour goes to the bakery. Bread is sold at noon.']] }));
    writeFileSync(join(folder, 'notes.md'), '# Notes\n\nBread at noon.');
    writeFileSync(join(folder, 'report.docx'), makeDocx(['# Report', 'The harbour opened in spring.']));
    const built = await pagerag('build-index', 'pdfs', '-o', 'pdfs.pagerag', ...MODEL, '--chunk-size', '92', '--chunk-overlap', '0', '--base-url', 'https://example.com/docs/', '--no-cache', '-q');
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/3 documents/);
    const { data } = await decodeSnapshot(new Uint8Array(readFileSync(join(work, 'pdfs.pagerag'))));
    const manual = data.documents.find((d) => d.id === 'manual.pdf')!;
    expect(manual.metadata).toMatchObject({ title: 'Manual', page_count: 2, file_type: 'application/pdf', url: 'https://example.com/docs/manual.pdf' });
    expect(data.documents.find((d) => d.id === 'notes.md')!.metadata.url).toBe('https://example.com/docs/notes.md');
    expect(data.documents.find((d) => d.id === 'report.docx')!.metadata).toMatchObject({ title: 'Report', url: 'https://example.com/docs/report.docx' });
    // The url is for links and the LLM, not for the embedding.
    const [first] = manual.nodes;
    expect(new TextNode(first!).getContent(MetadataMode.EMBED)).not.toContain('example.com');
    expect(new TextNode(first!).getContent(MetadataMode.LLM)).toContain('url: https://example.com/docs/manual.pdf');
    const labels = manual.nodes.map((n) => n.metadata.page_label);
    expect([labels[0], labels.at(-1), labels.every((l) => l === '1' || l === '2')]).toEqual(['1', '2', true]);

    writeFileSync(join(folder, 'scan.pdf'), makePdf({ pages: [[]] }));
    const failed = await pagerag('build-index', 'pdfs', '-o', 'scan.pagerag', ...MODEL, '--no-cache', '-q');
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/"scan\.pdf" has no text layer/) });
    expect(existsSync(join(work, 'scan.pagerag'))).toBe(false);
  });
});

describe('pagerag/vite', () => {
  async function buildApp(outDir: string, plugin: Partial<Parameters<typeof pageragSnapshot>[0]> = {}) {
    const lines: string[] = [];
    const logger = createLogger('info');
    logger.info = (message) => void lines.push(message);
    await build({
      configFile: false,
      root: join(root, 'test', 'fixtures', 'vite-app'),
      logLevel: 'info',
      customLogger: logger,
      build: { outDir, emptyOutDir: true },
      plugins: [pageragSnapshot({ input: '../site', model: 'fixtures/bert-tiny', modelsDir: '../../../models', cacheDir: join(work, 'vite-cache'), ...plugin })],
    });
    return lines.join('\n');
  }

  test('emits the snapshot as an asset whose URL the page imports; a rebuild embeds nothing again', async () => {
    const outDir = join(work, 'app');
    const log = await buildApp(outDir);
    expect(log).toMatch(/pagerag: \.\.\/site → pagerag-index\.pagerag: 4 files, \d+ chunks, .* \(4 embedded, 0 from cache\)/);
    const assets = readdirSync(join(outDir, 'assets'));
    const snapshot = assets.find((f) => f.endsWith('.pagerag'))!;
    expect(snapshot).toMatch(/^pagerag-index-.+\.pagerag$/);
    const script = assets.find((f) => f.endsWith('.js'))!;
    expect(readFileSync(join(outDir, 'assets', script), 'utf8')).toContain(snapshot);
    const { header } = readSnapshotHeader(readFileSync(join(outDir, 'assets', snapshot)));
    expect(header.counts.documents).toBe(4);
    expect(readFileSync(join(outDir, 'assets', script), 'utf8')).toContain(header.contentHash);

    expect(await buildApp(outDir)).toMatch(/\(0 embedded, 4 from cache\)/);
  });

  test('partitioned: emits every file of a partitioned static index under assets/pagerag-index/, and the module exports its manifest URL', async () => {
    const outDir = join(work, 'app-partitioned');
    const log = await buildApp(outDir, { partitioned: { partitions: 2 } });
    expect(log).toMatch(/pagerag: \.\.\/site → pagerag-index\/manifest\.json: 4 documents, \d+ chunks in 2 partitions/);
    const folder = join(outDir, 'assets', 'pagerag-index');
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as StaticManifest;
    expect(manifest).toMatchObject({ format: 'pagerag-partitioned', counts: { documents: 4 } });
    expect(manifest.partitions).toHaveLength(2);
    for (const entry of [...manifest.partitions, ...manifest.fragments.tables]) expect(existsSync(join(folder, entry.file))).toBe(true);
    for (const [, hash] of manifest.keywords!.chunks) expect(existsSync(join(folder, keywordChunkPath(hash)))).toBe(true);
    const script = readdirSync(join(outDir, 'assets')).find((f) => f.endsWith('.js'))!;
    const code = readFileSync(join(outDir, 'assets', script), 'utf8');
    expect(code).toContain('pagerag-index/manifest.json');
    expect(code).toContain(manifest.contentHash);
  });

  test('partitioned, in vite dev: the module exports the manifest URL and the dev server serves every file of the index', async () => {
    const server = await createServer({
      configFile: false,
      root: join(root, 'test', 'fixtures', 'vite-app'),
      logLevel: 'silent',
      server: { port: 0, host: '127.0.0.1' },
      plugins: [pageragSnapshot({ input: '../site', model: 'fixtures/bert-tiny', modelsDir: '../../../models', cacheDir: join(work, 'vite-cache'), partitioned: true })],
    });
    await server.listen();
    try {
      const module = (await server.ssrLoadModule('virtual:pagerag-snapshot')) as { default: string; header: { format: string } };
      expect(module.default).toBe('/@pagerag/pagerag-index/manifest.json');
      expect(module.header.format).toBe('pagerag-partitioned');
      const base = server.resolvedUrls!.local[0]!;
      const response = await fetch(new URL(module.default, base));
      expect(response.headers.get('content-type')).toBe('application/json');
      const manifest = (await response.json()) as StaticManifest;
      for (const entry of [...manifest.partitions, ...manifest.fragments.tables]) {
        const file = await fetch(new URL(`/@pagerag/pagerag-index/${entry.file}`, base));
        expect(file.status).toBe(200);
        expect(createHash('sha256').update(new Uint8Array(await file.arrayBuffer())).digest('hex')).toBe(entry.hash);
      }
      expect((await fetch(new URL('/@pagerag/pagerag-index/partitions/none.bin', base))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
