import type { Metadata } from '../schema/node.js';
import type { SegmentRecord, StoredSegment } from './schema.js';

/**
 * Segments are stored as their Float32Array plus ONE string of row data: a structured clone of one
 * string is a copy, where 100k small objects (ids, metadata, keyword lists) cost a walk each. Equal
 * metadata objects are stored once per segment.
 */
export function encodeSegment(segment: SegmentRecord): StoredSegment {
  const table: Metadata[] = [];
  const seen = new Map<string, number>();
  const metadataIndex = segment.metadata.map((metadata) => {
    const key = JSON.stringify(metadata);
    let index = seen.get(key);
    if (index === undefined) {
      index = table.length;
      seen.set(key, index);
      table.push(metadata);
    }
    return index;
  });
  const rows = JSON.stringify([
    segment.nodeIds,
    segment.refDocIds,
    table,
    metadataIndex,
    segment.keywords.map((k) => k.terms),
    segment.keywords.map((k) => k.freqs),
  ]);
  return { ...(segment.id !== undefined && { id: segment.id }), vectors: segment.vectors, rows };
}

export function decodeSegment(stored: StoredSegment): SegmentRecord {
  const [nodeIds, refDocIds, table, metadataIndex, terms, freqs] = JSON.parse(stored.rows) as [string[], string[], Metadata[], number[], string[][], number[][]];
  return {
    ...(stored.id !== undefined && { id: stored.id }),
    nodeIds,
    refDocIds,
    // Rows share the decoded metadata objects; they are read-only in memory.
    metadata: metadataIndex.map((i) => table[i]!),
    vectors: stored.vectors,
    keywords: terms.map((t, i) => ({ terms: t, freqs: freqs[i]! })),
  };
}
