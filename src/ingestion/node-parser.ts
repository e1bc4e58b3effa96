import type { Document } from '../schema/document.js';
import type { TextNode } from '../schema/node.js';

/** Turns documents into nodes; {@link SentenceSplitter} is the default. */
export interface NodeParser {
  getNodesFromDocuments(documents: readonly Document[]): TextNode[];
}
