import { countLLMTokens, type LLM, type LLMUsage } from '../llms/types.js';
import { serializeError } from './errors-across.js';
import type { MessagePortLike, WorkerReply, WorkerRequest } from './protocol.js';

/**
 * Serves an LLM from inside a worker: call it in the worker module, and use
 * {@link createWorkerEngine} on the page. Returns a function that stops serving.
 *
 * @example
 * // llm-worker.ts
 * import { TransformersLLM, exposeLLM } from 'pagerag';
 * exposeLLM(new TransformersLLM({ device: 'wasm' }));
 */
export function exposeLLM(llm: LLM, port: MessagePortLike = globalThis as unknown as MessagePortLike): () => void {
  const running = new Map<number, AbortController>();
  const reply = (message: WorkerReply) => port.postMessage(message);

  const stream = async (id: number, request: Extract<WorkerRequest, { type: 'stream' }>) => {
    const controller = new AbortController();
    running.set(id, controller);
    const stoppedByPage = () => controller.signal.aborted && controller.signal.reason === 'stop';
    let usage: LLMUsage | void = undefined;
    const end = () => reply({ type: 'end', id, ...(usage && { usage: { ...usage } }) });
    try {
      const deltas = llm.streamChat(request.messages, { signal: controller.signal })[Symbol.asyncIterator]();
      for (;;) {
        const next = await deltas.next();
        if (next.done) {
          usage = next.value;
          break;
        }
        if (stoppedByPage()) {
          usage = (await deltas.return?.())?.value as LLMUsage | void;
          break;
        }
        reply({ type: 'delta', id, delta: next.value });
      }
      end();
    } catch (error) {
      // The page's break is not an error.
      if (stoppedByPage()) end();
      else reply({ type: 'error', id, error: serializeError(error) });
    } finally {
      running.delete(id);
    }
  };

  const onMessage = (event: MessageEvent) => {
    const request = event.data as WorkerRequest;
    switch (request?.type) {
      case 'metadata':
        reply({ type: 'metadata', id: request.id, metadata: { ...llm.metadata } });
        break;
      case 'count-tokens':
        reply({ type: 'token-counts', id: request.id, counts: request.texts.map((t) => countLLMTokens(llm, t)) });
        break;
      case 'stream':
        void stream(request.id, request);
        break;
      case 'cancel': {
        // "stop" (the page's break) ends quietly; "abort" rejects on the page with an AbortError.
        const controller = running.get(request.id);
        if (request.reason === 'abort') controller?.abort();
        else controller?.abort('stop');
        break;
      }
    }
  };
  port.addEventListener('message', onMessage);
  return () => {
    port.removeEventListener('message', onMessage);
    for (const controller of running.values()) controller.abort();
  };
}
