// Segment and page records inside a write transaction: removing a document's rows, merging small
// segments. Every function here runs inside a transaction from writeTransaction().
import { TextNode } from '../../schema/node.js';
import type { SearchRow } from '../../search/search-index.js';
import { concatCodes, pickCodes } from '../../search/vector-codes.js';
import { LOCATION_FIELDS, NODES_PER_PAGE, vectorsPerPage, type DocRecord, type NodeRecord, type SegmentRecord, type VectorPage } from './schema.js';
import { decodeSegment, encodeSegment } from './segment-codec.js';
import { updateDocs } from './doc-groups.js';
import type { WriteTx } from './write-transaction.js';

/** Segments smaller than this are merged by compaction. */
export const SEGMENT_ROWS = 4096;

/** A row in memory: its node, document, metadata, the page holding its text and its segment. */
export interface StoredRow extends SearchRow {
  /** The node page holding the node's text: key [group, page] (see NodePage). */
  group: number;
  page: number;
  /** The key of the {@link VectorPage} holding its float32 vector. */
  vectorPage: number;
  segment: number;
}

type SegmentTx = WriteTx<('meta' | 'segments' | 'pages' | 'vectors' | 'docGroups')[]> | WriteTx<('meta' | 'segments' | 'pages' | 'vectors' | 'docGroups' | 'snapshots')[]>;

/** The rows of a stored segment, as held in memory. */
export function rowsOfSegment(s: SegmentRecord): StoredRow[] {
  const at = (i: number, field: number) => s.locations[i * LOCATION_FIELDS + field]!;
  return s.nodeIds.map((nodeId, i) => ({ nodeId, refDocId: s.refDocIds[i]!, group: at(i, 0), page: at(i, 1), vectorPage: at(i, 2), metadata: s.metadata[i]!, segment: s.id! }));
}

/**
 * Writes float32 rows in {@link VectorPage}s of {@link vectorsPerPage}, in row order; returns
 * each row's page key.
 */
export async function writeVectorPages(tx: WriteTx<'vectors'[]> | SegmentTx, nodeIds: readonly string[], vectors: Float32Array, dims: number): Promise<number[]> {
  const store = (tx as WriteTx<'vectors'[]>).objectStore('vectors');
  // A page's rows are copied into one buffer of a page's size, reused: a view of the batch would
  // clone the batch's whole buffer, and a new copy per page (15 MB for 10k rows) cost a garbage
  // collection. IndexedDB clones a value when it is added, so the buffer is free again at once.
  const perPage = vectorsPerPage(dims);
  const page = new Float32Array(perPage * dims);
  const keys: Promise<number>[] = [];
  for (let start = 0; start < nodeIds.length; start += perPage) {
    const end = Math.min(nodeIds.length, start + perPage);
    const rows = end - start === perPage ? page : new Float32Array((end - start) * dims);
    rows.set(vectors.subarray(start * dims, end * dims));
    keys.push(store.add({ nodeIds: nodeIds.slice(start, end), vectors: rows }));
  }
  const stored = await Promise.all(keys);
  return nodeIds.map((_, row) => stored[Math.floor(row / perPage)]!);
}

/** Reads the float32 vectors of `rows` (back to back, NaN where a row is not found). */
export function vectorsFromPages(rows: readonly { nodeId: string; vectorPage: number }[], pages: ReadonlyMap<number, VectorPage | undefined>, dims: number): Float32Array {
  const out = new Float32Array(rows.length * dims);
  rows.forEach((row, i) => {
    const page = pages.get(row.vectorPage);
    const at = page ? page.nodeIds.indexOf(row.nodeId) : -1;
    if (at < 0) out.fill(Number.NaN, i * dims, (i + 1) * dims);
    else out.set(page!.vectors.subarray(at * dims, (at + 1) * dims), i * dims);
  });
  return out;
}

/** The page a row of a write goes to: texts are paged in row order. */
export function pageOfRow(row: number): number {
  return Math.floor(row / NODES_PER_PAGE);
}

/** The [group, page] keys of the pages holding a document's nodes, from its segment's rows. */
export function pageKeysOf(segment: SegmentRecord, refDocId: string): [number, number][] {
  const keys = new Map<string, [number, number]>();
  const at = (i: number, field: number) => segment.locations[i * LOCATION_FIELDS + field]!;
  segment.refDocIds.forEach((id, i) => {
    if (id === refDocId) keys.set(`${at(i, 0)}:${at(i, 1)}`, [at(i, 0), at(i, 1)]);
  });
  return [...keys.values()];
}

/** The keys of the vector pages holding a document's rows. */
export function vectorPageKeysOf(segment: SegmentRecord, refDocId: string): number[] {
  return [...new Set(segment.refDocIds.flatMap((id, i) => (id === refDocId ? [segment.locations[i * LOCATION_FIELDS + 2]!] : [])))];
}

/**
 * Removes a stored document's rows from its segment, its node pages and its vector pages (its
 * docstore entry is the caller's: see takeDocs). Returns how many rows it had.
 */
export async function removeDocument(tx: SegmentTx, doc: DocRecord): Promise<number> {
  const t = tx as WriteTx<('segments' | 'pages' | 'vectors')[]>;
  const refDocId = doc.id;
  let removed = 0;
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
    const gone = new Set(segment.nodeIds.filter((_, i) => segment.refDocIds[i] === refDocId));
    for (const key of vectorPageKeysOf(segment, refDocId)) {
      const page = await t.objectStore('vectors').get(key);
      if (!page) continue;
      const keepRow = page.nodeIds.map((id) => !gone.has(id));
      const kept = keepRow.filter(Boolean).length;
      if (kept === 0) await t.objectStore('vectors').delete(key);
      else if (kept < keepRow.length) await t.objectStore('vectors').put({ id: key, nodeIds: page.nodeIds.filter((_, i) => keepRow[i]), vectors: keepRowsOf(page.vectors, keepRow, kept) });
    }
    const keep = segment.refDocIds.map((id) => id !== refDocId);
    const kept = keep.filter(Boolean).length;
    removed = keep.length - kept;
    if (kept === 0) await t.objectStore('segments').delete(doc.segment);
    else if (kept < keep.length) await t.objectStore('segments').put(encodeSegment(keepRows(segment, keep, kept)));
  }
  return removed;
}

/** The rows of `values` (equal-length rows back to back) where `keep` is true. */
function keepRowsOf<T extends Float32Array | Uint32Array>(values: T, keep: readonly boolean[], kept: number): T {
  const width = values.length / keep.length;
  const out = new (values.constructor as new (n: number) => T)(kept * width);
  let row = 0;
  keep.forEach((k, i) => {
    if (k) out.set(values.subarray(i * width, (i + 1) * width) as never, row++ * width);
  });
  return out;
}

function keepRows(segment: SegmentRecord, keep: boolean[], kept: number): SegmentRecord {
  const dims = segment.codes.int8.length / segment.nodeIds.length;
  const pick = <T>(list: T[]) => list.filter((_, i) => keep[i]);
  return {
    id: segment.id!,
    nodeIds: pick(segment.nodeIds),
    refDocIds: pick(segment.refDocIds),
    metadata: pick(segment.metadata),
    keywords: pick(segment.keywords),
    codes: pickCodes(segment.codes, dims, keep),
    locations: keepRowsOf(segment.locations, keep, kept),
  };
}

/**
 * Merges segments under {@link SEGMENT_ROWS} rows into segments of up to that size. Rows keep their
 * locations, so node pages stay where they are. Returns the renames, for memory.
 */
export async function compactSegments(tx: WriteTx<('segments' | 'docGroups')[]>): Promise<{ from: Set<number>; to: number }[]> {
  const small = (await tx.objectStore('segments').getAll()).map((s) => decodeSegment(s)).filter((s) => s.nodeIds.length < SEGMENT_ROWS);
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
    const merged = mergeSegments(group);
    for (const s of group) await tx.objectStore('segments').delete(s.id!);
    const to = await tx.objectStore('segments').add(encodeSegment(merged));
    await updateDocs(tx.objectStore('docGroups'), [...new Set(merged.refDocIds)], (doc) => ({ ...doc, segment: to }));
    moves.push({ from: new Set(group.map((s) => s.id!)), to });
  }
  return moves;
}

function mergeSegments(group: SegmentRecord[]): SegmentRecord {
  const rows = group.reduce((n, s) => n + s.nodeIds.length, 0);
  const merged: SegmentRecord = { nodeIds: [], refDocIds: [], metadata: [], codes: concatCodes(group.map((s) => s.codes)), keywords: [], locations: new Uint32Array(rows * LOCATION_FIELDS) };
  let row = 0;
  for (const s of group) {
    merged.nodeIds.push(...s.nodeIds);
    merged.refDocIds.push(...s.refDocIds);
    merged.metadata.push(...s.metadata);
    merged.keywords.push(...s.keywords);
    merged.locations.set(s.locations, row * LOCATION_FIELDS);
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
