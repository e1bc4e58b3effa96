// Library build only. In the sources, `src/runtime/ort-wasm-paths.ts` imports ONNX Runtime Web's two
// files with Vite's `?url`: the tests and the demo build from source with Vite. A published package
// must not: Vite's dependency optimizer, esbuild and other bundlers cannot load `?url`. So the
// package carries the two files beside its code (dist/ort/, byte for byte those of the pinned
// onnxruntime-web) and finds them with `new URL('./ort/…', import.meta.url)`, the pattern Vite (dev
// and build), webpack and Parcel follow, and that esbuild leaves as it is (copy dist/ort/ beside
// the bundle, or give `modelSource.wasmPaths`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];
const MARK = '__PAGERAG_ORT_URL__';

/**
 * @param {{ directory?: string, emit?: boolean }} [options] where the files are, seen from the chunk
 *   (default "./ort/": the chunk sits in dist/), and whether this build writes them (default true)
 * @returns {import('vite').Plugin}
 */
export function ortWasmAssets({ directory = './ort/', emit = true } = {}) {
  const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  return {
    name: 'pagerag:ort-wasm-assets',
    apply: 'build',
    enforce: 'pre',
    load(id) {
      if (!id.replace(/\\/g, '/').endsWith('/src/runtime/ort-wasm-paths.ts')) return null;
      // A marker, not `new URL(...)` yet: Vite's own asset plugin would otherwise resolve (and inline) it here.
      return `export const ortWasmPaths = { mjs: ${MARK}(${JSON.stringify(FILES[0])}), wasm: ${MARK}(${JSON.stringify(FILES[1])}) };`;
    },
    renderChunk(code) {
      if (!code.includes(MARK)) return null;
      return { code: code.replace(new RegExp(`${MARK}\\("([^"]+)"\\)`, 'g'), `new URL("${directory}$1", import.meta.url).href`), map: null };
    },
    generateBundle() {
      if (!emit) return;
      for (const file of FILES) this.emitFile({ type: 'asset', fileName: `ort/${file}`, source: readFileSync(join(ortDist, file)) });
    },
  };
}
