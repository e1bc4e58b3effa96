import { AutoTokenizer, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { describe, expect, test } from 'vitest';
import { applyModelSource } from '../../src/runtime/transformers-env.js';
import { FIXTURE_SOURCE, realTokenizerFixture } from '../support/fixtures.js';

// Built only where ../shared/models exists (see scripts/fixtures/make-fixtures.mjs).
const minilm = await realTokenizerFixture('minilm');
const smollm = await realTokenizerFixture('smollm');

describe.skipIf(!minilm)('real all-MiniLM-L6-v2 tokenizer (WordPiece)', () => {
  test('tokenizes like the real model and drives a 384-dimension fixture encoder', async () => {
    await applyModelSource(FIXTURE_SOURCE);
    const tokenizer = await AutoTokenizer.from_pretrained(minilm!);
    expect(tokenizer.encode('Hello world, unbelievable!')).toEqual([101, 7592, 2088, 1010, 23653, 999, 102]);
    expect(tokenizer.model_max_length).toBe(512);
    const extractor = (await pipeline('feature-extraction', minilm!, { device: 'wasm', dtype: 'fp32' })) as FeatureExtractionPipeline;
    const output = await extractor('Hello world', { pooling: 'mean', normalize: true });
    expect(output.dims).toEqual([1, 384]);
    await extractor.dispose();
  });
});

describe.skipIf(!smollm)('real SmolLM tokenizer (byte-level BPE, ChatML template)', () => {
  test('applies the real chat template and keeps special tokens special', async () => {
    await applyModelSource(FIXTURE_SOURCE);
    const tokenizer = await AutoTokenizer.from_pretrained(smollm!);
    const prompt = tokenizer.apply_chat_template(
      [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Hi' },
      ],
      { tokenize: false, add_generation_prompt: true },
    );
    expect(prompt).toBe('<|im_start|>system\nAnswer briefly.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    const ids = tokenizer.encode(prompt as string, { add_special_tokens: false });
    expect(ids[0]).toBe(1); // <|im_start|>
    expect(ids.filter((id) => id === 2)).toHaveLength(2); // <|im_end|>
    expect(tokenizer.decode(ids, { skip_special_tokens: true })).toContain('Answer briefly.');
  });
});
