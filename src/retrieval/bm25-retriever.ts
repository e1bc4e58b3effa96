import { InvalidArgumentError, describeValue } from '../errors.js';
import type { NodeWithScore } from '../schema/node.js';
import type { IndexedDBVectorStore } from '../storage/indexeddb-vector-store.js';
import { throwIfAborted } from '../util/abort.js';
import { validateFilters, type MetadataFilters } from './metadata-filters.js';
import type { BaseRetriever, RetrieveOptions } from './retriever.js';
import { checkTopK } from './vector-index-retriever.js';

/**
 * Keyword retrieval with BM25 over the index's own nodes (the keyword index is stored beside the vectors).
 *
 * @example
 * const retriever = index.asRetriever({ mode: 'bm25', similarityTopK: 5 });
 */
export class BM25Retriever implements BaseRetriever {
  readonly similarityTopK: number;
  readonly filters: MetadataFilters | undefined;
  private readonly vectorStore: IndexedDBVectorStore;

  constructor(options: { vectorStore: IndexedDBVectorStore; similarityTopK?: number; filters?: MetadataFilters }) {
    this.vectorStore = options.vectorStore;
    this.similarityTopK = checkTopK(options.similarityTopK ?? 2);
    validateFilters(options.filters);
    this.filters = options.filters;
  }

  async retrieve(query: string, options: RetrieveOptions = {}): Promise<NodeWithScore[]> {
    if (typeof query !== 'string') throw new InvalidArgumentError(`Expected the query to be a string, got ${describeValue(query)}.`);
    throwIfAborted(options.signal);
    return this.vectorStore.keywordQuery({ query, similarityTopK: this.similarityTopK, ...(this.filters && { filters: this.filters }) });
  }
}
