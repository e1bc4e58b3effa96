import type { Int8DotKernel } from './int8-dot-kernel.js';
import { quantizeInt8 } from './int8-quantize.js';

const QUERY_BYTES = 65536; // first page of wasm memory: the quantized query
const PAGE = 65536;

/**
 * An int8 copy of the vector matrix inside WebAssembly memory, one scale per row, for a fast
 * approximate first pass: int8 dot products (SIMD) pick a shortlist that float32 then re-ranks.
 * Layout: [query (64 KiB)] [rows × paddedDims int8] [scratch int32 dots].
 */
export class Int8Index {
  readonly paddedDims: number;
  private scales = new Float32Array(0);
  private capacity = 0;

  constructor(
    private readonly kernel: Int8DotKernel,
    readonly dims: number,
  ) {
    this.paddedDims = Math.ceil(dims / 16) * 16;
    if (this.paddedDims > QUERY_BYTES) throw new RangeError(`Vectors of ${dims} dimensions are too long for the int8 index.`);
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const next = Math.max(rows, Math.ceil(this.capacity * 1.5), 1024);
    const needed = QUERY_BYTES + next * this.paddedDims + next * 4;
    const memory = this.kernel.memory;
    if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    const scales = new Float32Array(next);
    scales.set(this.scales);
    this.scales = scales;
    this.capacity = next;
  }

  /** Quantizes `vector` (from `offset`) into `row`. */
  set(row: number, vector: Float32Array, offset = 0): void {
    this.reserve(row + 1);
    const target = new Int8Array(this.kernel.memory.buffer, QUERY_BYTES + row * this.paddedDims, this.dims);
    const scale = quantizeInt8(vector, offset, this.dims, target);
    this.scales[row] = scale;
  }

  /** Moves a row (the matrix squeezes out deleted rows). */
  move(from: number, to: number): void {
    const bytes = new Int8Array(this.kernel.memory.buffer);
    const start = QUERY_BYTES + from * this.paddedDims;
    bytes.copyWithin(QUERY_BYTES + to * this.paddedDims, start, start + this.paddedDims);
    this.scales[to] = this.scales[from]!;
  }

  /**
   * Approximate dot products of `query` with rows [0, rows): fills `out` with
   * int8 dot × row scale × query scale.
   */
  dots(query: Float32Array, rows: number, out: Float32Array): void {
    const q = new Int8Array(this.kernel.memory.buffer, 0, this.paddedDims);
    q.fill(0);
    const qScale = quantizeInt8(query, 0, this.dims, q);
    const outOffset = QUERY_BYTES + this.capacity * this.paddedDims;
    this.kernel.dots(0, QUERY_BYTES, rows, this.paddedDims, outOffset);
    const raw = new Int32Array(this.kernel.memory.buffer, outOffset, rows);
    const scales = this.scales;
    for (let i = 0; i < rows; i++) out[i] = raw[i]! * scales[i]! * qScale;
  }
}
