import { DimensionMismatchError, EmbeddingServerError, InvalidArgumentError, describeValue } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import { errorDetail, parseBaseURL } from '../util/http.js';
import { mapConcurrently } from '../util/map-concurrently.js';
import type { EmbedOptions, Embedding } from './embedding.js';

export interface OpenAICompatibleEmbeddingOptions {
  /**
   * The server: texts go to `<baseURL>/v1/embeddings` (or `<baseURL>/embeddings` when it ends with
   * `/v1`), as text-embeddings-inference, vLLM, Ollama and Infinity serve them.
   */
  baseURL: string;
  /**
   * The same model, run here: its tokenizer splits texts, it embeds queries (the browser does the
   * same), and its vectors check the server's at `load()`. Its id, pooling and normalization are
   * what an index records.
   */
  reference: Embedding;
  /** The model's name on the server. @default reference.modelId */
  model?: string;
  /** Texts per request. @default 32 */
  batchSize?: number;
  /** Requests in flight at once. @default 4 */
  concurrency?: number;
  /** Retries of a request that failed on the network, or with 408, 429 or 5xx. @default 4 */
  retries?: number;
  /** Wait before the first retry, doubled for each next one. @default 500 */
  retryDelayMs?: number;
  /** Sent with every request (e.g. an Authorization header). */
  headers?: Record<string, string>;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Below this, the server's vectors are not the reference model's (one model agrees with itself at ~1). */
const AGREEMENT = 0.99;
const PROBE = 'pagerag checks that the embedding server runs the same model as this one.';

/**
 * An {@link Embedding} whose document vectors come from an OpenAI-compatible embeddings server,
 * for building large indexes: batches sent with bounded concurrency, failed requests retried with
 * backoff, vectors L2-normalized as the reference model's are. Queries are embedded by the
 * reference model, as the browser will embed them. `load()` refuses a server whose vectors differ
 * from the reference model's.
 *
 * @example
 * const reference = new TransformersEmbedding({ model: 'Xenova/all-MiniLM-L6-v2' });
 * const embedModel = new OpenAICompatibleEmbedding({ baseURL: 'http://localhost:8080', reference, model: 'sentence-transformers/all-MiniLM-L6-v2' });
 */
export class OpenAICompatibleEmbedding implements Embedding {
  readonly endpoint: string;
  private readonly options: OpenAICompatibleEmbeddingOptions;

  constructor(options: OpenAICompatibleEmbeddingOptions) {
    const base = parseBaseURL(options?.baseURL, 'http://localhost:8080');
    if (!options.reference || typeof options.reference.getTextEmbeddings !== 'function') {
      throw new InvalidArgumentError(`Expected reference to be the same embedding model run here (e.g. a TransformersEmbedding), got ${describeValue(options.reference)}.`);
    }
    for (const key of ['batchSize', 'concurrency'] as const) {
      const value = options[key];
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new InvalidArgumentError(`Expected ${key} to be a positive integer, got ${describeValue(value)}.`);
    }
    this.options = options;
    this.endpoint = new URL(/\/v1\/?$/.test(base) ? 'embeddings' : 'v1/embeddings', base.endsWith('/') ? base : `${base}/`).href;
  }

  get modelId(): string {
    return this.options.reference.modelId;
  }
  get dimensions(): number {
    return this.options.reference.dimensions;
  }
  get maxInputTokens(): number {
    return this.options.reference.maxInputTokens;
  }
  get specialTokenCount(): number {
    return this.options.reference.specialTokenCount;
  }
  get pooling(): 'mean' | 'cls' | undefined {
    return this.options.reference.pooling;
  }
  get normalize(): boolean | undefined {
    return this.options.reference.normalize;
  }
  get dtype(): string | undefined {
    return this.options.reference.dtype;
  }

  countTokens(text: string): number {
    return this.options.reference.countTokens(text);
  }

  /** Loads the reference model, then checks that the server's vectors are its vectors. */
  async load(options: { signal?: AbortSignal; onProgress?: ProgressCallback } = {}): Promise<void> {
    await this.options.reference.load(options);
    const [local] = await this.options.reference.getTextEmbeddings([PROBE], options.signal ? { signal: options.signal } : {});
    const [remote] = await this.request([PROBE], options.signal);
    const agreement = cosine(local!, remote!);
    if (!(agreement >= AGREEMENT)) {
      throw new EmbeddingServerError(
        `The vectors of ${this.endpoint} (model "${this.serverModel}") are not those of "${this.modelId}" here: cosine ${agreement.toFixed(3)} for the same text, expected at least ${AGREEMENT}. ` +
          'The server runs another model, or pools or normalizes differently; the browser embeds queries with the local model, so an index from this server would not match them.',
        0,
      );
    }
  }

  async getTextEmbeddings(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const size = this.options.batchSize ?? 32;
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += size) batches.push(texts.slice(i, i + size));
    let done = 0;
    const out = await mapConcurrently(batches, this.options.concurrency ?? 4, async (batch) => {
      const vectors = await this.request(batch, options.signal);
      done += batch.length;
      options.onProgress?.({ phase: 'embed', done, total: texts.length });
      return vectors;
    });
    return out.flat();
  }

  getQueryEmbedding(query: string, options: EmbedOptions = {}): Promise<Float32Array> {
    return this.options.reference.getQueryEmbedding(query, options);
  }

  private get serverModel(): string {
    return this.options.model ?? this.modelId;
  }

  /** One batch, retried on the network, 408, 429 and 5xx with doubling waits. */
  private async request(input: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const retries = this.options.retries ?? 4;
    let wait = this.options.retryDelayMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      let response: Response;
      try {
        response = await (this.options.fetch ?? fetch)(this.endpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...this.options.headers },
          body: JSON.stringify({ model: this.serverModel, input }),
          ...(signal && { signal }),
        });
      } catch (error) {
        signal?.throwIfAborted();
        if (attempt >= retries) throw new EmbeddingServerError(`Could not reach ${this.endpoint} after ${attempt + 1} tries: ${(error as Error)?.message ?? error}.`, 0, { cause: error });
        await sleep(wait, signal);
        wait *= 2;
        continue;
      }
      if (response.ok) return this.vectors(await response.json(), input.length);
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      const detail = await errorDetail(response);
      if (!retryable || attempt >= retries) {
        throw new EmbeddingServerError(
          `${this.endpoint} answered ${response.status} ${response.statusText}${detail ? `: ${detail}` : ''}${retryable ? ` (after ${attempt + 1} tries)` : ''}.`,
          response.status,
        );
      }
      await sleep(wait, signal);
      wait *= 2;
    }
  }

  /** The answer's vectors in input order, checked, normalized as the reference model's are. */
  private vectors(json: unknown, count: number): Float32Array[] {
    const data = (json as { data?: { embedding?: unknown; index?: unknown }[] })?.data;
    if (!Array.isArray(data) || data.length !== count) {
      throw new EmbeddingServerError(`${this.endpoint} answered ${Array.isArray(data) ? `${data.length} vectors for ${count} texts` : 'without a "data" array'}: expected OpenAI's embeddings response ({ data: [{ embedding, index }] }).`, 0);
    }
    const ordered = [...data].sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0));
    return ordered.map(({ embedding }) => {
      if (!Array.isArray(embedding) || embedding.some((v) => typeof v !== 'number')) {
        throw new EmbeddingServerError(`${this.endpoint} answered an embedding that is not an array of numbers (encoding_format other than "float"?).`, 0);
      }
      if (embedding.length !== this.dimensions) throw new DimensionMismatchError(this.dimensions, embedding.length, `the vectors of ${this.endpoint}`);
      const vector = Float32Array.from(embedding as number[]);
      if (this.normalize !== false) {
        let norm = 0;
        for (const v of vector) norm += v * v;
        norm = Math.sqrt(norm);
        if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
      }
      return vector;
    });
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
