// Apart from web-llm-config.ts so that the page (pagerag/client) and the root entry can choose a
// model id without their type declarations reaching web-llm's.
import type { Capabilities } from '../../runtime/capabilities.js';

/**
 * The model family `model: "auto"` picks from: small enough for most laptops and phones.
 * @default "Qwen2.5-0.5B-Instruct"
 */
export const DEFAULT_WEBLLM_FAMILY = 'Qwen2.5-0.5B-Instruct';

/** `q4f16_1` where the adapter has `shader-f16`, else the `q4f32_1` build of the same model. */
export function chooseWebLLMModel(capabilities: Pick<Capabilities, 'shaderF16'>, family = DEFAULT_WEBLLM_FAMILY): string {
  return `${family}-${capabilities.shaderF16 ? 'q4f16_1' : 'q4f32_1'}-MLC`;
}
