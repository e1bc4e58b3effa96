import type { ProgressCallback } from '../progress.js';

export interface EmbedOptions {
  signal?: AbortSignal;
  /** Called after each batch with texts done so far. */
  onProgress?: ProgressCallback;
}

/**
 * An embedding model. pagerag ships {@link TransformersEmbedding}; anything with this shape works.
 * `dimensions`, `maxInputTokens` and `countTokens` are valid once `load()` has resolved.
 */
export interface Embedding {
  /** Identifies the model; stored with the index, which refuses another model. */
  readonly modelId: string;
  readonly dimensions: number;
  /** Longest input, in tokens, including special tokens. */
  readonly maxInputTokens: number;
  /** Special tokens the tokenizer adds around each input (e.g. 2 for [CLS] … [SEP]). */
  readonly specialTokenCount: number;
  /** How token vectors become one vector, when the model says (recorded in snapshots, checked on load). */
  readonly pooling?: 'mean' | 'cls';
  /** Whether vectors are L2-normalized, when the model says. */
  readonly normalize?: boolean;
  /** Weights precision, when known (e.g. "fp32", "q8"). */
  readonly dtype?: string;
  load(options?: { signal?: AbortSignal; onProgress?: ProgressCallback }): Promise<void>;
  /** Tokens of `text` without special tokens. */
  countTokens(text: string): number;
  getTextEmbeddings(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  getQueryEmbedding(query: string, options?: EmbedOptions): Promise<Float32Array>;
}
