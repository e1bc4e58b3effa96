import type { ProgressCallback } from '../progress.js';

export type MessageRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: MessageRole;
  content: string;
}

export interface LLMMetadata {
  /** Model id. */
  model: string;
  /** Tokens the model can attend to: prompt and answer together. */
  contextWindow: number;
  /** Tokens reserved for the answer. */
  numOutput: number;
  /** Whether `streamComplete`/`streamChat` yield text as it is generated. */
  supportsStreaming: boolean;
}

export interface LLMCallOptions {
  signal?: AbortSignal;
}

/** Figures a model reports about one call, when it reports them. */
export interface LLMUsage {
  promptTokens?: number;
  completionTokens?: number;
  /** Milliseconds from the call to its first generated text, measured by pagerag around the model: model load and queue waits excluded, request setup and prompt processing included. */
  timeToFirstTokenMs?: number;
  /** Milliseconds the model spent on the prompt (prefill), as the model measured it: web-llm's `time_to_first_token_s`, which starts only once generation has its turn. */
  prefillMs?: number;
  prefillTokensPerSecond?: number;
  decodeTokensPerSecond?: number;
}

export interface CompletionResponse {
  text: string;
  usage?: LLMUsage;
}

/**
 * Text deltas in order. The model's own figures travel in the stream: they are the iterator's
 * return value (`{ done: true, value: usage }`), which `for await` ignores and
 * {@link collectStream} or `StreamingResponse.usage` read. Any `async function*` that yields
 * strings (and returns usage, or nothing) is an `LLMStream`.
 */
export type LLMStream = AsyncIterable<string, LLMUsage | void, undefined>;

/**
 * A language model. pagerag ships {@link TransformersLLM}; any object of this shape works with every
 * synthesizer and engine. Streams are `AsyncIterable<string>` of text deltas; breaking out of one,
 * or aborting `signal`, stops generation in the model.
 */
export interface LLM {
  readonly metadata: LLMMetadata;
  /** Loads the model ahead of the first call (each call loads it otherwise), with download progress. */
  load?(options?: { onProgress?: ProgressCallback }): Promise<void>;
  /** Frees the model; a later call loads it again. */
  dispose?(): Promise<void> | void;
  /** Tokens of `text` with this model's tokenizer, for prompt packing. Falls back to an estimate when absent. */
  countTokens?(text: string): number;
  complete(prompt: string, options?: LLMCallOptions): Promise<CompletionResponse>;
  streamComplete(prompt: string, options?: LLMCallOptions): LLMStream;
  chat(messages: readonly ChatMessage[], options?: LLMCallOptions): Promise<CompletionResponse>;
  streamChat(messages: readonly ChatMessage[], options?: LLMCallOptions): LLMStream;
}

/** Tokens by the LLM's tokenizer, or about four characters a token when it has none. */
export function countLLMTokens(llm: LLM, text: string): number {
  return llm.countTokens ? llm.countTokens(text) : Math.ceil(text.length / 4);
}
