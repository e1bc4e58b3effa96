// pagerag's development install replaces onnxruntime-node (whose install script downloads CUDA
// binaries from the internet on Linux x64) with onnxruntime-web's Node build: transformers.js's
// Node build then runs on the same wasm engine as the browser, so `pagerag build-index` computes
// the same embeddings as a page does. Apps that install pagerag get the real onnxruntime-node.
module.exports = require('onnxruntime-web');
