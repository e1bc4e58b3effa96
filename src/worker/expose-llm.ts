import type { LLM } from '../llms/types.js';
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
    let deltas: ReturnType<LLM['streamChat']> | undefined;
    const end = () => reply({ type: 'end', id, ...(deltas?.usage && { usage: { ...deltas.usage } }) });
    try {
      deltas = llm.streamChat(request.messages, { signal: controller.signal });
      for await (const delta of deltas) {
        if (stoppedByPage()) break;
        reply({ type: 'delta', id, delta });
      }
      end();
    } catch (error) {
      // The page's break is not an error: it gets the figures of what was generated.
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
        reply({ type: 'token-counts', id: request.id, counts: request.texts.map((t) => (llm.countTokens ? llm.countTokens(t) : Math.ceil(t.length / 4))) });
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
