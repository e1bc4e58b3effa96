import { InvalidArgumentError } from '../errors.js';
import { detectCapabilities } from '../runtime/capabilities.js';
import { TransformersLLM, type TransformersLLMOptions } from './transformers-llm.js';
import type { LLM } from './types.js';
import { ChromeBuiltinLLM, type ChromeBuiltinLLMOptions } from './builtin/chrome-builtin-llm.js';

export interface CreateLocalLLMOptions {
  /**
   * Which to try first, falling back in the order Chrome built-in → web-llm (WebGPU) →
   * transformers.js (WASM). "builtin" is used only where Chrome's model is available or
   * downloadable. "auto" takes web-llm (when `webllm` is given) on a hardware GPU only: a software
   * WebGPU adapter (SwiftShader) runs models far slower than WASM (the rule of `device: "auto"`);
   * "webllm" takes it wherever WebGPU exists.
   * @default "auto"
   */
  prefer?: 'auto' | 'builtin' | 'webllm' | 'transformers';
  builtin?: ChromeBuiltinLLMOptions;
  /**
   * Makes the web-llm LLM, from the entry `pagerag/webllm`. web-llm is a separate entry so that apps
   * that leave it out never bundle it; without this, web-llm is not tried.
   * @example
   * import { WebLLM } from 'pagerag/webllm';
   * const llm = await createLocalLLM({ webllm: () => new WebLLM({ model: 'auto' }) });
   * @default undefined (transformers.js, or the built-in model when preferred)
   */
  webllm?: () => LLM;
  transformers?: TransformersLLMOptions;
}

/**
 * The best local LLM this browser can run: web-llm on a hardware GPU (when given), else
 * transformers.js on WASM.
 *
 * @example
 * import { WebLLM } from 'pagerag/webllm';
 * const llm = await createLocalLLM({ webllm: () => new WebLLM({ model: 'auto' }), transformers: { device: 'wasm' } });
 */
export async function createLocalLLM(options: CreateLocalLLMOptions = {}): Promise<LLM> {
  const prefer = options.prefer ?? 'auto';
  if (prefer === 'webllm' && !options.webllm) {
    throw new InvalidArgumentError(
      `createLocalLLM({ prefer: "webllm" }) needs the web-llm LLM to make: pass webllm: () => new WebLLM(…), with WebLLM imported from "pagerag/webllm".`,
    );
  }
  if (prefer === 'builtin') {
    const availability = await ChromeBuiltinLLM.availability(options.builtin?.api);
    if (availability !== 'unavailable') return new ChromeBuiltinLLM(options.builtin);
  }
  if (options.webllm && prefer !== 'transformers') {
    const { webgpu, fallbackAdapter } = await detectCapabilities();
    // After "builtin", the fallback follows the "auto" rule.
    if (prefer === 'webllm' ? webgpu : webgpu && !fallbackAdapter) return options.webllm();
  }
  return new TransformersLLM(options.transformers);
}
