// The metadata an MLC model library carries: the JSON its `_metadata` function returns
// (web-llm reads it in `LLMChatPipeline`'s constructor to name the parameters it loads from the
// tensor cache). The compiler stores it as one string constant in the wasm's data section, so
// it is read here from the bytes, without instantiating the library.

/**
 * @param {Uint8Array} wasm the model library (`*.wasm`)
 * @returns {{ model_type: string, quantization: string, context_window_size: number, prefill_chunk_size: number,
 *   params: { name: string, shape: number[], dtype: string }[], [key: string]: unknown }}
 */
export function readLibraryMetadata(wasm, file = 'the library') {
  const text = Buffer.from(wasm.buffer, wasm.byteOffset, wasm.byteLength).toString('latin1');
  for (let start = text.indexOf('{"model_type"'); start !== -1; start = text.indexOf('{"model_type"', start + 1)) {
    const end = jsonEnd(text, start);
    if (end === -1) continue;
    try {
      const metadata = JSON.parse(text.slice(start, end));
      if (Array.isArray(metadata.params) && typeof metadata.quantization === 'string') return metadata;
    } catch {
      // Not the metadata (another string that starts the same way): keep looking.
    }
  }
  throw new Error(
    `No model metadata found in ${file}: expected a JSON object starting with {"model_type" and holding "params" (the string an MLC LLM library's _metadata function returns). Is this a web-llm model library (*-webgpu.wasm)?`,
  );
}

/** Index just past the JSON object that starts at `start`, or -1 if it does not close. */
function jsonEnd(text, start) {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === '\0') return -1;
  }
  return -1;
}
