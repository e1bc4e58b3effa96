import type { ChatCompletionChunk, ChatCompletionMessageParam } from '@mlc-ai/web-llm';
import type { WebLLMEngine } from '../../src/llms/webllm/web-llm.js';

/**
 * The subset of web-llm's MLCEngine that WebLLM calls, as unkind as the web-llm it imitates.
 *
 * web-llm 0.2.86 (the pinned version; `node_modules/@mlc-ai/web-llm/lib/index.js`):
 * - `chat.completions.create({ stream: true })` returns the generator at once (`chatCompletion`,
 *   ~18636: `return this.asyncGenerate(...)`); nothing runs until its first `next()`.
 * - The generator takes the per-model `CustomLock` (~11509: a queue, so a second stream waits,
 *   it does not fail) on its first `next()`, and only then resets the engine-wide interrupt flag
 *   (`asyncGenerate`, ~18558–18578): an `interruptGenerate()` before that is lost.
 * - `interruptGenerate()` only sets the flag (~18605); the decode loop sees it before the next token
 *   (`streamCurrentGeneration`, ~18536), then a final chunk and the usage chunk (`extra` figures)
 *   still come.
 * - The lock is released in the generator's `finally` (~18599): when it runs to its end or is
 *   `return()`ed; a stream that is dropped half-read holds it for ever.
 *
 * web-llm 0.2.79 (`lock: 'create'`; the version the v0_2_48 model libraries link with, installed by
 * `npm run check:webllm`; lines of its `lib/index.js`):
 * - `chatCompletion` takes the lock itself, before it returns the generator (~11134:
 *   `yield lock.acquire()`), so `create()` waits while another stream runs.
 * - The generator resets the interrupt flag when it starts (`asyncGenerate`, ~10891), as 0.2.86 does.
 * - The lock is released only at the generator's natural end or on an error inside it (~10928,
 *   ~11064: `yield __await(lock.release())`, no `finally`): `return()` before the first `next()`,
 *   or halfway through, leaves it held, and every later call waits for ever.
 */
export class ScriptedMLCEngine implements WebLLMEngine {
  readonly requests: { messages: { role: string; content: string }[]; maxTokens?: number }[] = [];
  interrupts = 0;
  /** Chunks produced by the engine (read or not). */
  produced = 0;
  /** Streams started (running or waiting for the lock) at once, at most: web-llm's interrupt is engine-wide, so a caller must not overlap them. */
  maxOpenStreams = 0;
  /** Called inside `create()`, for tests that act at that moment; `create()` waits for what it returns (a worker's round trip). */
  onCreate: (() => void | Promise<void>) | undefined;
  /** `create()` calls that have returned their stream. */
  created = 0;
  /** Called when a stream's generation starts (lock taken, interrupt flag reset), before its prefill: for tests that act during the prefill. */
  onGenerate: (() => void) | undefined;
  private openStreams = 0;
  private interruptSignal = false;
  private lockHeld = false;
  private readonly lockQueue: (() => void)[] = [];

  private readonly delayMs: number;
  private readonly prefillMs: number;
  private readonly lock: 'generator' | 'create';

  constructor(
    private readonly words: string[] = 'the model answers from its context'.split(' '),
    options: {
      /** Time per generated word. @default 5 */
      delayMs?: number;
      /** Time before the first word (prefill, which web-llm cannot interrupt). @default delayMs */
      prefillMs?: number;
      /** Where the per-model lock is taken: in the generator (0.2.86) or in `create()` (0.2.79). @default "generator" */
      lock?: 'generator' | 'create';
    } = {},
  ) {
    this.delayMs = options.delayMs ?? 5;
    this.prefillMs = options.prefillMs ?? this.delayMs;
    this.lock = options.lock ?? 'generator';
  }

  get locked(): boolean {
    return this.lockHeld;
  }

  chat = {
    completions: {
      create: async (request: { messages: ChatCompletionMessageParam[]; max_tokens?: number }): Promise<AsyncIterable<ChatCompletionChunk>> => {
        this.requests.push({ messages: request.messages as { role: string; content: string }[], ...(request.max_tokens !== undefined && { maxTokens: request.max_tokens }) });
        if (this.lock === 'create') await this.acquire();
        await this.onCreate?.();
        this.created++;
        return this.lock === 'create' ? this.generateHoldingLock() : this.generate();
      },
    },
  };

  async interruptGenerate(): Promise<void> {
    this.interrupts++;
    this.interruptSignal = true;
  }

  private async acquire(): Promise<void> {
    if (!this.lockHeld) {
      this.lockHeld = true;
      return;
    }
    await new Promise<void>((resolve) => this.lockQueue.push(resolve));
  }

  private release(): void {
    const next = this.lockQueue.shift();
    if (next) next();
    else this.lockHeld = false;
  }

  private async *generate(): AsyncGenerator<ChatCompletionChunk> {
    let acquired = false;
    this.openStreams++;
    this.maxOpenStreams = Math.max(this.maxOpenStreams, this.openStreams);
    try {
      await this.acquire();
      acquired = true;
      yield* this.chunks();
    } finally {
      this.openStreams--;
      if (acquired) this.release();
    }
  }

  /** 0.2.79: the lock was taken by `create()`; released only when the chunks run out, never in a `finally`. */
  private async *generateHoldingLock(): AsyncGenerator<ChatCompletionChunk> {
    this.openStreams++;
    this.maxOpenStreams = Math.max(this.maxOpenStreams, this.openStreams);
    yield* this.chunks();
    this.openStreams--;
    this.release();
  }

  private async *chunks(): AsyncGenerator<ChatCompletionChunk> {
    const chunk = (content: string | undefined, finish: string | null, usage?: unknown) =>
      ({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'scripted', choices: content === undefined && !finish ? [] : [{ index: 0, delta: { content, role: 'assistant' }, finish_reason: finish, logprobs: null }], ...(usage ? { usage } : {}) }) as unknown as ChatCompletionChunk;
    this.interruptSignal = false;
    this.onGenerate?.();
    let count = 0;
    for (const [i, word] of this.words.entries()) {
      // The first word is prefill's: it comes whatever the flag (web-llm checks it only before each
      // decode step: 0.2.79 ~10959–10975, 0.2.86 `streamCurrentGeneration`).
      if (i > 0 && this.interruptSignal) break;
      await new Promise((r) => setTimeout(r, i === 0 ? this.prefillMs : this.delayMs));
      this.produced++;
      count++;
      yield chunk(i === 0 ? word : ` ${word}`, null);
    }
    yield chunk('', this.interruptSignal ? 'abort' : 'stop');
    yield chunk(undefined, null, {
      prompt_tokens: 42,
      completion_tokens: count,
      total_tokens: 42 + count,
      extra: { prefill_tokens_per_s: 500, decode_tokens_per_s: 25, time_to_first_token_s: 0.2, e2e_latency_s: 1, time_per_output_token_s: 0.04 },
    });
  }
}
