import { expect, test } from 'vitest';

test('the test page is cross-origin isolated, so ONNX Runtime can use threads', () => {
  expect(globalThis.crossOriginIsolated).toBe(true);
  expect(typeof SharedArrayBuffer).toBe('function');
});

test('Chromium exposes a WebGPU adapter (SwiftShader on machines without a GPU)', async () => {
  expect(navigator.gpu).toBeDefined();
  const adapter = await navigator.gpu.requestAdapter();
  expect(adapter).not.toBeNull();
  const device = await adapter!.requestDevice();
  expect(device.limits.maxBufferSize).toBeGreaterThan(0);
  device.destroy();
});
