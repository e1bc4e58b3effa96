// `pagerag build-index --partitioned` in Node: the files, keyword chunks scored as the in-memory BM25
// index scores, an empty folder, a corpus smaller than the partition count, reproducible builds. The browser side is test/static/static-vector-store.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from '../../src/node/cli.js';
import { kmeans } from '../../src/static/kmeans.js';
import { SnapshotFormatError } from '../../src/errors.js';
import { FRAGMENT_ROWS, StaticLayout, TABLE_FRAGMENTS, checkManifest, decodePartition, decodeTable, fragmentPath, type StaticManifest } from '../../src/static/static-format.js';
import { buildKeywordChunks, chunkOf, decodeKeywordChunk, keywordChunkPath, queryTerms, scoreKeywords } from '../../src/static/static-keywords.js';
import { BM25Index, analyzeKeywords } from '../../src/search/bm25-index.js';
import type { Metadata } from '../../src/schema/node.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'pagerag-partitioned-'));
const MODEL = ['--model', 'fixtures/bert-tiny', '--models-dir', join(root, 'models'), '--no-cache', '-q'];
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function build(input: string, out: string, ...args: string[]): Promise<{ code: number; output: string }> {
  const output: string[] = [];
  const io = { stdout: (t: string) => output.push(t), stderr: (t: string) => output.push(t), isTTY: false, cwd: root };
  const code = await runCli(['build-index', input, '--out', join(work, out), '--partitioned', ...MODEL, ...args], io);
  return { code, output: output.join('') };
}

const manifestOf = (folder: string) => JSON.parse(readFileSync(join(work, folder, 'manifest.json'), 'utf8')) as StaticManifest;

describe('build-index --partitioned', () => {
  test('writes a manifest and content-addressed partitions, fragment tables, fragments and keyword chunks that cover every chunk once; the same input gives the same files', async () => {
    const first = await build('test/fixtures/site', 'a', '--partitions', '3');
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/Wrote .*manifest\.json: 4 documents, \d+ chunks in 3 partitions/);
    const manifest = manifestOf('a');
    expect(manifest).toMatchObject({ format: 'pagerag-partitioned', version: 2, embedModel: { model: 'fixtures/bert-tiny' }, fragments: { rows: FRAGMENT_ROWS, perTable: TABLE_FRAGMENTS } });
    const dims = manifest.embedModel.dimensions;
    const read = (entry: { file: string; hash: string }) => {
      const bytes = readFileSync(join(work, 'a', entry.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.hash);
      return new Uint8Array(bytes);
    };
    const fragmentHashes = manifest.fragments.tables.flatMap((entry) => decodeTable(read(entry), entry.file));
    const layout = new StaticLayout(manifest);
    expect(fragmentHashes).toHaveLength(layout.fragmentCount);
    const rows: number[] = [];
    const slotNodes: { id: string; text: string }[] = [];
    manifest.partitions.forEach((entry, c) => {
      expect(entry.file).toBe(`partitions/${entry.hash.slice(0, 20)}.bin`);
      const partition = decodePartition(read(entry), dims, entry.file);
      expect(partition.rows.length).toBe(entry.rows);
      rows.push(...partition.rows);
      // Its fragments, found through the tables, hold its rows' nodes in order, FRAGMENT_ROWS at a time.
      const [from, to] = layout.fragmentsOf(c);
      const nodes = fragmentHashes.slice(from, to).flatMap((hash) => {
        const fragment = read({ file: fragmentPath(hash), hash });
        const list = JSON.parse(new TextDecoder().decode(fragment)) as { id: string; text: string }[];
        expect(list.length).toBeLessThanOrEqual(FRAGMENT_ROWS);
        return list;
      });
      expect(nodes).toHaveLength(entry.rows);
      for (let i = 0; i < entry.rows; i++) {
        const slot = layout.slot(c, i);
        expect(layout.locate(slot)).toMatchObject({ partition: c, index: i });
        slotNodes[slot] = nodes[i]!;
      }
    });
    expect(rows.sort((x, y) => x - y)).toEqual(Array.from({ length: manifest.counts.nodes }, (_, i) => i));

    // Keyword chunks: every row's terms, under the right chunk, with BM25 scores equal to the in-memory index's.
    const keywords = manifest.keywords!;
    expect(keywords.chunks.length).toBeGreaterThan(0);
    const chunks = keywords.chunks.map(([firstTerm, hash]) => {
      const chunk = decodeKeywordChunk(read({ file: keywordChunkPath(hash), hash }), hash);
      expect([...chunk.terms.keys()][0]).toBe(firstTerm);
      return chunk;
    });
    const bm25 = new BM25Index<{ refDocId: string; metadata: Metadata; slot: number }>();
    slotNodes.forEach((node, slot) => bm25.add({ refDocId: node.id, metadata: {}, slot }, analyzeKeywords(node.text)));
    expect(keywords.totalLength).toBe(slotNodes.reduce((n, node) => n + analyzeKeywords(node.text).freqs.reduce((a, b) => a + b, 0), 0));
    for (const query of ['boats harbour', 'the seasons of the year', 'bread bread flour', 'zzz-not-a-word']) {
      const { scores, touched } = scoreKeywords(queryTerms(query), keywords, manifest.counts.nodes, (term) => chunks[chunkOf(keywords, term)]);
      const expected = bm25.search(query, 100);
      expect(touched.length).toBe(expected.length);
      for (const hit of expected) expect(scores[hit.row.slot]).toBe(hit.score);
    }
    const second = await build('test/fixtures/site', 'b', '--partitions', '3');
    expect(second.code).toBe(0);
    expect(readFileSync(join(work, 'b', 'manifest.json'), 'utf8')).toBe(readFileSync(join(work, 'a', 'manifest.json'), 'utf8'));
    // Without keywords: no chunks, and the manifest says so.
    expect((await build('test/fixtures/site', 'c', '--partitions', '3', '--no-keywords')).code).toBe(0);
    expect(manifestOf('c').keywords).toBeNull();
  });

  test('keyword chunks split by term range: each term in exactly one chunk, found by its first terms', () => {
    // Enough distinct terms for several 48 KB chunks.
    const rows = Array.from({ length: 3000 }, (_, r) => ({ terms: Array.from({ length: 20 }, (_, i) => `t${(r * 7 + i * 131) % 9000}`), freqs: Array.from({ length: 20 }, (_, i) => 1 + ((r + i) % 3)) }));
    const built = buildKeywordChunks(rows, { k1: 0.9, b: 0.4 });
    expect(built.chunks.length).toBeGreaterThan(1);
    const keywords = { ...built.keywords, chunks: built.firsts.map((f, i): [string, string] => [f, String(i)]) };
    const decoded = built.chunks.map((bytes, i) => decodeKeywordChunk(bytes, `chunk ${i}`));
    const seen = new Set<string>();
    decoded.forEach((chunk, c) => {
      for (const term of chunk.terms.keys()) {
        expect(seen.has(term)).toBe(false);
        seen.add(term);
        expect(chunkOf(keywords, term)).toBe(c);
      }
    });
    expect(seen.size).toBe(new Set(rows.flatMap((r) => r.terms)).size);
    expect(chunkOf(keywords, '')).toBe(-1);
    expect(() => decodeKeywordChunk(new Uint8Array(40), 'keywords/x.bin')).toThrow(/keywords\/x\.bin is not a pagerag keyword chunk/);
  });

  test('an empty folder gives a valid empty index; a corpus smaller than the partition count gets one partition per chunk at most', async () => {
    mkdirSync(join(work, 'empty-site'));
    const empty = await build(join(work, 'empty-site'), 'empty');
    expect(empty.code, empty.output).toBe(0);
    expect(manifestOf('empty')).toMatchObject({ counts: { documents: 0, nodes: 0 }, partitions: [], centroids: '', fragments: { tables: [] }, keywords: { chunks: [] } });
    mkdirSync(join(work, 'tiny-site'));
    writeFileSync(join(work, 'tiny-site', 'one.md'), '# One\n\nA single short page about boats.');
    const tiny = await build(join(work, 'tiny-site'), 'tiny', '--partitions', '50');
    expect(tiny.code, tiny.output).toBe(0);
    const manifest = manifestOf('tiny');
    expect(manifest.partitions.length).toBe(manifest.counts.nodes);
    expect(readdirSync(join(work, 'tiny', 'partitions'))).toHaveLength(manifest.counts.nodes);
  });

  test('a manifest of another format version, or an incomplete one, is refused with what to do', () => {
    const manifest = manifestOf('a');
    expect(checkManifest(manifest, 'm.json')).toBe(manifest);
    expect(() => checkManifest({ ...manifest, version: 1 }, 'https://x/m.json')).toThrow(/https:\/\/x\/m\.json is version 1 of the partitioned index; this pagerag reads version 2\. Update pagerag, or build the index again/);
    expect(() => checkManifest({ ...manifest, fragments: undefined }, 'm.json')).toThrow(SnapshotFormatError);
    expect(() => checkManifest({ format: 'something-else' }, 'm.json')).toThrow(/m\.json is not a pagerag partitioned index manifest/);
  });

  test('--partitioned needs a folder', async () => {
    const output: string[] = [];
    const io = { stdout: (t: string) => output.push(t), stderr: (t: string) => output.push(t), isTTY: false, cwd: root };
    expect(await runCli(['build-index', 'test/fixtures/site', '--out', join(work, 'x.pagerag'), '--partitioned', ...MODEL], io)).toBe(1);
    expect(output.join('')).toMatch(/--partitioned writes a folder/);
  });

  test('k-means is seeded: the same seed, the same partitions; every row goes to its nearest centroid', () => {
    const dims = 8;
    const rows = 500;
    const vectors = new Float32Array(rows * dims).map((_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const a = kmeans(vectors, dims, 12, { seed: 7 });
    const b = kmeans(vectors, dims, 12, { seed: 7 });
    expect([...a.assignments]).toEqual([...b.assignments]);
    expect([...a.centroids]).toEqual([...b.centroids]);
    for (let row = 0; row < rows; row += 37) {
      const score = (c: number) => {
        let dot = 0;
        for (let d = 0; d < dims; d++) dot += vectors[row * dims + d]! * a.centroids[c * dims + d]!;
        return dot;
      };
      const best = Math.max(...Array.from({ length: 12 }, (_, c) => score(c)));
      expect(score(a.assignments[row]!)).toBe(best);
    }
    expect(new Set(a.assignments).size).toBeGreaterThan(6);
  });
});
