import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Embedding } from '../embeddings/embedding.js';
import { BM25Retriever } from '../retrieval/bm25-retriever.js';
import { QueryFusionRetriever, type FusionMode } from '../retrieval/query-fusion-retriever.js';
import type { BaseRetriever } from '../retrieval/retriever.js';
import { VectorIndexRetriever } from '../retrieval/vector-index-retriever.js';
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
  const { mode = 'vector', similarityTopK, filters, alpha = 0.5, fusionMode = 'relative_score' } = options;
  const common = { vectorStore, ...(similarityTopK !== undefined && { similarityTopK }), ...(filters && { filters }) };
  switch (mode) {
    case 'vector':
      return new VectorIndexRetriever({ ...common, embedModel });
    case 'bm25':
      return new BM25Retriever(common);
    case 'hybrid': {
      if (!(alpha >= 0 && alpha <= 1)) throw new InvalidArgumentError(`Expected alpha to be a number from 0 (keywords only) to 1 (vectors only), got ${describeValue(alpha)}.`);
      // Each side fetches a deeper list so fusion can promote what only one of them found.
      const depth = Math.max(10, 4 * (similarityTopK ?? 2));
      return new QueryFusionRetriever({
        retrievers: [new VectorIndexRetriever({ ...common, similarityTopK: depth, embedModel }), new BM25Retriever({ ...common, similarityTopK: depth })],
        mode: fusionMode,
        retrieverWeights: [alpha, 1 - alpha],
        ...(similarityTopK !== undefined && { similarityTopK }),
      });
    }
    default:
      throw new InvalidArgumentError(`Unknown retriever mode ${describeValue(mode)}. Expected "vector", "bm25" or "hybrid".`);
  }
}
