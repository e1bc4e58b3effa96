import { afterAll, describe, expect, test } from 'vitest';
import { ModelLoadError } from '../../src/errors.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { createWorkerEngine } from '../../src/worker/worker-llm.js';
import { corpusDocuments } from '../support/corpus.js';
import { foreignRequests } from '../support/fixtures.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';

const spawn = (settings: Record<string, unknown> = {}) =>
  new Worker(new URL('../support/llm-worker.ts', import.meta.url), { type: 'module', name: JSON.stringify(settings) });

const worker = spawn({ maxNewTokens: 60 });
const llm = await createWorkerEngine(worker);
const name = uniqueName('worker');
const vectorStore = await IndexedDBVectorStore.open(name);
const index = await VectorStoreIndex.fromDocuments(corpusDocuments(), { embedModel: fixtureEmbedding(), vectorStore });

afterAll(async () => {
  llm.dispose();
  worker.terminate();
  vectorStore.close();
  await IndexedDBVectorStore.delete(name);
  expect(foreignRequests()).toEqual([]);
});

describe('the LLM in a Web Worker, through createWorkerEngine', () => {
  test('engines run unchanged on the worker LLM; only deltas cross over', async () => {
    expect(llm.metadata).toMatchObject({ model: 'fixtures/llama-tiny', supportsStreaming: true, numOutput: 60 });
    const response = await index.asQueryEngine({ llm, streaming: true, similarityTopK: 1, responseMode: 'refine' }).query('What did the author do growing up?');
    const deltas: string[] = [];
    for await (const d of response.responseGen) deltas.push(d);
    expect(deltas.length).toBeGreaterThan(1);
    expect(response.usage?.completionTokens).toBe(60);
    expect((await response.getResponse()).response).toBe(deltas.join(''));
    expect((await llm.countTokensExact(['hello world']))[0]).toBeGreaterThan(0);
    expect(llm.pendingCalls).toBe(0);
  });

  test('break and abort mid-stream stop generation in the worker; the next query works', async () => {
    const longWorker = spawn({ maxNewTokens: 400 });
    const longLLM = await createWorkerEngine(longWorker);
    const engine = index.asQueryEngine({ llm: longLLM, streaming: true, similarityTopK: 1 });
    const broken = await engine.query('cat');
    let n = 0;
    for await (const _ of broken.responseGen) if (++n === 2) break;
    expect(broken.usage?.completionTokens ?? 0).toBeLessThan(400);

    const controller = new AbortController();
    const aborted = await engine.query('dog', { signal: controller.signal });
    const reading = (async () => {
      for await (const _ of aborted.responseGen) controller.abort();
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });

    const next = await engine.query('cat');
    const text = (await next.getResponse()).response;
    expect(text.startsWith(broken.toString())).toBe(true);
    expect(next.usage?.completionTokens).toBe(400);
    expect(longLLM.pendingCalls).toBe(0);
    longLLM.dispose();
    longWorker.terminate();
  });

  test('the page stays responsive while the worker generates (no timer gap over 100 ms)', async () => {
    const busy = spawn({ maxNewTokens: 400 });
    const busyLLM = await createWorkerEngine(busy);
    // Measure during generation: the model is loaded by a first call.
    await busyLLM.complete('warm up');
    const gaps: number[] = [];
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      let deltas = 0;
      let last = 0;
      for await (const _ of busyLLM.streamComplete('Tell me a long story about the river and the mountain.')) {
        if (deltas++ === 0) {
          last = performance.now();
          timer = setInterval(() => {
            const now = performance.now();
            gaps.push(now - last);
            last = now;
          }, 10);
        }
      }
      expect(deltas).toBeGreaterThan(20);
    } finally {
      clearInterval(timer);
      busyLLM.dispose();
      busy.terminate();
    }
    expect(gaps.length).toBeGreaterThan(10);
    expect(Math.max(...gaps)).toBeLessThan(100);
  });

  test('errors cross the boundary as errors with their name and class', async () => {
    const broken = spawn({ model: 'fixtures/no-such-model' });
    const brokenLLM = await createWorkerEngine(broken);
    const error = await brokenLLM.complete('hi').then(() => undefined, (e: unknown) => e as Error);
    brokenLLM.dispose();
    broken.terminate();
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error!.name).toBe('ModelLoadError');
    expect(error!.message).toMatch(/Could not load LLM "fixtures\/no-such-model"/);
  });
});
