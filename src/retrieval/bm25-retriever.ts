import type { NodeWithScore } from '../schema/node.js';
import { StoreRetriever } from './store-retriever.js';

/**
 * Keyword retrieval with BM25 over the index's own nodes (the keyword index is stored beside the vectors).
 *
 * @example
 * const retriever = index.asRetriever({ mode: 'bm25', similarityTopK: 5 });
 */
export class BM25Retriever extends StoreRetriever {
  protected search(query: string): Promise<NodeWithScore[]> {
    return this.vectorStore.query({ mode: 'keyword', queryStr: query, similarityTopK: this.similarityTopK, ...(this.filters && { filters: this.filters }) });
  }
}
