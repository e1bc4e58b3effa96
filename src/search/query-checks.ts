import { DimensionMismatchError, InvalidArgumentError, describeValue } from '../errors.js';
import type { VectorStoreQuery } from '../storage/vector-store.js';
import { validateFilters } from './metadata-filters.js';
import type { SearchMode } from './search-index.js';

const MODES: ReadonlySet<string> = new Set(['vector', 'keyword', 'hybrid']);

/** Validates a store query before anything runs (every store's `query`); returns its mode. */
export function checkStoreQuery(query: VectorStoreQuery): SearchMode {
  const mode = query?.mode ?? 'vector';
  if (!MODES.has(mode)) throw new InvalidArgumentError(`Unknown query mode ${describeValue(mode)}. Expected "vector", "keyword" or "hybrid".`);
  if (mode !== 'vector' && typeof query.queryStr !== 'string') throw new InvalidArgumentError(`Expected queryStr to be a string for a ${mode} query, got ${describeValue(query.queryStr)}.`);
  if (mode !== 'keyword' && !query.queryEmbedding) throw new InvalidArgumentError(`Expected queryEmbedding for a ${mode} query, got ${describeValue(query.queryEmbedding)}.`);
  if (query.alpha !== undefined && !(query.alpha >= 0 && query.alpha <= 1)) {
    throw new InvalidArgumentError(`Expected alpha to be a number from 0 (keywords only) to 1 (vectors only), got ${describeValue(query.alpha)}.`);
  }
  checkTopK(query.similarityTopK);
  validateFilters(query.filters);
  return mode;
}

/** Validates a `similarityTopK` option, for every store, retriever and engine that takes one. */
export function checkTopK(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new InvalidArgumentError(`Expected similarityTopK to be a positive integer, got ${describeValue(value)}.`);
  }
  return value as number;
}

/**
 * A vector of `dims` finite numbers, as a Float32Array; `what` names it in the error (a function
 * where a write checks thousands: the name is made only for a bad one).
 */
export function checkVector(vector: Float32Array | readonly number[], dims: number, what: string | (() => string)): Float32Array {
  const out = vector instanceof Float32Array ? vector : Float32Array.from(vector);
  const name = () => (typeof what === 'string' ? what : what());
  if (out.length !== dims) throw new DimensionMismatchError(dims, out.length, name());
  for (let d = 0; d < dims; d++) {
    if (!Number.isFinite(out[d])) throw new InvalidArgumentError(`Expected finite numbers in ${name()}, got ${out[d]} at position ${d}.`);
  }
  return out;
}
