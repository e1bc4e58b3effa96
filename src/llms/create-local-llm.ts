import { detectCapabilities } from '../runtime/capabilities.js';
import { TransformersLLM, type TransformersLLMOptions } from './transformers-llm.js';
import type { LLM } from './types.js';
import { WebLLM, type WebLLMOptions } from './webllm/web-llm.js';
import { ChromeBuiltinLLM, type ChromeBuiltinLLMOptions } from './builtin/chrome-builtin-llm.js';

export interface CreateLocalLLMOptions {
  /**
   * Which to try first, falling back in the order Chrome built-in → web-llm (WebGPU) →
   * transformers.js (WASM). "builtin" is used only where Chrome's model is available or
   * downloadable. "auto" takes web-llm on a hardware GPU only: a software WebGPU adapter
   * (SwiftShader) runs models far slower than WASM (the rule of `device: "auto"`); "webllm" takes
   * it wherever WebGPU exists.
   * @default "auto"
   */
  prefer?: 'auto' | 'builtin' | 'webllm' | 'transformers';
  builtin?: ChromeBuiltinLLMOptions;
  webllm?: WebLLMOptions;
  transformers?: TransformersLLMOptions;
}

/**
 * The best local LLM this browser can run: web-llm on a hardware GPU, else transformers.js on WASM.
 *
 * @example
 * const llm = await createLocalLLM({ webllm: { model: 'auto' }, transformers: { device: 'wasm' } });
 */
export async function createLocalLLM(options: CreateLocalLLMOptions = {}): Promise<LLM> {
  const prefer = options.prefer ?? 'auto';
  if (prefer === 'builtin') {
    const availability = await ChromeBuiltinLLM.availability(options.builtin?.api);
    if (availability !== 'unavailable') return new ChromeBuiltinLLM(options.builtin);
  }
  const { webgpu, fallbackAdapter } = await detectCapabilities();
  // After "builtin", the fallback follows the "auto" rule.
  const webllm = prefer === 'webllm' ? webgpu : prefer !== 'transformers' && webgpu && !fallbackAdapter;
  if (webllm) return new WebLLM(options.webllm);
  return new TransformersLLM(options.transformers);
}
