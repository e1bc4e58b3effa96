import { InvalidArgumentError, SnapshotFetchError, describeValue } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import { throwIfAborted } from '../util/abort.js';

/** Where a snapshot comes from: a URL, its bytes, or a stream of them. */
export type SnapshotSource = string | URL | ArrayBuffer | Uint8Array | ReadableStream<Uint8Array>;

export interface ReadSourceOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ProgressCallback | undefined;
  fetch?: typeof fetch | undefined;
}

/** All bytes of a snapshot source, with `download` progress in bytes. */
export async function readSnapshotSource(source: SnapshotSource, options: ReadSourceOptions = {}): Promise<Uint8Array> {
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) return readStream(source, 0, options);
  if (typeof source === 'string' || source instanceof URL) {
    const url = String(source);
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(url, { ...(signal && { signal }) });
    } catch (error) {
      throwIfAborted(signal);
      throw new SnapshotFetchError(`Could not fetch the snapshot at ${url} (${(error as Error)?.message ?? error}). Check the URL and that the page may reach it.`, { cause: error });
    }
    if (!response.ok || !response.body) {
      throw new SnapshotFetchError(`Fetching the snapshot at ${url} failed with HTTP ${response.status} ${response.statusText}. Check that the file is deployed at that URL.`);
    }
    // Without a progress callback the browser reads the body in one piece (much faster than chunks).
    if (!onProgress) return new Uint8Array(await response.arrayBuffer());
    // A compressed transfer reports the compressed length: then the total is unknown.
    const encoded = response.headers.get('content-encoding');
    const total = encoded && encoded !== 'identity' ? 0 : Number(response.headers.get('content-length') ?? 0);
    return readStream(response.body, total, options);
  }
  throw new InvalidArgumentError(`Expected a snapshot URL, ArrayBuffer, Uint8Array or ReadableStream, got ${describeValue(source)}.`);
}

async function readStream(stream: ReadableStream<Uint8Array>, total: number, { signal, onProgress }: ReadSourceOptions): Promise<Uint8Array> {
  const reader = stream.getReader();
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  // With a known length the chunks go straight into one buffer.
  let buffer = new Uint8Array(total > 0 ? total : 1 << 20);
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      throwIfAborted(signal);
      if (done) break;
      if (received + value.length > buffer.length) {
        const grown = new Uint8Array(Math.max(buffer.length * 2, received + value.length));
        grown.set(buffer.subarray(0, received));
        buffer = grown;
      }
      buffer.set(value, received);
      received += value.length;
      onProgress?.({ phase: 'download', done: received, total: Math.max(total, received) });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
  return buffer.subarray(0, received);
}
