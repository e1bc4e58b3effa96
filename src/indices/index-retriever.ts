import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Embedding } from '../embeddings/embedding.js';
import { BM25Retriever } from '../retrieval/bm25-retriever.js';
import { QueryFusionRetriever, type FusionMode } from '../retrieval/query-fusion-retriever.js';
import type { BaseRetriever } from '../retrieval/retriever.js';
import { VectorIndexRetriever } from '../retrieval/vector-index-retriever.js';
import { hybridPlan } from '../search/fuse-results.js';
import type { MetadataFilters } from '../search/metadata-filters.js';
import type { VectorStore } from '../storage/vector-store.js';

export interface RetrieverOptions {
  /** @default "vector" */
  mode?: 'vector' | 'bm25' | 'hybrid';
  /** @default 2 */
  similarityTopK?: number;
  filters?: MetadataFilters;
  /** Hybrid only: weight of the vector side, 1 − alpha for keywords. @default 0.5 */
  alpha?: number;
  /** Hybrid only. @default "relative_score" */
  fusionMode?: FusionMode;
}

/** The retriever of `VectorStoreIndex.asRetriever`: vector, BM25, or both fused. */
export function indexRetriever(vectorStore: VectorStore, embedModel: Embedding, options: RetrieverOptions = {}): BaseRetriever {
  const { mode = 'vector', similarityTopK, filters, alpha, fusionMode = 'relative_score' } = options;
  const common = { vectorStore, ...(similarityTopK !== undefined && { similarityTopK }), ...(filters && { filters }) };
  switch (mode) {
    case 'vector':
      return new VectorIndexRetriever({ ...common, embedModel });
    case 'bm25':
      return new BM25Retriever(common);
    case 'hybrid': {
      const { depth, weights } = hybridPlan(similarityTopK ?? 2, alpha);
      return new QueryFusionRetriever({
        retrievers: [new VectorIndexRetriever({ ...common, similarityTopK: depth, embedModel }), new BM25Retriever({ ...common, similarityTopK: depth })],
        mode: fusionMode,
        retrieverWeights: weights,
        ...(similarityTopK !== undefined && { similarityTopK }),
      });
    }
    default:
      throw new InvalidArgumentError(`Unknown retriever mode ${describeValue(mode)}. Expected "vector", "bm25" or "hybrid".`);
  }
}
