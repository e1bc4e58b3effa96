import { InvalidArgumentError, describeValue } from '../errors.js';
import type { NodeWithScore } from '../schema/node.js';
import type { VectorStore } from '../storage/vector-store.js';
import { checkTopK } from '../search/query-checks.js';
import { validateFilters, type MetadataFilters } from '../search/metadata-filters.js';
import type { BaseRetriever, RetrieveOptions } from './retriever.js';

/** What the vector and keyword retrievers share: the store, `similarityTopK`, filters and the query checks. */
export abstract class StoreRetriever implements BaseRetriever {
  readonly similarityTopK: number;
  readonly filters: MetadataFilters | undefined;
  protected readonly vectorStore: VectorStore;

  constructor(options: { vectorStore: VectorStore; similarityTopK?: number; filters?: MetadataFilters }) {
    this.vectorStore = options.vectorStore;
    this.similarityTopK = checkTopK(options.similarityTopK ?? 2);
    validateFilters(options.filters);
    this.filters = options.filters;
  }

  async retrieve(query: string, options: RetrieveOptions = {}): Promise<NodeWithScore[]> {
    if (typeof query !== 'string') throw new InvalidArgumentError(`Expected the query to be a string, got ${describeValue(query)}.`);
    options.signal?.throwIfAborted();
    return this.search(query, options);
  }

  protected abstract search(query: string, options: RetrieveOptions): Promise<NodeWithScore[]>;
}
