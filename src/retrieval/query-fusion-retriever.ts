import { InvalidArgumentError, describeValue } from '../errors.js';
import type { NodeWithScore } from '../schema/node.js';
import type { BaseRetriever, RetrieveOptions } from './retriever.js';
import { checkTopK } from '../search/query-checks.js';
import { fuseResults, type FusionMode } from '../search/fuse-results.js';

export type { FusionMode } from '../search/fuse-results.js';

export interface QueryFusionRetrieverOptions {
  retrievers: BaseRetriever[];
  /** @default "reciprocal_rerank" */
  mode?: FusionMode;
  /** Results after fusion. @default 2 */
  similarityTopK?: number;
  /** One weight per retriever for the score-based modes. @default equal weights */
  retrieverWeights?: number[];
  /** The `k` of reciprocal rank fusion, 1 / (k + rank). @default 60 */
  rrfK?: number;
}

/**
 * Fuses the results of several retrievers for the same query, LlamaIndex-style (one query: pagerag
 * does not generate query variations with an LLM). `reciprocal_rerank` sums 1 / (k + rank);
 * `relative_score` min-max normalises each retriever's scores and sums them by weight;
 * `dist_based_score` normalises by mean ± 3 standard deviations instead.
 *
 * @example
 * const hybrid = new QueryFusionRetriever({ retrievers: [index.asRetriever({ similarityTopK: 20 }), index.asRetriever({ mode: 'bm25', similarityTopK: 20 })], mode: 'relative_score', similarityTopK: 5 });
 */
export class QueryFusionRetriever implements BaseRetriever {
  readonly retrievers: BaseRetriever[];
  readonly mode: FusionMode;
  readonly similarityTopK: number;
  readonly retrieverWeights: number[];
  readonly rrfK: number;

  constructor(options: QueryFusionRetrieverOptions) {
    if (!Array.isArray(options?.retrievers) || options.retrievers.length === 0) {
      throw new InvalidArgumentError(`Expected retrievers to be a non-empty array of retrievers, got ${describeValue(options?.retrievers)}.`);
    }
    const mode = options.mode ?? 'reciprocal_rerank';
    if (!['reciprocal_rerank', 'relative_score', 'dist_based_score'].includes(mode)) {
      throw new InvalidArgumentError(`Unknown fusion mode ${describeValue(mode)}. Expected "reciprocal_rerank", "relative_score" or "dist_based_score".`);
    }
    const weights = options.retrieverWeights ?? options.retrievers.map(() => 1 / options.retrievers.length);
    if (weights.length !== options.retrievers.length || weights.some((w) => !(w >= 0))) {
      throw new InvalidArgumentError(`Expected one non-negative weight per retriever (${options.retrievers.length}), got ${describeValue(weights)}.`);
    }
    this.retrievers = options.retrievers;
    this.mode = mode;
    this.similarityTopK = checkTopK(options.similarityTopK ?? 2);
    this.retrieverWeights = weights;
    this.rrfK = options.rrfK ?? 60;
  }

  async retrieve(query: string, options: RetrieveOptions = {}): Promise<NodeWithScore[]> {
    options.signal?.throwIfAborted();
    const lists = await Promise.all(this.retrievers.map((r) => r.retrieve(query, options)));
    const ranked = lists.map((list) => list.map((item) => ({ key: item.node.id, item: item.node, score: item.score })));
    return fuseResults(ranked, { mode: this.mode, weights: this.retrieverWeights, k: this.similarityTopK, rrfK: this.rrfK }).map(({ item, score }) => ({ node: item, score }));
  }
}
