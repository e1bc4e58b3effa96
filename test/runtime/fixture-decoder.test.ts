import { AutoModelForCausalLM, AutoTokenizer, TextStreamer } from '@huggingface/transformers';
import { afterAll, describe, expect, test } from 'vitest';
import { applyModelSource } from '../../src/runtime/transformers-env.js';
import { FIXTURE_DECODER, FIXTURE_SOURCE, foreignRequests } from '../support/fixtures.js';

async function generate(device: 'wasm' | 'webgpu', maxNewTokens: number) {
  await applyModelSource(FIXTURE_SOURCE);
  const tokenizer = await AutoTokenizer.from_pretrained(FIXTURE_DECODER);
  const model = await AutoModelForCausalLM.from_pretrained(FIXTURE_DECODER, { device, dtype: 'fp32' });
  try {
    const prompt = tokenizer.apply_chat_template([{ role: 'user', content: 'What did the author do growing up?' }], {
      tokenize: false,
      add_generation_prompt: true,
    }) as string;
    const inputs = tokenizer(prompt);
    const deltas: string[] = [];
    const streamer = new TextStreamer(tokenizer, {
      skip_prompt: true,
      skip_special_tokens: true,
      callback_function: (text: string) => deltas.push(text),
    });
    const output = (await model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false, streamer })) as {
      dims: number[];
    };
    return { prompt, deltas, generated: output.dims[1]! - (inputs.input_ids.dims[1] as number) };
  } finally {
    await model.dispose();
  }
}

describe('fixture decoder through transformers.js generation', () => {
  afterAll(() => {
    expect(foreignRequests()).toEqual([]);
  });

  test('streams word deltas through TextStreamer callback_function on wasm', async () => {
    const { prompt, deltas, generated } = await generate('wasm', 24);
    expect(prompt).toBe('<|im_start|>user\nWhat did the author do growing up?<|im_end|>\n<|im_start|>assistant\n');
    expect(generated).toBe(24);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('').trim().split(/\s+/).length).toBeGreaterThan(5);
    // Greedy decoding is deterministic: a second run gives the same text.
    const again = await generate('wasm', 24);
    expect(again.deltas.join('')).toBe(deltas.join(''));
  });

  test('streams on webgpu too', async () => {
    const { deltas } = await generate('webgpu', 6);
    expect(deltas.length).toBeGreaterThan(1);
  });
});
