import { env } from '@huggingface/transformers';
import { recordingFetch } from './model-requests.js';
import { IS_NODE, nodeOrtWasmFolder } from './node-environment.js';

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
   * Base URL of a folder laid out like the Hub (`<base>/<org>/<name>/config.json`, `onnx/model.onnx`, …),
   * e.g. a static site's own `/models/`. On this origin it is read as local models; an absolute URL
   * of another origin is read from there with the same layout (no `resolve/main/`). In Node: a folder path.
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
// Wrapped once; an app's own env.fetch set later is wrapped in turn.
const recording = new WeakSet<object>();
const DEFAULT_REMOTE_PATH_TEMPLATE = '{model}/resolve/{revision}/';

async function defaultWasmPaths(): Promise<WasmPaths> {
  const { ortWasmPaths } = await import('./ort-wasm-paths.js');
  return ortWasmPaths;
}

/**
 * Applies a {@link ModelSource} to transformers.js before a model is loaded. Every option left out
 * is reset to its documented default, so one model's settings never leak into the next.
 */
export async function applyModelSource(source: ModelSource = {}): Promise<void> {
  let localPath = source.localModelPath;
  let remoteHost = source.remoteHost;
  let remotePathTemplate = DEFAULT_REMOTE_PATH_TEMPLATE;
  if (localPath !== undefined) {
    localPath = localPath.endsWith('/') ? localPath : `${localPath}/`;
    const here = globalThis.location?.href;
    const url = /^[a-z]+:\/\//i.test(localPath) ? new URL(localPath) : undefined;
    if (url && here && url.origin === new URL(here).origin) {
      // transformers.js reads local models by path; an absolute URL of this origin becomes one.
      localPath = url.pathname;
    } else if (url) {
      // Another origin serves the same folder layout: read it as a remote host without `resolve/<rev>/`.
      remoteHost = url.href;
      remotePathTemplate = '{model}/';
      localPath = undefined;
    }
  }
  if (!recording.has(env.fetch)) {
    env.fetch = recordingFetch(env.fetch as typeof fetch);
    recording.add(env.fetch);
  }
  const local = localPath !== undefined;
  env.allowLocalModels = local;
  if (local) env.localModelPath = localPath!;
  env.remoteHost = remoteHost ?? DEFAULT_REMOTE_HOST;
  env.remotePathTemplate = remotePathTemplate;
  const movedToRemote = source.localModelPath !== undefined && !local;
  env.allowRemoteModels = movedToRemote || (source.allowRemoteModels ?? !local);
  // Node has no Cache API; transformers.js caches downloads on disk there.
  env.useBrowserCache = !IS_NODE && (source.useBrowserCache ?? true);
  const onnx = env.backends.onnx as { wasm?: { wasmPaths?: WasmPaths; numThreads?: number } };
  if (onnx.wasm) {
    onnx.wasm.wasmPaths = source.wasmPaths ?? (IS_NODE ? nodeOrtWasmFolder() : await defaultWasmPaths());
    if (source.numThreads !== undefined) onnx.wasm.numThreads = source.numThreads;
  }
}
