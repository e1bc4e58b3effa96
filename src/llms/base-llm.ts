import { InvalidArgumentError, describeValue } from '../errors.js';
import { collectStream } from '../streams/collect-stream.js';
import type { ChatMessage, CompletionResponse, LLM, LLMCallOptions, LLMMetadata, LLMStream } from './types.js';

/** Throws an {@link InvalidArgumentError} unless `messages` is a non-empty list of chat messages. */
export function checkMessages(messages: readonly ChatMessage[]): void {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidArgumentError(`Expected a non-empty array of chat messages, got ${describeValue(messages)}.`);
  }
  messages.forEach((m, i) => {
    if (!m || !['system', 'user', 'assistant'].includes(m.role) || typeof m.content !== 'string') {
      throw new InvalidArgumentError(`Expected messages[${i}] to be { role: "system" | "user" | "assistant", content: string }, got ${describeValue(m)}.`);
    }
  });
}

/**
 * The shared half of every adapter: an adapter implements `streamChat`, and completion and
 * non-streaming calls are built on it (a prompt is one user message; a whole answer is the
 * stream read to its end).
 */
export abstract class BaseLLM implements LLM {
  abstract readonly metadata: LLMMetadata;
  abstract streamChat(messages: readonly ChatMessage[], options?: LLMCallOptions): LLMStream;

  complete(prompt: string, options: LLMCallOptions = {}): Promise<CompletionResponse> {
    return collectStream(this.streamComplete(prompt, options));
  }

  streamComplete(prompt: string, options: LLMCallOptions = {}): LLMStream {
    if (typeof prompt !== 'string') throw new InvalidArgumentError(`Expected the prompt to be a string, got ${describeValue(prompt)}.`);
    return this.streamChat([{ role: 'user', content: prompt }], options);
  }

  chat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): Promise<CompletionResponse> {
    return collectStream(this.streamChat(messages, options));
  }
}
