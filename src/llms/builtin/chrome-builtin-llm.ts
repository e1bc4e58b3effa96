import { BaseLLM, checkMessages } from '../base-llm.js';
import { InvalidArgumentError, ModelUnavailableError, describeValue } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import { SerialQueue } from '../../util/serial-queue.js';
import type { ChatMessage, LLMCallOptions, LLMMetadata, LLMStream } from '../types.js';
import { readableToIterable } from '../../streams/readable-to-iterable.js';

export type BuiltinAvailability = 'unavailable' | 'downloadable' | 'downloading' | 'available';

/** The part of Chrome's Prompt API (`LanguageModel`) pagerag uses. */
export interface PromptApi {
  availability(options?: object): Promise<BuiltinAvailability>;
  create(options?: {
    signal?: AbortSignal;
    initialPrompts?: { role: 'system' | 'user' | 'assistant'; content: string }[];
    monitor?: (monitor: EventTarget) => void;
    temperature?: number;
    topK?: number;
  }): Promise<PromptSession>;
}

export interface PromptSession {
  promptStreaming(input: string, options?: { signal?: AbortSignal }): ReadableStream<string> | AsyncIterable<string>;
  destroy(): void;
  readonly inputQuota?: number;
}

export interface ChromeBuiltinLLMOptions {
  /** @default globalThis.LanguageModel */
  api?: PromptApi;
  temperature?: number;
  topK?: number;
  /** Model download progress (bytes as a fraction, 0..1). */
  onProgress?: ProgressCallback;
  /** @default 4096 */
  contextWindow?: number;
}

/** Chrome's built-in on-device model through the Prompt API, or undefined where the API is missing. */
export function promptApi(): PromptApi | undefined {
  return (globalThis as { LanguageModel?: PromptApi }).LanguageModel;
}

/**
 * Chrome's built-in model (Gemini Nano) through the Prompt API: no download by the page, no server.
 * Each call uses a fresh session, with the system message as its initial prompt.
 *
 * @example
 * if ((await ChromeBuiltinLLM.availability()) !== 'unavailable') llm = new ChromeBuiltinLLM();
 */
export class ChromeBuiltinLLM extends BaseLLM {
  readonly metadata: LLMMetadata;
  private readonly options: ChromeBuiltinLLMOptions;
  private readonly queue = new SerialQueue();

  constructor(options: ChromeBuiltinLLMOptions = {}) {
    super();
    this.options = options;
    this.metadata = { model: 'chrome-builtin', contextWindow: options.contextWindow ?? 4096, numOutput: 1024, supportsStreaming: true };
  }

  /** `available`, `downloadable`, `downloading` or `unavailable` (also where the API does not exist). */
  static async availability(api: PromptApi | undefined = promptApi()): Promise<BuiltinAvailability> {
    if (!api) return 'unavailable';
    try {
      return await api.availability();
    } catch {
      return 'unavailable';
    }
  }

  streamChat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): LLMStream {
    checkMessages(messages);
    const self = this;
    async function* run(): AsyncGenerator<string> {
      const session = await self.queue.run(() => self.session(messages.slice(0, -1), options.signal), options.signal);
      try {
        const last = messages.at(-1)!;
        const stream = session.promptStreaming(last.content, options.signal ? { signal: options.signal } : {});
        for await (const delta of readableToIterable(stream)) if (delta) yield delta;
      } finally {
        session.destroy();
      }
    }
    return run();
  }

  private async session(history: readonly ChatMessage[], signal: AbortSignal | undefined): Promise<PromptSession> {
    const api = this.options.api ?? promptApi();
    if (!api) {
      throw new ModelUnavailableError("Chrome's built-in model is not available: this browser has no Prompt API (LanguageModel). Use WebLLM or TransformersLLM, or createLocalLLM().");
    }
    const availability = await ChromeBuiltinLLM.availability(api);
    if (availability === 'unavailable') {
      throw new ModelUnavailableError("Chrome's built-in model is unavailable on this device (LanguageModel.availability() is \"unavailable\"). Use WebLLM or TransformersLLM.");
    }
    const onProgress = this.options.onProgress;
    return api.create({
      ...(signal && { signal }),
      ...(this.options.temperature !== undefined && { temperature: this.options.temperature }),
      ...(this.options.topK !== undefined && { topK: this.options.topK }),
      ...(history.length > 0 && { initialPrompts: history.map((m) => ({ role: m.role, content: m.content })) }),
      ...(onProgress && {
        monitor: (monitor: EventTarget) =>
          monitor.addEventListener('downloadprogress', (event) => onProgress({ phase: 'load-model', done: (event as ProgressEvent).loaded, total: 1, text: 'Chrome built-in model' })),
      }),
    });
  }
}
