import { afterAll, describe, expect, inject, test } from 'vitest';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { WorkerLLM } from '../../src/worker/worker-llm.js';
import { OpenAICompatibleLLM } from '../../src/llms/remote/openai-compatible-llm.js';
import { tracedPort } from '../support/traced-port.js';
import { corpusDocuments } from '../support/corpus.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';
import { ScriptedLLM } from '../support/scripted-llm.js';

const name = uniqueName('concurrency');
const vectorStore = await IndexedDBVectorStore.open(name);
const index = await VectorStoreIndex.fromDocuments(corpusDocuments(), { embedModel: fixtureEmbedding(), vectorStore });
afterAll(async () => {
  vectorStore.close();
  await IndexedDBVectorStore.delete(name);
});

/** Counts listeners added to and removed from AbortSignals while `run` executes. */
async function countSignalListeners(run: () => Promise<void>): Promise<{ added: number; removed: number }> {
  const proto = EventTarget.prototype;
  const add = proto.addEventListener;
  const remove = proto.removeEventListener;
  const counts = { added: 0, removed: 0 };
  proto.addEventListener = function (this: EventTarget, ...args: Parameters<EventTarget['addEventListener']>) {
    if (this instanceof AbortSignal && args[0] === 'abort') counts.added++;
    return add.apply(this, args);
  };
  proto.removeEventListener = function (this: EventTarget, ...args: Parameters<EventTarget['removeEventListener']>) {
    if (this instanceof AbortSignal && args[0] === 'abort') counts.removed++;
    return remove.apply(this, args);
  };
  try {
    await run();
  } finally {
    proto.addEventListener = add;
    proto.removeEventListener = remove;
  }
  return counts;
}

describe('load and concurrency', () => {
  test('20 queries at once all complete, one LLM call at a time, no tokens crossing answers', async () => {
    const llm = new ScriptedLLM({ delayMs: 1, respond: (prompt) => [`[${/Query: (q\d+)/.exec(prompt)?.[1]}]`, 'a', 'b', 'c'] });
    const engine = index.asQueryEngine({ llm, streaming: true, similarityTopK: 1 });
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => (await (await engine.query(`q${i}`)).getResponse()).response),
    );
    answers.forEach((answer, i) => expect(answer).toBe(`[q${i}] a b c`));
    const calls = [...llm.calls].sort((a, b) => a.startedAt - b.startedAt);
    expect(calls).toHaveLength(20);
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.startedAt).toBeGreaterThanOrEqual(calls[i - 1]!.endedAt!);
  });

  test('abort storm: 200 streaming queries started and aborted leave no listener, timer or pending call behind', async () => {
    const llm = new ScriptedLLM({ delayMs: 2, respond: () => 'one two three four five six'.split(' ') });
    const engine = index.asQueryEngine({ llm, streaming: true, similarityTopK: 1 });
    const counts = await countSignalListeners(async () => {
      for (let i = 0; i < 200; i++) {
        const controller = new AbortController();
        const pending = engine.query(`storm ${i}`, { signal: controller.signal }).then(async (response) => {
          for await (const _ of response.responseGen) controller.abort();
        });
        if (i % 3 === 0) controller.abort();
        // Every aborted query rejects: none completes as if nothing happened.
        await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      }
    });
    expect(counts.added).toBeGreaterThan(0);
    expect(counts.removed).toBe(counts.added);
    expect(llm.activeTimers).toBe(0);
    const answer = await (await engine.query('after the storm')).getResponse();
    expect(answer.response).toBe('one two three four five six');
  });

  test('abort storm through the OpenAI-compatible adapter: each rejects, no abort listener left on the signals', async () => {
    const llm = new OpenAICompatibleLLM({ baseURL: `${inject('sseServer')}/v1`, model: 'slow' });
    const counts = await countSignalListeners(async () => {
      for (let i = 0; i < 30; i++) {
        const controller = new AbortController();
        const reading = (async () => {
          for await (const _ of llm.streamComplete('x', { signal: controller.signal })) controller.abort();
        })();
        await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
      }
    });
    expect(counts.added).toBeGreaterThan(0);
    expect(counts.removed).toBe(counts.added);
  });

  test('abort storm through a worker LLM leaves no reply handler behind', async () => {
    const worker = new Worker(new URL('../support/llm-worker.ts', import.meta.url), { type: 'module', name: JSON.stringify({ maxNewTokens: 40 }) });
    const traced = tracedPort(worker);
    const llm = await WorkerLLM.connect(traced.port);
    try {
      const engine = index.asQueryEngine({ llm, streaming: true, similarityTopK: 1 });
      for (let i = 0; i < 50; i++) {
        const controller = new AbortController();
        const reading = engine.query('cat', { signal: controller.signal }).then(async (response) => {
          for await (const _ of response.responseGen) controller.abort();
        });
        await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
      }
      expect(traced.open()).toEqual([]);
      const after = await (await engine.query('cat')).getResponse();
      expect(after.response.length).toBeGreaterThan(0);
      expect(traced.open()).toEqual([]);
    } finally {
      llm.dispose();
      worker.terminate();
    }
  });
});
