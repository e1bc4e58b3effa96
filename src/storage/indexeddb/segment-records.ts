// Segment and page records inside a write transaction: removing a document's rows, merging small
// segments. Every function here runs inside a transaction from writeTransaction().
import { TextNode } from '../../schema/node.js';
import type { SearchRow } from '../../search/search-index.js';
import { NODES_PER_PAGE, type DocRecord, type NodeRecord, type SegmentRecord } from './schema.js';
import { decodeSegment, encodeSegment } from './segment-codec.js';
import type { WriteTx } from './write-transaction.js';

/** Segments smaller than this are merged by compaction. */
export const SEGMENT_ROWS = 4096;

/** A row in memory: its node, document, metadata, the page holding its text and its segment. */
export interface StoredRow extends SearchRow {
  /** The node page holding the node's text: key [group, page] (see NodePage). */
  group: number;
  page: number;
  segment: number;
}

type SegmentTx = WriteTx<('segments' | 'pages' | 'docs')[]> | WriteTx<('meta' | 'segments' | 'pages' | 'docs')[]>;

/** The rows of a stored segment, as held in memory. */
export function rowsOfSegment(s: SegmentRecord): StoredRow[] {
  return s.nodeIds.map((nodeId, i) => ({ nodeId, refDocId: s.refDocIds[i]!, group: s.locations[i * 2]!, page: s.locations[i * 2 + 1]!, metadata: s.metadata[i]!, segment: s.id! }));
}

/** The page a row of a write goes to: texts are paged in row order. */
export function pageOfRow(row: number): number {
  return Math.floor(row / NODES_PER_PAGE);
}

/** The [group, page] keys of the pages holding a document's nodes, from its segment's rows. */
export function pageKeysOf(segment: SegmentRecord, refDocId: string): [number, number][] {
  const keys = new Map<string, [number, number]>();
  segment.refDocIds.forEach((id, i) => {
    if (id === refDocId) keys.set(`${segment.locations[i * 2]}:${segment.locations[i * 2 + 1]}`, [segment.locations[i * 2]!, segment.locations[i * 2 + 1]!]);
  });
  return [...keys.values()];
}

/** Removes one document's rows from its segment and its node pages, and its docstore entry. */
export async function removeDocument(tx: SegmentTx, refDocId: string, known?: DocRecord): Promise<boolean> {
  const t = tx as WriteTx<('segments' | 'pages' | 'docs')[]>;
  const doc = known ?? (await t.objectStore('docs').get(refDocId));
  if (!doc) return false;
  const storedSegment = await t.objectStore('segments').get(doc.segment);
  const segment = storedSegment && decodeSegment(storedSegment);
  if (segment) {
    // Its pages may hold other documents' nodes too: those stay.
    for (const key of pageKeysOf(segment, refDocId)) {
      const page = await t.objectStore('pages').get(key);
      const rest = page?.nodes.filter((n) => n.refDocId !== refDocId) ?? [];
      if (rest.length > 0) await t.objectStore('pages').put({ ...page!, nodes: rest });
      else await t.objectStore('pages').delete(key);
    }
    const keep = segment.refDocIds.map((id) => id !== refDocId);
    const kept = keep.filter(Boolean).length;
    if (kept === 0) await t.objectStore('segments').delete(doc.segment);
    else if (kept < keep.length) await t.objectStore('segments').put(encodeSegment(keepRows(segment, keep, kept)));
  }
  await t.objectStore('docs').delete(refDocId);
  return true;
}

function keepRows(segment: SegmentRecord, keep: boolean[], kept: number): SegmentRecord {
  const dims = segment.vectors.length / segment.nodeIds.length;
  const vectors = new Float32Array(kept * dims);
  const locations = new Uint32Array(kept * 2);
  let row = 0;
  keep.forEach((k, i) => {
    if (!k) return;
    vectors.set(segment.vectors.subarray(i * dims, (i + 1) * dims), row * dims);
    locations.set(segment.locations.subarray(i * 2, i * 2 + 2), row * 2);
    row++;
  });
  const pick = <T>(list: T[]) => list.filter((_, i) => keep[i]);
  return { id: segment.id!, nodeIds: pick(segment.nodeIds), refDocIds: pick(segment.refDocIds), metadata: pick(segment.metadata), keywords: pick(segment.keywords), vectors, locations };
}

/**
 * Merges segments under {@link SEGMENT_ROWS} rows into segments of up to that size. Rows keep their
 * locations, so node pages stay where they are. Returns the renames, for memory.
 */
export async function compactSegments(tx: WriteTx<('segments' | 'docs')[]>, dims: number): Promise<{ from: Set<number>; to: number }[]> {
  const small = (await tx.objectStore('segments').getAll()).map(decodeSegment).filter((s) => s.nodeIds.length < SEGMENT_ROWS);
  const moves: { from: Set<number>; to: number }[] = [];
  if (small.length < 2) return moves;
  const groups: SegmentRecord[][] = [[]];
  let groupRows = 0;
  for (const segment of small) {
    if (groupRows + segment.nodeIds.length > SEGMENT_ROWS) {
      groups.push([]);
      groupRows = 0;
    }
    groups.at(-1)!.push(segment);
    groupRows += segment.nodeIds.length;
  }
  for (const group of groups.filter((g) => g.length > 1)) {
    const merged = mergeSegments(group, dims);
    for (const s of group) await tx.objectStore('segments').delete(s.id!);
    const to = await tx.objectStore('segments').add(encodeSegment(merged));
    for (const refDocId of new Set(merged.refDocIds)) {
      const doc = await tx.objectStore('docs').get(refDocId);
      if (doc) await tx.objectStore('docs').put({ ...doc, segment: to });
    }
    moves.push({ from: new Set(group.map((s) => s.id!)), to });
  }
  return moves;
}

function mergeSegments(group: SegmentRecord[], dims: number): SegmentRecord {
  const rows = group.reduce((n, s) => n + s.nodeIds.length, 0);
  const merged: SegmentRecord = { nodeIds: [], refDocIds: [], metadata: [], vectors: new Float32Array(rows * dims), keywords: [], locations: new Uint32Array(rows * 2) };
  let row = 0;
  for (const s of group) {
    merged.nodeIds.push(...s.nodeIds);
    merged.refDocIds.push(...s.refDocIds);
    merged.metadata.push(...s.metadata);
    merged.keywords.push(...s.keywords);
    merged.vectors.set(s.vectors, row * dims);
    merged.locations.set(s.locations, row * 2);
    row += s.nodeIds.length;
  }
  return merged;
}

export function toNodeRecord(node: TextNode, refDocId: string): NodeRecord {
  return {
    id: node.id,
    text: node.text,
    refDocId,
    metadata: node.metadata,
    ...(node.startCharIdx !== undefined && { startCharIdx: node.startCharIdx }),
    ...(node.endCharIdx !== undefined && { endCharIdx: node.endCharIdx }),
    ...(Object.keys(node.format).length > 0 && { format: node.format }),
  };
}

export function fromNodeRecord(record: NodeRecord): TextNode {
  return new TextNode(record);
}
