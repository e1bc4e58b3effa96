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
import { readSnapshotHeader } from '../snapshot/snapshot-format.js';
import { MemoryVectorStore } from '../storage/memory-vector-store.js';
import { exposeRAGEngine } from '../worker/expose-rag-engine.js';

/** What the component sends when it connects (its attributes, resolved against the page). */
export interface SearchWorkerConfig {
  /** Absolute URL of the snapshot. */
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
  const { bytes } = await readSnapshotSource(config.index, { onProgress });
  const { header } = readSnapshotHeader(bytes);
  const embedModel = new TransformersEmbedding({
    model: header.embedModel.model,
    modelSource,
    ...(header.embedModel.dtype && { dtype: header.embedModel.dtype }),
  });
  await embedModel.load({ onProgress });
  const index = await VectorStoreIndex.fromSnapshot(bytes, { embedModel, vectorStore: new MemoryVectorStore(), onProgress });
  // Loaded when the reader asks for an answer (engine.load), never for search alone.
  const llm = new TransformersLLM({ model: config.llmModel, modelSource, maxNewTokens: config.maxNewTokens });
  // Hybrid: a reader types words of the page as often as questions.
  return new LocalRAGEngine({ index, llm, similarityTopK: 3, retrieverMode: 'hybrid', citations: config.citations });
});
