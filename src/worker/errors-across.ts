import * as errors from '../errors.js';
import type { SerializedError } from './protocol.js';

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error || error instanceof DOMException) {
    return { name: error.name, message: error.message, ...(error.stack && { stack: error.stack }) };
  }
  return { name: 'Error', message: String(error) };
}

// Keyed by literal names: class names do not survive an app's minifier.
const KNOWN: Record<string, { prototype: Error }> = {
  PageragError: errors.PageragError,
  InvalidArgumentError: errors.InvalidArgumentError,
  DimensionMismatchError: errors.DimensionMismatchError,
  EmbeddingModelMismatchError: errors.EmbeddingModelMismatchError,
  StorageWriteError: errors.StorageWriteError,
  StorageQuotaError: errors.StorageQuotaError,
  StorageVersionError: errors.StorageVersionError,
  NotImplementedError: errors.NotImplementedError,
  ModelLoadError: errors.ModelLoadError,
  WebGPUUnavailableError: errors.WebGPUUnavailableError,
  ModelStorageError: errors.ModelStorageError,
  SnapshotFormatError: errors.SnapshotFormatError,
  SnapshotFetchError: errors.SnapshotFetchError,
};

/** Rebuilds an error from the worker: pagerag's own classes come back as themselves (`instanceof` works), aborts as AbortError. */
export function deserializeError(serialized: SerializedError): Error {
  if (serialized.name === 'AbortError') return new DOMException(serialized.message, 'AbortError');
  const known = KNOWN[serialized.name];
  const error: Error = known ? Object.create(known.prototype) : new Error(serialized.message);
  Object.defineProperty(error, 'message', { value: serialized.message, writable: true, configurable: true });
  Object.defineProperty(error, 'name', { value: serialized.name, writable: true, configurable: true });
  Object.defineProperty(error, 'stack', { value: `${serialized.name}: ${serialized.message}\n    (thrown in the worker)\n${serialized.stack ?? ''}`, writable: true, configurable: true });
  return error;
}
