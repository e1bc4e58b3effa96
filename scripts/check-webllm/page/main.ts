// The steps of the real-engine check, run by scripts/check-webllm/check.mjs one at a time through
// `window.steps[name]()`. `@mlc-ai/web-llm` here is the version the check installed for the
// library (a Vite alias), driven through pagerag's own WebLLM adapter, unchanged.
import type { AppConfig } from '@mlc-ai/web-llm';
import { Document, MemoryVectorStore, TransformersEmbedding, VectorStoreIndex } from '../../../src/index.js';
import type { LLMUsage } from '../../../src/llms/types.js';
import { WebLLM, type WebLLMEngine } from '../../../src/llms/webllm/web-llm.js';

interface StepResult {
  ok: boolean;
  [figure: string]: unknown;
}

const params = new URLSearchParams(location.search);
const modelId = params.get('model')!;
const maxTokens = Number(params.get('maxTokens') ?? '2');
const appConfig = {
  model_list: [{ model_id: modelId, model: `${location.origin}/mlc/${modelId}/`, model_lib: `${location.origin}/mlc/${modelId}.wasm` }],
} as AppConfig;

const progress: { done: number; text?: string; at: number }[] = [];
const onProgress = (p: { done: number; text?: string }) => progress.push({ done: p.done, text: p.text, at: performance.now() });
let llm = new WebLLM({ model: modelId, appConfig, maxTokens, onProgress });
let workerLLM: WebLLM | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (ms: number) => Math.round(ms);
const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: Error) => error);

/** Reads a stream to its end (or `stopAfter` deltas), with the time of each delta and the usage it returns. */
async function read(stream: AsyncIterable<string, LLMUsage | void>, stopAfter = Infinity) {
  const started = performance.now();
  const deltas: { text: string; ms: number }[] = [];
  const iterator = stream[Symbol.asyncIterator]();
  let usage: LLMUsage | void = undefined;
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      usage = next.value;
      break;
    }
    deltas.push({ text: next.value, ms: round(performance.now() - started) });
    if (deltas.length >= stopAfter) {
      const breakAt = performance.now();
      await iterator.return?.(undefined as never);
      return { deltas, usage, breakToEndMs: round(performance.now() - breakAt), totalMs: round(performance.now() - started) };
    }
  }
  return { deltas, usage, totalMs: round(performance.now() - started) };
}

/** Aborts `signal`'s controller at `when`, then times how long the call takes to end after it. */
async function abortAndTime(call: Promise<unknown>, controller: AbortController, when: Promise<unknown>) {
  await when;
  const abortedAt = performance.now();
  controller.abort();
  const error = await errorOf(call);
  return { error: error ? `${error.name}: ${error.message}` : 'none', abortToEndMs: round(performance.now() - abortedAt), isAbort: error?.name === 'AbortError' };
}

/** The real engine inside the adapter, for the step that acts between `create()` and the first chunk. */
const engineOf = (adapter: WebLLM) => (adapter as unknown as { engine: WebLLMEngine }).engine;

const steps: Record<string, () => Promise<StepResult>> = {
  /** The first call starts the load; it is aborted 1 s into the download. The load goes on. */
  async 'abort-during-load'() {
    const controller = new AbortController();
    const call = llm.complete('Hello', { signal: controller.signal });
    let loaded = false;
    void llm.load().then(() => (loaded = true), () => (loaded = true));
    const loading = (async () => {
      while (progress.length === 0) await sleep(20);
      await sleep(1000);
    })();
    const timed = await abortAndTime(call, controller, loading);
    return { ok: timed.isAbort && !loaded && timed.abortToEndMs < 1000, ...timed, loadStillRunning: !loaded, progressEventsBefore: progress.length };
  },

  /** The same load, awaited: progress from web-llm to 1. */
  async load() {
    const started = performance.now();
    await llm.load();
    const last = progress.at(-1);
    return { ok: last?.done === 1, ms: round(performance.now() - started), progressEvents: progress.length, lastProgress: last?.text };
  },

  async stream() {
    const result = await read(llm.streamComplete('Say one word.'));
    const usage = result.usage ?? {};
    return {
      ok: result.deltas.length >= 1 && (usage.completionTokens ?? 0) >= 1 && (usage.completionTokens ?? Infinity) <= maxTokens && (usage.prefillMs ?? 0) > 0,
      ...result,
    };
  },

  /** `break` after the first delta: interrupt, drain, lock free; the next call answers. */
  async break() {
    const broken = await read(llm.streamComplete('Say two words.'), 1);
    const next = await read(llm.streamComplete('Again.'));
    return { ok: broken.deltas.length === 1 && (broken.breakToEndMs ?? Infinity) < 1000 && next.deltas.length >= 1, broken, next };
  },

  /** Aborted after web-llm's `create()` returned and before its first chunk: its own interrupt would be lost here. */
  async 'abort-before-generation'() {
    const real = engineOf(llm);
    const controller = new AbortController();
    let created!: () => void;
    const createdPromise = new Promise<void>((resolve) => (created = resolve));
    const wrapped: WebLLMEngine = {
      chat: {
        completions: {
          create: async (request) => {
            const stream = await real.chat.completions.create(request);
            created();
            return stream;
          },
        },
      },
      interruptGenerate: () => real.interruptGenerate(),
    };
    const adapter = new WebLLM({ engine: wrapped, maxTokens });
    const timed = await abortAndTime(adapter.complete('Hello', { signal: controller.signal }), controller, createdPromise);
    const next = await read(llm.streamComplete('And now?'));
    return { ok: timed.isAbort && timed.abortToEndMs < 1000 && next.deltas.length >= 1, ...timed, next };
  },

  /** Aborted while web-llm reads a long prompt: the call ends at once; web-llm stops after the prefill it cannot interrupt, before the next call. */
  async 'abort-during-prefill'() {
    const controller = new AbortController();
    const prompt = `Read this and answer in one word. ${'The harbour keeps twelve wooden boats and the fishermen paint them blue every spring. '.repeat(12)}`;
    const started = performance.now();
    const call = llm.complete(prompt, { signal: controller.signal });
    const timed = await abortAndTime(call, controller, sleep(300));
    const next = await read(llm.streamComplete('Hello again.'));
    return { ok: timed.isAbort && timed.abortToEndMs < 1000 && next.deltas.length >= 1, ...timed, callMs: round(performance.now() - started), next };
  },

  /** The worker engine: load (from web-llm's cache now), stream, abort after the first delta, next call. */
  async worker() {
    await llm.dispose();
    const started = performance.now();
    workerLLM = new WebLLM({
      model: modelId,
      appConfig,
      maxTokens,
      worker: new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }),
    });
    await workerLLM.load();
    const loadMs = round(performance.now() - started);
    const streamed = await read(workerLLM.streamComplete('Say one word.'));
    const controller = new AbortController();
    let firstDelta!: () => void;
    const first = new Promise<void>((resolve) => (firstDelta = resolve));
    const aborted = abortAndTime(
      (async () => {
        for await (const _ of workerLLM!.streamComplete('Say two words.', { signal: controller.signal })) firstDelta();
      })(),
      controller,
      first,
    );
    const timed = await aborted;
    const next = await read(workerLLM.streamComplete('Hello.'));
    return { ok: streamed.deltas.length >= 1 && timed.isAbort && next.deltas.length >= 1, loadMs, streamed, abort: timed, next };
  },

  /** The whole RAG path on the worker engine: query() resolves before the first token. */
  async rag() {
    const embedModel = new TransformersEmbedding({ model: 'fixtures/bert-tiny', device: 'wasm', modelSource: { localModelPath: '/models/', allowRemoteModels: false, useBrowserCache: false } });
    const index = await VectorStoreIndex.fromDocuments(
      [
        new Document({ id: 'boats', text: 'The harbour keeps twelve wooden boats. Fishermen paint them blue every spring.' }),
        new Document({ id: 'bread', text: 'The bakery opens at dawn and sells rye bread until noon.' }),
      ],
      { embedModel, vectorStore: new MemoryVectorStore() },
    );
    const started = performance.now();
    const response = await index.asQueryEngine({ llm: workerLLM!, streaming: true, similarityTopK: 1 }).query('What colour are the boats?');
    const resolvedMs = round(performance.now() - started);
    let firstDeltaMs: number | undefined;
    let text = '';
    for await (const delta of response.responseGen) {
      firstDeltaMs ??= round(performance.now() - started);
      text += delta;
    }
    return { ok: firstDeltaMs !== undefined && resolvedMs < firstDeltaMs && response.sourceNodes.length === 1, resolvedMs, firstDeltaMs, text, usage: response.usage };
  },

  /** Nothing left this machine: every request went to the page's own origin. */
  async requests() {
    const foreign = performance.getEntriesByType('resource').map((e) => e.name).filter((url) => new URL(url).origin !== location.origin);
    return { ok: foreign.length === 0, foreign };
  },
};

(window as unknown as { steps: typeof steps }).steps = steps;
