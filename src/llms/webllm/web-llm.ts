import { BaseLLM, checkMessages } from '../base-llm.js';
import type { AppConfig, ChatCompletionChunk, ChatCompletionMessageParam, InitProgressReport, MLCEngineConfig } from '@mlc-ai/web-llm';
import { InvalidArgumentError, ModelLoadError, ModelStorageError, WebGPUUnavailableError, describeValue } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import { detectCapabilities } from '../../runtime/capabilities.js';
import { SerialQueue } from '../../util/serial-queue.js';
import { abortable } from '../../util/abortable.js';
import { escapeSpecialTokens } from './escape-special-tokens.js';
import type { ChatMessage, LLMCallOptions, LLMMetadata, LLMStream, LLMUsage } from '../types.js';
import { DEFAULT_WEBLLM_FAMILY, chooseWebLLMModel } from './choose-web-llm-model.js';
import type { CacheBackend } from './web-llm-config.js';

/** The part of web-llm's `MLCEngineInterface` pagerag calls; a worker engine or a test double fits too. */
export interface WebLLMEngine {
  chat: {
    completions: {
      create(request: {
        messages: ChatCompletionMessageParam[];
        stream: true;
        stream_options?: { include_usage: boolean };
        temperature?: number;
        max_tokens?: number;
      }): Promise<AsyncIterable<ChatCompletionChunk>>;
    };
  };
  interruptGenerate(): void;
  unload?(): Promise<void>;
}

export interface WebLLMOptions {
  /**
   * A web-llm model id, or "auto": the `q4f16_1` build of {@link DEFAULT_WEBLLM_FAMILY} where the GPU
   * has `shader-f16`, else its `q4f32_1` build.
   * @default "auto"
   */
  model?: string;
  /** Model family for "auto". @default "Qwen2.5-0.5B-Instruct" */
  autoFamily?: string;
  /** Model list and cache backend; see {@link selfHostedAppConfig} for models served from your origin. @default web-llm's prebuilt list */
  appConfig?: AppConfig;
  /** Overrides `appConfig.cacheBackend`. @default "cache" */
  cacheBackend?: CacheBackend;
  /** An engine you made yourself (e.g. `CreateWebWorkerMLCEngine`), used instead of creating one. */
  engine?: WebLLMEngine;
  /** Runs web-llm in this worker (its entry: `pagerag/webllm-worker`); the page only receives deltas. */
  worker?: Worker;
  /** @default the model's own default */
  temperature?: number;
  /** Tokens generated at most per answer. @default 512 */
  maxTokens?: number;
  /** @default 4096 (web-llm's usual `context_window_size`) */
  contextWindow?: number;
  onProgress?: ProgressCallback;
}

/**
 * An LLM on WebGPU through web-llm. Streaming uses `chat.completions.create({ stream: true })`;
 * a `break` or an abort calls `interruptGenerate()` and drains the stream so web-llm's lock is
 * released and the next call works.
 *
 * @example
 * const llm = new WebLLM({ model: 'auto', onProgress: (p) => bar.value = p.done / p.total });
 * const engine = index.asQueryEngine({ llm, streaming: true });
 */
export class WebLLM extends BaseLLM {
  private readonly options: WebLLMOptions;
  private modelId: string | undefined;
  private engine: WebLLMEngine | undefined;
  private loading: Promise<WebLLMEngine> | undefined;
  private readonly queue = new SerialQueue();

  constructor(options: WebLLMOptions = {}) {
    super();
    this.options = options;
    if (options.maxTokens !== undefined && (!Number.isInteger(options.maxTokens) || options.maxTokens < 1)) {
      throw new InvalidArgumentError(`Expected maxTokens to be a positive integer, got ${describeValue(options.maxTokens)}.`);
    }
    if (options.model && options.model !== 'auto') this.modelId = options.model;
    this.engine = options.engine;
  }

  get metadata(): LLMMetadata {
    return {
      model: this.modelId ?? this.options.model ?? 'auto',
      contextWindow: this.options.contextWindow ?? 4096,
      numOutput: this.options.maxTokens ?? 512,
      supportsStreaming: true,
    };
  }

  /** Resolves the model id ("auto" → a build this GPU can run) and loads it, reporting one combined progress figure. */
  async load(): Promise<void> {
    await this.getEngine();
  }

  streamChat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): LLMStream {
    checkMessages(messages);
    return this.generate(messages, options.signal);
  }

  /**
   * web-llm's stream is pulled directly: one generator from the engine's chunks to the caller.
   * Its unkind parts (`lib/index.js`): the generator resets the interrupt flag when it starts, so an
   * `interruptGenerate()` before generation starts is lost; the per-model lock is taken on the
   * generator's first `next()` (0.2.86) or already in `create()` (0.2.79), and 0.2.79 frees it only
   * at the generator's natural end, never on `return()`; a prefill cannot be interrupted. So the
   * caller's waits (for `create()`, for each chunk) end at its abort, while every stream web-llm
   * made is read to its end in the background, and an interrupt that may have been lost is sent
   * again at the first chunk.
   */
  private async *generate(messages: readonly ChatMessage[], signal: AbortSignal | undefined): AsyncGenerator<string, LLMUsage> {
    // The turn is taken first, so calls keep their order whatever their wait for the model.
    const endTurn = await this.queue.acquire(signal);
    let engine: WebLLMEngine;
    try {
      engine = await abortable(this.getEngine(), signal);
    } catch (error) {
      endTurn();
      throw error;
    }
    let generating = false;
    let interrupted = false;
    let owed = false;
    const interrupt = () => {
      if (interrupted) return;
      interrupted = true;
      void engine.interruptGenerate();
      if (!generating) owed = true;
    };
    const chunkArrived = () => {
      generating = true;
      if (owed) {
        owed = false;
        void engine.interruptGenerate();
      }
    };
    let stream: Promise<AsyncIterator<ChatCompletionChunk>> | undefined;
    let pending: Promise<IteratorResult<ChatCompletionChunk>> | undefined;
    let finished = false;
    const usage: LLMUsage = {};
    try {
      const started = performance.now();
      stream = engine.chat.completions
        .create({
          messages: messages.map((m) => ({ role: m.role, content: escapeSpecialTokens(m.content) }) as ChatCompletionMessageParam),
          stream: true,
          stream_options: { include_usage: true },
          ...(this.options.temperature !== undefined && { temperature: this.options.temperature }),
          max_tokens: this.options.maxTokens ?? 512,
        })
        .then((chunks) => chunks[Symbol.asyncIterator]());
      const chunks = await abortable(stream, signal);
      signal?.addEventListener('abort', interrupt, { once: true });
      for (;;) {
        pending = chunks.next();
        const next = await abortable(pending, signal);
        pending = undefined;
        if (next.done) break;
        chunkArrived();
        const delta = next.value.choices[0]?.delta?.content;
        if (delta) {
          usage.timeToFirstTokenMs ??= performance.now() - started;
          yield delta;
        }
        if (next.value.usage) readUsage(next.value.usage, usage);
      }
      finished = true;
      // An abort ends web-llm's stream early but quietly: report it as the abort it was.
      signal?.throwIfAborted();
      return usage;
    } finally {
      signal?.removeEventListener('abort', interrupt);
      if (stream && !finished) {
        interrupt();
        void drain(stream, pending, chunkArrived).finally(endTurn);
      } else {
        endTurn();
      }
    }
  }

  /** Unloads the model from the GPU. */
  async dispose(): Promise<void> {
    const engine = this.engine;
    this.loading = undefined;
    if (!this.options.engine) this.engine = undefined;
    await engine?.unload?.();
  }

  private getEngine(): Promise<WebLLMEngine> {
    if (this.engine) return Promise.resolve(this.engine);
    this.loading ??= this.createEngine().then(
      (engine) => (this.engine = engine),
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }

  private async createEngine(): Promise<WebLLMEngine> {
    const capabilities = await detectCapabilities();
    if (!capabilities.webgpu) {
      throw new WebGPUUnavailableError(
        'WebGPU is not available here (navigator.gpu is missing or gave no adapter), so web-llm cannot run. ' +
          'Use TransformersLLM, which runs on WASM, or createLocalLLM() to pick one automatically.',
      );
    }
    const modelId = (this.modelId ??= chooseWebLLMModel(capabilities, this.options.autoFamily ?? DEFAULT_WEBLLM_FAMILY));
    const webllm = await import('@mlc-ai/web-llm');
    const appConfig: AppConfig = { ...(this.options.appConfig ?? webllm.prebuiltAppConfig) };
    if (this.options.cacheBackend) appConfig.cacheBackend = this.options.cacheBackend;
    if (!appConfig.model_list.some((m) => m.model_id === modelId)) {
      throw new InvalidArgumentError(`Model "${modelId}" is not in the appConfig's model_list. Use one of web-llm's prebuilt ids (e.g. "${chooseWebLLMModel(capabilities)}") or add a ModelRecord for it.`);
    }
    const onProgress = this.options.onProgress;
    const config: MLCEngineConfig = {
      appConfig,
      ...(onProgress && {
        initProgressCallback: (report: InitProgressReport) => onProgress({ phase: 'load-model', done: report.progress, total: 1, text: report.text }),
      }),
    };
    try {
      return this.options.worker
        ? ((await webllm.CreateWebWorkerMLCEngine(this.options.worker, modelId, config)) as unknown as WebLLMEngine)
        : ((await webllm.CreateMLCEngine(modelId, config)) as unknown as WebLLMEngine);
    } catch (error) {
      throw toLoadError(error, modelId, appConfig);
    }
  }
}

/**
 * Reads a stopped stream to its end after the caller has its answer (a `break` or an `AbortError`
 * at once): web-llm frees its per-model lock only when its generator finishes, which may take the
 * rest of a prefill it cannot interrupt. `pending` is the chunk the caller stopped waiting for.
 * The next call waits its turn meanwhile. An error here belongs to no caller any more (one from
 * `create()` was the caller's already); the next call meets the engine's state itself.
 */
async function drain(
  stream: Promise<AsyncIterator<ChatCompletionChunk>>,
  pending: Promise<IteratorResult<ChatCompletionChunk>> | undefined,
  chunkArrived: () => void,
): Promise<void> {
  try {
    const chunks = await stream;
    for (let next = await (pending ?? chunks.next()); !next.done; next = await chunks.next()) chunkArrived();
  } catch {
    // Nobody is waiting for this stream.
  }
}

type WebLLMUsage = NonNullable<ChatCompletionChunk['usage']> & {
  extra?: { prefill_tokens_per_s?: number; decode_tokens_per_s?: number; time_to_first_token_s?: number };
};

/** Copies web-llm's final usage chunk (with its `extra` speed figures) into pagerag's names. */
function readUsage(reported: WebLLMUsage, usage: LLMUsage): void {
  usage.promptTokens = reported.prompt_tokens;
  usage.completionTokens = reported.completion_tokens;
  const extra = reported.extra;
  if (extra?.prefill_tokens_per_s !== undefined) usage.prefillTokensPerSecond = extra.prefill_tokens_per_s;
  if (extra?.decode_tokens_per_s !== undefined) usage.decodeTokensPerSecond = extra.decode_tokens_per_s;
  // web-llm's "time to first token" is its prefill time; pagerag's own figure from the call stays.
  if (extra?.time_to_first_token_s !== undefined) usage.prefillMs = extra.time_to_first_token_s * 1000;
}

function toLoadError(error: unknown, modelId: string, appConfig: AppConfig): Error {
  const name = (error as Error)?.name ?? '';
  const message = (error as Error)?.message ?? String(error);
  if (name === 'QuotaExceededError' || /quota/i.test(message)) {
    return new ModelStorageError(
      `Could not cache model "${modelId}": the browser's storage is full (${message}). Free space with deleteWebLLMModel() for models you no longer use, or choose a smaller model.`,
      { cause: error },
    );
  }
  const record = appConfig.model_list.find((m) => m.model_id === modelId);
  const hint =
    /request failed|failed to fetch|404|network|not valid JSON|Unexpected token/i.test(message) && record
      ? ` Check that ${new URL('resolve/main/mlc-chat-config.json', record.model.endsWith('/') ? record.model : `${record.model}/`).href} and the library are served (see "Self-hosted models" in the README).`
      : '';
  return new ModelLoadError(
    `Could not load web-llm model "${modelId}" from ${record?.model ?? 'its configured URL'} (library ${record?.model_lib ?? 'unknown'}): ${name ? `${name}: ` : ''}${message}.${hint}`,
    { cause: error },
  );
}

/** Whether a web-llm model's files are already in the browser's cache. */
export async function isWebLLMModelCached(modelId: string, appConfig?: AppConfig): Promise<boolean> {
  const { hasModelInCache } = await import('@mlc-ai/web-llm');
  return hasModelInCache(modelId, appConfig);
}

/** Deletes a web-llm model's weights, library and config from the cache. */
export async function deleteWebLLMModel(modelId: string, appConfig?: AppConfig): Promise<void> {
  const { deleteModelAllInfoInCache } = await import('@mlc-ai/web-llm');
  await deleteModelAllInfoInCache(modelId, appConfig);
}
