import type { Int8DotKernel } from './int8-dot-kernel.js';
import { quantizeInt8 } from './int8-quantize.js';
import { bitBytesOf, writeSignBits, type VectorCodes } from './vector-codes.js';

const QUERY_BYTES = 65536; // first page of wasm memory: the query's int8 codes, then (at BITS_QUERY) its bits
const BITS_QUERY = 32768;
/** The 1-bit stage's count of rows per distance, after the query's bits (at most MAX_HAMMING_BYTES). */
const DISTANCE_COUNTS = BITS_QUERY + 512;
const PAGE = 65536;

/**
 * An int8 copy of the vector matrix inside WebAssembly memory, one scale per row, and a 1-bit code
 * per row (the signs of its components), for fast approximate first passes: Hamming distances pick
 * a wide shortlist, int8 dot products (SIMD) a narrow one, which float32 then re-ranks.
 * Layout: [query (64 KiB)] [rows × paddedDims int8] [rows × bitBytes bits] [scratch int32 out].
 */
export class Int8Index {
  readonly paddedDims: number;
  /** Bytes of a row's 1-bit code (a multiple of 16), or 0 where the vectors are too long for it. */
  readonly bitBytes: number;
  private scales = new Float32Array(0);
  private capacity = 0;

  constructor(
    private readonly kernel: Int8DotKernel,
    readonly dims: number,
  ) {
    this.paddedDims = Math.ceil(dims / 16) * 16;
    if (this.paddedDims > BITS_QUERY) throw new RangeError(`Vectors of ${dims} dimensions are too long for the int8 index.`);
    this.bitBytes = bitBytesOf(dims);
  }

  private get bitsOffset(): number {
    return QUERY_BYTES + this.capacity * this.paddedDims;
  }

  private get outOffset(): number {
    return this.bitsOffset + this.capacity * this.bitBytes;
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const next = Math.max(rows, Math.ceil(this.capacity * 1.5), 1024);
    const needed = QUERY_BYTES + next * (this.paddedDims + this.bitBytes + 4);
    const memory = this.kernel.memory;
    if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    // The bits follow the int8 rows: they move up as those grow.
    const from = this.bitsOffset;
    const bitsLength = this.capacity * this.bitBytes;
    new Uint8Array(memory.buffer).copyWithin(QUERY_BYTES + next * this.paddedDims, from, from + bitsLength);
    const scales = new Float32Array(next);
    scales.set(this.scales);
    this.scales = scales;
    this.capacity = next;
  }

  /** Quantizes `vector` (from `offset`) into `row`. */
  set(row: number, vector: Float32Array, offset = 0): void {
    this.reserve(row + 1);
    const target = new Int8Array(this.kernel.memory.buffer, QUERY_BYTES + row * this.paddedDims, this.dims);
    this.scales[row] = quantizeInt8(vector, offset, this.dims, target);
    if (this.bitBytes) this.writeBits(vector, offset, this.bitsOffset + row * this.bitBytes);
  }

  /**
   * Copies stored codes (made by the same quantizer: see {@link VectorCodes}) into rows
   * [first, first + rows): one copy per plane where rows need no padding.
   */
  setCodes(first: number, codes: VectorCodes, rows = codes.scales.length): void {
    this.reserve(first + rows);
    const { dims, paddedDims, bitBytes } = this;
    const buffer = this.kernel.memory.buffer;
    if (dims === paddedDims) new Int8Array(buffer, QUERY_BYTES + first * dims, rows * dims).set(codes.int8.subarray(0, rows * dims));
    else for (let i = 0; i < rows; i++) new Int8Array(buffer, QUERY_BYTES + (first + i) * paddedDims, dims).set(codes.int8.subarray(i * dims, (i + 1) * dims));
    this.scales.set(codes.scales.subarray(0, rows), first);
    if (bitBytes) new Uint8Array(buffer, this.bitsOffset + first * bitBytes, rows * bitBytes).set(codes.bits.subarray(0, rows * bitBytes));
  }

  /** Moves a row (the matrix squeezes out deleted rows). */
  move(from: number, to: number): void {
    const bytes = new Uint8Array(this.kernel.memory.buffer);
    const start = QUERY_BYTES + from * this.paddedDims;
    bytes.copyWithin(QUERY_BYTES + to * this.paddedDims, start, start + this.paddedDims);
    const bits = this.bitsOffset;
    bytes.copyWithin(bits + to * this.bitBytes, bits + from * this.bitBytes, bits + (from + 1) * this.bitBytes);
    this.scales[to] = this.scales[from]!;
  }

  /**
   * Approximate dot products of `query` with rows [0, rows): fills `out` with
   * int8 dot × row scale × query scale.
   */
  dots(query: Float32Array, rows: number, out: Float32Array): void {
    const qScale = this.setQuery(query);
    const outOffset = this.outOffset;
    this.kernel.dots(0, QUERY_BYTES, rows, this.paddedDims, outOffset);
    const raw = new Int32Array(this.kernel.memory.buffer, outOffset, rows);
    const scales = this.scales;
    for (let i = 0; i < rows; i++) out[i] = raw[i]! * scales[i]! * qScale;
  }

  /** The same for the rows listed in `rows` only: `out[i]` for `rows[i]`. */
  dotsOf(query: Float32Array, rows: ArrayLike<number>, out: Float32Array): void {
    const qScale = this.setQuery(query);
    const outOffset = this.outOffset;
    const raw = new Int32Array(this.kernel.memory.buffer, outOffset, rows.length);
    raw.set(rows);
    this.kernel.dotsAt(0, QUERY_BYTES, rows.length, this.paddedDims, outOffset);
    const scales = this.scales;
    for (let i = 0; i < rows.length; i++) out[i] = raw[i]! * scales[rows[i]!]! * qScale;
  }

  /**
   * The rows among [0, rows) whose 1-bit codes are closest to `query`'s, about `wide` of them, in
   * row order: every row closer than a cutoff distance, then rows at it until `wide`. The cutoff
   * comes from a count of rows per distance; the kernel counts and selects. Needs `bitBytes` > 0.
   */
  closestByBits(query: Float32Array, rows: number, wide: number): Uint32Array {
    this.writeBits(query, 0, BITS_QUERY);
    const outOffset = this.outOffset;
    this.kernel.hamming(BITS_QUERY, this.bitsOffset, rows, this.bitBytes, outOffset);
    const bins = this.bitBytes * 8 + 1;
    const counts = new Uint32Array(this.kernel.memory.buffer, DISTANCE_COUNTS, bins);
    counts.fill(0);
    this.kernel.histogram(outOffset, rows, DISTANCE_COUNTS);
    let cutoff = 0;
    let below = 0;
    while (cutoff < bins - 1 && below + counts[cutoff]! < wide) below += counts[cutoff++]!;
    const n = this.kernel.select(outOffset, rows, cutoff, wide - below);
    // A copy: the next kernel call reuses that memory.
    return new Uint32Array(this.kernel.memory.buffer, outOffset, n).slice();
  }

  /** The query's int8 codes at the start of memory; returns their scale. */
  private setQuery(query: Float32Array): number {
    const q = new Int8Array(this.kernel.memory.buffer, 0, this.paddedDims);
    q.fill(0);
    return quantizeInt8(query, 0, this.dims, q);
  }

  private writeBits(vector: Float32Array, offset: number, at: number): void {
    writeSignBits(vector, offset, this.dims, new Uint8Array(this.kernel.memory.buffer, at, this.bitBytes));
  }
}
