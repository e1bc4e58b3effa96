import { BaseLLM, checkMessages } from '../llms/base-llm.js';
import { pushIterator } from '../streams/push-iterator.js';
import type { ChatMessage, LLMCallOptions, LLMMetadata, LLMStream, LLMUsage } from '../llms/types.js';
import { WorkerError } from '../errors.js';
import { deserializeError } from './errors-across.js';
import type { MessagePortLike, WorkerReply, WorkerRequest } from './protocol.js';

interface PendingCall {
  onReply(reply: WorkerReply): void;
  /** Ends the call on the page without waiting for the worker (which may be dead). */
  fail(error: unknown): void;
}

/**
 * The page side of an LLM that runs in a Web Worker ({@link exposeLLM} on the other side): the same
 * {@link LLM} interface, but the model never blocks the page; only text deltas cross over.
 * `countTokens` is an estimate on the page (pagerag's usual four characters a token); use
 * `countTokensExact` for the model's own count. A call ends on the page as soon as it is stopped
 * or aborted, and every call in flight rejects with a {@link WorkerError} when the worker fails
 * or is terminated through {@link WorkerLLM.terminate}: nothing waits on a dead worker.
 */
export class WorkerLLM extends BaseLLM {
  readonly metadata: LLMMetadata;
  private readonly port: MessagePortLike;
  private readonly calls = new Map<number, PendingCall>();
  private nextId = 1;
  /** Why no call can be served any more (the worker failed or was terminated). */
  private ended: WorkerError | undefined;
  private readonly onMessage = (event: MessageEvent) => {
    const reply = event.data as WorkerReply;
    this.calls.get(reply?.id)?.onReply(reply);
  };
  private readonly onWorkerError = (event: Event) => {
    const detail = (event as ErrorEvent).message ? `: ${(event as ErrorEvent).message}` : '';
    const what = event.type === 'messageerror' ? 'sent a message that could not be deserialized' : `failed${detail}`;
    this.failAll(new WorkerError(`The LLM worker (model "${this.metadata.model}") ${what}. Check the worker's console; create a new worker to continue.`));
  };

  constructor(port: MessagePortLike, metadata: LLMMetadata) {
    super();
    this.port = port;
    this.metadata = metadata;
    port.addEventListener('message', this.onMessage);
    port.addEventListener('error', this.onWorkerError);
    port.addEventListener('messageerror', this.onWorkerError);
  }

  countTokens(text: string): number {
    return Math.ceil(text.length / 4);
  }

  /** Token counts by the model's tokenizer, in the worker. */
  countTokensExact(texts: string[]): Promise<number[]> {
    return this.request({ type: 'count-tokens', id: 0, texts }, 'token-counts').then((r) => r.counts);
  }

  streamChat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): LLMStream {
    checkMessages(messages);
    const id = this.nextId++;
    let settle: { resolve(usage: LLMUsage | undefined): void; reject(error: unknown): void } | undefined;
    return pushIterator<string, LLMUsage | undefined>({
      signal: options.signal,
      merge: (a, b) => a + b,
      stop: () => {
        const aborted = options.signal?.aborted ?? false;
        this.port.postMessage({ type: 'cancel', id, reason: aborted ? 'abort' : 'stop' } satisfies WorkerRequest);
        this.calls.delete(id);
        if (aborted) settle?.reject(options.signal!.reason);
        else settle?.resolve(undefined);
      },
      start: (sink) =>
        new Promise<LLMUsage | undefined>((resolve, reject) => {
          if (this.ended) return reject(this.ended);
          settle = { resolve, reject };
          this.calls.set(id, {
            onReply: (reply) => {
              if (reply.type === 'delta') {
                sink.push(reply.delta);
                return;
              }
              this.calls.delete(id);
              if (reply.type === 'end') resolve(reply.usage);
              else if (reply.type === 'error') reject(deserializeError(reply.error));
            },
            fail: reject,
          });
          this.port.postMessage({ type: 'stream', id, messages: messages.map((m) => ({ role: m.role, content: m.content })) } satisfies WorkerRequest);
        }),
    });
  }

  /** Stops listening to the worker (the worker itself is the caller's to terminate). */
  dispose(): void {
    this.port.removeEventListener('message', this.onMessage);
    this.port.removeEventListener('error', this.onWorkerError);
    this.port.removeEventListener('messageerror', this.onWorkerError);
  }

  /** Terminates the worker: calls in flight reject with a {@link WorkerError}. */
  terminate(): void {
    this.port.terminate?.();
    this.failAll(new WorkerError(`The LLM worker (model "${this.metadata.model}") was terminated while a call was in flight.`));
    this.dispose();
  }

  private failAll(error: WorkerError): void {
    this.ended ??= error;
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) call.fail(error);
  }

  private request<T extends WorkerReply['type']>(message: WorkerRequest, expect: T): Promise<Extract<WorkerReply, { type: T }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.ended) return reject(this.ended);
      this.calls.set(id, {
        onReply: (reply) => {
          this.calls.delete(id);
          if (reply.type === expect) resolve(reply as Extract<WorkerReply, { type: T }>);
          else if (reply.type === 'error') reject(deserializeError(reply.error));
        },
        fail: reject,
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
      done();
      if (reply.type === 'metadata') resolve(reply.metadata);
      else if (reply.type === 'error') reject(deserializeError(reply.error));
    };
    const onError = (event: Event) => {
      done();
      reject(new WorkerError(`The LLM worker failed before it answered${(event as ErrorEvent).message ? `: ${(event as ErrorEvent).message}` : ''}. Check the worker's URL and its console.`));
    };
    const done = () => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.postMessage({ type: 'metadata', id } satisfies WorkerRequest);
  });
  return new WorkerLLM(worker, metadata);
}
