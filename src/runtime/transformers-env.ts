import { env } from '@huggingface/transformers';

/** Where ONNX Runtime Web finds its `.mjs` loader and `.wasm` binary. */
export type WasmPaths = string | { mjs: string; wasm: string };

/**
 * Where transformers.js takes model files from, and where ONNX Runtime takes its wasm from.
 * transformers.js keeps these in a mutable global `env`; pagerag touches it here and nowhere else.
 *
 * @example
 * // A static site that serves its own models under /models/<org>/<name>/…
 * const source: ModelSource = { localModelPath: '/models/', allowRemoteModels: false };
 */
export interface ModelSource {
  /**
   * Base URL of a folder laid out like the Hub (`<base>/<org>/<name>/config.json`, `onnx/model.onnx`, …).
   * Setting it enables local models, tried before the remote host.
   */
  localModelPath?: string;
  /**
   * Host serving `{model}/resolve/{revision}/…`.
   * @default "https://huggingface.co/"
   */
  remoteHost?: string;
  /**
   * Whether files may come from `remoteHost`.
   * @default true, or false when `localModelPath` is set
   */
  allowRemoteModels?: boolean;
  /**
   * Cache downloaded model files with the browser's Cache API.
   * @default true
   */
  useBrowserCache?: boolean;
  /**
   * ONNX Runtime Web's wasm files. Give this when your bundler is not Vite.
   * @default the files shipped in `onnxruntime-web`, served by the app's bundler (Vite `?url` imports)
   */
  wasmPaths?: WasmPaths;
  /**
   * WASM threads; ONNX Runtime picks a count itself when the page is cross-origin isolated.
   * @default undefined (ONNX Runtime's choice)
   */
  numThreads?: number;
}

const DEFAULT_REMOTE_HOST = 'https://huggingface.co/';

async function defaultWasmPaths(): Promise<WasmPaths> {
  const { ortWasmPaths } = await import('./ort-wasm-paths.js');
  return ortWasmPaths;
}

/**
 * Applies a {@link ModelSource} to transformers.js before a model is loaded. Every option left out
 * is reset to its documented default, so one model's settings never leak into the next.
 */
export async function applyModelSource(source: ModelSource = {}): Promise<void> {
  const local = source.localModelPath !== undefined;
  env.allowLocalModels = local;
  if (local) env.localModelPath = source.localModelPath!.endsWith('/') ? source.localModelPath! : `${source.localModelPath}/`;
  env.remoteHost = source.remoteHost ?? DEFAULT_REMOTE_HOST;
  env.allowRemoteModels = source.allowRemoteModels ?? !local;
  env.useBrowserCache = source.useBrowserCache ?? true;
  const onnx = env.backends.onnx as { wasm?: { wasmPaths?: WasmPaths; numThreads?: number } };
  if (onnx.wasm) {
    onnx.wasm.wasmPaths = source.wasmPaths ?? (await defaultWasmPaths());
    if (source.numThreads !== undefined) onnx.wasm.numThreads = source.numThreads;
  }
}
