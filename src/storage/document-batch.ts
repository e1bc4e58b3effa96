import { InvalidArgumentError } from '../errors.js';
import type { TextNode } from '../schema/node.js';
import { analyzeKeywords } from '../search/bm25-index.js';
import { decodeKeywordRows, scanKeywordRows, type KeywordTerms } from '../search/keyword-codec.js';
import { checkVector } from '../search/query-checks.js';
import type { StoredDocument } from './vector-store.js';

/** A write's documents flattened into rows, checked before anything is stored. */
export interface DocumentBatch {
  /** Per row (document then node order): the node and its document. */
  nodes: { node: TextNode; refDocId: string }[];
  /** All rows' vectors back to back: a view of the caller's buffer where its rows lay so (only read). */
  vectors: Float32Array;
  /**
   * All rows' analyzed terms, made on the first call (a store calls it while IndexedDB writes the
   * vectors): decoded from `keywordBytes` when given, else the documents' own or analyzed here.
   */
  keywords: () => KeywordTerms[];
}

/**
 * Checks a write (one vector of `dims` finite numbers and at most one keyword row per node, each
 * document and node id once) and flattens it. Every store runs this first, so a bad batch is
 * refused before any of it is stored. `keywordBytes` (see AddOptions) are checked to hold a row per
 * node, and are then the rows' keywords: documents that carry their own are refused with them.
 */
export function prepareDocuments(documents: readonly StoredDocument[], dims: number, keywordBytes?: Uint8Array): DocumentBatch {
  const refDocIds = new Set<string>();
  const nodeIds = new Set<string>();
  const nodes: DocumentBatch['nodes'] = [];
  const rows = documents.reduce((n, d) => n + d.nodes.length, 0);
  const corrupt = (reason: string) => new InvalidArgumentError(`Expected keywordBytes to hold the encoded keyword rows of the write's ${rows} nodes, but ${reason}.`);
  if (keywordBytes) scanKeywordRows(keywordBytes, rows, corrupt);
  const checked: Float32Array[] = [];
  for (const doc of documents) {
    if (refDocIds.has(doc.refDocId)) {
      throw new InvalidArgumentError(`Expected each document once per write, got "${doc.refDocId}" twice. Merge them, or write them one after the other.`);
    }
    refDocIds.add(doc.refDocId);
    if (doc.nodes.length !== doc.vectors.length) {
      throw new InvalidArgumentError(`Expected one vector per node for document "${doc.refDocId}", got ${doc.vectors.length} vectors for ${doc.nodes.length} nodes.`);
    }
    if (doc.keywords && keywordBytes) {
      throw new InvalidArgumentError(`Expected the keyword rows either in keywordBytes or in the documents, got both (document "${doc.refDocId}" has its own). Give one of them.`);
    }
    if (doc.keywords && doc.keywords.length !== doc.nodes.length) {
      throw new InvalidArgumentError(`Expected one keyword row per node for document "${doc.refDocId}", got ${doc.keywords.length} rows for ${doc.nodes.length} nodes.`);
    }
    doc.vectors.forEach((vector, i) => {
      const node = doc.nodes[i]!;
      if (nodeIds.has(node.id)) {
        throw new InvalidArgumentError(`Expected node ids to be unique, got "${node.id}" twice (in document "${doc.refDocId}"). Node ids must include their document's id (see SentenceSplitter's idFunc).`);
      }
      nodeIds.add(node.id);
      checked.push(checkVector(vector, dims, () => `the vector of node ${i} of document "${doc.refDocId}"`));
      nodes.push({ node, refDocId: doc.refDocId });
    });
  }
  let keywords: KeywordTerms[] | undefined;
  return {
    nodes,
    vectors: rowsTogether(checked, dims),
    keywords: () =>
      (keywords ??= keywordBytes
        ? decodeKeywordRows(keywordBytes, rows, corrupt)
        : documents.flatMap((doc) => doc.keywords ?? doc.nodes.map((node) => analyzeKeywords(node.text)))),
  };
}

/**
 * The rows back to back: in place when they are consecutive views of one buffer (an embedding
 * batch's output, a snapshot's vector section), which spares a copy of every row; else copied.
 * Either way the result is only read.
 */
function rowsTogether(rows: readonly Float32Array[], dims: number): Float32Array {
  const first = rows[0];
  const inPlace = first !== undefined && rows.every((row, i) => row.buffer === first.buffer && row.byteOffset === first.byteOffset + i * dims * 4);
  if (inPlace) return new Float32Array(first.buffer, first.byteOffset, rows.length * dims);
  const out = new Float32Array(rows.length * dims);
  rows.forEach((row, i) => out.set(row, i * dims));
  return out;
}

/**
 * Refuses node ids that another stored document holds (an `idFunc` that leaves out the document
 * id): two documents cannot share a node, or a hit would return the other document's text.
 * Documents this write replaces give their ids up.
 */
export function checkNodeIdsFree(documents: readonly StoredDocument[], refDocOfNode: (nodeId: string) => string | undefined): void {
  const replaced = new Set(documents.map((d) => d.refDocId));
  for (const doc of documents) {
    for (const node of doc.nodes) {
      const owner = refDocOfNode(node.id);
      if (owner !== undefined && !replaced.has(owner)) {
        throw new InvalidArgumentError(
          `Node id "${node.id}" of document "${doc.refDocId}" is already stored for document "${owner}". Node ids must be unique across documents: include the document id (see SentenceSplitter's idFunc).`,
        );
      }
    }
  }
}
