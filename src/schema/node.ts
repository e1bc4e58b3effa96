import { InvalidArgumentError, describeValue } from '../errors.js';
import { checkMetadata } from './metadata.js';

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
    if (typeof init?.text !== 'string') throw new InvalidArgumentError(`Expected the node's text to be a string, got ${describeValue(init?.text)}.`);
    if (init.id !== undefined && (typeof init.id !== 'string' || init.id === '')) {
      throw new InvalidArgumentError(`Expected the node's id to be a non-empty string, got ${describeValue(init.id)}.`);
    }
    if (init.refDocId !== undefined && typeof init.refDocId !== 'string') {
      throw new InvalidArgumentError(`Expected the node's refDocId to be a string, got ${describeValue(init.refDocId)}.`);
    }
    checkOffset('startCharIdx', init.startCharIdx);
    checkOffset('endCharIdx', init.endCharIdx);
    this.id = init.id ?? crypto.randomUUID();
    this.text = init.text;
    // Most nodes have no metadata of their own, or share their document's (checked once).
    this.metadata = init.metadata === undefined ? {} : checkMetadata(init.metadata, this.id);
    this.refDocId = init.refDocId;
    this.startCharIdx = init.startCharIdx;
    this.endCharIdx = init.endCharIdx;
  }

  getContent(): string {
    return this.text;
  }
}

function checkOffset(key: string, offset: number | undefined): void {
  if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0)) throw new InvalidArgumentError(`Expected the node's ${key} to be an integer >= 0, got ${describeValue(offset)}.`);
}

/** A retrieved node and its similarity to the query (cosine for vector search, higher is better). */
export interface NodeWithScore<N extends TextNode = TextNode> {
  node: N;
  score: number;
}
