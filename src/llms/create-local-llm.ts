import { detectCapabilities } from '../runtime/capabilities.js';
import { TransformersLLM, type TransformersLLMOptions } from './transformers-llm.js';
import type { LLM } from './types.js';
import { WebLLM, type WebLLMOptions } from './webllm/web-llm.js';

export interface CreateLocalLLMOptions {
  /**
   * Which to try first. "webllm" falls back to transformers.js where WebGPU is missing.
   * @default "webllm"
   */
  prefer?: 'webllm' | 'transformers';
  webllm?: WebLLMOptions;
  transformers?: TransformersLLMOptions;
}

/**
 * The best local LLM this browser can run: web-llm on WebGPU, else transformers.js on WASM.
 *
 * @example
 * const llm = await createLocalLLM({ webllm: { model: 'auto' }, transformers: { device: 'wasm' } });
 */
export async function createLocalLLM(options: CreateLocalLLMOptions = {}): Promise<LLM> {
  const { webgpu } = await detectCapabilities();
  if (webgpu && (options.prefer ?? 'webllm') === 'webllm') return new WebLLM(options.webllm);
  return new TransformersLLM(options.transformers);
}
