import type { Embedding } from '../embeddings/embedding.js';
import type { NodeWithScore } from '../schema/node.js';
import type { VectorStore } from '../storage/vector-store.js';
import type { MetadataFilters } from '../search/metadata-filters.js';
import type { RetrieveOptions } from './retriever.js';
import { StoreRetriever } from './store-retriever.js';

export interface VectorIndexRetrieverOptions {
  vectorStore: VectorStore;
  embedModel: Embedding;
  /** @default 2 */
  similarityTopK?: number;
  filters?: MetadataFilters;
}

/**
 * Embeds the query and returns the most similar nodes, highest cosine similarity first.
 *
 * @example
 * const retriever = index.asRetriever({ similarityTopK: 3 });
 * const results = await retriever.retrieve('What did the author do growing up?');
 */
export class VectorIndexRetriever extends StoreRetriever {
  private readonly embedModel: Embedding;

  constructor(options: VectorIndexRetrieverOptions) {
    super(options);
    this.embedModel = options.embedModel;
  }

  protected async search(query: string, options: RetrieveOptions): Promise<NodeWithScore[]> {
    await this.embedModel.load(options.signal ? { signal: options.signal } : {});
    this.vectorStore.assertEmbedModel({ model: this.embedModel.modelId, dimensions: this.embedModel.dimensions });
    const queryEmbedding = await this.embedModel.getQueryEmbedding(query, options.signal ? { signal: options.signal } : {});
    options.signal?.throwIfAborted();
    return this.vectorStore.query({ mode: 'vector', queryEmbedding, similarityTopK: this.similarityTopK, ...(this.filters && { filters: this.filters }), ...(options.signal && { signal: options.signal }) });
  }
}
