// Kept as `?url` imports in the library build (see vite.config.ts): the app's bundler serves these
// files from its own origin, so ONNX Runtime never fetches its wasm from a CDN.
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

export const ortWasmPaths = { mjs, wasm };
