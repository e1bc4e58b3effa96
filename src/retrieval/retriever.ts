import type { NodeWithScore } from '../schema/node.js';

export interface RetrieveOptions {
  signal?: AbortSignal;
}

/** Finds the nodes relevant to a query. */
export interface BaseRetriever {
  retrieve(query: string, options?: RetrieveOptions): Promise<NodeWithScore[]>;
}
