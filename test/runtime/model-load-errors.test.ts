// A model that cannot be loaded says which URL failed, how, and what to do: real fetches to real
// hosts (the test server, a static host with an HTML fallback, a closed port).
import { describe, expect, inject, test } from 'vitest';
import { TransformersEmbedding } from '../../src/embeddings/transformers-embedding.js';
import { ModelLoadError } from '../../src/errors.js';
import { TransformersLLM } from '../../src/llms/transformers-llm.js';
import { FIXTURE_ENCODER } from '../support/fixtures.js';

async function loadError(load: () => Promise<void>): Promise<ModelLoadError> {
  const error = await load().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ModelLoadError);
  return error as ModelLoadError;
}

describe('model load errors', () => {
  test('an HTML page served in place of the model file is named as such, with the URL and where the files belong', async () => {
    const base = new URL('/site-fallback/models/', inject('sseServer')).href;
    const embed = new TransformersEmbedding({ model: FIXTURE_ENCODER, modelSource: { localModelPath: base, useBrowserCache: false } });
    const error = await loadError(() => embed.load());
    expect(error.message).toContain(`Could not load embedding model "${FIXTURE_ENCODER}": ${base}${FIXTURE_ENCODER}/config.json answered with an HTML page, not the model file`);
    expect(error.message).toContain(`at ${base}${FIXTURE_ENCODER}/`);
    expect(error.message).toMatch(/modelSource\.localModelPath/);
    // Not the JSON parser's complaint about '<'.
    expect(error.message).not.toMatch(/Unexpected token|not valid JSON/);
  });

  test('a host that cannot be reached: the failed URL, the likely causes, and what makes a model load offline', async () => {
    const base = 'http://127.0.0.1:9/models/';
    const llm = new TransformersLLM({ model: 'fixtures/llama-tiny', modelSource: { localModelPath: base, useBrowserCache: false } });
    const error = await loadError(() => llm.load());
    expect(error.message).toMatch(/^Could not load LLM "fixtures\/llama-tiny": the request for http:\/\/127\.0\.0\.1:9\/models\/fixtures\/llama-tiny\/\S+ failed \(.+\): the browser is offline, or the host cannot be reached/);
    expect(error.message).toMatch(/cached by an online visit/);
  });

  test('a model the host does not have: its 404 URL', async () => {
    const base = new URL('/not-found/models/', inject('sseServer')).href;
    const embed = new TransformersEmbedding({ model: 'fixtures/no-such-model', modelSource: { localModelPath: base, useBrowserCache: false } });
    const error = await loadError(() => embed.load());
    expect(error.message).toContain(`Could not load embedding model "fixtures/no-such-model": ${base}fixtures/no-such-model/config.json answered 404`);
    expect(error.message).toMatch(/check the model id/);
  });
});
