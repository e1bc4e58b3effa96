/**
 * Every error pagerag throws on purpose is a subclass of {@link PageragError}; each message says
 * what was expected, what was given and what to do.
 */
export class PageragError extends Error {
  override name = 'PageragError';
}

/** An argument or option has the wrong type or value. */
export class InvalidArgumentError extends PageragError {
  override name = 'InvalidArgumentError';
}

/** The object is not in a state that allows the call, e.g. a store used after `close()`. */
export class InvalidStateError extends PageragError {
  override name = 'InvalidStateError';
}

/** A vector's length does not match the index's dimensions. */
export class DimensionMismatchError extends PageragError {
  override name = 'DimensionMismatchError';
  constructor(
    readonly expected: number,
    readonly received: number,
    where: string,
  ) {
    super(`Expected ${where} to have ${expected} dimensions, got ${received}. Use the same embedding model the index was built with.`);
  }
}

/** The index (or snapshot) was built with another embedding model than the one given. */
export class EmbeddingModelMismatchError extends PageragError {
  override name = 'EmbeddingModelMismatchError';
  constructor(
    readonly stored: { model: string; dimensions: number; embedsMetadata?: boolean },
    readonly given: { model: string; dimensions?: number; embedsMetadata?: boolean },
    what = 'This index',
  ) {
    const givenDims = given.dimensions === undefined ? '' : ` (${given.dimensions} dimensions)`;
    const sameModel = stored.model === given.model && (given.dimensions === undefined || given.dimensions === stored.dimensions);
    const how = (embeds: boolean | undefined) => (embeds ? 'with their metadata (embedMetadata: true)' : 'as bare text (embedMetadata: false)');
    super(
      sameModel
        ? `${what} embedded its nodes ${how(stored.embedsMetadata)}, but this pipeline embeds them ${how(given.embedsMetadata)}. ` +
            'Open it with the same embedMetadata, or embed its documents again into a new index (readStoredDocuments) to change it.'
        : `${what} was built with embedding model "${stored.model}" (${stored.dimensions} dimensions), but "${given.model}"${givenDims} was given. ` +
            'Use the same model, or clear the index and build it again with this one.',
    );
  }
}

/** A snapshot could not be fetched. */
export class SnapshotFetchError extends PageragError {
  override name = 'SnapshotFetchError';
}

/** An IndexedDB write failed; nothing from that write was stored, earlier data is intact. */
export class StorageWriteError extends PageragError {
  override name = 'StorageWriteError';
}

/** The browser refused a write for lack of space. */
export class StorageQuotaError extends StorageWriteError {
  override name = 'StorageQuotaError';
}

/** The stored index was written by a newer pagerag. */
export class StorageVersionError extends PageragError {
  override name = 'StorageVersionError';
}

/** Stored records are unreadable or disagree with each other (see `vectorStore.verify()`). */
export class StorageCorruptionError extends PageragError {
  override name = 'StorageCorruptionError';
}

/** The operation is not available with this component, e.g. streaming from an LLM that cannot stream. */
export class NotImplementedError extends PageragError {
  override name = 'NotImplementedError';
}

/** A model could not be loaded or run. */
export class ModelLoadError extends PageragError {
  override name = 'ModelLoadError';
}

/** Describes a value for messages: `"abc" (string)`, `NaN (number)`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} (string)`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return `${String(value)} (${typeof value})`;
}

/** WebGPU is missing (no `navigator.gpu`, or no adapter): web-llm cannot run here. */
export class WebGPUUnavailableError extends PageragError {
  override name = 'WebGPUUnavailableError';
}

/** A file that cannot be read as a document: not of its type, damaged, or without text. */
export class DocumentReadError extends PageragError {
  override name = 'DocumentReadError';
}

/** A PDF that cannot be read as text: encrypted, without a text layer, too large, or malformed. */
export class PdfReadError extends DocumentReadError {
  override name = 'PdfReadError';
}

/** Model files could not be cached: the browser's storage is full or refused. */
export class ModelStorageError extends PageragError {
  override name = 'ModelStorageError';
}

/** An LLM server answered with an HTTP error or an error event; `status` is the HTTP status (0 for a stream error). */
export class LLMHttpError extends PageragError {
  override name = 'LLMHttpError';
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An embedding server failed (after its retries), or answered with vectors that are not the local model's; `status` is the HTTP status (0 when none). */
export class EmbeddingServerError extends PageragError {
  override name = 'EmbeddingServerError';
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The model is not available in this browser (e.g. Chrome's built-in model is missing or cannot be downloaded). */
export class ModelUnavailableError extends PageragError {
  override name = 'ModelUnavailableError';
}

/** A snapshot file is truncated, corrupted, of an unknown format version, or not a snapshot at all. */
export class SnapshotFormatError extends PageragError {
  override name = 'SnapshotFormatError';
}

/** A Web Worker that serves pagerag failed to load, sent a message that could not be read, or was terminated with calls in flight. */
export class WorkerError extends PageragError {
  override name = 'WorkerError';
}

/**
 * Every class above by its `name`, so an error that crossed a worker boundary comes back as its own
 * class. Keyed by literal names: class names do not survive an app's minifier. A test checks that
 * every error class of this module is listed.
 */
export const ERROR_CLASSES: Readonly<Record<string, { prototype: Error }>> = {
  PageragError,
  InvalidArgumentError,
  InvalidStateError,
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  SnapshotFetchError,
  StorageWriteError,
  StorageQuotaError,
  StorageVersionError,
  StorageCorruptionError,
  NotImplementedError,
  ModelLoadError,
  WebGPUUnavailableError,
  ModelStorageError,
  DocumentReadError,
  PdfReadError,
  LLMHttpError,
  EmbeddingServerError,
  ModelUnavailableError,
  SnapshotFormatError,
  WorkerError,
};
