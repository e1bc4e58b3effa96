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
};
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

/** The module's bytes: imports memory `env.memory`, exports `dots` and `hamming`. */
export const INT8_DOT_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, vector([[0x60, ...vector([[I32], [I32], [I32], [I32], [I32]]), 0]])),
  ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
  ...section(3, vector([[0], [0], [0]])),
  ...section(7, vector([[...name('dots'), 0x00, 0], [...name('hamming'), 0x00, 1], [...name('dotsAt'), 0x00, 2]])),
  ...section(10, vector([dotsBody, hammingBody, dotsAtBody].map((body) => [...uleb(body.length), ...body]))),
]);

export interface Int8DotKernel {
  readonly memory: WebAssembly.Memory;
  dots(query: number, base: number, rows: number, dims: number, out: number): void;
  hamming(query: number, base: number, rows: number, bytes: number, out: number): void;
  dotsAt(query: number, base: number, count: number, dims: number, list: number): void;
}

let compiled: Promise<WebAssembly.Module | undefined> | undefined;

/** Compiles the kernel once; resolves `undefined` where WebAssembly SIMD is unavailable. */
export function compileInt8DotKernel(): Promise<WebAssembly.Module | undefined> {
  compiled ??= (async () => {
    try {
      if (typeof WebAssembly !== 'object' || !WebAssembly.validate(INT8_DOT_WASM)) return undefined;
      return await WebAssembly.compile(INT8_DOT_WASM);
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
  const { dots, hamming, dotsAt } = instance.exports as unknown as Omit<Int8DotKernel, 'memory'>;
  return { memory, dots, hamming, dotsAt };
}

/** {@link createInt8DotKernel} once the module is compiled; `undefined` without WebAssembly SIMD. */
export async function instantiateInt8DotKernel(pages: number): Promise<Int8DotKernel | undefined> {
  const module = await compileInt8DotKernel();
  return module && createInt8DotKernel(module, pages);
}
