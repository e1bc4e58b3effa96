import { DimensionMismatchError, InvalidArgumentError, describeValue } from '../errors.js';

/** Validates a `similarityTopK` option, for every store, retriever and engine that takes one. */
export function checkTopK(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new InvalidArgumentError(`Expected similarityTopK to be a positive integer, got ${describeValue(value)}.`);
  }
  return value as number;
}

/** A vector of `dims` finite numbers, as a Float32Array; `what` names it in the error. */
export function checkVector(vector: Float32Array | readonly number[], dims: number, what: string): Float32Array {
  const out = vector instanceof Float32Array ? vector : Float32Array.from(vector);
  if (out.length !== dims) throw new DimensionMismatchError(dims, out.length, what);
  for (let d = 0; d < dims; d++) {
    if (!Number.isFinite(out[d])) throw new InvalidArgumentError(`Expected finite numbers in ${what}, got ${out[d]} at position ${d}.`);
  }
  return out;
}
