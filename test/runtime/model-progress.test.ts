// The model bar counts ONNX Runtime's wasm too: on a first visit it is the biggest download
// (27 MB), which transformers.js fetches without progress events. Its own test file, so this page
// has not loaded ONNX Runtime yet (Vitest runs each file in a fresh frame).
import { expect, test } from 'vitest';
import { TransformersEmbedding } from '../../src/embeddings/transformers-embedding.js';
import type { ProgressUpdate } from '../../src/progress.js';
import { FIXTURE_ENCODER, FIXTURE_SOURCE } from '../support/fixtures.js';

test("the load-model progress counts ONNX Runtime's wasm download, up to its full size, in the same byte total", async () => {
  const updates: ProgressUpdate[] = [];
  const embed = new TransformersEmbedding({ model: FIXTURE_ENCODER, modelSource: FIXTURE_SOURCE, device: 'wasm' });
  await embed.load({ onProgress: (update) => updates.push(update) });
  const wasm = updates.filter((u) => u.text?.endsWith('ort-wasm-simd-threaded.asyncify.wasm'));
  expect(wasm.length).toBeGreaterThan(1);
  const { size } = await fetch(new URL('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url', import.meta.url).href).then((r) => r.blob());
  expect(size).toBeGreaterThan(10e6);
  // The total covers the model's files and the wasm; it ends complete.
  expect(Math.max(...wasm.map((u) => u.total))).toBeGreaterThanOrEqual(size);
  const last = updates.at(-1)!;
  expect(last.done).toBe(last.total);
  expect(updates.every((u) => u.phase === 'load-model' && u.done <= u.total)).toBe(true);
});
