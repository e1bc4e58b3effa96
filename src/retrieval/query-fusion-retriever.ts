import { InvalidArgumentError, describeValue } from '../errors.js';
import type { NodeWithScore } from '../schema/node.js';
import { throwIfAborted } from '../util/abort.js';
import type { BaseRetriever, RetrieveOptions } from './retriever.js';
import { checkTopK } from './store-retriever.js';

export type FusionMode = 'reciprocal_rerank' | 'relative_score' | 'dist_based_score';

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
    throwIfAborted(options.signal);
    const lists = await Promise.all(this.retrievers.map((r) => r.retrieve(query, options)));
    const fused = new Map<string, NodeWithScore>();
    const add = (item: NodeWithScore, score: number) => {
      const existing = fused.get(item.node.id);
      if (existing) existing.score += score;
      else fused.set(item.node.id, { node: item.node, score });
    };
    lists.forEach((list, r) => {
      if (this.mode === 'reciprocal_rerank') {
        list.forEach((item, rank) => add(item, 1 / (this.rrfK + rank + 1)));
        return;
      }
      const scores = list.map((i) => i.score);
      let low: number;
      let high: number;
      if (this.mode === 'relative_score') {
        low = Math.min(...scores);
        high = Math.max(...scores);
      } else {
        const mean = scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length);
        const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, scores.length));
        low = mean - 3 * sd;
        high = mean + 3 * sd;
      }
      const span = high - low;
      list.forEach((item) => add(item, this.retrieverWeights[r]! * (span > 0 ? (item.score - low) / span : 1)));
    });
    return [...fused.values()].sort((a, b) => b.score - a.score).slice(0, this.similarityTopK);
  }
}
