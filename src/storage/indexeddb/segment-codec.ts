import { StorageCorruptionError } from '../../errors.js';
import type { Metadata } from '../../schema/node.js';
import { decodeKeywordRows, encodeKeywordRows } from '../../search/keyword-codec.js';
import { LOCATION_FIELDS, type SegmentRecord, type StoredSegment } from './schema.js';

/**
 * Segments are stored as their codes' typed arrays, the rows' ids as ONE string with their lengths,
 * their metadata as one JSON string and the keyword rows as bytes: a structured clone of one string
 * or buffer is a copy, where 100k small objects (ids, metadata, keyword lists) cost a walk each.
 * Equal metadata objects are stored once per segment, and so are document ids.
 * Segments of schema 1 kept the keywords in the JSON and had no locations, those of schema 2 their
 * float32 rows, those of schema 3 the ids in the JSON too; {@link decodeRowData} reads them all.
 */
/** `keywordBytes`: the rows' keywords already encoded (see keyword-codec.ts), e.g. sliced from a snapshot. */
export function encodeSegment(segment: SegmentRecord, keywordBytes?: Uint8Array): StoredSegment {
  const docs = new Map<string, number>();
  const docOfRow = Uint32Array.from(segment.refDocIds, (id) => {
    let index = docs.get(id);
    if (index === undefined) docs.set(id, (index = docs.size));
    return index;
  });
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
  const ids = [...segment.nodeIds, ...docs.keys()];
  return {
    ...(segment.id !== undefined && { id: segment.id }),
    int8: segment.codes.int8,
    scales: segment.codes.scales,
    bits: segment.codes.bits,
    inverseNorms: segment.codes.inverseNorms,
    ids: ids.join(''),
    idLengths: Uint32Array.from(ids, (id) => id.length),
    docOfRow,
    rows: JSON.stringify([table, metadataIndex]),
    keywords: keywordBytes ?? encodeKeywordRows(segment.keywords),
    locations: segment.locations,
  };
}

/** `keywords: false` leaves the keyword rows undecoded (empty; see {@link decodeSegmentKeywords}). */
export function decodeSegment(stored: StoredSegment, { keywords = true } = {}): SegmentRecord {
  const { int8, scales, bits, inverseNorms } = stored;
  if (!int8 || !scales || !bits || !inverseNorms) {
    throw new StorageCorruptionError(`Segment ${stored.id} has no vector codes: it was written by an older schema and not migrated. Clear the index and ingest again.`);
  }
  return { ...decodeRowData(stored, keywords), codes: { int8, scales, bits, inverseNorms }, locations: resolveLocations(stored) };
}

/** A segment's keyword rows (of a schema-3 segment: from their bytes alone, without parsing the row data again). */
export function decodeSegmentKeywords(stored: StoredSegment): SegmentRecord['keywords'] {
  return stored.keywords && stored.scales ? keywordRows(stored.keywords, stored.scales.length, stored.id) : decodeRowData(stored).keywords;
}

function keywordRows(bytes: Uint8Array, rows: number, segment: number | undefined): SegmentRecord['keywords'] {
  return decodeKeywordRows(bytes, rows, (reason) => new StorageCorruptionError(`The keyword data of segment ${segment} is unreadable: ${reason}. Clear the index and ingest again.`));
}

/** The rows' ids, documents, metadata and keywords, from a segment of any schema. */
export function decodeRowData(stored: StoredSegment, withKeywords = true): Pick<SegmentRecord, 'id' | 'nodeIds' | 'refDocIds' | 'metadata' | 'keywords'> {
  let nodeIds: string[], refDocIds: string[], table: Metadata[], metadataIndex: number[], terms: string[][] | undefined, freqs: number[][] | undefined;
  if (stored.ids !== undefined && stored.idLengths && stored.docOfRow) {
    [table, metadataIndex] = JSON.parse(stored.rows) as [Metadata[], number[]];
    const ids = sliceStrings(stored.ids, stored.idLengths, stored.id);
    if (ids.length < stored.docOfRow.length) corrupt(stored.id, `it has ${stored.docOfRow.length} rows but ${ids.length} ids`);
    nodeIds = ids.slice(0, stored.docOfRow.length);
    const docIds = ids.slice(stored.docOfRow.length);
    // Rows of one document share its id string.
    refDocIds = Array.from(stored.docOfRow, (doc) => docIds[doc] ?? corrupt(stored.id, 'a row names a document the segment does not list'));
  } else {
    [nodeIds, refDocIds, table, metadataIndex, terms, freqs] = JSON.parse(stored.rows) as [string[], string[], Metadata[], number[], string[][]?, number[][]?];
  }
  const keywords = !withKeywords
    ? []
    : stored.keywords
      ? keywordRows(stored.keywords, nodeIds.length, stored.id)
      : (terms ?? []).map((t, i) => ({ terms: t, freqs: freqs![i]! }));
  return {
    ...(stored.id !== undefined && { id: stored.id }),
    nodeIds,
    refDocIds,
    // Rows share the decoded metadata objects; they are read-only in memory.
    metadata: metadataIndex.map((i) => table[i]!),
    keywords,
  };
}

/** The strings stored back to back in `text` (a slice each: about 5× faster than JSON.parse of the list). */
function sliceStrings(text: string, lengths: Uint32Array, segment: number | undefined): string[] {
  const out = new Array<string>(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) out[i] = text.slice(at, (at += lengths[i]!));
  if (at !== text.length) corrupt(segment, `its ids take ${text.length} characters, their lengths add up to ${at}`);
  return out;
}

function corrupt(segment: number | undefined, reason: string): never {
  throw new StorageCorruptionError(`The row data of segment ${segment} is unreadable: ${reason}. Clear the index and ingest again.`);
}

/** Locations with group 0 (written before the segment had an id) made explicit. */
function resolveLocations(stored: StoredSegment): Uint32Array {
  const locations = stored.locations ? stored.locations.slice() : new Uint32Array(0);
  for (let i = 0; i < locations.length; i += LOCATION_FIELDS) if (locations[i] === 0) locations[i] = stored.id ?? 0;
  return locations;
}
