// What "Answer with AI" would download, found before downloading it: the files transformers.js
// fetches for a causal LM on this device, sized by the host's answers to HEAD requests. Mirrors
// transformers.js 4.3 (`selectDtype`, `DEFAULT_DTYPE_SUFFIX_MAPPING`, `getModelDataFiles` in
// dist/transformers.web.js): the dtype is the config's `transformers.js_config.dtype`, else q8 on
// WASM and fp32 elsewhere; external data files as `use_external_data_format` says.

const SUFFIX: Record<string, string> = { fp32: '', fp16: '_fp16', int8: '_int8', uint8: '_uint8', q8: '_quantized', q4: '_q4', q2: '_q2', q1: '_q1', q4f16: '_q4f16', q2f16: '_q2f16', q1f16: '_q1f16', bnb4: '_bnb4' };
const SMALL_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];

interface TransformersJsConfig {
  dtype?: string | Record<string, string>;
  use_external_data_format?: number | boolean | Record<string, number | boolean>;
}

/**
 * Bytes of the files of `model` under `folder` (a URL ending in "/", laid out like the Hub: the
 * model's files at `<folder><model>/…`, or the Hub's `<model>/resolve/main/…` when `hub`), or
 * undefined when a size cannot be known (the host answers no length, or is unreachable).
 */
export async function causalLMDownloadBytes(folder: string, model: string, device: 'webgpu' | 'wasm', options: { hub?: boolean; fetch?: typeof fetch } = {}): Promise<number | undefined> {
  const get = options.fetch ?? fetch;
  const base = new URL(options.hub ? `${model}/resolve/main/` : `${model}/`, folder);
  try {
    const config = (await (await get(new URL('config.json', base))).json()) as { 'transformers.js_config'?: TransformersJsConfig };
    const settings = config['transformers.js_config'] ?? {};
    const configured = typeof settings.dtype === 'string' ? settings.dtype : settings.dtype?.model;
    const dtype = configured && configured !== 'auto' && configured in SUFFIX ? configured : device === 'wasm' ? 'q8' : 'fp32';
    const onnx = `model${SUFFIX[dtype]}.onnx`;
    const external = settings.use_external_data_format;
    const chunks = Number(typeof external === 'object' && external !== null ? (external[onnx] ?? external.model ?? 0) : (external ?? 0));
    const files = [...SMALL_FILES, `onnx/${onnx}`, ...Array.from({ length: chunks }, (_, i) => `onnx/${onnx}_data${i === 0 ? '' : `_${i}`}`)];
    const sizes = await Promise.all(
      files.map(async (file) => {
        const response = await get(new URL(file, base), { method: 'HEAD' });
        if (!response.ok) return SMALL_FILES.includes(file) && file !== 'config.json' ? 0 : undefined;
        const length = Number(response.headers.get('Content-Length'));
        return Number.isFinite(length) && length > 0 ? length : undefined;
      }),
    );
    return sizes.every((size) => size !== undefined) ? sizes.reduce<number>((a, b) => a + b!, 0) : undefined;
  } catch {
    return undefined;
  }
}
