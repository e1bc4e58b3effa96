import type { TextNode } from '../schema/node.js';
import { Document } from '../schema/document.js';
import type { VectorStore } from '../storage/vector-store.js';

/**
 * The documents a store holds, rebuilt from their stored chunks: what you need to embed them again
 * with another model (a store holds one model's vectors) without the original files.
 *
 * Each chunk goes back at its offsets, where overlapping chunks agree. The splitter trims only
 * whitespace between chunks; it comes back as one space, or as a blank line where two or more
 * characters were trimmed. Chunks without offsets are joined with blank lines. Ids and document
 * metadata are kept.
 *
 * @example
 * // Another embedding model: fill a new store first, drop the old one only when that succeeded.
 * const documents = await readStoredDocuments(oldStore);
 * const index = await VectorStoreIndex.fromDocuments(documents, { embedModel, vectorStore: newStore, onProgress, signal });
 * await IndexedDBVectorStore.delete(oldStore.name);
 */
export async function readStoredDocuments(store: VectorStore, options: { signal?: AbortSignal } = {}): Promise<Document[]> {
  const documents: Document[] = [];
  for (const info of await store.listRefDocs()) {
    options.signal?.throwIfAborted();
    const nodes = await store.getNodesOfRefDoc(info.id);
    documents.push(new Document({ id: info.id, text: rebuildText(nodes), metadata: info.metadata, ...(nodes[0] && { format: nodes[0].format }) }));
  }
  return documents;
}

function rebuildText(nodes: readonly TextNode[]): string {
  const placed = nodes.every((n) => n.startCharIdx !== undefined && n.endCharIdx !== undefined && n.endCharIdx - n.startCharIdx === n.text.length);
  if (!placed) return nodes.map((n) => n.text).join('\n\n');
  let text = '';
  // How far into the original text the rebuilt one reaches.
  let covered = 0;
  for (const node of [...nodes].sort((a, b) => a.startCharIdx! - b.startCharIdx!)) {
    const start = node.startCharIdx!;
    const end = node.endCharIdx!;
    if (end <= covered) continue;
    if (start < covered) text += node.text.slice(covered - start);
    else text += (text === '' || start === covered ? '' : start - covered === 1 ? ' ' : '\n\n') + node.text;
    covered = end;
  }
  return text;
}
