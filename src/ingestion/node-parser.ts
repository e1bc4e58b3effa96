import type { Document } from '../schema/document.js';
import type { TextNode } from '../schema/node.js';

/** Turns documents into nodes; {@link SentenceSplitter} is the default. */
export interface NodeParser {
  getNodesFromDocuments(documents: readonly Document[]): TextNode[];
  /** Largest chunk in tokens, where the parser has one (checked against the model's input limit, recorded in snapshots). */
  readonly chunkSize?: number;
  /** Tokens shared by neighbouring chunks, where the parser has that notion. */
  readonly chunkOverlap?: number;
}
