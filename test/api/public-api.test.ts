// The public API: what the root barrel exports, and its types. The type assertions are checked by
// `tsc --noEmit`, which npm test runs first (scripts/test.mjs); the runtime ones here.
import { describe, expect, expectTypeOf, test } from 'vitest';
import * as api from '../../src/index.js';
import * as webllmEntry from '../../src/webllm.js';
import * as errors from '../../src/errors.js';
import type { Response, StreamingResponse, VectorStore, VectorStoreIndex } from '../../src/index.js';
import { deserializeError, serializeError } from '../../src/worker/errors-across.js';

describe('the root barrel', () => {
  test('exports at most 80 runtime values, and no internals', () => {
    const names = Object.keys(api);
    expect(names.length).toBeLessThanOrEqual(80);
    for (const internal of ['pushIterator', 'readServerSentEvents', 'porterStem', 'EMPTY_RESPONSE', 'ERROR_CLASSES', 'SearchIndex', 'VectorMatrix']) expect(names).not.toContain(internal);
    for (const needed of ['MemoryVectorStore', 'IndexedDBVectorStore', 'IngestionPipeline', 'MockLLM', 'documentFromFile', 'htmlToText', 'InvalidStateError']) expect(names).toContain(needed);
  });

  test('every error class of errors.ts is exported and crosses a worker boundary as itself', () => {
    const classes = Object.entries(errors).filter(([, value]) => typeof value === 'function' && (value as { prototype: unknown }).prototype instanceof Error);
    expect(classes.length).toBeGreaterThan(10);
    for (const [name, Class] of classes) {
      expect(errors.ERROR_CLASSES[name]).toBe(Class);
      expect((api as Record<string, unknown>)[name]).toBe(Class);
    }
    const sent = new errors.LLMHttpError('the server said no', 503);
    const back = deserializeError(serializeError(sent));
    expect(back).toBeInstanceOf(errors.LLMHttpError);
    expect(back.message).toBe('the server said no');
    expect((back as errors.LLMHttpError).status).toBe(503);
    expect(deserializeError(serializeError(new errors.ModelUnavailableError('gone')))).toBeInstanceOf(errors.ModelUnavailableError);
  });
});

describe('public types', () => {
  type Index = VectorStoreIndex;
  type Llm = api.LLM;

  test('streaming: true gives a StreamingResponse, false (or absent) a Response', () => {
    const queryStreaming = (index: Index, llm: Llm) => index.asQueryEngine({ llm, streaming: true }).query('q');
    const queryPlain = (index: Index, llm: Llm) => index.asQueryEngine({ llm, streaming: false }).query('q');
    const queryDefault = (index: Index, llm: Llm) => index.asQueryEngine({ llm }).query('q');
    expectTypeOf<Awaited<ReturnType<typeof queryStreaming>>>().toEqualTypeOf<StreamingResponse>();
    expectTypeOf<Awaited<ReturnType<typeof queryPlain>>>().toEqualTypeOf<Response>();
    expectTypeOf<Awaited<ReturnType<typeof queryDefault>>>().toEqualTypeOf<Response>();
    // A wrong expectation is caught by the type check:
    // @ts-expect-error a streaming engine does not answer with a plain Response
    expectTypeOf<Awaited<ReturnType<typeof queryStreaming>>>().toEqualTypeOf<Response>();
  });

  test('the chat engines follow streaming and chatMode', () => {
    const chatStreaming = (index: Index, llm: Llm) => index.asChatEngine({ llm, streaming: true }).chat('q');
    const chatPlain = (index: Index, llm: Llm) => index.asChatEngine({ llm, chatMode: 'context' }).chat('q');
    const condense = (index: Index, llm: Llm) => index.asChatEngine({ llm, chatMode: 'condense_question', streaming: true });
    expectTypeOf<Awaited<ReturnType<typeof chatStreaming>>>().toEqualTypeOf<StreamingResponse>();
    expectTypeOf<Awaited<ReturnType<typeof chatPlain>>>().toEqualTypeOf<Response>();
    expectTypeOf<ReturnType<typeof condense>>().toEqualTypeOf<api.CondenseQuestionChatEngine<true>>();
  });

  test('both stores satisfy the VectorStore contract; LLM adapters the LLM interface', () => {
    expectTypeOf<api.IndexedDBVectorStore>().toMatchTypeOf<VectorStore>();
    expectTypeOf<api.MemoryVectorStore>().toMatchTypeOf<VectorStore>();
    expectTypeOf<api.MockLLM>().toMatchTypeOf<Llm>();
    expectTypeOf<api.TransformersLLM>().toMatchTypeOf<Llm>();
    expectTypeOf<webllmEntry.WebLLM>().toMatchTypeOf<Llm>();
    expectTypeOf<api.TransformersEmbedding>().toMatchTypeOf<api.Embedding>();
    expectTypeOf<api.SentenceSplitter>().toMatchTypeOf<api.NodeParser>();
    expectTypeOf<api.LocalRAGEngine>().toMatchTypeOf<api.RAGEngine>();
    expectTypeOf<api.WorkerRAGEngine>().toMatchTypeOf<api.RAGEngine>();
    expectTypeOf<api.WorkerLLM>().toMatchTypeOf<Llm>();
    // A custom LLM is any async generator of strings that returns its usage, or nothing.
    expectTypeOf<AsyncGenerator<string, api.LLMUsage>>().toMatchTypeOf<api.LLMStream>();
    expectTypeOf<AsyncGenerator<string, void>>().toMatchTypeOf<api.LLMStream>();
    // The index takes any store.
    expectTypeOf<api.VectorStoreIndexOptions['vectorStore']>().toEqualTypeOf<VectorStore>();
  });
});

describe('MockLLM', () => {
  test('streams its answer word by word, echoes by default, and honours abort', async () => {
    const llm = new api.MockLLM({ response: 'one two three' });
    const parts: string[] = [];
    for await (const part of llm.streamComplete('question')) parts.push(part);
    expect(parts).toEqual(['one ', 'two ', 'three']);
    expect((await new api.MockLLM().complete('echo me')).text).toBe('echo me');
    const controller = new AbortController();
    const stream = new api.MockLLM({ response: 'a b c d', tokenDelayMs: 1 }).streamComplete('q', { signal: controller.signal });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const part of stream) {
          seen.push(part);
          controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual(['a ']);
  });
});

describe('the web-llm entry pagerag/webllm', () => {
  test('holds web-llm; the root entry does not reach it (esbuild keeps every dynamic import, so it would be bundled)', () => {
    expect(Object.keys(webllmEntry).sort()).toEqual(['DEFAULT_WEBLLM_FAMILY', 'WebLLM', 'chooseWebLLMModel', 'deleteWebLLMModel', 'isWebLLMModelCached', 'selfHostedAppConfig']);
    for (const name of ['WebLLM', 'selfHostedAppConfig', 'isWebLLMModelCached', 'deleteWebLLMModel', 'DEFAULT_WEBLLM_FAMILY']) expect(Object.keys(api)).not.toContain(name);
    expect(api.chooseWebLLMModel).toBe(webllmEntry.chooseWebLLMModel);
  });
});

describe('the light page entry pagerag/client', () => {
  test('exports exactly the worker clients and page helpers (the demo e2e test checks its bundle holds no model runtime)', async () => {
    const client = await import('../../src/client.js');
    expect(Object.keys(client).sort()).toEqual(
      [
        'Document',
        'InvalidArgumentError',
        'InvalidStateError',
        'LLMHttpError',
        'ModelLoadError',
        'PageragError',
        'Response',
        'SnapshotFetchError',
        'SnapshotFormatError',
        'StorageQuotaError',
        'StorageWriteError',
        'StreamingResponse',
        'TextNode',
        'WorkerError',
        'WorkerLLM',
        'WorkerRAGEngine',
        'chooseWebLLMModel',
        'detectCapabilities',
        'documentFileType',
        'documentFromFile',
        'htmlToText',
      ].sort(),
    );
  });
});
