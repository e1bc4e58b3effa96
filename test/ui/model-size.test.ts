import { expect, test } from 'vitest';
import { causalLMDownloadBytes } from '../../src/ui/model-size.js';

const models = `${location.origin}/models/`;
const sizeOf = async (path: string) => (await (await fetch(`${models}${path}`)).arrayBuffer()).byteLength;
const FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];

test('the size of what transformers.js would fetch: the config\'s dtype picks the weights file, on either device', async () => {
  let expected = await sizeOf('fixtures/llama-tiny/onnx/model.onnx');
  for (const file of FILES) expected += await sizeOf(`fixtures/llama-tiny/${file}`);
  // The fixture's transformers.js_config says fp32: model.onnx on WASM too (q8 would be model_quantized.onnx).
  expect(await causalLMDownloadBytes(models, 'fixtures/llama-tiny', 'wasm')).toBe(expected);
  expect(await causalLMDownloadBytes(models, 'fixtures/llama-tiny', 'webgpu')).toBe(expected);
});

test('without a dtype in its config, WASM means the q8 file; a file the host does not have means the size is unknown', async () => {
  const requested: string[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = String(input);
    requested.push(url.slice(models.length));
    // The config as a Hub model's usually is: no transformers.js_config.
    if (url.endsWith('/config.json') && init?.method !== 'HEAD') return Promise.resolve(new Response(JSON.stringify({ model_type: 'llama' })));
    return fetch(input, init);
  };
  expect(await causalLMDownloadBytes(models, 'fixtures/llama-tiny', 'wasm', { fetch: recording })).toBeUndefined();
  expect(requested).toContain('fixtures/llama-tiny/onnx/model_quantized.onnx');
  requested.length = 0;
  expect(await causalLMDownloadBytes(models, 'fixtures/llama-tiny', 'webgpu', { fetch: recording })).toBeGreaterThan(0);
  expect(requested).toContain('fixtures/llama-tiny/onnx/model.onnx');
  // The Hub's layout puts the files under resolve/main/.
  requested.length = 0;
  expect(await causalLMDownloadBytes(models, 'fixtures/llama-tiny', 'webgpu', { fetch: recording, hub: true })).toBeUndefined();
  expect(requested[0]).toBe('fixtures/llama-tiny/resolve/main/config.json');
  expect(await causalLMDownloadBytes(models, 'fixtures/no-such-model', 'wasm')).toBeUndefined();
});
