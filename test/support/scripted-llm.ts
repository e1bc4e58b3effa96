import { TextNode } from '../../src/schema/node.js';
import { pushIterator } from '../../src/streams/push-iterator.js';
import type { ChatMessage, CompletionResponse, LLM, LLMCallOptions, LLMMetadata, LLMStream } from '../../src/llms/types.js';
import { SerialQueue } from '../../src/util/serial-queue.js';

export interface ScriptedCall {
  prompt: string;
  streamed: boolean;
  startedAt: number;
  endedAt?: number;
  /** Deltas the "model" produced (pushed), whether or not anyone read them. */
  produced: number;
  stopped: boolean;
}

export interface ScriptedLLMOptions {
  /** Answer for a prompt; default: "answer <n>" split into words. */
  respond?: (prompt: string, callIndex: number) => string[];
  /** Milliseconds between deltas. @default 5 */
  delayMs?: number;
  supportsStreaming?: boolean;
  contextWindow?: number;
  numOutput?: number;
  /** Throw this error after producing `failAfter` deltas. */
  failAfter?: number;
}

/**
 * A deterministic, slow LLM for synthesizer and engine tests: it records every call, produces deltas
 * on a timer through the same push-to-pull bridge as the real adapters, and honours stop and abort.
 */
export class ScriptedLLM implements LLM {
  readonly calls: ScriptedCall[] = [];
  readonly metadata: LLMMetadata;
  private readonly options: ScriptedLLMOptions;
  private readonly queue = new SerialQueue();
  /** Pending timers: none should be left after a stop. */
  activeTimers = 0;

  constructor(options: ScriptedLLMOptions = {}) {
    this.options = options;
    this.metadata = {
      model: 'scripted',
      contextWindow: options.contextWindow ?? 4096,
      numOutput: options.numOutput ?? 64,
      supportsStreaming: options.supportsStreaming ?? true,
    };
  }

  countTokens(text: string): number {
    return text.split(/\s+/).filter(Boolean).length;
  }

  async complete(prompt: string, options: LLMCallOptions = {}): Promise<CompletionResponse> {
    let text = '';
    for await (const delta of this.run(prompt, false, options)) text += delta;
    return { text };
  }

  streamComplete(prompt: string, options: LLMCallOptions = {}): LLMStream {
    return this.run(prompt, true, options);
  }

  chat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): Promise<CompletionResponse> {
    return this.complete(render(messages), options);
  }

  streamChat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): LLMStream {
    return this.streamComplete(render(messages), options);
  }

  private run(prompt: string, streamed: boolean, options: LLMCallOptions): LLMStream {
    let call: ScriptedCall | undefined;
    let wake: (() => void) | undefined;
    let stopped = false;
    const iterator = pushIterator<string>({
      signal: options.signal,
      stop: () => {
        stopped = true;
        if (call) call.stopped = true;
        wake?.();
      },
      start: (sink) =>
        this.queue.run(async () => {
          if (stopped) return;
          const index = this.calls.length;
          call = { prompt, streamed, startedAt: performance.now(), produced: 0, stopped: false };
          this.calls.push(call);
          const words = this.options.respond?.(prompt, index) ?? `answer ${index + 1} from the scripted model`.split(' ');
          for (const [i, word] of words.entries()) {
            await new Promise<void>((resolve) => {
              this.activeTimers++;
              const timer = setTimeout(() => {
                this.activeTimers--;
                wake = undefined;
                resolve();
              }, this.options.delayMs ?? 5);
              wake = () => {
                clearTimeout(timer);
                this.activeTimers--;
                wake = undefined;
                resolve();
              };
            });
            if (stopped) break;
            if (this.options.failAfter !== undefined && i >= this.options.failAfter) throw new Error('scripted model failure');
            call.produced++;
            sink.push(i === 0 ? word : ` ${word}`);
          }
          call.endedAt = performance.now();
        }, options.signal),
    });
    return iterator;
  }
}

function render(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n');
}

/** A retrieved node without metadata, so prompts hold exactly `text`. */
export const nodeWithScore = (text: string, id: string = crypto.randomUUID(), score = 0.5) => ({
  node: new TextNode({ id, text, refDocId: id, startCharIdx: 0, endCharIdx: text.length }),
  score,
});
