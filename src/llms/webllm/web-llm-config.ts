import type { AppConfig, ModelRecord } from '@mlc-ai/web-llm';
import { InvalidArgumentError } from '../../errors.js';

/** Where web-llm caches model files. */
export type CacheBackend = 'cache' | 'indexeddb' | 'opfs' | 'cross-origin';

export interface SelfHostedOptions {
  /**
   * Where the weights are served: `<modelBaseUrl>/<model_id>/resolve/main/…` (web-llm adds `resolve/main/`).
   */
  modelBaseUrl: string;
  /** Where the model libraries (`*.wasm`) are served. @default `<modelBaseUrl>/libs/` */
  modelLibBaseUrl?: string;
  /** The records to rewrite. @default web-llm's prebuilt list */
  models: readonly ModelRecord[];
  /** @default "cache" */
  cacheBackend?: CacheBackend;
}

/**
 * An `appConfig` whose models load from your own origin instead of Hugging Face and GitHub:
 * every record keeps its id and settings, only the URLs change.
 *
 * @example
 * const { prebuiltAppConfig } = await import('@mlc-ai/web-llm');
 * const appConfig = selfHostedAppConfig({ modelBaseUrl: '/mlc/', models: prebuiltAppConfig.model_list });
 * const llm = new WebLLM({ model: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC', appConfig });
 */
export function selfHostedAppConfig(options: SelfHostedOptions): AppConfig {
  if (typeof options?.modelBaseUrl !== 'string' || options.modelBaseUrl === '') {
    throw new InvalidArgumentError('Expected modelBaseUrl to be the URL of the folder that holds the MLC model folders, e.g. "/mlc/".');
  }
  const base = new URL(options.modelBaseUrl.endsWith('/') ? options.modelBaseUrl : `${options.modelBaseUrl}/`, globalThis.location?.href);
  const libs = new URL(options.modelLibBaseUrl ?? 'libs/', base);
  return {
    cacheBackend: options.cacheBackend ?? 'cache',
    model_list: options.models.map((record) => ({
      ...record,
      model: new URL(`${record.model_id}/`, base).href,
      model_lib: new URL(record.model_lib.split('/').pop()!, libs).href,
    })),
  };
}
