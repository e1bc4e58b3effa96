import { describe, expect, test } from 'vitest';
import { INT8_DOT_WASM, instantiateInt8DotKernel } from '../../src/search/int8-dot-kernel.js';
import { Int8Index } from '../../src/search/int8-index.js';
import { VectorMatrix } from '../../src/search/vector-matrix.js';
import { clusteredVectors } from '../support/vectors.js';

describe('int8 SIMD kernel', () => {
  test('is valid WebAssembly and computes exact int8 dot products', async () => {
    expect(WebAssembly.validate(INT8_DOT_WASM)).toBe(true);
    const kernel = (await instantiateInt8DotKernel(4))!;
    expect(kernel).toBeDefined();
    const dims = 32;
    const rows = 5;
    const bytes = new Int8Array(kernel.memory.buffer);
    const query = Array.from({ length: dims }, (_, d) => ((d * 7) % 255) - 127);
    query.forEach((v, d) => (bytes[d] = v));
    const base = 4096;
    const expected: number[] = [];
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let d = 0; d < dims; d++) {
        const v = ((r * 31 + d * 13) % 255) - 127;
        bytes[base + r * dims + d] = v;
        dot += v * query[d]!;
      }
      expected.push(dot);
    }
    kernel.dots(0, base, rows, dims, 8192);
    expect(Array.from(new Int32Array(kernel.memory.buffer, 8192, rows))).toEqual(expected);
  });
});

describe('two-stage search (int8 shortlist, float32 re-rank)', () => {
  test('returns the same top-10 as exact float32 search on a fixed seeded set', async () => {
    const dims = 384;
    const rows = 20_000;
    const { vectors, queries } = clusteredVectors({ rows, dims, queries: 50, clusters: 64, seed: 7 });
    const kernel = (await instantiateInt8DotKernel(1))!;
    const matrix = new VectorMatrix<{ nodeId: string; refDocId: string; metadata: { i: number } }>(dims, rows, new Int8Index(kernel, dims));
    matrix.append(
      Array.from({ length: rows }, (_, i) => ({ nodeId: `n${i}`, refDocId: `d${i % 500}`, metadata: { i } })),
      vectors,
    );
    expect(matrix.hasInt8).toBe(true);
    let same = 0;
    let total = 0;
    for (const query of queries) {
      const exact = matrix.search(query, 10, { exact: true }).map((r) => r.info.nodeId);
      const fast = matrix.search(query, 10).map((r) => r.info.nodeId);
      total += 10;
      same += fast.filter((id) => exact.includes(id)).length;
    }
    const recall = same / total;
    expect(recall).toBeGreaterThanOrEqual(0.99);

    // Filters and deletions apply in the fast path too.
    const filtered = matrix.search(queries[0]!, 5, { accept: (info) => (info.metadata.i as number) % 2 === 0 });
    expect(filtered.every((r) => (r.info.metadata.i as number) % 2 === 0)).toBe(true);
    const top = matrix.search(queries[0]!, 1)[0]!;
    matrix.removeRefDoc(top.info.refDocId);
    expect(matrix.search(queries[0]!, 50).some((r) => r.info.refDocId === top.info.refDocId)).toBe(false);
  });
});
