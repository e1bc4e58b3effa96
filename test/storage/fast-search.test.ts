import { describe, expect, test } from 'vitest';
import { INT8_DOT_WASM, MAX_HAMMING_BYTES, compileInt8DotKernel, compiledInt8DotKernel, instantiateInt8DotKernel } from '../../src/search/int8-dot-kernel.js';
import { quantizeInt8 } from '../../src/search/int8-quantize.js';
import { bitBytesOf, encodeVectorCodes, inverseNormOf, writeSignBits } from '../../src/search/vector-codes.js';
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
    // dotsAt: the listed rows only, in the list's order, each result over its row number.
    new Int32Array(kernel.memory.buffer, 12288, 4).set([3, 0, 4, 3]);
    kernel.dotsAt(0, base, 4, dims, 12288);
    expect(Array.from(new Int32Array(kernel.memory.buffer, 12288, 4))).toEqual([expected[3], expected[0], expected[4], expected[3]]);
  });

  test('hamming: exact popcounts of query XOR row over 1-bit codes, every byte value, up to the longest code', async () => {
    const kernel = (await instantiateInt8DotKernel(4))!;
    const bytes = new Uint8Array(kernel.memory.buffer);
    const popcount = (b: number) => b.toString(2).split('').filter((c) => c === '1').length;
    for (const length of [16, 48, MAX_HAMMING_BYTES]) {
      const rows = 9;
      const base = 4096;
      for (let i = 0; i < length; i++) bytes[i] = (i * 37 + 11) & 0xff;
      const expected: number[] = [];
      for (let r = 0; r < rows; r++) {
        let distance = 0;
        for (let i = 0; i < length; i++) {
          // Row 0 is all ones, row 1 equals the query, the rest vary.
          const value = r === 0 ? 0xff : r === 1 ? bytes[i]! : (r * 91 + i * 53) & 0xff;
          bytes[base + r * length + i] = value;
          distance += popcount(value ^ bytes[i]!);
        }
        expected.push(distance);
      }
      kernel.hamming(0, base, rows, length, 65536);
      const got = Array.from(new Int32Array(kernel.memory.buffer, 65536, rows));
      expect(got).toEqual(expected);
      expect(got[1]).toBe(0);
    }
  });

  test('histogram and select: the count of rows per distance, then the rows closer than a cutoff and the first ties at it, in row order', async () => {
    const kernel = (await instantiateInt8DotKernel(2))!;
    const rows = 5000;
    const distances = Array.from({ length: rows }, (_, r) => (r * 7919) % 97);
    const at = 4096;
    const countsAt = 64;
    for (const [cutoff, ties] of [[0, 0], [0, 3], [40, 0], [40, 25], [96, 1000], [97, 0]] as const) {
      new Int32Array(kernel.memory.buffer, at, rows).set(distances);
      const counts = new Uint32Array(kernel.memory.buffer, countsAt, 98);
      counts.fill(0);
      kernel.histogram(at, rows, countsAt);
      expect(Array.from(counts)).toEqual(Array.from({ length: 98 }, (_, d) => distances.filter((x) => x === d).length));
      let left = ties;
      const expected = distances.flatMap((d, r) => (d < cutoff || (d === cutoff && left-- > 0) ? [r] : []));
      const n = kernel.select(at, rows, cutoff, ties);
      expect(Array.from(new Int32Array(kernel.memory.buffer, at, n))).toEqual(expected);
    }
  });
});

describe('vector codes made by the kernel', () => {
  test('are the codes of the JavaScript quantizer, sign bits and norm, to the bit, across chunks and for odd rows', async () => {
    expect(await compileInt8DotKernel()).toBeDefined();
    expect(compiledInt8DotKernel()).toBeDefined();
    const { vectors: seeded } = clusteredVectors({ rows: 2500, dims: 384, queries: 0, clusters: 16, seed: 5 });
    // Rows the rounding and the signs are tested on: zeros, ±0, codes exactly halfway (a largest
    // magnitude of 127 makes the scale 1), tiny and huge magnitudes.
    const odd = [
      new Float32Array(384),
      Float32Array.from({ length: 384 }, (_, d) => (d % 2 ? -0 : 0)),
      Float32Array.from({ length: 384 }, (_, d) => (d === 0 ? 127 : (d % 254) - 127 + 0.5)),
      Float32Array.from({ length: 384 }, (_, d) => (d % 3 === 0 ? 1e-30 : -3e30 * (d % 7))),
      Float32Array.from({ length: 384 }, (_, d) => (d === 5 ? -1 : 0.5)),
    ];
    const firstDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => (a.length !== b.length ? -2 : Array.prototype.findIndex.call(a, (x: number, i: number) => !Object.is(x, b[i])));
    for (const [dims, vectors] of [
      [384, new Float32Array([...seeded, ...odd.flatMap((row) => [...row])])],
      [24, seeded.subarray(0, 24 * 3000)],
      [1024, seeded.subarray(0, 1024 * 900)],
      // Too long for 1-bit codes (the kernel writes its bits aside).
      [4096, seeded.subarray(0, 4096 * 20)],
    ] as const) {
      const rows = vectors.length / dims;
      const codes = encodeVectorCodes(vectors, dims);
      const bitBytes = bitBytesOf(dims);
      const int8 = new Int8Array(rows * dims);
      const bits = new Uint8Array(rows * bitBytes);
      const scales = new Float32Array(rows);
      const norms = new Float32Array(rows);
      for (let row = 0; row < rows; row++) {
        scales[row] = quantizeInt8(vectors, row * dims, dims, int8, row * dims);
        norms[row] = inverseNormOf(vectors, row * dims, dims);
        if (bitBytes) writeSignBits(vectors, row * dims, dims, bits.subarray(row * bitBytes, (row + 1) * bitBytes));
      }
      expect([firstDifference(codes.int8, int8), firstDifference(codes.bits, bits), firstDifference(codes.scales, scales), firstDifference(codes.inverseNorms, norms)]).toEqual([-1, -1, -1, -1]);
    }
  });
});

describe('staged search (1-bit and int8 shortlists, float32 re-rank)', () => {
  test('returns the same top-10 as exact float32 search on a fixed seeded set', async () => {
    const dims = 384;
    const rows = 20_000;
    const { vectors, queries } = clusteredVectors({ rows, dims, queries: 50, clusters: 64, seed: 7 });
    const kernel = (await instantiateInt8DotKernel(1))!;
    const int8 = new Int8Index(kernel, dims);
    expect(int8.bitBytes).toBe(48);
    const passes = { hamming: 0, dots: 0 };
    const [closest, dots] = [int8.closestByBits.bind(int8), int8.dots.bind(int8)];
    int8.closestByBits = (...args) => (passes.hamming++, closest(...args));
    int8.dots = (...args) => (passes.dots++, dots(...args));
    const matrix = new VectorMatrix<{ nodeId: string; refDocId: string; metadata: { i: number } }>(dims, rows, int8);
    matrix.append(
      Array.from({ length: rows }, (_, i) => ({ nodeId: `n${i}`, refDocId: `d${i % 500}`, metadata: { i } })),
      vectors,
    );
    expect(matrix.hasInt8).toBe(true);
    await matrix.whenInt8Ready();
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
    // Without filters every query took the 1-bit pass, never the full int8 scan.
    expect(passes).toEqual({ hamming: queries.length, dots: 0 });

    // Filters take the int8 pass over every row, and apply; deletions apply in both.
    const filtered = matrix.search(queries[0]!, 5, { accept: (info) => (info.metadata.i as number) % 2 === 0 });
    expect(filtered.every((r) => (r.info.metadata.i as number) % 2 === 0)).toBe(true);
    expect(passes.dots).toBe(1);
    const top = matrix.search(queries[0]!, 1)[0]!;
    matrix.removeRefDoc(top.info.refDocId);
    expect(matrix.search(queries[0]!, 50).some((r) => r.info.refDocId === top.info.refDocId)).toBe(false);

    // Deleting 30% of the documents squeezes the matrix: the codes move with their rows.
    for (let d = 100; d < 250; d++) matrix.removeRefDoc(`d${d}`);
    same = 0;
    for (const query of queries) {
      const exact = matrix.search(query, 10, { exact: true }).map((r) => r.info.nodeId);
      const fast = matrix.search(query, 10).map((r) => r.info.nodeId);
      expect(fast.every((id) => Number(id.slice(1)) % 500 < 100 || Number(id.slice(1)) % 500 >= 250)).toBe(true);
      same += fast.filter((id) => exact.includes(id)).length;
    }
    expect(same / total).toBeGreaterThanOrEqual(0.99);
  });
});

type Row = { nodeId: string; refDocId: string; metadata: Record<string, never> };

/** A matrix whose int8 index, made when the matrix grows large, counts its 1-bit passes and the rows it quantizes. */
async function countingMatrix(dims: number) {
  const kernel = (await instantiateInt8DotKernel(1))!;
  const counts = { firstPasses: 0, quantized: 0 };
  const makeInt8 = () => {
    const index = new Int8Index(kernel, dims);
    const [closest, set] = [index.closestByBits.bind(index), index.set.bind(index)];
    index.closestByBits = (...args) => (counts.firstPasses++, closest(...args));
    index.set = (...args) => (counts.quantized++, set(...args));
    return index;
  };
  return { matrix: new VectorMatrix<Row>(dims, 16, makeInt8), counts };
}

describe('int8 codes made in the background (an index that opens large)', () => {
  test('searches are exact until every row has its code, then take two stages; a squeeze meanwhile starts the codes over', async () => {
    const dims = 64;
    const rows = 20_000;
    const { vectors, queries } = clusteredVectors({ rows, dims, queries: 20, clusters: 32, seed: 11 });
    const { matrix, counts } = await countingMatrix(dims);
    // As an index opens: several segments, one after another.
    for (let start = 0; start < rows; start += 4000) {
      matrix.append(
        Array.from({ length: 4000 }, (_, i) => ({ nodeId: `n${start + i}`, refDocId: `d${(start + i) % 1000}`, metadata: {} })),
        vectors.subarray(start * dims, (start + 4000) * dims),
      );
    }
    // Not coded yet: the query is answered, exactly, without the int8 pass.
    expect(matrix.search(queries[0]!, 10)).toEqual(matrix.search(queries[0]!, 10, { exact: true }));
    expect(counts.firstPasses).toBe(0);
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
    expect(counts.firstPasses).toBe(queries.length);
    expect(same / (queries.length * 10)).toBeGreaterThanOrEqual(0.99);
    // Rows added once caught up get their codes at once.
    matrix.append([{ nodeId: 'late', refDocId: 'late', metadata: {} }], queries[1]!);
    expect(matrix.search(queries[1]!, 1)[0]!.info.nodeId).toBe('late');
    expect(counts.firstPasses).toBe(queries.length + 1);
  });
});

describe('int8 codes given with the rows (a write)', () => {
  test('a first write large enough for the stages searches in stages at once, with the codes it was given', async () => {
    const dims = 64;
    const rows = 3000;
    const { vectors, queries } = clusteredVectors({ rows, dims, queries: 5, clusters: 16, seed: 5 });
    const { matrix, counts } = await countingMatrix(dims);
    const infos: Row[] = Array.from({ length: rows }, (_, i) => ({ nodeId: `n${i}`, refDocId: `d${i}`, metadata: {} }));
    matrix.append(infos, vectors, encodeVectorCodes(vectors, dims));
    // Staged from the first query, without waiting for any background work.
    const fast = matrix.search(queries[0]!, 10).map((r) => r.info.nodeId);
    expect(counts.firstPasses).toBe(1);
    expect(fast.filter((id) => matrix.search(queries[0]!, 10, { exact: true }).some((r) => r.info.nodeId === id)).length).toBeGreaterThanOrEqual(9);
    await matrix.whenInt8Ready();
    expect(counts.quantized).toBe(0);
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
