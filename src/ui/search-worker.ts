// The worker behind <pagerag-search>: the site's prebuilt index, the embedding model and the LLM all
// live here, served to the component through pagerag's worker protocol. The index is the snapshot
// `pagerag build-index --site` wrote; its header names the embedding model the page must use.
import { InvalidArgumentError } from '../errors.js';
import { TransformersEmbedding } from '../embeddings/transformers-embedding.js';
import { LocalRAGEngine } from '../engines/rag-engine.js';
import { VectorStoreIndex } from '../indices/vector-store-index.js';
import { TransformersLLM } from '../llms/transformers-llm.js';
import type { ModelSource } from '../runtime/transformers-env.js';
import { readSnapshotSource } from '../snapshot/read-source.js';
import { readSnapshotHeader, type SnapshotEmbedModel } from '../snapshot/snapshot-format.js';
import { StaticVectorStore } from '../static/static-vector-store.js';
import { MemoryVectorStore } from '../storage/memory-vector-store.js';
import { exposeRAGEngine } from '../worker/expose-rag-engine.js';

/** What the component sends when it connects (its attributes, resolved against the page). */
export interface SearchWorkerConfig {
  /** Absolute URL of the snapshot, or of a partitioned index's manifest.json. */
  index: string;
  /** Absolute URL of a folder laid out like the Hub, or "" for the Hugging Face Hub. */
  models: string;
  /** The answering model (transformers.js). */
  llmModel: string;
  maxNewTokens: number;
  /** Numbered citations (LlamaIndex's CitationQueryEngine); their instructions need a few hundred tokens of context. */
  citations: boolean;
}

exposeRAGEngine<SearchWorkerConfig>(async (config, { onProgress }) => {
  if (typeof config?.index !== 'string') throw new InvalidArgumentError('Expected the index URL of <pagerag-search index="…">.');
  const modelSource: ModelSource = config.models ? { localModelPath: config.models, allowRemoteModels: false } : {};
  const embedModelOf = (recorded: SnapshotEmbedModel) => new TransformersEmbedding({ model: recorded.model, modelSource, ...(recorded.dtype && { dtype: recorded.dtype }) });
  // A partitioned static index (manifest.json) for large sites: partitions and keyword chunks fetched per query.
  const partitioned = new URL(config.index).pathname.endsWith('.json');
  let index: VectorStoreIndex;
  if (partitioned) {
    const store = await StaticVectorStore.open(config.index);
    const embedModel = embedModelOf(store.manifest.embedModel);
    await embedModel.load({ onProgress });
    index = await VectorStoreIndex.fromVectorStore(store, { embedModel });
  } else {
    const { bytes } = await readSnapshotSource(config.index, { onProgress });
    const embedModel = embedModelOf(readSnapshotHeader(bytes).header.embedModel);
    await embedModel.load({ onProgress });
    index = await VectorStoreIndex.fromSnapshot(bytes, { embedModel, vectorStore: new MemoryVectorStore(), onProgress });
  }
  // Loaded when the reader asks for an answer (engine.load), never for search alone.
  const llm = new TransformersLLM({ model: config.llmModel, modelSource, maxNewTokens: config.maxNewTokens });
  // Hybrid where the index has keywords: a reader types words of the page as often as questions.
  return new LocalRAGEngine({ index, llm, similarityTopK: 3, retrieverMode: index.vectorStore.capabilities.keyword ? 'hybrid' : 'vector', citations: config.citations });
});
