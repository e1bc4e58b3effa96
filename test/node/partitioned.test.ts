// `pagerag build-index --partitioned` in Node: the files, an empty folder, a corpus smaller than the
// partition count, reproducible builds. The browser side is test/static/static-vector-store.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from '../../src/node/cli.js';
import { kmeans } from '../../src/static/kmeans.js';
import { FRAGMENT_ROWS, decodePartition, fragmentPath, type StaticManifest } from '../../src/static/static-format.js';

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
  test('writes a manifest and content-addressed partitions and fragments that cover every chunk once; the same input gives the same files', async () => {
    const first = await build('test/fixtures/site', 'a', '--partitions', '3');
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/Wrote .*manifest\.json: 4 documents, \d+ chunks in 3 partitions/);
    const manifest = manifestOf('a');
    expect(manifest).toMatchObject({ format: 'pagerag-partitioned', version: 1, embedModel: { model: 'fixtures/bert-tiny' } });
    const dims = manifest.embedModel.dimensions;
    const rows: number[] = [];
    for (const entry of manifest.partitions) {
      const bytes = readFileSync(join(work, 'a', entry.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.hash);
      expect(entry.file).toBe(`partitions/${entry.hash.slice(0, 20)}.bin`);
      const partition = decodePartition(new Uint8Array(bytes), dims, entry.file);
      expect(partition.rows.length).toBe(entry.rows);
      rows.push(...partition.rows);
      // Its fragments, by the hashes it lists, hold its rows' nodes in order, FRAGMENT_ROWS at a time.
      let nodes = 0;
      for (const hash of partition.fragmentHashes) {
        const fragment = readFileSync(join(work, 'a', fragmentPath(hash)));
        expect(createHash('sha256').update(fragment).digest('hex')).toBe(hash);
        const count = (JSON.parse(fragment.toString('utf8')) as unknown[]).length;
        expect(count).toBeLessThanOrEqual(FRAGMENT_ROWS);
        nodes += count;
      }
      expect(nodes).toBe(entry.rows);
    }
    expect(rows.sort((x, y) => x - y)).toEqual(Array.from({ length: manifest.counts.nodes }, (_, i) => i));
    const second = await build('test/fixtures/site', 'b', '--partitions', '3');
    expect(second.code).toBe(0);
    expect(readFileSync(join(work, 'b', 'manifest.json'), 'utf8')).toBe(readFileSync(join(work, 'a', 'manifest.json'), 'utf8'));
  });

  test('an empty folder gives a valid empty index; a corpus smaller than the partition count gets one partition per chunk at most', async () => {
    mkdirSync(join(work, 'empty-site'));
    const empty = await build(join(work, 'empty-site'), 'empty');
    expect(empty.code, empty.output).toBe(0);
    expect(manifestOf('empty')).toMatchObject({ counts: { documents: 0, nodes: 0 }, partitions: [], centroids: '' });
    mkdirSync(join(work, 'tiny-site'));
    writeFileSync(join(work, 'tiny-site', 'one.md'), '# One\n\nA single short page about boats.');
    const tiny = await build(join(work, 'tiny-site'), 'tiny', '--partitions', '50');
    expect(tiny.code, tiny.output).toBe(0);
    const manifest = manifestOf('tiny');
    expect(manifest.partitions.length).toBe(manifest.counts.nodes);
    expect(readdirSync(join(work, 'tiny', 'partitions'))).toHaveLength(manifest.counts.nodes);
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
