/** What this browser can do, as far as pagerag's automatic choices care. */
export interface Capabilities {
  /** `navigator.gpu` exists and returned an adapter. */
  webgpu: boolean;
  /** The adapter supports 16-bit floats in shaders (needed by web-llm's `*f16` builds). */
  shaderF16: boolean;
  /** The adapter is a software fallback (e.g. SwiftShader). */
  fallbackAdapter: boolean;
  /** Largest storage buffer the adapter allows, in bytes (0 without WebGPU). */
  maxBufferSize: number;
  /** Cross-origin isolated: ONNX Runtime Web can use threads. */
  crossOriginIsolated: boolean;
  /** Logical processors the browser reports. */
  hardwareConcurrency: number;
  /** `navigator.storage.estimate()`, when available. */
  storage: { usage: number; quota: number } | undefined;
}

let cached: Promise<Readonly<Capabilities>> | undefined;

async function probe(): Promise<Readonly<Capabilities>> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  let adapter: GPUAdapter | null = null;
  try {
    adapter = gpu ? await gpu.requestAdapter() : null;
  } catch {
    adapter = null;
  }
  let storage: Capabilities['storage'];
  try {
    const estimate = await navigator.storage?.estimate?.();
    if (estimate) storage = { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 };
  } catch {
    storage = undefined;
  }
  const info = adapter as (GPUAdapter & { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } }) | null;
  return Object.freeze({
    webgpu: adapter !== null,
    shaderF16: adapter?.features.has('shader-f16') ?? false,
    fallbackAdapter: Boolean(info?.info?.isFallbackAdapter ?? info?.isFallbackAdapter),
    maxBufferSize: adapter?.limits.maxBufferSize ?? 0,
    crossOriginIsolated: Boolean(globalThis.crossOriginIsolated),
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? 1,
    storage,
  });
}

/**
 * Probes the device once per page (the result is frozen and cached); `refresh` probes again.
 *
 * @example
 * const caps = await detectCapabilities();
 * if (!caps.webgpu) console.log('Falling back to WASM');
 */
export function detectCapabilities(options: { refresh?: boolean } = {}): Promise<Readonly<Capabilities>> {
  if (!cached || options.refresh) cached = probe();
  return cached;
}

/**
 * The transformers.js device for `device: "auto"`: WebGPU on a real GPU, WASM otherwise — also on
 * a software WebGPU adapter (SwiftShader), which exists but runs models far slower than WASM.
 */
export async function autoDevice(): Promise<'webgpu' | 'wasm'> {
  const caps = await detectCapabilities();
  return caps.webgpu && !caps.fallbackAdapter ? 'webgpu' : 'wasm';
}
