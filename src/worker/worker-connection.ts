import { WorkerError } from '../errors.js';
import type { LLMUsage } from '../llms/types.js';
import { pushIterator } from '../streams/push-iterator.js';
import { deserializeError } from './errors-across.js';
import type { MessagePortLike, NewRequest, WorkerReply } from './protocol.js';

interface PendingCall {
  onReply(reply: WorkerReply): void;
  /** Ends the call on the page without waiting for the worker (which may be dead). */
  fail(error: unknown): void;
}

/**
 * The page's end of one worker: numbers requests, routes replies, and ends every call in flight
 * with a {@link WorkerError} when the worker fails or is terminated, so nothing waits on a dead
 * worker. `WorkerLLM` and `WorkerRAGEngine` are built on it.
 */
export class WorkerConnection {
  private readonly calls = new Map<number, PendingCall>();
  private nextId = 1;
  /** Why no call can be served any more. */
  private ended: WorkerError | undefined;
  private readonly onMessage = (event: MessageEvent) => {
    const reply = event.data as WorkerReply;
    this.calls.get(reply?.id)?.onReply(reply);
  };
  private readonly onWorkerError = (event: Event) => {
    const message = (event as ErrorEvent).message;
    const what = event.type === 'messageerror' ? 'sent a message that could not be deserialized' : `failed${message ? `: ${message}` : ''}`;
    this.failAll(new WorkerError(`The ${this.label} worker ${what}. Check the worker's console; create a new worker to continue.`));
  };

  constructor(
    readonly port: MessagePortLike,
    /** Names the worker in errors, e.g. `LLM (model "x")`. */
    public label: string,
  ) {
    port.addEventListener('message', this.onMessage);
    port.addEventListener('error', this.onWorkerError);
    port.addEventListener('messageerror', this.onWorkerError);
  }

  /**
   * One request, one result: resolves with the reply of type `expect`; other replies (progress)
   * go to `onOther`. Aborting `signal` cancels the request in the worker and rejects at once.
   */
  request<T extends WorkerReply['type']>(
    message: NewRequest,
    expect: T,
    options: { signal?: AbortSignal | undefined; onOther?: (reply: WorkerReply) => void } = {},
  ): Promise<Extract<WorkerReply, { type: T }>> {
    const { signal, onOther } = options;
    return new Promise((resolve, reject) => {
      if (this.ended) return reject(this.ended);
      if (signal?.aborted) return reject(signal.reason);
      const id = this.nextId++;
      const onAbort = () => {
        this.cancel(id, 'abort');
        reject(signal!.reason);
      };
      const settle = () => {
        this.calls.delete(id);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.calls.set(id, {
        onReply: (reply) => {
          if (reply.type === expect) {
            settle();
            resolve(reply as Extract<WorkerReply, { type: T }>);
          } else if (reply.type === 'error') {
            settle();
            reject(deserializeError(reply.error));
          } else {
            onOther?.(reply);
          }
        },
        fail: (error) => {
          settle();
          reject(error);
        },
      });
      this.port.postMessage({ ...message, id });
    });
  }

  /**
   * A streamed call: `delta` replies become the iterator's values, `end` its return value (usage);
   * other replies go to `onOther`. A `break` or an abort ends it on the page at once and tells the
   * worker to stop.
   */
  stream(message: NewRequest, options: { signal?: AbortSignal | undefined; onOther?: (reply: WorkerReply) => void } = {}): AsyncIterableIterator<string, LLMUsage | undefined> {
    const { signal, onOther } = options;
    const id = this.nextId++;
    let settle: { resolve(usage: LLMUsage | undefined): void; reject(error: unknown): void } | undefined;
    return pushIterator<string, LLMUsage | undefined>({
      signal,
      merge: (a, b) => a + b,
      stop: () => {
        const aborted = signal?.aborted ?? false;
        this.cancel(id, aborted ? 'abort' : 'stop');
        if (aborted) settle?.reject(signal!.reason);
        else settle?.resolve(undefined);
      },
      start: (sink) =>
        new Promise<LLMUsage | undefined>((resolve, reject) => {
          if (this.ended) return reject(this.ended);
          settle = { resolve, reject };
          this.calls.set(id, {
            onReply: (reply) => {
              if (reply.type === 'delta') return void sink.push(reply.delta);
              if (reply.type === 'end' || reply.type === 'error') {
                this.calls.delete(id);
                if (reply.type === 'end') resolve(reply.usage);
                else reject(deserializeError(reply.error));
                return;
              }
              onOther?.(reply);
            },
            fail: reject,
          });
          this.port.postMessage({ ...message, id });
        }),
    });
  }

  /** Stops listening to the worker (the worker itself is the caller's to terminate). */
  dispose(): void {
    this.port.removeEventListener('message', this.onMessage);
    this.port.removeEventListener('error', this.onWorkerError);
    this.port.removeEventListener('messageerror', this.onWorkerError);
  }

  /** Terminates the worker: calls in flight, and later ones, reject with a {@link WorkerError}. */
  terminate(): void {
    this.port.terminate?.();
    this.failAll(new WorkerError(`The ${this.label} worker was terminated; calls in flight were ended.`));
    this.dispose();
  }

  private cancel(id: number, reason: 'stop' | 'abort'): void {
    this.calls.delete(id);
    this.port.postMessage({ type: 'cancel', id, reason });
  }

  private failAll(error: WorkerError): void {
    this.ended ??= error;
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) call.fail(error);
  }
}

/**
 * Sends the first request to a worker and waits for its answer, or for the worker's failure to load.
 */
export async function handshake<T extends WorkerReply['type']>(
  port: MessagePortLike,
  label: string,
  message: NewRequest,
  expect: T,
  onOther?: (reply: WorkerReply) => void,
): Promise<{ connection: WorkerConnection; reply: Extract<WorkerReply, { type: T }> }> {
  const connection = new WorkerConnection(port, label);
  try {
    return { connection, reply: await connection.request(message, expect, { onOther }) };
  } catch (error) {
    connection.dispose();
    throw error;
  }
}
