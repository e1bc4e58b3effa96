import { BaseLLM } from './base-llm.js';
import type { ChatMessage, LLMCallOptions, LLMMetadata, LLMStream, LLMUsage } from './types.js';

export interface MockLLMOptions {
  /**
   * The answer: a fixed text, or one made from the messages.
   * @default the last message's content, echoed
   */
  response?: string | ((messages: readonly ChatMessage[]) => string);
  /** Milliseconds before each word, to stand in for generation time. @default 0 */
  tokenDelayMs?: number;
  /** @default 4096 */
  contextWindow?: number;
  /** @default 256 */
  numOutput?: number;
}

/**
 * LlamaIndex's `MockLLM`: an LLM with no model that streams a fixed or echoed answer word by word,
 * for demos without a model, benchmarks of everything around the LLM, and app tests. Honours
 * `signal` between words like a real adapter.
 *
 * @example
 * const engine = index.asQueryEngine({ llm: new MockLLM({ response: 'A canned answer.' }), streaming: true });
 */
export class MockLLM extends BaseLLM {
  readonly metadata: LLMMetadata;
  private readonly options: MockLLMOptions;

  constructor(options: MockLLMOptions = {}) {
    super();
    this.options = options;
    this.metadata = { model: 'mock', contextWindow: options.contextWindow ?? 4096, numOutput: options.numOutput ?? 256, supportsStreaming: true };
  }

  streamChat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): LLMStream {
    const { response, tokenDelayMs = 0 } = this.options;
    const text = typeof response === 'function' ? response(messages) : (response ?? messages.at(-1)?.content ?? '');
    return words(text, tokenDelayMs, options.signal);
  }
}

async function* words(text: string, delayMs: number, signal: AbortSignal | undefined): AsyncGenerator<string, LLMUsage> {
  const parts = text.split(/(?<=\s)(?=\S)/);
  for (const part of parts) {
    signal?.throwIfAborted();
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    signal?.throwIfAborted();
    yield part;
  }
  // Words stand in for tokens.
  return { completionTokens: parts.length };
}
