/** Metadata values are JSON-like so they survive IndexedDB and worker boundaries. */
export type MetadataValue = string | number | boolean | null | MetadataValue[] | { [key: string]: MetadataValue };
export type Metadata = Record<string, MetadataValue>;

/**
 * A chunk of a document: the unit that is embedded, stored and retrieved.
 *
 * @example
 * const node = new TextNode({ text: 'Chunk text', refDocId: 'doc-1', metadata: { file: 'a.md' } });
 */
export class TextNode {
  readonly id: string;
  readonly text: string;
  readonly metadata: Metadata;
  /** The id of the {@link Document} this node was split from. */
  readonly refDocId: string | undefined;
  /** Offset of the first character of `text` in the source document. */
  readonly startCharIdx: number | undefined;
  /** Offset after the last character of `text` in the source document. */
  readonly endCharIdx: number | undefined;

  constructor(init: {
    id?: string;
    text: string;
    metadata?: Metadata;
    refDocId?: string;
    startCharIdx?: number;
    endCharIdx?: number;
  }) {
    this.id = init.id ?? crypto.randomUUID();
    this.text = init.text;
    this.metadata = init.metadata ?? {};
    this.refDocId = init.refDocId;
    this.startCharIdx = init.startCharIdx;
    this.endCharIdx = init.endCharIdx;
  }

  getContent(): string {
    return this.text;
  }
}

/** A retrieved node and its similarity to the query (cosine for vector search, higher is better). */
export interface NodeWithScore<N extends TextNode = TextNode> {
  node: N;
  score: number;
}
