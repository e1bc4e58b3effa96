import { FakeListChatModel } from '@langchain/core/utils/testing';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { InvalidArgumentError, LLMHttpError, ModelUnavailableError, NotImplementedError } from '../../src/errors.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { ChromeBuiltinLLM } from '../../src/llms/builtin/chrome-builtin-llm.js';
import { createLocalLLM } from '../../src/llms/create-local-llm.js';
import { LangChainLLM } from '../../src/llms/langchain-llm.js';
import { MockLLM } from '../../src/llms/mock-llm.js';
import { OpenAICompatibleLLM } from '../../src/llms/remote/openai-compatible-llm.js';
import { TransformersLLM } from '../../src/llms/transformers-llm.js';
import type { LLM } from '../../src/llms/types.js';
import { WebLLM } from '../../src/llms/webllm/web-llm.js';
import { StreamingResponse } from '../../src/responses/streaming-response.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { getResponseSynthesizer } from '../../src/synthesizers/response-synthesizer.js';
import { WorkerLLM } from '../../src/worker/worker-llm.js';
import { corpusDocuments } from '../support/corpus.js';
import { FIXTURE_DECODER, FIXTURE_SOURCE } from '../support/fixtures.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';
import { scriptedPromptApi } from '../support/scripted-prompt-api.js';
import { ScriptedMLCEngine } from '../support/scripted-mlc-engine.js';

const server = inject('sseServer');
const name = uniqueName('adapters');
const vectorStore = await IndexedDBVectorStore.open(name);
const index = await VectorStoreIndex.fromDocuments(corpusDocuments(), { embedModel: fixtureEmbedding(), vectorStore });
const worker = new Worker(new URL('../support/llm-worker.ts', import.meta.url), { type: 'module', name: JSON.stringify({ maxNewTokens: 30 }) });
afterAll(async () => {
  worker.terminate();
  vectorStore.close();
  await IndexedDBVectorStore.delete(name);
});

const adapters: [string, () => Promise<LLM>][] = [
  ['TransformersLLM (fixture model)', async () => new TransformersLLM({ model: FIXTURE_DECODER, device: 'wasm', maxNewTokens: 30, modelSource: FIXTURE_SOURCE })],
  ['WebLLM (scripted MLC engine)', async () => new WebLLM({ engine: new ScriptedMLCEngine() })],
  ['WorkerLLM (fixture model in a worker)', () => WorkerLLM.connect(worker)],
  ['OpenAICompatibleLLM (local SSE server)', async () => new OpenAICompatibleLLM({ baseURL: `${server}/v1`, model: 'normal', apiKey: 'test-key' })],
  ['LangChainLLM (FakeListChatModel)', async () => new LangChainLLM(new FakeListChatModel({ responses: ['A fake LangChain answer.'], sleep: 2 }))],
  ['ChromeBuiltinLLM (scripted Prompt API)', async () => new ChromeBuiltinLLM({ api: scriptedPromptApi('available').api })],
];

describe.each(adapters)('end-to-end streaming query on %s', (_, make) => {
  test('query() resolves before the end, responseGen streams, the text adds up, one source', async () => {
    const llm = await make();
    expect(llm.metadata.supportsStreaming).toBe(true);
    const response = await index.asQueryEngine({ llm, streaming: true, similarityTopK: 1 }).query('What did the author do growing up?');
    expect(response).toBeInstanceOf(StreamingResponse);
    expect(response.done).toBe(false);
    expect(response.sourceNodes).toHaveLength(1);
    const deltas: string[] = [];
    for await (const delta of response.responseGen) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect((await response.getResponse()).response).toBe(deltas.join(''));
  });

  test('an engine of this LLM marked non-streaming raises NotImplementedError when asked to stream', async () => {
    const llm = await make();
    const cannot = Object.create(llm, { metadata: { value: { ...llm.metadata, supportsStreaming: false } } }) as LLM;
    expect(() => getResponseSynthesizer({ llm: cannot, streaming: true })).toThrow(NotImplementedError);
  });
});

describe('OpenAICompatibleLLM against a real HTTP server', () => {
  test('parses SSE cut inside lines and multi-byte characters; sends the key only as a bearer token', async () => {
    const llm = new OpenAICompatibleLLM({ baseURL: `${server}/v1`, model: 'normal', apiKey: 'test-key' });
    const deltas: string[] = [];
    const iterator = llm.streamComplete('hi')[Symbol.asyncIterator]();
    let result = await iterator.next();
    for (; !result.done; result = await iterator.next()) deltas.push(result.value);
    expect(deltas.join('')).toBe('Café au lait 👋 naïve façade résumé done.');
    expect(deltas.length).toBeGreaterThan(1);
    // The usage figures are the stream's return value.
    expect(result.value).toMatchObject({ promptTokens: 21, completionTokens: 8 });
    const stats = (await (await fetch(`${server}/stats`)).json()) as { lastAuthorization: string };
    expect(stats.lastAuthorization).toBe('Bearer test-key');
  });

  test('a server that closes mid-stream gives a clear error and keeps the partial text', async () => {
    const llm = new OpenAICompatibleLLM({ baseURL: `${server}/v1`, model: 'close-mid' });
    const response = await index.asQueryEngine({ llm, streaming: true, similarityTopK: 1 }).query('q');
    const error = await response.getResponse().then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(LLMHttpError);
    expect(response.toString()).toBe('Partial answer');
  });

  test('429 and 500 with JSON bodies surface the server message and status; an error event does too', async () => {
    const rate = await new OpenAICompatibleLLM({ baseURL: `${server}/v1`, model: 'rate-limited' }).complete('x').catch((e: unknown) => e as LLMHttpError);
    expect(rate).toBeInstanceOf(LLMHttpError);
    expect((rate as LLMHttpError).status).toBe(429);
    expect((rate as Error).message).toMatch(/429.*Rate limit reached for requests/);
    const crash = await new OpenAICompatibleLLM({ baseURL: `${server}/v1`, model: 'crash' }).complete('x').catch((e: unknown) => e as LLMHttpError);
    expect((crash as LLMHttpError).status).toBe(500);
    expect((crash as Error).message).toMatch(/The model crashed/);
    await expect(new OpenAICompatibleLLM({ baseURL: `${server}/v1`, model: 'error-event' }).complete('x')).rejects.toThrow(/context length exceeded/);
  });

  test('abort and break mid-stream cancel the HTTP request (the server sees the connection close)', async () => {
    const before = ((await (await fetch(`${server}/stats`)).json()) as { closedEarly: number }).closedEarly;
    const llm = new OpenAICompatibleLLM({ baseURL: `${server}/v1`, model: 'slow' });
    const controller = new AbortController();
    const reading = (async () => {
      let n = 0;
      for await (const _ of llm.streamComplete('x', { signal: controller.signal })) if (++n === 3) controller.abort();
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    let n = 0;
    for await (const _ of llm.streamComplete('x')) if (++n === 3) break;
    await expect.poll(async () => ((await (await fetch(`${server}/stats`)).json()) as { closedEarly: number }).closedEarly).toBe(before + 2);
  });
});

describe('OpenAICompatibleLLM against a hostile server', () => {
  const closedEarly = async () => ((await (await fetch(`${server}/stats`)).json()) as { closedEarly: number }).closedEarly;
  const failure = (model: string, signal?: AbortSignal) =>
    new OpenAICompatibleLLM({ baseURL: `${server}/v1`, model }).complete('x', signal ? { signal } : {}).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
  const nextCallWorks = async () => expect((await new OpenAICompatibleLLM({ baseURL: `${server}/v1`, model: 'normal' }).complete('x')).text).toContain('done.');

  test('a line that never ends and a 20 MB event are refused with a named error; the connection is closed', async () => {
    const before = await closedEarly();
    const endless = await failure('endless-line');
    expect(endless).toBeInstanceOf(LLMHttpError);
    expect(endless!.message).toMatch(/longer than 4194304 characters/);
    await expect.poll(closedEarly).toBe(before + 1);
    const huge = await failure('huge-event');
    expect(huge).toBeInstanceOf(LLMHttpError);
    expect(huge!.message).toMatch(/longer than/);
    await nextCallWorks();
  });

  test('an error page that never ends gives its status and a bounded message', async () => {
    const before = await closedEarly();
    const error = (await failure('html-500-endless')) as LLMHttpError;
    expect(error).toBeInstanceOf(LLMHttpError);
    expect(error.status).toBe(500);
    expect(error.message.length).toBeLessThan(1000);
    await expect.poll(closedEarly).toBe(before + 1);
    await nextCallWorks();
  });

  test('events of the wrong shape, and a reset inside an event, are named errors', async () => {
    const nullData = await failure('null-data');
    expect(nullData).toBeInstanceOf(LLMHttpError);
    expect(nullData!.message).toMatch(/not a chat completions chunk \(expected a JSON object\)/);
    const numberContent = await failure('number-content');
    expect(numberContent).toBeInstanceOf(LLMHttpError);
    expect(numberContent!.message).toMatch(/"delta.content" is not a string/);
    expect(await failure('reset-mid-event')).toBeInstanceOf(LLMHttpError);
    await nextCallWorks();
  });

  test('a server that drips a byte at a time can be aborted', async () => {
    const controller = new AbortController();
    const pending = failure('drip', controller.signal);
    setTimeout(() => controller.abort(), 300);
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await nextCallWorks();
  });

  test('an invalid baseURL is an InvalidArgumentError, not a TypeError', () => {
    for (const baseURL of ['http://[bad', 'ftp://example.com/v1', 42]) {
      expect(() => new OpenAICompatibleLLM({ baseURL: baseURL as string, model: 'm' })).toThrow(InvalidArgumentError);
    }
  });
});

describe('ChromeBuiltinLLM', () => {
  test('reports availability, download progress and a clear error where the API is missing', async () => {
    expect(await ChromeBuiltinLLM.availability(undefined)).toBe('unavailable');
    expect(await ChromeBuiltinLLM.availability(scriptedPromptApi('downloadable').api)).toBe('downloadable');
    await expect(new ChromeBuiltinLLM({ api: scriptedPromptApi('unavailable').api }).complete('x')).rejects.toThrow(ModelUnavailableError);
    // This headless Chromium: the API may exist, but it has no model.
    const real = (globalThis as { LanguageModel?: unknown }).LanguageModel;
    if (real) await expect(new ChromeBuiltinLLM().complete('x')).rejects.toThrow(/unavailable on this device/);
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'LanguageModel');
    if (descriptor) delete (globalThis as { LanguageModel?: unknown }).LanguageModel;
    try {
      await expect(new ChromeBuiltinLLM().complete('x')).rejects.toThrow(/no Prompt API/);
    } finally {
      if (descriptor) Object.defineProperty(globalThis, 'LanguageModel', descriptor);
    }
    const progress: number[] = [];
    const scripted = scriptedPromptApi('downloadable');
    const llm = new ChromeBuiltinLLM({ api: scripted.api, onProgress: (p) => progress.push(p.done) });
    const { text } = await llm.chat([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(text).toBe('the built in model answers here');
    expect(progress).toEqual([0.5, 1]);
    expect(scripted.calls[0]).toEqual({ initialPrompts: [{ role: 'system', content: 'Be brief.' }], prompt: 'Hi' });
    expect(scripted.destroyed()).toBe(1);
  });

  test('createLocalLLM prefers the built-in model when chosen and available, else web-llm, else transformers.js', async () => {
    expect(await createLocalLLM({ prefer: 'builtin', builtin: { api: scriptedPromptApi('available').api } })).toBeInstanceOf(ChromeBuiltinLLM);
    // Unavailable: the "auto" rule, and this Chromium's WebGPU adapter is software (SwiftShader).
    expect(await createLocalLLM({ prefer: 'builtin', builtin: { api: scriptedPromptApi('unavailable').api }, webllm: () => new MockLLM() })).toBeInstanceOf(TransformersLLM);
  });
});
