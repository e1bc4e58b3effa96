import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Embedding } from '../embeddings/embedding.js';
import type { NodeWithScore } from '../schema/node.js';
import type { IndexedDBVectorStore } from '../storage/indexeddb-vector-store.js';
import { throwIfAborted } from '../util/abort.js';
import { validateFilters, type MetadataFilters } from './metadata-filters.js';
import type { BaseRetriever, RetrieveOptions } from './retriever.js';

export interface VectorIndexRetrieverOptions {
  vectorStore: IndexedDBVectorStore;
  embedModel: Embedding;
  /** @default 2 */
  similarityTopK?: number;
  filters?: MetadataFilters;
}

/** Validates a `similarityTopK` option, for every retriever and engine that takes one. */
export function checkTopK(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new InvalidArgumentError(`Expected similarityTopK to be a positive integer, got ${describeValue(value)}.`);
  }
  return value as number;
}

/**
 * Embeds the query and returns the most similar nodes, highest cosine similarity first.
 *
 * @example
 * const retriever = index.asRetriever({ similarityTopK: 3 });
 * const results = await retriever.retrieve('What did the author do growing up?');
 */
export class VectorIndexRetriever implements BaseRetriever {
  readonly similarityTopK: number;
  readonly filters: MetadataFilters | undefined;
  private readonly vectorStore: IndexedDBVectorStore;
  private readonly embedModel: Embedding;

  constructor(options: VectorIndexRetrieverOptions) {
    this.vectorStore = options.vectorStore;
    this.embedModel = options.embedModel;
    this.similarityTopK = checkTopK(options.similarityTopK ?? 2);
    validateFilters(options.filters);
    this.filters = options.filters;
  }

  async retrieve(query: string, options: RetrieveOptions = {}): Promise<NodeWithScore[]> {
    if (typeof query !== 'string') throw new InvalidArgumentError(`Expected the query to be a string, got ${describeValue(query)}.`);
    throwIfAborted(options.signal);
    await this.embedModel.load(options.signal ? { signal: options.signal } : {});
    this.vectorStore.assertEmbedModel({ model: this.embedModel.modelId, dimensions: this.embedModel.dimensions });
    const queryEmbedding = await this.embedModel.getQueryEmbedding(query, options.signal ? { signal: options.signal } : {});
    throwIfAborted(options.signal);
    return this.vectorStore.query({ queryEmbedding, similarityTopK: this.similarityTopK, ...(this.filters && { filters: this.filters }) });
  }
}
