import { BaseLLM, checkMessages } from '../llms/base-llm.js';
import { pushIterator } from '../llms/push-iterator.js';
import type { ChatMessage, LLMCallOptions, LLMMetadata, LLMStream, LLMUsage } from '../llms/types.js';
import { InvalidArgumentError, describeValue } from '../errors.js';
import { deserializeError } from './errors-across.js';
import type { MessagePortLike, WorkerReply, WorkerRequest } from './protocol.js';

type Handler = (reply: WorkerReply) => void;

/**
 * The page side of an LLM that runs in a Web Worker ({@link exposeLLM} on the other side): the same
 * {@link LLM} interface, but the model never blocks the page; only text deltas cross over.
 * `countTokens` is an estimate on the page (about 3 characters a token, on the safe side); use
 * `countTokensExact` for the model's own count.
 */
export class WorkerLLM extends BaseLLM {
  readonly metadata: LLMMetadata;
  private readonly port: MessagePortLike;
  private readonly handlers = new Map<number, Handler>();
  private nextId = 1;
  private readonly listener = (event: MessageEvent) => {
    const reply = event.data as WorkerReply;
    this.handlers.get(reply?.id)?.(reply);
  };

  constructor(port: MessagePortLike, metadata: LLMMetadata) {
    super();
    this.port = port;
    this.metadata = metadata;
    port.addEventListener('message', this.listener);
  }

  /** Calls in flight: each holds one reply handler, removed when the call ends. */
  get pendingCalls(): number {
    return this.handlers.size;
  }

  countTokens(text: string): number {
    return Math.ceil(text.length / 3);
  }

  /** Token counts by the model's tokenizer, in the worker. */
  countTokensExact(texts: string[]): Promise<number[]> {
    return this.request({ type: 'count-tokens', id: 0, texts }, 'token-counts').then((r) => r.counts);
  }

  streamChat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): LLMStream {
    checkMessages(messages);
    const usage: LLMUsage = {};
    const id = this.nextId++;
    const deltas = pushIterator<string>({
      signal: options.signal,
      merge: (a, b) => a + b,
      stop: () => {
        this.port.postMessage({ type: 'cancel', id, reason: options.signal?.aborted ? 'abort' : 'stop' } satisfies WorkerRequest);
      },
      start: (sink) =>
        new Promise<void>((resolve, reject) => {
          this.handlers.set(id, (reply) => {
            if (reply.type === 'delta') {
              sink.push(reply.delta);
              return;
            }
            this.handlers.delete(id);
            if (reply.type === 'end') {
              Object.assign(usage, reply.usage);
              resolve();
            } else if (reply.type === 'error') {
              reject(deserializeError(reply.error));
            }
          });
          this.port.postMessage({ type: 'stream', id, messages: messages.map((m) => ({ role: m.role, content: m.content })) } satisfies WorkerRequest);
        }),
    });
    return Object.assign(deltas, { usage });
  }

  /** Stops listening to the worker (the worker itself is the caller's to terminate). */
  dispose(): void {
    this.port.removeEventListener('message', this.listener);
  }

  private request<T extends WorkerReply['type']>(message: WorkerRequest, expect: T): Promise<Extract<WorkerReply, { type: T }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.handlers.set(id, (reply) => {
        this.handlers.delete(id);
        if (reply.type === expect) resolve(reply as Extract<WorkerReply, { type: T }>);
        else if (reply.type === 'error') reject(deserializeError(reply.error));
      });
      this.port.postMessage({ ...message, id });
    });
  }
}

/**
 * Connects to an LLM served by {@link exposeLLM} in `worker`.
 *
 * @example
 * const llm = await createWorkerEngine(new Worker(new URL('./llm-worker.ts', import.meta.url), { type: 'module' }));
 * const engine = index.asQueryEngine({ llm, streaming: true });
 */
export async function createWorkerEngine(worker: MessagePortLike): Promise<WorkerLLM> {
  const id = -1;
  const metadata = await new Promise<LLMMetadata>((resolve, reject) => {
    const onMessage = (event: MessageEvent) => {
      const reply = event.data as WorkerReply;
      if (reply?.id !== id) return;
      worker.removeEventListener('message', onMessage);
      if (reply.type === 'metadata') resolve(reply.metadata);
      else if (reply.type === 'error') reject(deserializeError(reply.error));
    };
    worker.addEventListener('message', onMessage);
    worker.postMessage({ type: 'metadata', id } satisfies WorkerRequest);
  });
  return new WorkerLLM(worker, metadata);
}
