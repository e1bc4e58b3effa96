// The demo's engine worker: embedding model, IndexedDB index and LLM all live here, off the main
// thread, served by pagerag's own worker protocol (the page uses WorkerRAGEngine from pagerag/client).
import {
  IndexedDBVectorStore,
  LocalRAGEngine,
  TransformersEmbedding,
  TransformersLLM,
  VectorStoreIndex,
  WebLLM,
  exposeRAGEngine,
  selfHostedAppConfig,
  type LLM,
  type ModelSource,
} from 'pagerag';
import type { DemoSettings } from './settings.js';

const INDEX_NAME = 'pagerag-demo';

exposeRAGEngine<DemoSettings>(async (settings, { onProgress }) => {
  const base = settings.modelsBaseUrl.trim();
  const modelSource: ModelSource = base ? { localModelPath: new URL(base, self.location.href).href, allowRemoteModels: false } : {};
  const embedModel = new TransformersEmbedding({ model: settings.embedModel, modelSource });
  await embedModel.load({ onProgress });
  const vectorStore = await IndexedDBVectorStore.open(INDEX_NAME);
  const stored = vectorStore.embedModel;
  // Another embedding model was chosen: the old vectors cannot be searched with it.
  if (stored && stored.model !== embedModel.modelId) await vectorStore.clear();
  const index = await VectorStoreIndex.fromVectorStore(vectorStore, { embedModel });
  let llm: LLM;
  if (settings.llmKind === 'webllm') {
    const { prebuiltAppConfig } = await import('@mlc-ai/web-llm');
    llm = new WebLLM({
      model: settings.llmModel,
      maxTokens: settings.maxNewTokens,
      ...(base && { appConfig: selfHostedAppConfig({ modelBaseUrl: new URL(base, self.location.href).href, models: prebuiltAppConfig.model_list }) }),
      onProgress,
    });
  } else {
    llm = new TransformersLLM({ model: settings.llmModel, maxNewTokens: settings.maxNewTokens, modelSource, onProgress });
  }
  return new LocalRAGEngine({ index, llm, similarityTopK: settings.similarityTopK, responseMode: settings.responseMode });
});
