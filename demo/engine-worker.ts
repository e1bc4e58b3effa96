// The demo's engine: embedding model, IndexedDB index and LLM all live here, off the main thread.
// The page only sends commands and receives progress, sources and text deltas.
import {
  Document,
  IndexedDBVectorStore,
  TransformersEmbedding,
  TransformersLLM,
  VectorStoreIndex,
  WebLLM,
  detectCapabilities,
  selfHostedAppConfig,
  type LLM,
  type ModelSource,
} from '../src/index.js';
import snapshotUrl, { header as snapshotHeader } from 'virtual:pagerag-snapshot';
import { documentFromFile } from '../src/index.js';
import type { DemoSettings, PageMessage, WorkerMessage } from './protocol.js';
import { SAMPLE_CORPUS } from './sample-corpus.js';

const post = (message: WorkerMessage) => self.postMessage(message);
const INDEX_NAME = 'pagerag-demo';

let index: VectorStoreIndex | undefined;
let llm: LLM | undefined;
let settings: DemoSettings;
const running = new Map<number, AbortController>();
let work: Promise<unknown> = Promise.resolve();

function errorMessage(error: unknown, id?: number): WorkerMessage {
  const e = error as Error;
  return { type: 'error', ...(id !== undefined && { id }), name: e?.name ?? 'Error', message: e?.message ?? String(error) };
}

function modelSource(): ModelSource {
  const base = settings.modelsBaseUrl.trim();
  return base ? { localModelPath: new URL(base, self.location.href).href, allowRemoteModels: false } : {};
}

async function publishDocs(): Promise<void> {
  const docs = await index!.vectorStore.listRefDocs();
  post({
    type: 'docs',
    docs: docs.map((d) => ({ id: d.id, name: String(d.metadata.name ?? d.metadata.file_name ?? d.id), chunks: d.nodeIds.length })).sort((a, b) => a.name.localeCompare(b.name)),
  });
}

async function ingest(docs: { id: string; name: string; text: string }[]): Promise<void> {
  await index!.refreshRefDocs(
    docs.map((d) => new Document({ id: d.id, text: d.text, metadata: { name: d.name } })),
    { onProgress: (p) => post({ type: 'progress', ...p }) },
  );
  await publishDocs();
}

/**
 * The sample documents: from the snapshot prebuilt at build time when it was made with this
 * embedding model (nothing to embed), else embedded here.
 */
async function loadSamples(): Promise<void> {
  const onProgress = (p: { phase: string; done: number; total: number }) => post({ type: 'progress', ...p });
  const url = snapshotHeader?.embedModel.model === index!.embedModel.modelId ? snapshotUrl : null;
  const prebuilt = url !== null;
  if (url !== null) {
    await VectorStoreIndex.fromSnapshot(new URL(url, self.location.href), { vectorStore: index!.vectorStore, embedModel: index!.embedModel, name: 'samples', onProgress });
  } else {
    await index!.refreshRefDocs(SAMPLE_CORPUS.map((d) => documentFromFile(d.id, d.text)), { onProgress });
  }
  post({ type: 'samples', prebuilt });
  await publishDocs();
}

async function init(message: Extract<PageMessage, { type: 'init' }>): Promise<void> {
  settings = message.settings;
  const capabilities = await detectCapabilities();
  const embedModel = new TransformersEmbedding({ model: settings.embedModel, modelSource: modelSource() });
  await embedModel.load({ onProgress: (p) => post({ type: 'progress', ...p }) });
  const vectorStore = await IndexedDBVectorStore.open(INDEX_NAME);
  const stored = vectorStore.embedModel;
  if (stored && stored.model !== embedModel.modelId) {
    // Another embedding model was chosen: the old vectors cannot be searched with it.
    await vectorStore.clear();
  }
  index = await VectorStoreIndex.fromVectorStore(vectorStore, { embedModel });
  if (settings.llmKind === 'webllm') {
    const base = settings.modelsBaseUrl.trim();
    const { prebuiltAppConfig } = await import('@mlc-ai/web-llm');
    llm = new WebLLM({
      model: settings.llmModel,
      maxTokens: settings.maxNewTokens,
      ...(base && { appConfig: selfHostedAppConfig({ modelBaseUrl: new URL(base, self.location.href).href, models: prebuiltAppConfig.model_list }) }),
      onProgress: (p) => post({ type: 'progress', ...p }),
    });
  } else {
    llm = new TransformersLLM({ model: settings.llmModel, maxNewTokens: settings.maxNewTokens, modelSource: modelSource(), onProgress: (p) => post({ type: 'progress', ...p }) });
  }
  post({ type: 'ready', capabilities, llm: llm.metadata.model, embedModel: embedModel.modelId });
  if (message.seed) await loadSamples();
  else await publishDocs();
  // Load the LLM in the background so the first answer starts sooner.
  void (llm as { load?: () => Promise<void> }).load?.().catch((error: unknown) => post(errorMessage(error)));
}

async function query(id: number, question: string): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  const started = performance.now();
  let retrievalMs = 0;
  let deltas = 0;
  try {
    const engine = index!.asQueryEngine({
      llm: llm!,
      streaming: true,
      similarityTopK: settings.similarityTopK,
      responseMode: settings.responseMode,
      onEvent: (event) => {
        if (event.type === 'retrieve-end') {
          retrievalMs = event.time - started;
          post({
            type: 'sources',
            id,
            retrievalMs,
            nodes: event.nodes.map((n) => ({ name: String(n.node.metadata.name ?? n.node.refDocId), text: n.node.text, score: n.score })),
          });
        }
      },
    });
    const response = await engine.query(question, { signal: controller.signal });
    let firstAt: number | undefined;
    for await (const delta of response.responseGen) {
      firstAt ??= performance.now();
      deltas++;
      post({ type: 'delta', id, delta });
    }
    const tokens = response.usage?.completionTokens ?? deltas;
    const seconds = firstAt ? (performance.now() - firstAt) / 1000 : 0;
    post({
      type: 'done',
      id,
      stopped: false,
      ...(response.firstTokenMs !== undefined && { firstTokenMs: response.firstTokenMs }),
      tokens,
      ...(seconds > 0 && { tokensPerSecond: response.usage?.decodeTokensPerSecond ?? tokens / seconds }),
    });
  } catch (error) {
    if (controller.signal.aborted) post({ type: 'done', id, stopped: true, tokens: deltas });
    else post(errorMessage(error, id));
  } finally {
    running.delete(id);
  }
}

self.onmessage = (event: MessageEvent<PageMessage>) => {
  const message = event.data;
  if (message.type === 'stop') {
    running.get(message.id)?.abort();
    return;
  }
  if (message.type === 'query') {
    // A query waits for the index changes sent before it; the LLM itself queues its calls.
    void work.then(() => query(message.id, message.question));
    return;
  }
  // Index changes run one after another.
  work = work
    .then(async () => {
      switch (message.type) {
        case 'init':
          return init(message);
        case 'add':
          return ingest(message.docs);
        case 'samples':
          return loadSamples();
        case 'delete':
          await index!.deleteRefDoc(message.id);
          return publishDocs();
        case 'clear':
          await index!.vectorStore.clear();
          return publishDocs();
      }
    })
    .catch((error: unknown) => post(errorMessage(error)));
};
