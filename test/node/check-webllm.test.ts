// The pieces of `npm run check:webllm` that need no model library: reading a library's metadata
// and writing random weights in web-llm's tensor-cache format. The check itself, on a real library
// and a real web-llm engine, runs outside `npm test` (README: "web-llm on a real engine").
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { readLibraryMetadata } from '../../scripts/check-webllm/library-metadata.mjs';
import { writeRandomModel } from '../../scripts/check-webllm/random-model.mjs';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'pagerag-check-webllm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A library's shape in miniature: hidden size 32 (4 uint32 words of 8 nibbles per row, one scale per 32), vocabulary 40.
const metadata = {
  model_type: 'qwen2',
  quantization: 'q4f32_1',
  context_window_size: 512,
  prefill_chunk_size: 128,
  params: [
    { name: 'model.embed_tokens.q_weight', shape: [40, 4], dtype: 'uint32', preprocs: [] },
    { name: 'model.embed_tokens.q_scale', shape: [40, 1], dtype: 'float32', preprocs: [] },
    { name: 'model.layers.0.self_attn.c_attn.q_weight', shape: [96, 4], dtype: 'uint32', preprocs: [] },
    { name: 'model.layers.0.self_attn.c_attn.q_scale', shape: [96, 1], dtype: 'float32', preprocs: [] },
    { name: 'model.layers.0.self_attn.c_attn.bias', shape: [96], dtype: 'float32', preprocs: [] },
    { name: 'model.layers.0.input_layernorm.weight', shape: [32], dtype: 'float32', preprocs: [] },
    { name: 'model.norm.weight', shape: [32], dtype: 'float16', preprocs: [] },
  ],
};

function library(): Buffer {
  // Code bytes, a decoy that starts like the metadata but is not JSON, then the string constant.
  return Buffer.concat([Buffer.from([0, 97, 115, 109, 1, 0, 0, 0, 0xff, 0x10]), Buffer.from('{"model_type": broken\0'), Buffer.from(`${JSON.stringify(metadata)}\0`), Buffer.alloc(64, 7)]);
}

function tokenizerDir(): string {
  const dir = join(work, 'tokenizer');
  const vocab: Record<string, number> = { '<|endoftext|>': 0, '<|im_start|>': 1, '<|im_end|>': 2, Ġthe: 3, Ġboats: 4, harbour: 5, 'Ċ': 6, ',': 7, 'Ã': 8, Ġa: 9 };
  const added = [0, 1, 2].map((id) => ({ id, content: Object.keys(vocab)[id], special: true }));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0', added_tokens: added, model: { type: 'BPE', vocab, merges: [] } }));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|im_end|>' }));
  return dir;
}

/** (nibble - 7) * scale for every value of a packed 4-bit row. */
function dequantizeRow(words: Uint32Array, scales: Float32Array, row: number, wordsPerRow: number): number[] {
  const values: number[] = [];
  for (let w = 0; w < wordsPerRow; w++) {
    const word = words[row * wordsPerRow + w]!;
    for (let n = 0; n < 8; n++) values.push((((word >>> (4 * n)) & 0xf) - 7) * scales[row]!);
  }
  return values;
}

describe('the real-engine check: library metadata and random weights', () => {
  test('the metadata is read from the library bytes, past a decoy; a file without it is refused with what was expected', () => {
    const read = readLibraryMetadata(new Uint8Array(library()));
    expect(read.params.map((p) => p.name)).toEqual(metadata.params.map((p) => p.name));
    expect(read.prefill_chunk_size).toBe(128);
    expect(() => readLibraryMetadata(new Uint8Array(Buffer.from('\0asm{"model_type": "x"')), 'x.wasm')).toThrow(/No model metadata found in x\.wasm.*_metadata/);
  });

  test('every parameter is written in its shape and dtype; the tied head samples word-like tokens and never stop or padding tokens; blocks add nothing', async () => {
    const lib = join(work, 'tiny-webgpu.wasm');
    writeFileSync(lib, library());
    const outDir = join(work, 'model');
    const written = await writeRandomModel({ library: lib, tokenizerDir: tokenizerDir(), outDir, modelId: 'tiny' });
    expect(written.vocabSize).toBe(40);
    expect(written.wordTokens).toBe(3);

    const cache = JSON.parse(readFileSync(join(outDir, 'tensor-cache.json'), 'utf8'));
    expect(readFileSync(join(outDir, 'ndarray-cache.json'), 'utf8')).toBe(JSON.stringify(cache));
    const records = cache.records.flatMap((shard: { dataPath: string; records: { name: string; shape: number[]; dtype: string; nbytes: number; byteOffset: number }[] }) =>
      shard.records.map((r) => ({ ...r, data: readFileSync(join(outDir, shard.dataPath)).subarray(r.byteOffset, r.byteOffset + r.nbytes) })),
    );
    expect(records.map((r: { name: string }) => r.name)).toEqual(metadata.params.map((p) => p.name));
    for (const [i, r] of records.entries()) {
      const param = metadata.params[i]!;
      expect(r.shape).toEqual(param.shape);
      expect(r.dtype).toBe(param.dtype);
      expect(r.data.length).toBe(param.shape.reduce((a, b) => a * b, 1) * (param.dtype === 'float16' ? 2 : 4));
    }
    const view = (name: string) => records.find((r: { name: string }) => r.name === name)!.data as Buffer;
    const u32 = (b: Buffer) => new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    const u16 = (b: Buffer) => new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    const f32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));

    const embedding = u32(view('model.embed_tokens.q_weight'));
    const scales = f32(view('model.embed_tokens.q_scale'));
    const rowSum = (id: number) => dequantizeRow(embedding, scales, id, 4).reduce((a, b) => a + b, 0);
    const row = (id: number) => dequantizeRow(embedding, scales, id, 4);
    for (const id of [3, 4, 5]) expect(Math.min(...row(id))).toBeGreaterThan(0); // word-like
    for (const id of [6, 7, 8, 9]) expect(new Set(row(id)).size).toBe(1); // other text: one positive value
    expect(row(6)[0]).toBeGreaterThan(0);
    for (const id of [0, 1, 2, 10, 39]) expect(Math.max(...row(id))).toBeLessThan(0); // special and padding
    // The logits of any text token's hidden state rank word-like tokens above other text, stop tokens last.
    expect(Math.min(rowSum(3), rowSum(4), rowSum(5))).toBeGreaterThan(rowSum(6));
    expect(rowSum(6)).toBeGreaterThan(0);
    expect(rowSum(2)).toBeLessThan(0);

    expect(f32(view('model.layers.0.self_attn.c_attn.q_scale')).every((v) => v === 0)).toBe(true);
    expect(f32(view('model.layers.0.self_attn.c_attn.bias')).every((v) => v === 0)).toBe(true);
    expect(f32(view('model.layers.0.input_layernorm.weight')).every((v) => v === 1)).toBe(true);
    expect([...u16(view('model.norm.weight'))].every((bits) => bits === 0x3c00)).toBe(true); // 1.0 in float16

    const tokenizer = JSON.parse(readFileSync(join(outDir, 'tokenizer.json'), 'utf8'));
    const ids = Object.values(tokenizer.model.vocab as Record<string, number>).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const config = JSON.parse(readFileSync(join(outDir, 'mlc-chat-config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'qwen2', quantization: 'q4f32_1', vocab_size: 40, context_window_size: 512, prefill_chunk_size: 128, tokenizer_files: ['tokenizer.json', 'tokenizer_config.json'] });
    expect(config.conv_template.stop_token_ids).toEqual([2, 0]);

    // The same library gives the same weights.
    await writeRandomModel({ library: lib, tokenizerDir: tokenizerDir(), outDir: join(work, 'again'), modelId: 'tiny' });
    expect(readFileSync(join(work, 'again', 'params_shard_0.bin')).equals(readFileSync(join(outDir, 'params_shard_0.bin')))).toBe(true);
  });

  test('without a library the check says how to run it and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/check-webllm/check.mjs'], { cwd: root });
    expect(stdout).toMatch(/check:webllm skipped: no model library given.*--lib <file\.wasm>.*binary-mlc-llm-libs/s);
  });
});
