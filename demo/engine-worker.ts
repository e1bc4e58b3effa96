// The demo's engine worker: embedding model, IndexedDB index and LLM all live here, off the main
// thread, served by pagerag's own worker protocol (the page uses WorkerRAGEngine from pagerag/client).
import {
  IndexedDBVectorStore,
  LocalRAGEngine,
  TransformersEmbedding,
  TransformersLLM,
  VectorStoreIndex,
  exposeRAGEngine,
  readStoredDocuments,
  type LLM,
  type ModelSource,
  type ProgressCallback,
} from 'pagerag';
import { documentFromDocx } from 'pagerag/docx';
import { documentFromPdf } from 'pagerag/pdf';
import { WebLLM, selfHostedAppConfig } from 'pagerag/webllm';
import type { DemoSettings } from './settings.js';

// One database per embedding model (a store holds one model's vectors). The first demo kept its
// documents in "pagerag-demo", whatever the model: that one is carried over too.
const INDEX_NAME = 'pagerag-demo';
const storeName = (model: string) => `${INDEX_NAME}:${model}`;

/**
 * Documents stored under another embedding model are embedded again with this one, and the old
 * database is deleted only once all of them are here. Stopped half way (a closed tab, a cancel),
 * nothing is lost: the old database is still there and the next setup carries on, with either model.
 */
async function carryOver(index: VectorStoreIndex, onProgress: ProgressCallback): Promise<void> {
  const here = index.vectorStore.name;
  const others = (await IndexedDBVectorStore.list()).filter((name) => (name === INDEX_NAME || name.startsWith(`${INDEX_NAME}:`)) && name !== here);
  for (const name of others) {
    const old = await IndexedDBVectorStore.open(name);
    try {
      const present = new Set((await index.vectorStore.listRefDocs()).map((d) => d.id));
      // Those already here are newer or the same: a carry-over never overwrites.
      const missing = (await readStoredDocuments(old)).filter((d) => !present.has(d.id));
      if (missing.length > 0) await index.refreshRefDocs(missing, { onProgress });
    } finally {
      old.close();
    }
    await IndexedDBVectorStore.delete(name);
  }
}

exposeRAGEngine<DemoSettings>(async (settings, { onProgress }) => {
  const base = settings.modelsBaseUrl.trim();
  const modelSource: ModelSource = base ? { localModelPath: new URL(base, self.location.href).href, allowRemoteModels: false } : {};
  const embedModel = new TransformersEmbedding({ model: settings.embedModel, modelSource });
  await embedModel.load({ onProgress });
  const index = await VectorStoreIndex.fromVectorStore(await IndexedDBVectorStore.open(storeName(embedModel.modelId)), { embedModel });
  await carryOver(index, onProgress);
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
  return new LocalRAGEngine({ index, llm, similarityTopK: settings.similarityTopK, responseMode: settings.responseMode, citations: settings.citations, fileReaders: { '.pdf': documentFromPdf, '.docx': documentFromDocx } });
});
