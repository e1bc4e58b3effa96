import type { Metadata, NodeWithScore } from '../schema/node.js';

/**
 * LlamaIndex's `get_formatted_sources`: one "> Source (Doc id: …): text" paragraph per source
 * node, each text cut to `length` characters.
 */
export function formattedSources(nodes: readonly NodeWithScore[], length = 100): string {
  return nodes
    .map(({ node }) => {
      const text = node.getContent();
      return `> Source (Doc id: ${node.id}): ${text.length <= length ? text : `${text.slice(0, Math.max(0, length - 3))}...`}`;
    })
    .join('\n\n');
}

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

  /** The sources as "> Source (Doc id: …): text" paragraphs, each cut to `length` characters. */
  getFormattedSources(length = 100): string {
    return formattedSources(this.sourceNodes, length);
  }
}
