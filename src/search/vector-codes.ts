import { MAX_HAMMING_BYTES, compiledInt8DotKernel, createInt8DotKernel, type Int8DotKernel } from './int8-dot-kernel.js';

/**
 * What the staged search needs of each row, in the form it searches: int8 codes (one scale per
 * row), a 1-bit code (the signs of the components) and the inverse norm. About 440 bytes a row at
 * 384 dimensions instead of 1,536 of float32, so a large persisted index opens by reading these
 * and computing nothing, and keeps only these in memory.
 */
export interface VectorCodes {
  /** rows × dims int8 codes, row after row (not padded). */
  int8: Int8Array;
  scales: Float32Array;
  /** rows × {@link bitBytesOf}(dims) bytes: bit d of a row is set where component d is positive. */
  bits: Uint8Array;
  inverseNorms: Float32Array;
}

/** Bytes of a row's 1-bit code (a multiple of 16, what the Hamming kernel reads), or 0 where the vectors are too long for it. */
export function bitBytesOf(dims: number): number {
  const bytes = Math.ceil(dims / 128) * 16;
  return bytes <= MAX_HAMMING_BYTES ? bytes : 0;
}

/**
 * Bit d is set where component d is positive (padding bits stay 0). Setting it above the
 * component's mean instead lost recall on SciFact's MiniLM-fixture vectors (0.980 against 0.993),
 * so the plain sign it is, as sentence-transformers' binary quantization.
 */
export function writeSignBits(vector: ArrayLike<number>, offset: number, dims: number, target: Uint8Array): void {
  target.fill(0);
  for (let d = 0; d < dims; d++) if (vector[offset + d]! > 0) target[d >> 3]! |= 1 << (d & 7);
}

export function inverseNormOf(vector: ArrayLike<number>, offset: number, dims: number): number {
  let norm = 0;
  for (let d = offset, end = offset + dims; d < end; d++) norm += vector[d]! * vector[d]!;
  return norm > 0 ? 1 / Math.sqrt(norm) : 0;
}

/**
 * The codes of `vectors` (rows back to back): in WebAssembly once the kernel is compiled (see
 * compileInt8DotKernel; an index compiles it before its first write), else in JavaScript. Both
 * give the same codes to the bit.
 */
export function encodeVectorCodes(vectors: Float32Array, dims: number): VectorCodes {
  const rows = dims > 0 ? vectors.length / dims : 0;
  const bitBytes = bitBytesOf(dims);
  const codes: VectorCodes = { int8: new Int8Array(rows * dims), scales: new Float32Array(rows), bits: new Uint8Array(rows * bitBytes), inverseNorms: new Float32Array(rows) };
  if (!encodeInKernel(vectors, dims, rows, codes)) encodeInJavaScript(vectors, dims, rows, codes);
  return codes;
}

/** Float32 input per kernel call: its memory holds one such chunk and its codes (2.3 MB in all at 384 dimensions). */
const KERNEL_INPUT_BYTES = 1.5 * 2 ** 20;
let codesKernel: Int8DotKernel | undefined;

/** Fills `codes` with the kernel; false where it cannot (not compiled, `dims` not a multiple of 8, no memory). */
function encodeInKernel(vectors: Float32Array, dims: number, rows: number, codes: VectorCodes): boolean {
  const module = compiledInt8DotKernel();
  if (!module || dims === 0 || dims % 8 !== 0) return false;
  const bitBytes = bitBytesOf(dims);
  // Without 1-bit codes (very long vectors) the kernel still writes bits: into a scratch area.
  const bitStride = bitBytes || dims / 8;
  const chunk = Math.max(1, Math.floor(KERNEL_INPUT_BYTES / (dims * 4)));
  const int8At = chunk * dims * 4;
  const scalesAt = int8At + chunk * dims;
  const normsAt = scalesAt + chunk * 4;
  const bitsAt = normsAt + chunk * 4;
  const bytes = bitsAt + chunk * bitStride;
  try {
    codesKernel ??= createInt8DotKernel(module, 1);
    const memory = codesKernel.memory;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
  for (let first = 0; first < rows; first += chunk) {
    const n = Math.min(chunk, rows - first);
    const buffer = codesKernel.memory.buffer;
    new Float32Array(buffer, 0, n * dims).set(vectors.subarray(first * dims, (first + n) * dims));
    new Uint8Array(buffer, bitsAt, n * bitStride).fill(0);
    codesKernel.codes(0, n, dims, int8At, scalesAt, bitsAt, normsAt, bitStride);
    codes.int8.set(new Int8Array(buffer, int8At, n * dims), first * dims);
    codes.scales.set(new Float32Array(buffer, scalesAt, n), first);
    codes.inverseNorms.set(new Float32Array(buffer, normsAt, n), first);
    if (bitBytes) codes.bits.set(new Uint8Array(buffer, bitsAt, n * bitBytes), first * bitBytes);
  }
  return true;
}

function encodeInJavaScript(vectors: Float32Array, dims: number, rows: number, codes: VectorCodes): void {
  const bitBytes = bitBytesOf(dims);
  const { int8, bits } = codes;
  // One pass for the scale and the norm, one for the codes and the bits: this runs on every write.
  for (let row = 0, offset = 0; row < rows; row++, offset += dims) {
    let maxAbs = 0;
    let norm = 0;
    for (let d = offset, end = offset + dims; d < end; d++) {
      const v = vectors[d]!;
      norm += v * v;
      if (v > maxAbs) maxAbs = v;
      else if (-v > maxAbs) maxAbs = -v;
    }
    // The same arithmetic as quantizeInt8, so stored codes equal those made in memory.
    const scale = maxAbs > 0 ? maxAbs / 127 : 1;
    const inverse = 1 / scale;
    const bitBase = row * bitBytes;
    for (let d = 0; d < dims; d++) {
      const v = vectors[offset + d]!;
      const q = v * inverse;
      int8[offset + d] = q >= 0 ? (q + 0.5) | 0 : (q - 0.5) | 0;
      if (bitBytes && v > 0) bits[bitBase + (d >> 3)]! |= 1 << (d & 7);
    }
    codes.scales[row] = scale;
    codes.inverseNorms[row] = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  }
}

/** The codes of the rows where `keep` is true, in order. */
export function pickCodes(codes: VectorCodes, dims: number, keep: readonly boolean[]): VectorCodes {
  const rows = keep.flatMap((k, i) => (k ? [i] : []));
  return concatCodes(rows.map((row) => sliceCodes(codes, dims, row, row + 1)));
}

/** Rows [from, to) of `codes` (views, not copies). */
export function sliceCodes(codes: VectorCodes, dims: number, from: number, to: number): VectorCodes {
  const bitBytes = bitBytesOf(dims);
  return {
    int8: codes.int8.subarray(from * dims, to * dims),
    scales: codes.scales.subarray(from, to),
    bits: codes.bits.subarray(from * bitBytes, to * bitBytes),
    inverseNorms: codes.inverseNorms.subarray(from, to),
  };
}

/** The rows of several code sets, back to back. */
export function concatCodes(parts: readonly VectorCodes[]): VectorCodes {
  const join = <T extends Int8Array | Uint8Array | Float32Array>(pick: (c: VectorCodes) => T, make: (n: number) => T): T => {
    const out = make(parts.reduce((n, c) => n + pick(c).length, 0));
    let at = 0;
    for (const c of parts) {
      out.set(pick(c) as never, at);
      at += pick(c).length;
    }
    return out;
  };
  return {
    int8: join((c) => c.int8, (n) => new Int8Array(n)),
    scales: join((c) => c.scales, (n) => new Float32Array(n)),
    bits: join((c) => c.bits, (n) => new Uint8Array(n)),
    inverseNorms: join((c) => c.inverseNorms, (n) => new Float32Array(n)),
  };
}
