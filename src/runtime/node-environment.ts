// pagerag's Node code paths (the CLI, the Vite plugin) share the browser code; these are the few
// places where Node differs. Nothing here imports a Node module statically: browser bundles stay clean.

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (name: string) => unknown;
}

const nodeProcess = (globalThis as { process?: NodeProcess }).process;

/** True in Node (not in browsers, workers or Deno's web runtime). */
export const IS_NODE = typeof nodeProcess?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';

/**
 * ONNX Runtime Web's own folder as a file URL. When transformers.js runs on onnxruntime-web in Node
 * (pagerag's development install does), this keeps it from fetching its wasm from a CDN.
 */
export function nodeOrtWasmFolder(): string {
  const module = nodeProcess?.getBuiltinModule?.('node:module') as { createRequire(url: string): { resolve(id: string): string } } | undefined;
  const url = nodeProcess?.getBuiltinModule?.('node:url') as { pathToFileURL(path: string): URL } | undefined;
  if (!module || !url) throw new Error('pagerag needs Node 20.16 or later (process.getBuiltinModule).');
  const file = module.createRequire(import.meta.url).resolve('onnxruntime-web');
  return new URL('./', url.pathToFileURL(file)).href;
}
