import { pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { afterAll, describe, expect, test } from 'vitest';
import { applyModelSource } from '../../src/runtime/transformers-env.js';
import { FIXTURE_ENCODER, FIXTURE_SOURCE, foreignRequests } from '../support/fixtures.js';

const texts = ['the cat and the dog ran to the river', 'vector search in the browser'];

function meanPoolNormalize(hidden: Float32Array, tokens: number, dims: number): Float32Array {
  const out = new Float32Array(dims);
  for (let t = 0; t < tokens; t++) for (let d = 0; d < dims; d++) out[d]! += hidden[t * dims + d]! / tokens;
  const norm = Math.hypot(...out);
  return out.map((v) => v / norm);
}

async function run(device: 'wasm' | 'webgpu') {
  await applyModelSource(FIXTURE_SOURCE);
  const extractor = (await pipeline('feature-extraction', FIXTURE_ENCODER, { device, dtype: 'fp32' })) as FeatureExtractionPipeline;
  try {
    const pooled = await extractor(texts, { pooling: 'mean', normalize: true });
    const raw = await extractor(texts[0]!, { pooling: 'none' });
    return { pooled: pooled.tolist() as number[][], dims: pooled.dims, raw: raw.data as Float32Array, rawDims: raw.dims };
  } finally {
    await extractor.dispose();
  }
}

describe('fixture encoder through transformers.js feature-extraction', () => {
  afterAll(() => {
    expect(foreignRequests()).toEqual([]);
  });

  const results: Record<string, Awaited<ReturnType<typeof run>>> = {};

  test.each(['wasm', 'webgpu'] as const)('runs on %s and mean-pools like a hand computation', async (device) => {
    const result = await run(device);
    results[device] = result;
    expect(result.dims).toEqual([2, 32]);
    const [, tokens, dims] = result.rawDims as [number, number, number];
    expect(tokens).toBe(11); // [CLS] + 9 whole-word tokens + [SEP]
    const expected = meanPoolNormalize(result.raw, tokens, dims);
    result.pooled[0]!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    expect(Math.hypot(...result.pooled[1]!)).toBeCloseTo(1, 5);
    // Different texts give different vectors.
    expect(result.pooled[0]).not.toEqual(result.pooled[1]);
  });

  test('wasm and webgpu agree', () => {
    const { wasm, webgpu } = results;
    expect(wasm && webgpu).toBeTruthy();
    wasm!.pooled.forEach((row, r) => row.forEach((v, i) => expect(v).toBeCloseTo(webgpu!.pooled[r]![i]!, 4)));
  });
});
