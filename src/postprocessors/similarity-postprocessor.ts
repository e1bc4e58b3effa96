import { InvalidArgumentError, describeValue } from '../errors.js';
import type { NodeWithScore } from '../schema/node.js';

export interface PostprocessOptions {
  signal?: AbortSignal;
}

/** Reorders, filters or rewrites retrieved nodes before synthesis. */
export interface BaseNodePostprocessor {
  postprocessNodes(nodes: NodeWithScore[], query?: string, options?: PostprocessOptions): NodeWithScore[] | Promise<NodeWithScore[]>;
}

/** Runs `postprocessors` over `nodes` in order, each with the query. */
export async function applyPostprocessors(postprocessors: readonly BaseNodePostprocessor[], nodes: NodeWithScore[], query: string, options: PostprocessOptions = {}): Promise<NodeWithScore[]> {
  for (const postprocessor of postprocessors) {
    options.signal?.throwIfAborted();
    nodes = await postprocessor.postprocessNodes(nodes, query, options);
  }
  return nodes;
}

/**
 * Drops nodes whose score is below `similarityCutoff`.
 *
 * @example
 * const engine = index.asQueryEngine({ nodePostprocessors: [new SimilarityPostprocessor({ similarityCutoff: 0.5 })] });
 */
export class SimilarityPostprocessor implements BaseNodePostprocessor {
  readonly similarityCutoff: number;

  constructor(options: { similarityCutoff?: number } = {}) {
    const cutoff = options.similarityCutoff ?? 0;
    if (typeof cutoff !== 'number' || Number.isNaN(cutoff)) {
      throw new InvalidArgumentError(`Expected similarityCutoff to be a number, got ${describeValue(cutoff)}.`);
    }
    this.similarityCutoff = cutoff;
  }

  postprocessNodes(nodes: NodeWithScore[]): NodeWithScore[] {
    return nodes.filter((n) => n.score >= this.similarityCutoff);
  }
}
