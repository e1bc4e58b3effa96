// A web-llm model folder with random weights for a real compiled model library: every parameter
// the library's metadata names, in its shape and dtype, in web-llm's tensor-cache format, plus
// an mlc-chat-config.json and a real tokenizer padded to the library's vocabulary.
//
// The weights make a model whose answers are nonsense but whose run is real: every kernel of
// prefill and decode runs on the GPU. They are chosen so that activations stay finite and
// generation never ends early by chance:
// - every linear layer and bias of the blocks is zero (its scale is 0), so each block adds
//   nothing to the residual stream and the last hidden state is the last token's embedding;
// - norms are 1;
// - the output head's rows (the embedding's, when tied) score tokens by class: word-like tokens
//   high, other text tokens lower, special, stop and padding tokens negative. Every embedding row
//   of a text token is positive, so whatever was the last token, word-like tokens are sampled and
//   stop tokens never are.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createRandom } from '../fixtures/onnx-graph.mjs';
import { readLibraryMetadata } from './library-metadata.mjs';

const SHARD_BYTES = 32 * 1024 * 1024;
/** Group-quantized 4-bit weights (MLC's GroupQuantize, `q4f*_1`): value = (nibble - 7) * scale. */
const ZERO_NIBBLE = 7;
const HEAD_SCALE = 0.02;

/**
 * @param {{ library: string, tokenizerDir: string, outDir: string, modelId: string, seed?: number }} options
 * @returns {Promise<{ metadata: ReturnType<typeof readLibraryMetadata>, vocabSize: number, bytes: number, wordTokens: number }>}
 */
export async function writeRandomModel({ library, tokenizerDir, outDir, modelId, seed = 1 }) {
  const metadata = readLibraryMetadata(new Uint8Array(await readFile(library)), library);
  const embedding = metadata.params.find((p) => /embed_tokens\.(q_weight|weight)$/.test(p.name));
  if (!embedding) throw new Error(`${library}: no embed_tokens parameter in its metadata; cannot tell the vocabulary size.`);
  const vocabSize = embedding.shape[0];
  const tied = !metadata.params.some((p) => /lm_head\./.test(p.name));

  const tokenizer = JSON.parse(await readFile(join(tokenizerDir, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(await readFile(join(tokenizerDir, 'tokenizer_config.json'), 'utf8'));
  const classes = tokenClasses(tokenizer, vocabSize);
  padVocabulary(tokenizer, vocabSize);

  // Seeded, so the same library gives the same weights.
  const random = createRandom(seed).uniform;
  await mkdir(outDir, { recursive: true });
  const shards = [];
  let current = { records: [], parts: [], bytes: 0 };
  const flush = async () => {
    if (current.records.length === 0) return;
    const data = Buffer.concat(current.parts);
    const dataPath = `params_shard_${shards.length}.bin`;
    await writeFile(join(outDir, dataPath), data);
    shards.push({ dataPath, format: 'raw-shard', nbytes: data.length, records: current.records, md5sum: createHash('md5').update(data).digest('hex') });
    current = { records: [], parts: [], bytes: 0 };
  };
  let bytes = 0;
  for (const param of metadata.params) {
    const data = paramBytes(param, { tied, classes, random });
    if (current.bytes > 0 && current.bytes + data.length > SHARD_BYTES) await flush();
    current.records.push({ name: param.name, shape: param.shape, dtype: param.dtype, format: 'raw', nbytes: data.length, byteOffset: current.bytes });
    current.parts.push(data);
    current.bytes += data.length;
    bytes += data.length;
  }
  await flush();
  const cache = JSON.stringify({ metadata: { ParamSize: metadata.params.length, ParamBytes: bytes, BitsPerParam: 0 }, records: shards });
  // web-llm ≤ 0.2.79 reads ndarray-cache.json; later versions tensor-cache.json.
  await writeFile(join(outDir, 'ndarray-cache.json'), cache);
  await writeFile(join(outDir, 'tensor-cache.json'), cache);
  await writeFile(join(outDir, 'tokenizer.json'), JSON.stringify(tokenizer));
  await writeFile(join(outDir, 'tokenizer_config.json'), JSON.stringify(config));
  await writeFile(join(outDir, 'mlc-chat-config.json'), JSON.stringify(chatConfig(metadata, vocabSize, tokenizer, modelId), null, 2));
  return { metadata, vocabSize, bytes, wordTokens: classes.filter((c) => c === WORD).length };
}

const WORD = 2;
const TEXT = 1;
const NEVER = 0;

/** A class per id: word-like text, other text, or never to be sampled (special tokens and padding). */
function tokenClasses(tokenizer, vocabSize) {
  const classes = new Uint8Array(vocabSize);
  for (const [piece, id] of Object.entries(tokenizer.model.vocab)) {
    if (id < vocabSize) classes[id] = /^Ġ?[A-Za-z]{2,}$/.test(piece) ? WORD : TEXT;
  }
  for (const added of tokenizer.added_tokens ?? []) if (added.id < vocabSize) classes[added.id] = NEVER;
  return classes;
}

/** web-llm samples from `vocab_size` logits; the ids past the tokenizer's own get entries of their own. */
function padVocabulary(tokenizer, vocabSize) {
  const vocab = tokenizer.model.vocab;
  const size = Object.keys(vocab).length + (tokenizer.added_tokens ?? []).filter((t) => !(t.content in vocab)).length;
  for (let id = size; id < vocabSize; id++) vocab[`<|pad_${id}|>`] = id;
}

function paramBytes(param, { tied, classes, random }) {
  const count = param.shape.reduce((a, b) => a * b, 1);
  const isEmbedding = /embed_tokens\./.test(param.name);
  const isHead = /lm_head\./.test(param.name) || (tied && isEmbedding);
  const rows = param.shape[0];
  const perRow = count / rows;
  if (param.name.endsWith('.q_weight')) {
    if (param.dtype !== 'uint32') throw new Error(`${param.name}: expected uint32 packed 4-bit weights, got ${param.dtype}.`);
    const words = new Uint32Array(count);
    if (!isHead && !isEmbedding) {
      words.fill(0x77777777);
    } else {
      for (let row = 0; row < rows; row++) {
        const kind = isHead ? classes[row] ?? NEVER : TEXT;
        for (let i = row * perRow; i < (row + 1) * perRow; i++) {
          let word = 0;
          for (let n = 0; n < 8; n++) {
            const nibble = kind === WORD ? 8 + (random() < 0.5 ? 1 : 0) : kind === TEXT ? 8 : 5 + (random() < 0.5 ? 1 : 0);
            word |= nibble << (4 * n);
          }
          words[i] = word >>> 0;
        }
      }
    }
    return Buffer.from(words.buffer);
  }
  if (param.name.endsWith('.q_scale')) return floats(param.dtype, count, () => (isHead || isEmbedding ? HEAD_SCALE : 0));
  if (/norm\.weight$|layernorm\.weight$/.test(param.name)) return floats(param.dtype, count, () => 1);
  if ((isHead || isEmbedding) && param.name.endsWith('.weight')) {
    // Unquantized (q0f32): the same classes as values.
    return floats(param.dtype, count, (i) => {
      const kind = isHead ? classes[Math.floor(i / perRow)] ?? NEVER : TEXT;
      return HEAD_SCALE * (kind === WORD ? 1 + (random() < 0.5 ? 1 : 0) : kind === TEXT ? 1 : -1 - (random() < 0.5 ? 1 : 0));
    });
  }
  return floats(param.dtype, count, () => 0);
}

function floats(dtype, count, value) {
  if (dtype === 'float32') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = value(i);
    return Buffer.from(out.buffer);
  }
  if (dtype === 'float16') {
    const out = new Uint16Array(count);
    for (let i = 0; i < count; i++) out[i] = toFloat16(value(i));
    return Buffer.from(out.buffer);
  }
  throw new Error(`Unsupported parameter dtype ${dtype}: this generator writes float32, float16 and uint32 (4-bit) parameters.`);
}

function toFloat16(value) {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (value === 0 || exponent <= 0) return sign;
  if (exponent >= 31) return sign | 0x7c00;
  return sign | (exponent << 10) | ((bits >>> 13) & 0x3ff);
}

/** mlc-chat-config.json: the library's own compile-time figures, ChatML from the tokenizer's special tokens. */
function chatConfig(metadata, vocabSize, tokenizer, modelId) {
  const id = (content) => tokenizer.added_tokens?.find((t) => t.content === content)?.id;
  const imEnd = id('<|im_end|>');
  const endOfText = id('<|endoftext|>');
  if (imEnd === undefined) throw new Error('The tokenizer has no <|im_end|> token: a ChatML tokenizer (SmolLM, Qwen) is needed.');
  return {
    version: '0.1.0',
    model_id: modelId,
    model_type: metadata.model_type,
    quantization: metadata.quantization,
    model_config: { vocab_size: vocabSize, ...(metadata.kv_cache ?? {}) },
    vocab_size: vocabSize,
    context_window_size: metadata.context_window_size,
    sliding_window_size: metadata.sliding_window_size ?? -1,
    prefill_chunk_size: metadata.prefill_chunk_size,
    attention_sink_size: metadata.attention_sink_size ?? -1,
    tensor_parallel_shards: 1,
    temperature: 0.7,
    presence_penalty: 0,
    frequency_penalty: 0,
    repetition_penalty: 1.0,
    top_p: 0.95,
    tokenizer_files: ['tokenizer.json', 'tokenizer_config.json'],
    tokenizer_info: { token_postproc_method: 'byte_level', prepend_space_in_encode: false, strip_space_in_decode: false },
    conv_template: {
      name: 'chatml',
      system_template: '<|im_start|>system\n{system_message}<|im_end|>\n',
      system_message: 'You are a helpful assistant.',
      system_prefix_token_ids: null,
      add_role_after_system_message: true,
      roles: { user: '<|im_start|>user', assistant: '<|im_start|>assistant', tool: '<|im_start|>user' },
      role_templates: { user: '{user_message}', assistant: '{assistant_message}', tool: '{tool_message}' },
      messages: [],
      seps: ['<|im_end|>\n'],
      role_content_sep: '\n',
      role_empty_sep: '\n',
      stop_str: ['<|im_end|>'],
      stop_token_ids: [imEnd, ...(endOfText === undefined ? [] : [endOfText])],
      function_string: '',
      use_function_calling: false,
    },
    pad_token_id: endOfText ?? imEnd,
    bos_token_id: endOfText ?? imEnd,
    eos_token_id: [imEnd, ...(endOfText === undefined ? [] : [endOfText])],
  };
}
