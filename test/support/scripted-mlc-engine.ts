import type { ChatCompletionChunk } from '@mlc-ai/web-llm';
import type { WebLLMEngine } from '../../src/llms/webllm/web-llm.js';

/**
 * The subset of web-llm's MLCEngine that WebLLM calls, with web-llm's behaviour: streamed chunks,
 * a final usage chunk with `extra` figures, `interruptGenerate()` ending with finish_reason "abort",
 * and a per-model lock that is released only when the chunk generator runs to its end.
 */
export class ScriptedMLCEngine implements WebLLMEngine {
  readonly requests: { messages: unknown[]; maxTokens?: number }[] = [];
  interrupts = 0;
  locked = false;
  /** Chunks produced by the engine (read or not). */
  produced = 0;
  private interrupted = false;

  constructor(
    private readonly words: string[] = 'the model answers from its context'.split(' '),
    private readonly delayMs = 5,
  ) {}

  chat = {
    completions: {
      create: async (request: { messages: unknown[]; max_tokens?: number }): Promise<AsyncIterable<ChatCompletionChunk>> => {
        if (this.locked) throw new Error('Engine is busy: the previous stream was not read to its end (web-llm lock held).');
        this.locked = true;
        this.interrupted = false;
        this.requests.push({ messages: request.messages, ...(request.max_tokens !== undefined && { maxTokens: request.max_tokens }) });
        return this.generate();
      },
    },
  };

  interruptGenerate(): void {
    this.interrupts++;
    this.interrupted = true;
  }

  private async *generate(): AsyncGenerator<ChatCompletionChunk> {
    const chunk = (content: string | undefined, finish: string | null, usage?: unknown) =>
      ({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'scripted', choices: content === undefined && !finish ? [] : [{ index: 0, delta: { content }, finish_reason: finish }], ...(usage ? { usage } : {}) }) as unknown as ChatCompletionChunk;
    let count = 0;
    for (const [i, word] of this.words.entries()) {
      await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.interrupted) break;
      this.produced++;
      count++;
      yield chunk(i === 0 ? word : ` ${word}`, null);
    }
    yield chunk('', this.interrupted ? 'abort' : 'stop');
    yield chunk(undefined, null, {
      prompt_tokens: 42,
      completion_tokens: count,
      total_tokens: 42 + count,
      extra: { prefill_tokens_per_s: 500, decode_tokens_per_s: 25, time_to_first_token_s: 0.2, e2e_latency_s: 1, time_per_output_token_s: 0.04 },
    });
    // Like web-llm: the lock is released only here, after the last chunk was pulled.
    this.locked = false;
  }
}
