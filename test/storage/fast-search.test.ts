import { describe, expect, test } from 'vitest';
import { INT8_DOT_WASM, instantiateInt8DotKernel } from '../../src/search/int8-dot-kernel.js';
import { Int8Index } from '../../src/search/int8-index.js';
import { VectorMatrix } from '../../src/search/vector-matrix.js';
import { clusteredVectors } from '../support/vectors.js';
import { TextNode } from '../../src/schema/node.js';
import { MemoryVectorStore } from '../../src/storage/memory-vector-store.js';

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

describe('int8 codes made in the background (an index that opens large)', () => {
  test('searches are exact until every row has its code, then take two stages; a squeeze meanwhile starts the codes over', async () => {
    const dims = 64;
    const rows = 20_000;
    const { vectors, queries } = clusteredVectors({ rows, dims, queries: 20, clusters: 32, seed: 11 });
    const kernel = (await instantiateInt8DotKernel(1))!;
    let firstPasses = 0;
    const makeInt8 = () => {
      const index = new Int8Index(kernel, dims);
      const dots = index.dots.bind(index);
      index.dots = (...args) => (firstPasses++, dots(...args));
      return index;
    };
    const matrix = new VectorMatrix<{ nodeId: string; refDocId: string; metadata: Record<string, never> }>(dims, 16, makeInt8);
    // As an index opens: several segments, one after another.
    for (let start = 0; start < rows; start += 4000) {
      matrix.append(
        Array.from({ length: 4000 }, (_, i) => ({ nodeId: `n${start + i}`, refDocId: `d${(start + i) % 1000}`, metadata: {} })),
        vectors.subarray(start * dims, (start + 4000) * dims),
      );
    }
    // Not coded yet: the query is answered, exactly, without the int8 pass.
    expect(matrix.search(queries[0]!, 10)).toEqual(matrix.search(queries[0]!, 10, { exact: true }));
    expect(firstPasses).toBe(0);
    // Deleting 40% of the documents squeezes the matrix while codes are being made.
    for (let d = 0; d < 400; d++) matrix.removeRefDoc(`d${d}`);
    await matrix.whenInt8Ready();
    let same = 0;
    for (const query of queries) {
      const exact = matrix.search(query, 10, { exact: true }).map((r) => r.info.nodeId);
      const fast = matrix.search(query, 10).map((r) => r.info.nodeId);
      same += fast.filter((id) => exact.includes(id)).length;
      expect(fast.every((id) => Number(id.slice(1)) % 1000 >= 400)).toBe(true);
    }
    expect(firstPasses).toBe(queries.length);
    expect(same / (queries.length * 10)).toBeGreaterThanOrEqual(0.99);
    // Rows added once caught up get their codes at once.
    matrix.append([{ nodeId: 'late', refDocId: 'late', metadata: {} }], queries[1]!);
    expect(matrix.search(queries[1]!, 1)[0]!.info.nodeId).toBe('late');
    expect(firstPasses).toBe(queries.length + 1);
  });
});

describe('WebAssembly memory', () => {
  test('300 small stores open at once each answer (no wasm memory until a store is large)', async () => {
    const stores = Array.from({ length: 300 }, () => new MemoryVectorStore());
    const model = { model: 'm', dimensions: 4 };
    await Promise.all(
      stores.map((store, i) =>
        store.add([{ refDocId: `d${i}`, hash: 'h', nodes: [new TextNode({ id: `d${i}#0`, text: `store ${i}`, refDocId: `d${i}` })], vectors: [Float32Array.from([1, i, 0, 0])] }], model),
      ),
    );
    for (const [i, store] of stores.entries()) expect((await store.query({ queryEmbedding: Float32Array.from([1, 0, 0, 0]), similarityTopK: 1 }))[0]!.node.text).toBe(`store ${i}`);
  });

  test('when no wasm memory can be had, search goes on in float32 alone with the same results', async () => {
    const dims = 32;
    const rows = 5000;
    const { vectors, queries } = clusteredVectors({ rows, dims, queries: 5, clusters: 16, seed: 3 });
    const infos = Array.from({ length: rows }, (_, i) => ({ nodeId: `n${i}`, refDocId: `d${i}`, metadata: {} }));
    let asked = 0;
    const outOfMemory = () => {
      asked++;
      throw new RangeError('WebAssembly.Memory(): could not allocate memory');
    };
    const matrix = new VectorMatrix<(typeof infos)[number]>(dims, 16, outOfMemory);
    expect(matrix.hasInt8).toBe(true);
    matrix.append(infos, vectors);
    // Asked once, at the size where two stages would start; then never again.
    expect(asked).toBe(1);
    expect(matrix.hasInt8).toBe(false);
    for (const query of queries) expect(matrix.search(query, 10)).toEqual(matrix.search(query, 10, { exact: true }));
  });
});
