// The partitioned static index: a small manifest, and immutable files named by their content hash
// that any static host or CDN can cache for ever. A query fetches the manifest once, then only
// the partitions nearest to it (or the keyword chunks of its terms) and the text fragments of its top-k.
//
//   manifest.json                 format, model, counts, int8 centroids, and the SHA-256 of every
//                                 partition, fragment table and keyword chunk
//   partitions/<hash>.bin         "PGRAGPRT", version, rows, dims; then per row its global row
//                                 number (u32), its int8 scale (f32), its int8 codes
//   fragments/<hash>.json         the nodes of up to FRAGMENT_ROWS consecutive rows of one partition
//   tables/<hash>.bin             "PGRAGFRT", version, count; the SHA-256 (32 bytes) of TABLE_FRAGMENTS
//                                 consecutive fragments
//   keywords/<hash>.bin           BM25 postings of a range of terms (see static-keywords.ts)
//
// Rows are numbered in partition order ("slots": partition 0's rows, then partition 1's, …), and
// fragments in the same order, so a slot alone says which partition, fragment and table hold it:
// a keyword hit finds its text without its partition. The tables vouch for the fragments through
// the manifest, which stays small however many fragments there are.
import { SnapshotFormatError } from '../errors.js';
import type { Metadata } from '../schema/node.js';
import { analyzeKeywords } from '../search/bm25-index.js';
import type { KeywordTerms } from '../search/keyword-codec.js';
import { sha256Hex, utf8 } from '../snapshot/bytes.js';
import type { SnapshotEmbedModel } from '../snapshot/snapshot-format.js';
import { quantizeInt8 } from '../search/int8-quantize.js';
import { kmeans } from './kmeans.js';
import { buildKeywordChunks, keywordChunkPath, type StaticKeywords } from './static-keywords.js';

export const STATIC_FORMAT = 'pagerag-partitioned';
export const STATIC_VERSION = 2;
const PARTITION_MAGIC = 'PGRAGPRT';
const TABLE_MAGIC = 'PGRAGFRT';
const PARTITION_HEADER = 20;
const TABLE_HEADER = 16;
/** Rows per text fragment: a query's top-10 fetches at most 10 of them (about 20 KB each for abstract-sized chunks). */
export const FRAGMENT_ROWS = 16;
/** Fragment hashes per table: 8 KB, the fragments of about 4,000 rows. */
export const TABLE_FRAGMENTS = 256;

export interface StaticManifest {
  format: typeof STATIC_FORMAT;
  version: number;
  embedModel: SnapshotEmbedModel;
  counts: { documents: number; nodes: number };
  /** k × dims int8 codes, base64 (a centroid's direction is all a query needs: score = q·c / ‖c‖). */
  centroids: string;
  partitions: StaticPartitionEntry[];
  fragments: {
    /** Rows per fragment (a partition's last one may hold fewer). */
    rows: number;
    /** Fragment hashes per table. */
    perTable: number;
    tables: StaticFileEntry[];
  };
  /** BM25 postings by term range; null when built without keywords (vector queries only). */
  keywords: StaticKeywords | null;
  /** SHA-256 of every file's hash: a new deploy has another. */
  contentHash: string;
}

export interface StaticFileEntry {
  /** Path of the file, relative to the manifest. */
  file: string;
  /** SHA-256 (hex) of the file. */
  hash: string;
}

export interface StaticPartitionEntry extends StaticFileEntry {
  rows: number;
}

export interface StaticNode {
  id: string;
  refDocId: string;
  text: string;
  metadata: Metadata;
}

/** One decoded partition: global row numbers (document order), int8 scales and codes (row-major). */
export interface StaticPartition {
  rows: Uint32Array;
  scales: Float32Array;
  codes: Int8Array;
}

/** Where a fragment is, relative to the manifest, by its SHA-256. */
export const fragmentPath = (hash: string) => `fragments/${hash.slice(0, 20)}.json`;
const tablePath = (hash: string) => `tables/${hash.slice(0, 20)}.bin`;

/** Where a slot's row is: its partition, its index there, its fragment (numbered across the index) and its index in that. */
export interface SlotLocation {
  partition: number;
  index: number;
  fragment: number;
  inFragment: number;
}

/** Slots, partitions, fragments and tables of one manifest, mapped onto each other. */
export class StaticLayout {
  /** First slot of each partition, and the slot count at the end. */
  private readonly slotStarts: Uint32Array;
  /** First fragment of each partition, and the fragment count at the end. */
  private readonly fragmentStarts: Uint32Array;

  constructor(readonly manifest: StaticManifest) {
    const { partitions, fragments } = manifest;
    this.slotStarts = new Uint32Array(partitions.length + 1);
    this.fragmentStarts = new Uint32Array(partitions.length + 1);
    partitions.forEach((p, c) => {
      this.slotStarts[c + 1] = this.slotStarts[c]! + p.rows;
      this.fragmentStarts[c + 1] = this.fragmentStarts[c]! + Math.ceil(p.rows / fragments.rows);
    });
  }

  get fragmentCount(): number {
    return this.fragmentStarts[this.fragmentStarts.length - 1]!;
  }

  /** The slot of row `index` of partition `partition`. */
  slot(partition: number, index: number): number {
    return this.slotStarts[partition]! + index;
  }

  locate(slot: number): SlotLocation {
    let low = 0;
    let high = this.manifest.partitions.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.slotStarts[mid]! <= slot) low = mid;
      else high = mid - 1;
    }
    const index = slot - this.slotStarts[low]!;
    const rows = this.manifest.fragments.rows;
    return { partition: low, index, fragment: this.fragmentStarts[low]! + Math.floor(index / rows), inFragment: index % rows };
  }

  /** The fragments of partition `c`, [first, end). */
  fragmentsOf(c: number): [number, number] {
    return [this.fragmentStarts[c]!, this.fragmentStarts[c + 1]!];
  }

  /** The table that lists fragment `fragment`, and its index there. */
  tableOf(fragment: number): [table: number, index: number] {
    const perTable = this.manifest.fragments.perTable;
    return [Math.floor(fragment / perTable), fragment % perTable];
  }
}

export interface BuildPartitionedOptions {
  /** @default round(√nodes) */
  partitions?: number;
  /** @default 1 */
  seed?: number;
  /** Writes BM25 keyword chunks (keyword and hybrid queries); false for vector queries only. @default true */
  keywords?: boolean;
  /** BM25 parameters recorded in the manifest. @default { k1: 0.9, b: 0.4 } (BM25Index's) */
  bm25?: { k1: number; b: number };
}

/**
 * The files of a partitioned index (path → bytes) from what a snapshot holds: IVF partitions by
 * seeded k-means, int8 codes per row, text fragments of FRAGMENT_ROWS rows, BM25 keyword chunks.
 * `keywords` (one entry per node, from a snapshot) saves analyzing the texts again.
 */
export async function buildPartitioned(
  input: { embedModel: SnapshotEmbedModel; documents: { id: string; nodes: StaticNode[] }[]; vectors: Float32Array; keywords?: readonly KeywordTerms[] | undefined },
  options: BuildPartitionedOptions = {},
): Promise<Map<string, Uint8Array>> {
  const dims = input.embedModel.dimensions;
  const nodes = input.documents.flatMap((d) => d.nodes);
  const k = nodes.length === 0 ? 0 : Math.min(nodes.length, Math.max(1, options.partitions ?? Math.round(Math.sqrt(nodes.length))));
  const { centroids, assignments } = kmeans(input.vectors, dims, k, { seed: options.seed ?? 1 });
  // Empty partitions are left out, with their centroids.
  const members = Array.from({ length: k }, (): number[] => []);
  assignments.forEach((c, row) => members[c]!.push(row));
  const kept = members.map((rows, c) => (rows.length > 0 ? c : -1)).filter((c) => c >= 0);
  const files = new Map<string, Uint8Array>();
  const partitions: StaticPartitionEntry[] = [];
  const fragmentHashes: string[] = [];
  for (const c of kept) {
    const rows = members[c]!;
    for (let start = 0; start < rows.length; start += FRAGMENT_ROWS) {
      const bytes = utf8.encode(JSON.stringify(rows.slice(start, start + FRAGMENT_ROWS).map((row) => nodes[row]!)));
      fragmentHashes.push((await addFile(files, fragmentPath, bytes, {})).hash);
    }
    partitions.push(await addFile(files, (hash) => `partitions/${hash.slice(0, 20)}.bin`, encodePartition(rows, input.vectors, dims), { rows: rows.length }));
  }
  const tables: StaticFileEntry[] = [];
  for (let start = 0; start < fragmentHashes.length; start += TABLE_FRAGMENTS) {
    tables.push(await addFile(files, tablePath, encodeTable(fragmentHashes.slice(start, start + TABLE_FRAGMENTS)), {}));
  }
  let keywords: StaticKeywords | null = null;
  if (options.keywords !== false) {
    const slotRows = kept.flatMap((c) => members[c]!);
    const built = buildKeywordChunks(slotRows.map((row) => input.keywords?.[row] ?? analyzeKeywords(nodes[row]!.text)), options.bm25 ?? { k1: 0.9, b: 0.4 });
    const chunks: [string, string][] = [];
    for (const [i, bytes] of built.chunks.entries()) chunks.push([built.firsts[i]!, (await addFile(files, keywordChunkPath, bytes, {})).hash]);
    keywords = { ...built.keywords, chunks };
  }
  const keptCentroids = new Int8Array(kept.length * dims);
  kept.forEach((c, i) => quantizeInt8(centroids, c * dims, dims, keptCentroids, i * dims));
  const allHashes = [...partitions, ...tables].map((p) => p.hash).concat(keywords?.chunks.map(([, hash]) => hash) ?? []);
  const manifest: StaticManifest = {
    format: STATIC_FORMAT,
    version: STATIC_VERSION,
    embedModel: input.embedModel,
    counts: { documents: input.documents.length, nodes: nodes.length },
    centroids: toBase64(new Uint8Array(keptCentroids.buffer)),
    partitions,
    fragments: { rows: FRAGMENT_ROWS, perTable: TABLE_FRAGMENTS, tables },
    keywords,
    contentHash: await sha256Hex(utf8.encode(allHashes.join(''))),
  };
  files.set('manifest.json', utf8.encode(JSON.stringify(manifest)));
  return files;
}

/** Adds a content-addressed file; returns its manifest entry. */
async function addFile<E extends object>(files: Map<string, Uint8Array>, pathOf: (hash: string) => string, bytes: Uint8Array, extra: E): Promise<StaticFileEntry & E> {
  const hash = await sha256Hex(bytes);
  const file = pathOf(hash);
  files.set(file, bytes);
  return { ...extra, file, hash };
}

function writeHeader(bytes: Uint8Array, magic: string, words: number[]): DataView {
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < magic.length; i++) bytes[i] = magic.charCodeAt(i);
  words.forEach((word, i) => view.setUint32(8 + i * 4, word, true));
  return view;
}

function encodePartition(rows: number[], vectors: Float32Array, dims: number): Uint8Array {
  const bytes = new Uint8Array(PARTITION_HEADER + rows.length * (8 + dims));
  const view = writeHeader(bytes, PARTITION_MAGIC, [STATIC_VERSION, rows.length, dims]);
  const codes = new Int8Array(bytes.buffer, PARTITION_HEADER + rows.length * 8, rows.length * dims);
  rows.forEach((row, i) => {
    view.setUint32(PARTITION_HEADER + i * 4, row, true);
    view.setFloat32(PARTITION_HEADER + rows.length * 4 + i * 4, quantizeInt8(vectors, row * dims, dims, codes, i * dims), true);
  });
  return bytes;
}

function encodeTable(hashes: string[]): Uint8Array {
  const bytes = new Uint8Array(TABLE_HEADER + hashes.length * 32);
  writeHeader(bytes, TABLE_MAGIC, [STATIC_VERSION, hashes.length]);
  hashes.forEach((hash, f) => {
    for (let b = 0; b < 32; b++) bytes[TABLE_HEADER + f * 32 + b] = parseInt(hash.slice(b * 2, b * 2 + 2), 16);
  });
  return bytes;
}

/** The header's words after the magic, or a named error; `url` names the file. */
function readHeader(bytes: Uint8Array, magic: string, words: number, what: string, url: string): number[] {
  if (bytes.length < 8 + words * 4 || String.fromCharCode(...bytes.subarray(0, magic.length)) !== magic) {
    throw new SnapshotFormatError(`${url} is not a pagerag ${what} (expected the "${magic}" header).`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: words }, (_, i) => view.getUint32(8 + i * 4, true));
}

/** A partition file's contents; `url` names it in errors. */
export function decodePartition(bytes: Uint8Array, dims: number, url: string): StaticPartition {
  const [version, rows, fileDims] = readHeader(bytes, PARTITION_MAGIC, 3, 'partition', url) as [number, number, number];
  if (version !== STATIC_VERSION || fileDims !== dims || bytes.length !== PARTITION_HEADER + rows * (8 + dims)) {
    throw new SnapshotFormatError(`${url} does not match its manifest (version ${version}, ${fileDims} dimensions, ${bytes.length} bytes for ${rows} rows).`);
  }
  const copy = bytes.slice(PARTITION_HEADER);
  return {
    rows: new Uint32Array(copy.buffer, 0, rows),
    scales: new Float32Array(copy.buffer, rows * 4, rows),
    codes: new Int8Array(copy.buffer, rows * 8, rows * dims),
  };
}

/** A fragment table's hashes (hex); `url` names it in errors. */
export function decodeTable(bytes: Uint8Array, url: string): string[] {
  const [version, count] = readHeader(bytes, TABLE_MAGIC, 2, 'fragment table', url) as [number, number];
  if (version !== STATIC_VERSION || bytes.length !== TABLE_HEADER + count * 32) {
    throw new SnapshotFormatError(`${url} does not match its manifest (version ${version}, ${bytes.length} bytes for ${count} fragments).`);
  }
  return Array.from({ length: count }, (_, f) => [...bytes.subarray(TABLE_HEADER + f * 32, TABLE_HEADER + (f + 1) * 32)].map((b) => b.toString(16).padStart(2, '0')).join(''));
}

/** Checks a parsed manifest's shape; `url` names it in errors. */
export function checkManifest(json: unknown, url: string): StaticManifest {
  const manifest = json as StaticManifest;
  if (manifest?.format !== STATIC_FORMAT) throw new SnapshotFormatError(`${url} is not a pagerag partitioned index manifest (expected "format": "${STATIC_FORMAT}").`);
  if (manifest.version !== STATIC_VERSION) throw new SnapshotFormatError(`${url} is version ${manifest.version} of the partitioned index; this pagerag reads version ${STATIC_VERSION}. Update pagerag, or build the index again with this one.`);
  if (!Array.isArray(manifest.partitions) || typeof manifest.centroids !== 'string' || !manifest.embedModel?.dimensions || !Array.isArray(manifest.fragments?.tables) || manifest.keywords === undefined) {
    throw new SnapshotFormatError(`${url} is not a complete manifest (partitions, centroids, fragments, keywords or embedModel missing).`);
  }
  return manifest;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
