import { pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { InvalidArgumentError, ModelLoadError, describeValue } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import { autoDevice } from '../runtime/capabilities.js';
import { IS_NODE } from '../runtime/node-environment.js';
import { countingRuntimeDownload, modelLoadProgress } from '../runtime/model-progress.js';
import { applyModelSource, type ModelSource } from '../runtime/transformers-env.js';
import { modelLoadError, requestMark } from '../runtime/model-requests.js';
import type { EmbedOptions, Embedding } from './embedding.js';

export type Device = 'auto' | 'webgpu' | 'wasm';

export interface TransformersEmbeddingOptions {
  /**
   * Model id on the Hub, or a folder name under `modelSource.localModelPath`.
   * @default "Xenova/all-MiniLM-L6-v2"
   */
  model?: string;
  /**
   * `auto` picks WebGPU when a hardware adapter exists, else WASM (a software adapter such as SwiftShader is slower than WASM).
   * In Node (the CLI, the Vite plugin) models always run on the CPU.
   * @default "auto"
   */
  device?: Device;
  /**
   * Weights precision, e.g. `fp32`, `fp16`, `q8`.
   * @default the model's own choice (transformers.js: `q8` on wasm, `fp32` on webgpu)
   */
  dtype?: string;
  /**
   * Texts per model call.
   * @default 32
   */
  batchSize?: number;
  /**
   * @default "mean"
   */
  pooling?: 'mean' | 'cls';
  /**
   * Scale vectors to length 1 (cosine similarity becomes a dot product).
   * @default true
   */
  normalize?: boolean;
  /**
   * Longest input in tokens, special tokens included.
   * @default 256 for all-MiniLM-L6-v2, else the smaller of the tokenizer's and the model's limits
   */
  maxInputTokens?: number;
  /** Where model and wasm files come from. @default the Hugging Face Hub */
  modelSource?: ModelSource;
}

const KNOWN_MAX_INPUT: Record<string, number> = {
  'Xenova/all-MiniLM-L6-v2': 256,
  'sentence-transformers/all-MiniLM-L6-v2': 256,
  'Xenova/all-MiniLM-L12-v2': 256,
  'Xenova/bge-small-en-v1.5': 512,
};

/**
 * Sentence embeddings with transformers.js `feature-extraction`, in batches, on WebGPU or WASM.
 *
 * @example
 * const embedModel = new TransformersEmbedding({ device: 'auto' });
 * const [vector] = await embedModel.getTextEmbeddings(['Hello world']);
 */
export class TransformersEmbedding implements Embedding {
  readonly modelId: string;
  readonly batchSize: number;
  readonly pooling: 'mean' | 'cls';
  readonly normalize: boolean;
  private readonly options: TransformersEmbeddingOptions;
  private extractor: FeatureExtractionPipeline | undefined;
  private loading: Promise<void> | undefined;
  private info: { dimensions: number; maxInputTokens: number; specialTokenCount: number; device: 'webgpu' | 'wasm' | 'cpu'; dtype: string } | undefined;

  constructor(options: TransformersEmbeddingOptions = {}) {
    this.options = options;
    this.modelId = options.model ?? 'Xenova/all-MiniLM-L6-v2';
    this.batchSize = options.batchSize ?? 32;
    this.pooling = options.pooling ?? 'mean';
    this.normalize = options.normalize ?? true;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new InvalidArgumentError(`Expected batchSize to be a positive integer, got ${describeValue(options.batchSize)}.`);
    }
    if (options.device !== undefined && !['auto', 'webgpu', 'wasm'].includes(options.device)) {
      throw new InvalidArgumentError(`Expected device to be "auto", "webgpu" or "wasm", got ${describeValue(options.device)}.`);
    }
  }

  get dimensions(): number {
    return this.loaded().dimensions;
  }
  get maxInputTokens(): number {
    return this.loaded().maxInputTokens;
  }
  get specialTokenCount(): number {
    return this.loaded().specialTokenCount;
  }
  /** The device in use once loaded (`cpu` in Node). */
  get device(): 'webgpu' | 'wasm' | 'cpu' {
    return this.loaded().device;
  }

  /** Loads the model once; later calls share the same promise. */
  load(options: { signal?: AbortSignal; onProgress?: ProgressCallback } = {}): Promise<void> {
    const mark = requestMark();
    this.loading ??= this.doLoad(options.onProgress).catch((error: unknown) => {
      this.loading = undefined;
      throw error instanceof ModelLoadError ? error : modelLoadError(`embedding model "${this.modelId}"`, this.modelId, mark, error);
    });
    return this.loading;
  }

  countTokens(text: string): number {
    const tokenizer = this.loaded() && this.extractor!.tokenizer;
    return tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  async getTextEmbeddings(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
      throw new InvalidArgumentError(`Expected texts to be an array of strings, got ${describeValue(texts)}.`);
    }
    options.signal?.throwIfAborted();
    await this.load({ ...(options.signal && { signal: options.signal }) });
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      options.signal?.throwIfAborted();
      const batch = texts.slice(i, i + this.batchSize);
      const output = await this.extractor!(batch, { pooling: this.pooling, normalize: this.normalize });
      const data = output.data as Float32Array;
      const dims = this.dimensions;
      for (let r = 0; r < batch.length; r++) vectors.push(data.slice(r * dims, (r + 1) * dims));
      options.onProgress?.({ phase: 'embed', done: vectors.length, total: texts.length });
    }
    return vectors;
  }

  async getQueryEmbedding(query: string, options: EmbedOptions = {}): Promise<Float32Array> {
    if (typeof query !== 'string') {
      throw new InvalidArgumentError(`Expected query to be a string, got ${describeValue(query)}.`);
    }
    const [vector] = await this.getTextEmbeddings([query], options);
    return vector!;
  }

  /** The weights precision in use once loaded: the `dtype` option, else the model's or transformers.js's choice for the device. */
  get dtype(): string {
    return this.loaded().dtype;
  }

  /** Frees the model's memory (and GPU buffers); a later call loads it again. */
  async dispose(): Promise<void> {
    const extractor = this.extractor;
    this.extractor = undefined;
    this.loading = undefined;
    this.info = undefined;
    await extractor?.dispose();
  }

  private loaded(): NonNullable<TransformersEmbedding['info']> {
    if (!this.info) throw new InvalidArgumentError(`Embedding model "${this.modelId}" is not loaded yet: await embedModel.load() first.`);
    return this.info;
  }

  private async doLoad(onProgress: ProgressCallback | undefined): Promise<void> {
    const requested = this.options.device ?? 'auto';
    // transformers.js's Node build runs ONNX Runtime's CPU backend (native, or onnxruntime-web's wasm).
    const device = IS_NODE ? 'cpu' : requested === 'auto' ? await autoDevice() : requested;
    await applyModelSource(this.options.modelSource);
    const progress_callback = modelLoadProgress(onProgress, this.modelId);
    const extractor = (await countingRuntimeDownload(progress_callback, () =>
      pipeline('feature-extraction', this.modelId, { device, ...(this.options.dtype && { dtype: this.options.dtype as 'fp32' }), progress_callback }),
    )) as FeatureExtractionPipeline;
    const config = extractor.model.config as unknown as { hidden_size?: number; max_position_embeddings?: number; 'transformers.js_config'?: { dtype?: unknown } };
    const configDtype = config['transformers.js_config']?.dtype;
    // transformers.js's own rule: the option, else the model's config, else q8 on WASM and fp32 elsewhere.
    const dtype = this.options.dtype ?? (typeof configDtype === 'string' ? configDtype : device === 'wasm' ? 'q8' : 'fp32');
    const tokenizer = extractor.tokenizer;
    const specialTokenCount = tokenizer.encode('').length;
    const modelMax = Math.min(
      Number.isFinite(tokenizer.model_max_length) ? tokenizer.model_max_length : Infinity,
      config.max_position_embeddings ?? Infinity,
    );
    const maxInputTokens = this.options.maxInputTokens ?? KNOWN_MAX_INPUT[this.modelId] ?? (Number.isFinite(modelMax) ? modelMax : 512);
    let dimensions = config.hidden_size;
    this.extractor = extractor;
    if (!dimensions) {
      const probe = await extractor('dimensions', { pooling: this.pooling, normalize: this.normalize });
      dimensions = probe.dims.at(-1)!;
    }
    this.info = { dimensions, maxInputTokens, specialTokenCount, device, dtype };
  }
}
