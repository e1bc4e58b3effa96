// Entry point `pagerag/webllm`: web-llm (WebGPU) as an LLM. Apart from the root entry so that an app
// that does not use it never bundles web-llm (6.5 MB with esbuild, which keeps every dynamically
// imported module) and never type-checks its declarations.
export { WebLLM, isWebLLMModelCached, deleteWebLLMModel } from './llms/webllm/web-llm.js';
export type { WebLLMOptions, WebLLMEngine } from './llms/webllm/web-llm.js';
export { selfHostedAppConfig } from './llms/webllm/web-llm-config.js';
export type { CacheBackend, SelfHostedOptions } from './llms/webllm/web-llm-config.js';
export { chooseWebLLMModel, DEFAULT_WEBLLM_FAMILY } from './llms/webllm/choose-web-llm-model.js';
