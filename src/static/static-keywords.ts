// BM25 postings of a partitioned static index, split Pagefind-style into chunks by term range, so a
// keyword query fetches only the chunks that hold its terms.
//
//   keywords/<hash>.bin   "PGRAGKWD", version, term count (u32); then per term, in UTF-16 code
//                         unit order: its UTF-8 length and bytes, its posting count, and per posting
//                         the row's slot (as a delta), the term's frequency in the row and the row's
//                         length in terms, all unsigned LEB128
//
// A posting carries its row's length so that a query scores with BM25 from the chunks alone,
// exactly as the in-memory index does (src/search/bm25-index.ts), without fetching anything per row.
import { SnapshotFormatError } from '../errors.js';
import { ByteReader, ByteWriter, utf8 } from '../snapshot/bytes.js';
import { ANALYZER_ID, analyze, termFrequencies } from '../search/english-analyzer.js';
import type { KeywordTerms } from '../search/keyword-codec.js';

const MAGIC = 'PGRAGKWD';
const VERSION = 1;
/** About Pagefind's chunk size: one query term costs one such request, unless the term alone is larger. */
const CHUNK_BYTES = 48 * 1024;
/** Chunks grow past CHUNK_BYTES for very large corpora, so the manifest's list of them stays small. */
const MAX_CHUNKS = 4096;

/** The manifest's keyword section. */
export interface StaticKeywords {
  /** The analyzer the terms were made by (queries are analyzed the same way). */
  analyzer: string;
  k1: number;
  b: number;
  /** Every row's length in terms, summed (BM25's average length is this over the row count). */
  totalLength: number;
  /** Per chunk, in term order: its first term and its SHA-256; a term is in the last chunk whose first term is ≤ it. */
  chunks: [first: string, hash: string][];
}

/** Where a keyword chunk is, relative to the manifest, by its SHA-256. */
export const keywordChunkPath = (hash: string) => `keywords/${hash.slice(0, 20)}.bin`;

/** A decoded chunk: where each term's postings start in its bytes, and how many there are. */
export interface KeywordChunk {
  bytes: Uint8Array;
  terms: Map<string, { offset: number; count: number }>;
}

/**
 * The keyword chunks of rows given in slot order (the order of the partitions' rows), with BM25's
 * parameters: Lucene's BM25 as BM25Index scores it.
 */
export function buildKeywordChunks(rows: readonly KeywordTerms[], params: { k1: number; b: number }): { keywords: Omit<StaticKeywords, 'chunks'>; firsts: string[]; chunks: Uint8Array[] } {
  // Postings in compressed-row form: term ids, then per term its slots and frequencies in slot order.
  const ids = new Map<string, number>();
  const counts: number[] = [];
  const lengths = new Uint32Array(rows.length);
  let totalLength = 0;
  rows.forEach(({ terms, freqs }, slot) => {
    for (let i = 0; i < terms.length; i++) {
      let id = ids.get(terms[i]!);
      if (id === undefined) ids.set(terms[i]!, (id = counts.push(0) - 1));
      counts[id]!++;
      lengths[slot]! += freqs[i]!;
    }
    totalLength += lengths[slot]!;
  });
  const starts = new Uint32Array(counts.length + 1);
  counts.forEach((n, id) => (starts[id + 1] = starts[id]! + n));
  const fill = starts.slice(0, counts.length);
  const slots = new Uint32Array(starts[counts.length]!);
  const frequencies = new Uint32Array(slots.length);
  rows.forEach(({ terms, freqs }, slot) => {
    for (let i = 0; i < terms.length; i++) {
      const at = fill[ids.get(terms[i]!)!]!++;
      slots[at] = slot;
      frequencies[at] = freqs[i]!;
    }
  });

  const body = new ByteWriter();
  const sorted = [...ids.keys()].sort();
  const ends: number[] = [];
  for (const term of sorted) {
    const id = ids.get(term)!;
    const bytes = utf8.encode(term);
    body.varint(bytes.length);
    body.bytes(bytes);
    body.varint(counts[id]!);
    let previous = 0;
    for (let p = starts[id]!; p < starts[id + 1]!; p++) {
      body.varint(slots[p]! - previous);
      body.varint(frequencies[p]!);
      body.varint(lengths[slots[p]!]!);
      previous = slots[p]!;
    }
    ends.push(body.length);
  }
  const all = body.finish();
  const target = Math.max(CHUNK_BYTES, Math.ceil(all.length / MAX_CHUNKS));
  const firsts: string[] = [];
  const chunks: Uint8Array[] = [];
  let first = 0;
  let from = 0;
  sorted.forEach((term, t) => {
    if (ends[t]! - from < target && t < sorted.length - 1) return;
    const chunk = new ByteWriter();
    chunk.bytes(utf8.encode(MAGIC));
    chunk.u32(VERSION);
    chunk.u32(t - first + 1);
    chunk.bytes(all.subarray(from, ends[t]!));
    firsts.push(sorted[first]!);
    chunks.push(chunk.finish());
    first = t + 1;
    from = ends[t]!;
  });
  return { keywords: { analyzer: ANALYZER_ID, k1: params.k1, b: params.b, totalLength }, firsts, chunks };
}

/** The chunk that holds `term` (an index into `keywords.chunks`), or -1 when it is before the first. */
export function chunkOf(keywords: StaticKeywords, term: string): number {
  let low = 0;
  let high = keywords.chunks.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (keywords.chunks[mid]![0] <= term) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/** A chunk file's terms; `url` names it in errors. */
export function decodeKeywordChunk(bytes: Uint8Array, url: string): KeywordChunk {
  const reader = new ByteReader(bytes, `keyword chunk ${url}`);
  const magic = String.fromCharCode(...reader.take(Math.min(MAGIC.length, bytes.length)));
  if (magic !== MAGIC) throw new SnapshotFormatError(`${url} is not a pagerag keyword chunk (expected the "${MAGIC}" header).`);
  const version = reader.u32();
  if (version !== VERSION) throw new SnapshotFormatError(`${url} is version ${version} of the keyword chunk format; this pagerag reads version ${VERSION}. Build the index again with this pagerag.`);
  const count = reader.u32();
  const terms = new Map<string, { offset: number; count: number }>();
  for (let t = 0; t < count; t++) {
    const term = utf8.decode(reader.take(reader.varint()));
    const postings = reader.varint();
    terms.set(term, { offset: reader.offset, count: postings });
    for (let p = 0; p < postings * 3; p++) reader.varint();
  }
  return { bytes, terms };
}

/** The query's terms with their weights (repeated terms count more), as BM25Index analyzes a query. */
export function queryTerms(query: string): Map<string, number> {
  return termFrequencies(analyze(query));
}

/**
 * BM25 scores (by slot) of the rows that hold a query term, and which rows those are (`touched`),
 * from the chunks of its terms; the same arithmetic, in the same order, as BM25Index.search, so the
 * scores are identical.
 */
export function scoreKeywords(terms: Map<string, number>, keywords: StaticKeywords, rows: number, chunkOfTerm: (term: string) => KeywordChunk | undefined): { scores: Float64Array; touched: number[] } {
  const scores = new Float64Array(rows);
  const touched: number[] = [];
  const average = keywords.totalLength / rows;
  const { k1, b } = keywords;
  for (const [term, weight] of terms) {
    const chunk = chunkOfTerm(term);
    const entry = chunk?.terms.get(term);
    if (!chunk || !entry || entry.count === 0) continue;
    const idf = Math.log(1 + (rows - entry.count + 0.5) / (entry.count + 0.5));
    // Bounds were checked when the chunk was decoded: a plain LEB128 walk.
    const bytes = chunk.bytes;
    let at = entry.offset;
    const varint = () => {
      let value = 0;
      let shift = 0;
      for (;;) {
        const byte = bytes[at++]!;
        value += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) return value;
        shift += 7;
      }
    };
    let slot = 0;
    for (let p = 0; p < entry.count; p++) {
      slot += varint();
      const tf = varint();
      const length = varint();
      const norm = tf + k1 * (1 - b + (b * length) / average);
      if (scores[slot] === 0) touched.push(slot);
      scores[slot]! += weight * idf * (tf / norm);
    }
  }
  return { scores, touched };
}
