import { countLLMTokens, type LLM } from '../llms/types.js';
import type { MessagePortLike } from './protocol.js';
import { sendStream, serve } from './serve.js';

/**
 * Serves an LLM from inside a worker: call it in the worker module, and use
 * {@link WorkerLLM.connect} on the page. Returns a function that stops serving.
 *
 * @example
 * // llm-worker.ts
 * import { TransformersLLM, exposeLLM } from 'pagerag';
 * exposeLLM(new TransformersLLM({ device: 'wasm' }));
 */
export function exposeLLM(llm: LLM, port: MessagePortLike = globalThis as unknown as MessagePortLike): () => void {
  return serve(port, {
    metadata: (_, call) => call.reply({ type: 'metadata', metadata: { ...llm.metadata } }),
    'count-tokens': (request, call) => call.reply({ type: 'token-counts', counts: request.texts.map((t) => countLLMTokens(llm, t)) }),
    stream: (request, call) => sendStream(call, llm.streamChat(request.messages, { signal: call.signal })),
  });
}
