import type { LLMStream, LLMUsage } from '../llms/types.js';
import { serializeError } from './errors-across.js';
import type { MessagePortLike, NewReply, WorkerRequest } from './protocol.js';

/** One request being served in the worker. */
export interface ServedCall {
  readonly id: number;
  /** Aborted when the page cancels the request (its reason is "stop" for a page's `break`). */
  readonly signal: AbortSignal;
  reply(message: NewReply): void;
}

type Handlers = { [K in WorkerRequest['type']]?: (request: Extract<WorkerRequest, { type: K }>, call: ServedCall) => unknown };

/**
 * The worker's end of the protocol, shared by {@link exposeLLM} and {@link exposeRAGEngine}: runs
 * each request's handler with its own `AbortSignal` (aborted by the page's cancel), and replies
 * with the error, class name kept, when a handler fails. Returns a function that stops serving.
 */
export function serve(port: MessagePortLike, handlers: Handlers): () => void {
  const running = new Map<number, AbortController>();

  const onMessage = (event: MessageEvent) => {
    const request = event.data as WorkerRequest;
    if (request?.type === 'cancel') {
      // "stop" (the page's break) ends quietly; "abort" is an AbortError.
      const controller = running.get(request.id);
      if (request.reason === 'abort') controller?.abort();
      else controller?.abort('stop');
      return;
    }
    const handler = handlers[request?.type] as ((request: WorkerRequest, call: ServedCall) => unknown) | undefined;
    if (!handler) return;
    const controller = new AbortController();
    running.set(request.id, controller);
    const call: ServedCall = { id: request.id, signal: controller.signal, reply: (message) => port.postMessage({ ...message, id: request.id }) };
    void (async () => {
      try {
        await handler(request, call);
      } catch (error) {
        // After a cancel the page has stopped listening; a stop is not an error.
        if (!controller.signal.aborted) call.reply({ type: 'error', error: serializeError(error) });
      } finally {
        running.delete(request.id);
      }
    })();
  };

  port.addEventListener('message', onMessage);
  return () => {
    port.removeEventListener('message', onMessage);
    for (const controller of running.values()) controller.abort();
  };
}

/**
 * Sends a stream's deltas, then `end` with the usage it returned (or `usageOf()`'s, for a stream
 * that keeps its figures elsewhere); a page's stop ends it early.
 */
export async function sendStream(call: ServedCall, stream: LLMStream, usageOf?: () => LLMUsage | undefined): Promise<void> {
  const deltas = stream[Symbol.asyncIterator]();
  let usage: LLMUsage | void = undefined;
  try {
    for (let next = await deltas.next(); ; next = await deltas.next()) {
      if (next.done) {
        usage = next.value;
        break;
      }
      if (call.signal.aborted) {
        usage = (await deltas.return?.())?.value as LLMUsage | void;
        break;
      }
      call.reply({ type: 'delta', delta: next.value });
    }
  } catch (error) {
    if (call.signal.reason !== 'stop') throw error;
  }
  usage ||= usageOf?.();
  call.reply({ type: 'end', ...(usage && { usage: { ...usage } }) });
}
