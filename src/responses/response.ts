import type { Metadata, NodeWithScore } from '../schema/node.js';

/** Node id → node metadata, LlamaIndex's `response.metadata`. */
export function sourceMetadata(nodes: readonly NodeWithScore[]): Record<string, Metadata> {
  return Object.fromEntries(nodes.map((n) => [n.node.id, n.node.metadata]));
}

/**
 * A complete answer (`streaming: false`).
 *
 * @example
 * const response = await index.asQueryEngine({ llm }).query('What did the author do growing up?');
 * console.log(response.response, response.sourceNodes);
 */
export class Response {
  readonly response: string;
  readonly sourceNodes: NodeWithScore[];
  readonly metadata: Record<string, Metadata>;

  constructor(response: string, sourceNodes: NodeWithScore[] = []) {
    this.response = response;
    this.sourceNodes = sourceNodes;
    this.metadata = sourceMetadata(sourceNodes);
  }

  toString(): string {
    return this.response;
  }
}
