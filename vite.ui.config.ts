// The site component as a page without a bundler loads it: dist/ui/pagerag-ui.js with its worker and
// everything they import bundled beside it (dist/ui/assets/). ONNX Runtime's two files are the
// package's own (dist/ort/), found from the worker chunk in dist/ui/assets/ (`pagerag build-index
// --site --out <folder>` copies both, ui/ and ort/, keeping that layout).
import { defineConfig, type Plugin } from 'vite';
import { ortWasmAssets } from './scripts/build/ort-wasm-assets.mjs';

export default defineConfig({
  publicDir: false,
  base: './',
  build: {
    outDir: 'dist/ui',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      input: 'src/ui/pagerag-ui.ts',
      preserveEntrySignatures: 'exports-only',
      output: { entryFileNames: 'pagerag-ui.js', chunkFileNames: 'assets/[name]-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' },
    },
  },
  worker: { format: 'es', plugins: () => [ortWasmAssets({ directory: '../../ort/', emit: false }), dropOrtDefaultWasm()] },
});

/**
 * onnxruntime-web names its default wasm with `new URL(…, import.meta.url)`, so the bundler copies
 * 27 MB beside the worker; pagerag always sets ONNX Runtime's wasm paths (to dist/ort/), so that
 * copy is never fetched and is left out.
 */
function dropOrtDefaultWasm(): Plugin {
  return {
    name: 'pagerag:drop-ort-default-wasm',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const name of Object.keys(bundle)) if (/ort-wasm-simd-threaded\.[\w.]*-[\w-]+\.wasm$/.test(name)) delete bundle[name];
    },
  };
}
