import { StorageCorruptionError } from '../../errors.js';
import type { Metadata } from '../../schema/node.js';
import { decodeKeywordRows, encodeKeywordRows } from '../../search/keyword-codec.js';
import type { SegmentRecord, StoredSegment } from './schema.js';

/**
 * Segments are stored as their Float32Array, ONE string of row data and the keyword rows as bytes:
 * a structured clone of one string or buffer is a copy, where 100k small objects (ids, metadata,
 * keyword lists) cost a walk each. Equal metadata objects are stored once per segment. Segments of
 * schema 1 kept the keywords in the JSON and had no locations; the upgrade to schema 2 reads them.
 */
/** `keywordBytes`: the rows' keywords already encoded (see keyword-codec.ts), e.g. sliced from a snapshot. */
export function encodeSegment(segment: SegmentRecord, keywordBytes?: Uint8Array): StoredSegment {
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
  ]);
  return {
    ...(segment.id !== undefined && { id: segment.id }),
    vectors: segment.vectors,
    rows,
    keywords: keywordBytes ?? encodeKeywordRows(segment.keywords),
    locations: segment.locations,
  };
}

export function decodeSegment(stored: StoredSegment): SegmentRecord {
  const [nodeIds, refDocIds, table, metadataIndex, terms, freqs] = JSON.parse(stored.rows) as [string[], string[], Metadata[], number[], string[][]?, number[][]?];
  const keywords = stored.keywords
    ? decodeKeywordRows(stored.keywords, nodeIds.length, (reason) => new StorageCorruptionError(`The keyword data of segment ${stored.id} is unreadable: ${reason}. Clear the index and ingest again.`))
    : (terms ?? []).map((t, i) => ({ terms: t, freqs: freqs![i]! }));
  return {
    ...(stored.id !== undefined && { id: stored.id }),
    nodeIds,
    refDocIds,
    // Rows share the decoded metadata objects; they are read-only in memory.
    metadata: metadataIndex.map((i) => table[i]!),
    vectors: stored.vectors,
    keywords,
    locations: resolveLocations(stored),
  };
}

/** Locations with group 0 (written before the segment had an id) made explicit. */
function resolveLocations(stored: StoredSegment): Uint32Array {
  const locations = stored.locations ? stored.locations.slice() : new Uint32Array(0);
  for (let i = 0; i < locations.length; i += 2) if (locations[i] === 0) locations[i] = stored.id ?? 0;
  return locations;
}
