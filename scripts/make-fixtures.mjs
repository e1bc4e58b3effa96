#!/usr/bin/env node
// Writes the tiny, randomly initialised models the test suite and the demo's fixture mode load
// through the real transformers.js path. Deterministic (fixed seeds), rebuilt only when missing or
// when this generator changed. Output: models/fixtures/ (ignored by git: never commit weights).
//
//   node scripts/make-fixtures.mjs [--force]
//
// Environment: PAGERAG_SHARED_DIR (default ../shared beside the repo) holds real tokenizers; when it
// is present, two more fixtures are built with the real all-MiniLM-L6-v2 and SmolLM tokenizers.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEncoder, buildDecoder } from './fixture-models.mjs';
import { makeByteLevelBpeTokenizer, makeWordPieceTokenizer } from './fixture-tokenizers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
export const FIXTURES_DIR = join(root, 'models', 'fixtures');
const sharedDir = resolve(process.env.PAGERAG_SHARED_DIR ?? join(root, '..', 'shared'));
const sharedModels = join(sharedDir, 'models');

function generatorHash() {
  const hash = createHash('sha256');
  for (const file of ['make-fixtures.mjs', 'fixture-models.mjs', 'fixture-tokenizers.mjs', 'onnx-graph.mjs']) {
    hash.update(readFileSync(join(here, file)));
  }
  hash.update(existsSync(sharedModels) ? 'shared' : 'no-shared');
  return hash.digest('hex').slice(0, 16);
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function writeModel(name, { config, tokenizer, tokenizerConfig, onnx, extraFiles = [] }) {
  const dir = join(FIXTURES_DIR, name);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeJson(join(dir, 'config.json'), config);
  if (tokenizer) writeJson(join(dir, 'tokenizer.json'), tokenizer);
  if (tokenizerConfig) writeJson(join(dir, 'tokenizer_config.json'), tokenizerConfig);
  for (const [from, to] of extraFiles) copyFileSync(from, join(dir, to));
  writeFileSync(join(dir, 'onnx', 'model.onnx'), onnx);
  return { id: `fixtures/${name}`, bytes: onnx.byteLength };
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** A token gets bias 0 when it is a whole lowercase word after a space, else a strong penalty. */
function wordLikeBias(vocab, vocabSize) {
  const bias = new Float32Array(vocabSize).fill(-30);
  for (const [token, id] of Object.entries(vocab)) {
    if (id < vocabSize && /^Ġ[a-z]{2,}$/.test(token)) bias[id] = 0;
  }
  return bias;
}

const bertConfig = (hiddenSize, vocabSize, maxPositions, extra = {}) => ({
  architectures: ['BertModel'],
  model_type: 'bert',
  hidden_size: hiddenSize,
  num_hidden_layers: 1,
  num_attention_heads: 1,
  intermediate_size: hiddenSize,
  max_position_embeddings: maxPositions,
  type_vocab_size: 2,
  vocab_size: vocabSize,
  pad_token_id: 0,
  'transformers.js_config': { dtype: 'fp32' },
  ...extra,
});

const llamaConfig = ({ hiddenSize, layers, heads, vocabSize, maxPositions, bos, eos }) => ({
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: hiddenSize,
  intermediate_size: hiddenSize,
  num_hidden_layers: layers,
  num_attention_heads: heads,
  num_key_value_heads: heads,
  head_dim: hiddenSize / heads,
  vocab_size: vocabSize,
  max_position_embeddings: maxPositions,
  bos_token_id: bos,
  eos_token_id: eos,
  pad_token_id: eos,
  tie_word_embeddings: false,
  use_cache: true,
  'transformers.js_config': { dtype: 'fp32' },
});

export function makeFixtures({ force = false } = {}) {
  const stampPath = join(FIXTURES_DIR, 'manifest.json');
  const hash = generatorHash();
  if (!force && existsSync(stampPath)) {
    const manifest = readJson(stampPath);
    if (manifest.generator === hash) return manifest;
  }
  rmSync(FIXTURES_DIR, { recursive: true, force: true });
  mkdirSync(FIXTURES_DIR, { recursive: true });
  const models = {};

  // Self-contained fixtures: own tokenizers, small vocabularies.
  {
    const maxLength = 128;
    const tok = makeWordPieceTokenizer({ modelMaxLength: maxLength });
    models.encoder = writeModel('bert-tiny', {
      config: bertConfig(32, tok.vocabSize, maxLength),
      tokenizer: tok.tokenizer,
      tokenizerConfig: tok.tokenizerConfig,
      onnx: buildEncoder({ vocabSize: tok.vocabSize, hiddenSize: 32, seed: 1 }),
    });
  }
  {
    const tok = makeByteLevelBpeTokenizer({ modelMaxLength: 2048 });
    const eos = tok.vocab['<|im_end|>'];
    models.decoder = writeModel('llama-tiny', {
      config: llamaConfig({ hiddenSize: 32, layers: 2, heads: 2, vocabSize: tok.vocabSize, maxPositions: 2048, bos: tok.vocab['<|im_start|>'], eos }),
      tokenizer: tok.tokenizer,
      tokenizerConfig: tok.tokenizerConfig,
      onnx: buildDecoder({ vocabSize: tok.vocabSize, hiddenSize: 32, layers: 2, heads: 2, seed: 2, bias: wordLikeBias(tok.vocab, tok.vocabSize) }),
    });
    writeJson(join(FIXTURES_DIR, 'llama-tiny', 'generation_config.json'), { bos_token_id: tok.vocab['<|im_start|>'], eos_token_id: eos, pad_token_id: eos });
  }

  // Real tokenizers, random weights: same vocabulary sizes and special tokens as the real models.
  const minilmDir = join(sharedModels, 'Xenova', 'all-MiniLM-L6-v2');
  if (existsSync(join(minilmDir, 'tokenizer.json'))) {
    const real = readJson(join(minilmDir, 'config.json'));
    models.minilm = writeModel('all-MiniLM-L6-v2-random', {
      config: bertConfig(real.hidden_size, real.vocab_size, real.max_position_embeddings, { _name_or_path: 'Xenova/all-MiniLM-L6-v2 (random weights)' }),
      onnx: buildEncoder({ vocabSize: real.vocab_size, hiddenSize: real.hidden_size, seed: 3 }),
      extraFiles: ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'].map((f) => [join(minilmDir, f), f]),
    });
  }
  const smolDir = join(sharedModels, 'HuggingFaceTB', 'SmolLM-360M-Instruct');
  if (existsSync(join(smolDir, 'tokenizer.json'))) {
    const real = readJson(join(smolDir, 'config.json'));
    const vocab = readJson(join(smolDir, 'tokenizer.json')).model.vocab;
    models.smollm = writeModel('SmolLM-360M-Instruct-random', {
      config: llamaConfig({ hiddenSize: 32, layers: 2, heads: 2, vocabSize: real.vocab_size, maxPositions: real.max_position_embeddings, bos: real.bos_token_id, eos: real.eos_token_id }),
      onnx: buildDecoder({ vocabSize: real.vocab_size, hiddenSize: 32, layers: 2, heads: 2, seed: 4, bias: wordLikeBias(vocab, real.vocab_size) }),
      extraFiles: ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json'].map((f) => [join(smolDir, f), f]),
    });
  }

  const manifest = { generator: hash, models };
  writeJson(stampPath, manifest);
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const manifest = makeFixtures({ force: process.argv.includes('--force') });
  const list = Object.values(manifest.models).map((m) => `${m.id} (${(m.bytes / 1e6).toFixed(1)} MB)`);
  console.log(`fixture models in ${FIXTURES_DIR} (${Math.round(performance.now() - started)} ms): ${list.join(', ')}`);
}
