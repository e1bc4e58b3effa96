/**
 * WebAssembly SIMD kernels for the first stages of a search, assembled from bytes here (no build
 * step, no binary file):
 * - `dots(query, base, rows, dims, out)` writes one int32 dot product of int8 codes per row. Per 16
 *   dimensions it sign-extends int8 lanes to int16 and uses `i32x4.dot_i16x8_s`, which makes it
 *   about 20× faster than a float32 scan in JavaScript. `dims` must be a multiple of 16 (rows are
 *   zero-padded to it). `dotsAt(query, base, count, dims, list)` does the same for the rows listed.
 * - `hamming(query, base, rows, bytes, out)` writes one int32 Hamming distance between 1-bit codes
 *   per row (`i8x16.popcnt` of the XOR): an eighth of int8's memory traffic. `bytes` must be a
 *   multiple of 16 and at most {@link MAX_HAMMING_BYTES} (byte lanes count up to 255).
 * - `histogram(distances, rows, counts)` counts the int32 distances of rows [0, rows) by value, and
 *   `select(distances, rows, cutoff, ties)` then writes, over the distances, the rows closer than
 *   `cutoff` and the first `ties` rows at it, returning how many: the 1-bit stage's shortlist, where
 *   JavaScript took as long as the Hamming kernel itself.
 * - `codes(src, rows, dims, int8, scales, bits, norms, bitStride)` makes the codes of float32 rows
 *   (see vector-codes.ts) with the same float64 arithmetic, in the same order, as the JavaScript
 *   encoder, so its output is the same to the bit; about 5× faster. `dims` must be a multiple of 8.
 */

// LEB128 encodings, as the binary format wants them.
function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

const name = (text: string) => [...uleb(text.length), ...new TextEncoder().encode(text)];

// Opcodes used by the kernel.
const I32 = 0x7f;
const F64 = 0x7c;
const F32 = 0x7d;
const V128 = 0x7b;
/** Per-lane counts of up to 8 bits per 16-byte step stay below 256 for 31 steps. */
export const MAX_HAMMING_BYTES = 31 * 16;

const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i32Add: 0x6a,
  i32GeU: 0x4f,
  i32LtU: 0x49,
  i32Mul: 0x6c,
  i32Load: 0x28,
  i32Store: 0x36,
  localTee: 0x22,
  if: 0x04,
  select: 0x1b,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Store8: 0x3a,
  f32Const: 0x43,
  f64Const: 0x44,
  i32Eq: 0x46,
  f32Gt: 0x5e,
  f64Gt: 0x64,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  f32Abs: 0x8b,
  f32Max: 0x97,
  f64Sqrt: 0x9f,
  f64Add: 0xa0,
  f64Mul: 0xa2,
  f64Div: 0xa3,
  f64Copysign: 0xa6,
  f32DemoteF64: 0xb6,
  f64PromoteF32: 0xbb,
  else: 0x05,
  i32Eqz: 0x45,
  i32GtS: 0x4a,
  i32Sub: 0x6b,
};
const i32TruncSatF64S = [0xfc, 0x02];
const f64 = (value: number) => [op.f64Const, ...new Uint8Array(new Float64Array([value]).buffer)];
const f32 = (value: number) => [op.f32Const, ...new Uint8Array(new Float32Array([value]).buffer)];
const simd = (code: number, ...immediates: number[]) => [0xfd, ...uleb(code), ...immediates];
const v128Load = simd(0x00, 4, 0); // align 2^4, offset 0
const v128ConstZero = simd(0x0c, ...new Array<number>(16).fill(0));
const extendLowS = simd(0x87); // i16x8.extend_low_i8x16_s
const extendHighS = simd(0x88); // i16x8.extend_high_i8x16_s
const dotI16 = simd(0xba); // i32x4.dot_i16x8_s
const i32x4Add = simd(0xae);
const extractLane = (lane: number) => simd(0x1b, lane); // i32x4.extract_lane
const v128Xor = simd(0x51);
const popcnt = simd(0x62); // i8x16.popcnt
const i8x16Add = simd(0x6e);
const widenPairsU8 = simd(0x7d); // i16x8.extadd_pairwise_i8x16_u
const widenPairsU16 = simd(0x7f); // i32x4.extadd_pairwise_i16x8_u

// Parameters 0..4: query, base, rows, dims, out. Locals: 5 row, 6 p, 7 qp, 8 end (i32); 9 acc, 10 a, 11 b (v128).
const [Q, BASE, ROWS, DIMS, OUT, ROW, P, QP, END, ACC, A, B] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] as const;
const get = (i: number) => [op.localGet, i];
const set = (i: number) => [op.localSet, i];

/** Stores the sum of `ACC`'s four i32 lanes at `out`, then moves `out` and `row` on. */
const storeLaneSum = [
  ...get(OUT),
  ...get(ACC), ...extractLane(0),
  ...get(ACC), ...extractLane(1), op.i32Add,
  ...get(ACC), ...extractLane(2), op.i32Add,
  ...get(ACC), ...extractLane(3), op.i32Add,
  op.i32Store, 2, 0,
  ...get(OUT), op.i32Const, 4, op.i32Add, ...set(OUT),
  ...get(ROW), op.i32Const, 1, op.i32Add, ...set(ROW),
];

/** Dot product of the int8 row at P with the query, into ACC (P ends past the row). */
const dotRow = [
  ...v128ConstZero, ...set(ACC),
  ...get(Q), ...set(QP),
  ...get(P), ...get(DIMS), op.i32Add, ...set(END),
  op.loop, 0x40,
  ...get(P), ...v128Load, ...set(A),
  ...get(QP), ...v128Load, ...set(B),
  ...get(ACC),
  ...get(A), ...extendLowS, ...get(B), ...extendLowS, ...dotI16, ...i32x4Add,
  ...get(A), ...extendHighS, ...get(B), ...extendHighS, ...dotI16, ...i32x4Add,
  ...set(ACC),
  ...get(P), op.i32Const, 16, op.i32Add, ...set(P),
  ...get(QP), op.i32Const, 16, op.i32Add, ...set(QP),
  ...get(P), ...get(END), op.i32LtU, op.brIf, 0,
  op.end,
];

const locals = vector([
  [4, I32],
  [3, V128],
]);

/** A function over rows: `start`, then per row `perRow` (leaving its result in ACC), whose lane sum is stored at OUT. */
const overRows = (start: number[], perRow: number[]) => [
  ...locals,
  ...start,
  op.block, 0x40,
  op.loop, 0x40,
  ...get(ROW), ...get(ROWS), op.i32GeU, op.brIf, 1,
  ...perRow,
  ...storeLaneSum,
  op.br, 0,
  op.end,
  op.end,
  op.end,
];

const dotsBody = overRows([...get(BASE), ...set(P)], dotRow);

// dotsAt(query, base, count, dims, list): the rows whose numbers `list` holds (int32), each dot
// product written over its row number, so a shortlist costs one call instead of one per row.
const dotsAtBody = overRows([], [...get(OUT), op.i32Load, 2, 0, ...get(DIMS), op.i32Mul, ...get(BASE), op.i32Add, ...set(P), ...dotRow]);

// hamming: the same loop over 1-bit codes (DIMS is their length in bytes): popcount of query XOR
// row per byte lane, the lanes widened and summed at the end of the row.
const hammingBody = overRows(
  [...get(BASE), ...set(P)],
  [
    ...v128ConstZero, ...set(ACC),
    ...get(Q), ...set(QP),
    ...get(P), ...get(DIMS), op.i32Add, ...set(END),
    op.loop, 0x40,
    ...get(ACC),
    ...get(P), ...v128Load, ...get(QP), ...v128Load, ...v128Xor, ...popcnt,
    ...i8x16Add, ...set(ACC),
    ...get(P), op.i32Const, 16, op.i32Add, ...set(P),
    ...get(QP), op.i32Const, 16, op.i32Add, ...set(QP),
    ...get(P), ...get(END), op.i32LtU, op.brIf, 0,
    op.end,
    ...get(ACC), ...widenPairsU8, ...widenPairsU16, ...set(ACC),
  ],
);

// codes(src, rows, dims, int8, scales, bits, norms, bitStride), per row: a pass for the norm (a
// float64 sum in order, as JavaScript adds) and the largest magnitude, then one that writes the
// int8 codes (rounded half away from zero: trunc(q ± 0.5), as `(q ± 0.5) | 0`) and the sign bits.
const [SRC, NROWS, NDIMS, I8, SCALES, BITS, NORMS, STRIDE] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
const [R, PTR, ROW_END, D, BYTE, BP, NORM, INVERSE, SCALE, QV, MAXABS, V] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19] as const;
const codesBody = [
  ...vector([[6, I32], [4, F64], [2, F32]]),
  op.block, 0x40,
  op.loop, 0x40,
  ...get(R), ...get(NROWS), op.i32GeU, op.brIf, 1,
  ...f64(0), ...set(NORM),
  ...f32(0), ...set(MAXABS),
  ...get(SRC), ...set(PTR),
  ...get(SRC), ...get(NDIMS), op.i32Const, 4, op.i32Mul, op.i32Add, ...set(ROW_END),
  op.loop, 0x40,
  ...get(PTR), op.f32Load, 2, 0, ...set(V),
  ...get(NORM), ...get(V), op.f64PromoteF32, ...get(V), op.f64PromoteF32, op.f64Mul, op.f64Add, ...set(NORM),
  ...get(MAXABS), ...get(V), op.f32Abs, op.f32Max, ...set(MAXABS),
  ...get(PTR), op.i32Const, 4, op.i32Add, op.localTee, PTR, ...get(ROW_END), op.i32LtU, op.brIf, 0,
  op.end,
  // scale = maxAbs > 0 ? maxAbs / 127 : 1; inverse = 1 / scale (both float64, as in JavaScript)
  ...get(MAXABS), op.f64PromoteF32, ...f64(127), op.f64Div, ...f64(1), ...get(MAXABS), ...f32(0), op.f32Gt, op.select, ...set(SCALE),
  ...f64(1), ...get(SCALE), op.f64Div, ...set(INVERSE),
  ...get(SCALES), ...get(SCALE), op.f32DemoteF64, op.f32Store, 2, 0,
  ...get(SCALES), op.i32Const, 4, op.i32Add, ...set(SCALES),
  // inverse norm = norm > 0 ? 1 / sqrt(norm) : 0
  ...get(NORMS), ...f64(1), ...get(NORM), op.f64Sqrt, op.f64Div, ...f64(0), ...get(NORM), ...f64(0), op.f64Gt, op.select, op.f32DemoteF64, op.f32Store, 2, 0,
  ...get(NORMS), op.i32Const, 4, op.i32Add, ...set(NORMS),
  ...get(SRC), ...set(PTR),
  op.i32Const, 0, ...set(D),
  op.i32Const, 0, ...set(BYTE),
  ...get(BITS), ...set(BP),
  op.loop, 0x40,
  ...get(PTR), op.f32Load, 2, 0, ...set(V),
  ...get(V), op.f64PromoteF32, ...get(INVERSE), op.f64Mul, ...set(QV),
  ...get(I8), ...get(QV), ...f64(0.5), ...get(QV), op.f64Copysign, op.f64Add, ...i32TruncSatF64S, op.i32Store8, 0, 0,
  ...get(BYTE), ...get(V), ...f32(0), op.f32Gt, ...get(D), op.i32Const, 7, op.i32And, op.i32Shl, op.i32Or, ...set(BYTE),
  ...get(D), op.i32Const, 7, op.i32And, op.i32Const, 7, op.i32Eq,
  op.if, 0x40,
  ...get(BP), ...get(BYTE), op.i32Store8, 0, 0,
  ...get(BP), op.i32Const, 1, op.i32Add, ...set(BP),
  op.i32Const, 0, ...set(BYTE),
  op.end,
  ...get(PTR), op.i32Const, 4, op.i32Add, ...set(PTR),
  ...get(I8), op.i32Const, 1, op.i32Add, ...set(I8),
  ...get(D), op.i32Const, 1, op.i32Add, op.localTee, D, ...get(NDIMS), op.i32LtU, op.brIf, 0,
  op.end,
  ...get(PTR), ...set(SRC),
  ...get(BITS), ...get(STRIDE), op.i32Add, ...set(BITS),
  ...get(R), op.i32Const, 1, op.i32Add, ...set(R),
  op.br, 0,
  op.end,
  op.end,
  op.end,
];

// histogram(distances, rows, counts): counts[distance] += 1 per row.
const [DISTANCES, COUNT_ROWS, COUNTS, DIST_END, BIN] = [0, 1, 2, 3, 4] as const;
const histogramBody = [
  ...vector([[2, I32]]),
  ...get(DISTANCES), ...get(COUNT_ROWS), op.i32Const, 2, op.i32Shl, op.i32Add, ...set(DIST_END),
  op.block, 0x40,
  ...get(COUNT_ROWS), op.i32Eqz, op.brIf, 0,
  op.loop, 0x40,
  ...get(COUNTS), ...get(DISTANCES), op.i32Load, 2, 0, op.i32Const, 2, op.i32Shl, op.i32Add, op.localTee, BIN,
  ...get(BIN), op.i32Load, 2, 0, op.i32Const, 1, op.i32Add, op.i32Store, 2, 0,
  ...get(DISTANCES), op.i32Const, 4, op.i32Add, op.localTee, DISTANCES, ...get(DIST_END), op.i32LtU, op.brIf, 0,
  op.end,
  op.end,
  op.end,
];

// select(distances, rows, cutoff, ties) → n: rows with distance < cutoff, and rows at cutoff while
// ties last, written in order over the distances (row r is read before slot n ≤ r is written).
const [SEL_DISTANCES, SEL_ROWS, CUTOFF, TIES, SEL_ROW, SEL_N, DISTANCE] = [0, 1, 2, 3, 4, 5, 6] as const;
const selectBody = [
  ...vector([[3, I32]]),
  op.block, 0x40,
  op.loop, 0x40,
  ...get(SEL_ROW), ...get(SEL_ROWS), op.i32GeU, op.brIf, 1,
  ...get(SEL_DISTANCES), ...get(SEL_ROW), op.i32Const, 2, op.i32Shl, op.i32Add, op.i32Load, 2, 0, ...set(DISTANCE),
  ...get(DISTANCE), ...get(CUTOFF), op.i32LtU,
  op.if, I32,
  op.i32Const, 1,
  op.else,
  ...get(DISTANCE), ...get(CUTOFF), op.i32Eq, ...get(TIES), op.i32Const, 0, op.i32GtS, op.i32And,
  op.if, I32,
  ...get(TIES), op.i32Const, 1, op.i32Sub, ...set(TIES),
  op.i32Const, 1,
  op.else,
  op.i32Const, 0,
  op.end,
  op.end,
  op.if, 0x40,
  ...get(SEL_DISTANCES), ...get(SEL_N), op.i32Const, 2, op.i32Shl, op.i32Add, ...get(SEL_ROW), op.i32Store, 2, 0,
  ...get(SEL_N), op.i32Const, 1, op.i32Add, ...set(SEL_N),
  op.end,
  ...get(SEL_ROW), op.i32Const, 1, op.i32Add, ...set(SEL_ROW),
  op.br, 0,
  op.end,
  op.end,
  ...get(SEL_N),
  op.end,
];

/** The module's bytes: imports memory `env.memory`, exports `dots`, `hamming`, `dotsAt`, `codes`, `histogram` and `select`. */
export const INT8_DOT_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(
    1,
    vector([
      [0x60, ...vector([[I32], [I32], [I32], [I32], [I32]]), 0],
      [0x60, ...vector(Array.from({ length: 8 }, () => [I32])), 0],
      [0x60, ...vector([[I32], [I32], [I32]]), 0],
      [0x60, ...vector([[I32], [I32], [I32], [I32]]), ...vector([[I32]])],
    ]),
  ),
  ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
  ...section(3, vector([[0], [0], [0], [1], [2], [3]])),
  ...section(7, vector([[...name('dots'), 0x00, 0], [...name('hamming'), 0x00, 1], [...name('dotsAt'), 0x00, 2], [...name('codes'), 0x00, 3], [...name('histogram'), 0x00, 4], [...name('select'), 0x00, 5]])),
  ...section(10, vector([dotsBody, hammingBody, dotsAtBody, codesBody, histogramBody, selectBody].map((body) => [...uleb(body.length), ...body]))),
]);

export interface Int8DotKernel {
  readonly memory: WebAssembly.Memory;
  dots(query: number, base: number, rows: number, dims: number, out: number): void;
  hamming(query: number, base: number, rows: number, bytes: number, out: number): void;
  dotsAt(query: number, base: number, count: number, dims: number, list: number): void;
  codes(src: number, rows: number, dims: number, int8: number, scales: number, bits: number, norms: number, bitStride: number): void;
  histogram(distances: number, rows: number, counts: number): void;
  select(distances: number, rows: number, cutoff: number, ties: number): number;
}

let compiled: Promise<WebAssembly.Module | undefined> | undefined;
let compiledModule: WebAssembly.Module | undefined;

/** Compiles the kernel once; resolves `undefined` where WebAssembly SIMD is unavailable. */
export function compileInt8DotKernel(): Promise<WebAssembly.Module | undefined> {
  compiled ??= (async () => {
    try {
      if (typeof WebAssembly !== 'object' || !WebAssembly.validate(INT8_DOT_WASM)) return undefined;
      return (compiledModule = await WebAssembly.compile(INT8_DOT_WASM));
    } catch {
      return undefined;
    }
  })();
  return compiled;
}

/**
 * An instance of the compiled kernel over its own memory of `pages` × 64 KiB (grown later with
 * `memory.grow`), made synchronously (the module is tiny). Throws a RangeError when the browser has
 * no WebAssembly memory left to give.
 */
export function createInt8DotKernel(module: WebAssembly.Module, pages: number): Int8DotKernel {
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const { dots, hamming, dotsAt, codes, histogram, select } = instance.exports as unknown as Omit<Int8DotKernel, 'memory'>;
  return { memory, dots, hamming, dotsAt, codes, histogram, select };
}

/** The compiled kernel for synchronous callers: undefined until {@link compileInt8DotKernel} has resolved with one. */
export function compiledInt8DotKernel(): WebAssembly.Module | undefined {
  return compiledModule;
}

/** {@link createInt8DotKernel} once the module is compiled; `undefined` without WebAssembly SIMD. */
export async function instantiateInt8DotKernel(pages: number): Promise<Int8DotKernel | undefined> {
  const module = await compileInt8DotKernel();
  return module && createInt8DotKernel(module, pages);
}
