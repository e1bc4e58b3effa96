import { afterAll, describe, expect, test } from 'vitest';
import { ModelLoadError, WorkerError } from '../../src/errors.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { WorkerLLM } from '../../src/worker/worker-llm.js';
import { corpusDocuments } from '../support/corpus.js';
import { foreignRequests } from '../support/fixtures.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';
import { tracedPort } from '../support/traced-port.js';

const spawn = (settings: Record<string, unknown> = {}) =>
  new Worker(new URL('../support/llm-worker.ts', import.meta.url), { type: 'module', name: JSON.stringify(settings) });

const worker = spawn({ maxNewTokens: 60 });
const traced = tracedPort(worker);
const llm = await WorkerLLM.connect(traced.port);
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

describe('the LLM in a Web Worker, through WorkerLLM.connect', () => {
  test('engines run unchanged on the worker LLM; only deltas cross over', async () => {
    expect(llm.metadata).toMatchObject({ model: 'fixtures/llama-tiny', supportsStreaming: true, numOutput: 60 });
    const response = await index.asQueryEngine({ llm, streaming: true, similarityTopK: 1, responseMode: 'refine' }).query('What did the author do growing up?');
    const deltas: string[] = [];
    for await (const d of response.responseGen) deltas.push(d);
    expect(deltas.length).toBeGreaterThan(1);
    expect(response.usage?.completionTokens).toBe(60);
    expect((await response.getResponse()).response).toBe(deltas.join(''));
    expect((await llm.countTokensExact(['hello world']))[0]).toBeGreaterThan(0);
    expect(traced.open()).toEqual([]);
  });

  test('break and abort mid-stream stop generation in the worker; the next query works', async () => {
    const longWorker = spawn({ maxNewTokens: 400 });
    const longTraced = tracedPort(longWorker);
    const longLLM = await WorkerLLM.connect(longTraced.port);
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
    expect(longTraced.open()).toEqual([]);
    longLLM.dispose();
    longWorker.terminate();
  });

  test('a dead worker never hangs a stream: abort ends it, terminate() rejects it with WorkerError', async () => {
    const doomed = spawn({ maxNewTokens: 400 });
    const doomedTraced = tracedPort(doomed);
    const doomedLLM = await WorkerLLM.connect(doomedTraced.port);
    const controller = new AbortController();
    const iterator = doomedLLM.streamComplete('Tell me a story.', { signal: controller.signal })[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) expect((await iterator.next()).done).toBe(false);
    // Killed from outside: no reply will ever come.
    doomed.terminate();
    const pending = (async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next());
    })();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(doomedTraced.open()).toEqual([]);

    const second = spawn({ maxNewTokens: 400 });
    const secondLLM = await WorkerLLM.connect(second);
    const reading = (async () => {
      for await (const _ of secondLLM.streamComplete('Tell me a story.')) secondLLM.terminate();
    })();
    await expect(reading).rejects.toBeInstanceOf(WorkerError);
    await expect(secondLLM.complete('again')).rejects.toBeInstanceOf(WorkerError);
  });

  test('a worker that fails to load rejects WorkerLLM.connect with WorkerError', async () => {
    const missing = new Worker(new URL('../support/no-such-worker.ts', import.meta.url), { type: 'module' });
    await expect(WorkerLLM.connect(missing)).rejects.toBeInstanceOf(WorkerError);
    missing.terminate();
  });

  test('the page runs its own work between deltas while the worker generates (how long it waits is a bench figure)', async () => {
    const busy = spawn({ maxNewTokens: 400 });
    const busyLLM = await WorkerLLM.connect(busy);
    await busyLLM.complete('warm up');
    // Order of events, not durations: page tasks interleave with deltas when generation is off the main thread.
    const events: string[] = [];
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      for await (const _ of busyLLM.streamComplete('Tell me a long story about the river and the mountain.')) {
        events.push('delta');
        timer ??= setInterval(() => events.push('page'), 0);
      }
    } finally {
      clearInterval(timer);
      busyLLM.dispose();
      busy.terminate();
    }
    const firstDelta = events.indexOf('delta');
    const lastDelta = events.lastIndexOf('delta');
    expect(events.filter((e) => e === 'delta').length).toBeGreaterThan(20);
    // Page tasks ran in more than one gap between deltas, i.e. throughout generation, not once.
    const gapsWithPageWork = events.slice(firstDelta, lastDelta).join(' ').split('delta').filter((gap) => gap.includes('page')).length;
    expect(gapsWithPageWork).toBeGreaterThan(5);
  });

  test('errors cross the boundary as errors with their name and class', async () => {
    const broken = spawn({ model: 'fixtures/no-such-model' });
    const brokenLLM = await WorkerLLM.connect(broken);
    const error = await brokenLLM.complete('hi').then(() => undefined, (e: unknown) => e as Error);
    brokenLLM.dispose();
    broken.terminate();
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error!.name).toBe('ModelLoadError');
    expect(error!.message).toMatch(/Could not load LLM "fixtures\/no-such-model"/);
  });
});
