// The snapshot file: a prebuilt index as one static file.
//
//   prelude  "PGRAGSNP" · u32 format version · u32 header length
//   header   UTF-8 JSON (SnapshotHeader) · u32 CRC-32 of the header · zero padding to 8 bytes
//   body     sections, each: 4-byte ASCII tag · u32 flags · u64 length · payload · padding to 8
//
// All numbers are little-endian. `header.contentHash` is the SHA-256 of the body, checked before
// anything is stored. Sections a reader does not know are skipped unless flagged required.
import { checkRows } from './check-rows.js';
import { SnapshotFormatError, describeValue } from '../errors.js';
import type { Metadata } from '../schema/node.js';
import { decodeKeywordRows, encodeKeywordRows, scanKeywordRows, type KeywordTerms } from '../search/keyword-codec.js';
import { quantizeInt8 } from '../search/int8-quantize.js';
import { ByteReader, ByteWriter, LITTLE_ENDIAN, crc32, gunzip, gzip, sha256Hex, utf8 } from './bytes.js';
import type { NodeFormat } from '../schema/metadata-mode.js';

export const SNAPSHOT_MAGIC = 'PGRAGSNP';
export const SNAPSHOT_FORMAT_VERSION = 1;

const FLAG_GZIP = 1;
const FLAG_REQUIRED = 2;

export interface SnapshotEmbedModel {
  /** The embedding model id, e.g. "Xenova/all-MiniLM-L6-v2". */
  model: string;
  dimensions: number;
  pooling?: 'mean' | 'cls';
  normalize?: boolean;
  /** Weights precision the vectors were computed with, when known (e.g. "fp32", "q8"). */
  dtype?: string;
  /** Whether nodes were embedded with their metadata (absent in older snapshots: false). */
  embedsMetadata?: boolean;
}

/** How the documents were split. */
export interface SnapshotChunker {
  chunkSize: number;
  chunkOverlap: number;
}

export interface SnapshotHeader {
  format: 'pagerag-snapshot';
  version: number;
  embedModel: SnapshotEmbedModel;
  /** How vectors are stored: float32, or int8 with one float32 scale per vector. */
  vectors: 'float32' | 'int8';
  chunker: SnapshotChunker | null;
  /** The analyzer of the BM25 section; null when the snapshot has none. */
  keywords: { analyzer: string } | null;
  counts: { documents: number; nodes: number };
  /** Bytes of the body (everything after the header): a shorter file is truncated. */
  bodyLength: number;
  /** SHA-256 (hex) of the body. Loading the same snapshot twice is a no-op by this hash. */
  contentHash: string;
}

export interface SnapshotNode {
  id: string;
  text: string;
  metadata: Metadata;
  startCharIdx?: number;
  endCharIdx?: number;
  /** How its metadata is rendered, where it differs from the defaults. */
  format?: NodeFormat;
}

export interface SnapshotDocument {
  id: string;
  /** Content hash of the source document (see `documentHash`). */
  hash: string;
  metadata: Metadata;
  nodes: SnapshotNode[];
}

export type { KeywordTerms } from '../search/keyword-codec.js';

/** What a snapshot holds, decoded. */
export interface SnapshotData {
  embedModel: SnapshotEmbedModel;
  chunker?: SnapshotChunker | null;
  documents: SnapshotDocument[];
  /** Every node's vector, in document then node order. */
  vectors: Float32Array;
  /** Every node's analyzed terms (same order), made by `keywordAnalyzer`. */
  keywords?: KeywordTerms[] | undefined;
  keywordAnalyzer?: string;
}

export interface EncodeSnapshotOptions {
  /**
   * `int8` stores one byte per dimension plus a scale per vector (about a quarter of the size;
   * loaded back as float32, cosine error around 1e-3).
   * @default "float32"
   */
  vectors?: 'float32' | 'int8';
  /**
   * Include the BM25 keyword rows, so loading skips analyzing every text.
   * @default true
   */
  keywords?: boolean;
}

/** Writes a snapshot file. */
export async function encodeSnapshot(data: SnapshotData, options: EncodeSnapshotOptions = {}): Promise<Uint8Array> {
  const vectorsKind = options.vectors ?? 'float32';
  if (vectorsKind !== 'float32' && vectorsKind !== 'int8') {
    throw new SnapshotFormatError(`Expected vectors to be "float32" or "int8", got ${describeValue(vectorsKind)}.`);
  }
  const dims = data.embedModel.dimensions;
  const nodeCount = data.documents.reduce((n, d) => n + d.nodes.length, 0);
  if (data.vectors.length !== nodeCount * dims) {
    throw new SnapshotFormatError(`Expected ${nodeCount} vectors of ${dims} dimensions (${nodeCount * dims} numbers), got ${data.vectors.length} numbers.`);
  }
  const keywords = options.keywords !== false && data.keywords && data.keywordAnalyzer ? data.keywords : undefined;
  if (keywords && keywords.length !== nodeCount) {
    throw new SnapshotFormatError(`Expected keyword rows for ${nodeCount} nodes, got ${keywords.length}.`);
  }

  const body = new ByteWriter();
  const section = (tag: string, payload: Uint8Array, flags: number) => {
    body.bytes(utf8.encode(tag));
    body.u32(flags);
    body.u32(payload.length % 2 ** 32);
    body.u32(Math.floor(payload.length / 2 ** 32));
    body.bytes(payload);
    body.align(8);
  };
  const json = (value: unknown) => gzip(utf8.encode(JSON.stringify(value)));

  section('DOCS', await json(data.documents.map((d) => ({ id: d.id, hash: d.hash, metadata: d.metadata, nodes: d.nodes.length }))), FLAG_GZIP | FLAG_REQUIRED);
  // Node metadata is nearly always the document's: stored as 0 then.
  const nodes = data.documents.flatMap((d) => {
    const docMetadata = JSON.stringify(d.metadata);
    return d.nodes.map((n) => {
      const row = [n.id, n.text, JSON.stringify(n.metadata) === docMetadata ? 0 : n.metadata, n.startCharIdx ?? -1, n.endCharIdx ?? -1];
      // A sixth element only where there is a format: files without one read in older versions too.
      return n.format && Object.keys(n.format).length > 0 ? [...row, n.format] : row;
    });
  });
  section('NODE', await json(nodes), FLAG_GZIP | FLAG_REQUIRED);
  if (vectorsKind === 'float32') section('VF32', float32Bytes(data.vectors), FLAG_REQUIRED);
  else section('VI8 ', int8Section(data.vectors, dims), FLAG_REQUIRED);
  if (keywords) section('BM25', await gzip(encodeKeywordRows(keywords)), FLAG_GZIP);

  const bodyBytes = body.finish();
  const header: SnapshotHeader = {
    format: 'pagerag-snapshot',
    version: SNAPSHOT_FORMAT_VERSION,
    embedModel: data.embedModel,
    vectors: vectorsKind,
    chunker: data.chunker ?? null,
    keywords: keywords ? { analyzer: data.keywordAnalyzer! } : null,
    counts: { documents: data.documents.length, nodes: nodeCount },
    bodyLength: bodyBytes.length,
    contentHash: await sha256Hex(bodyBytes),
  };
  const headerBytes = utf8.encode(JSON.stringify(header));
  const file = new ByteWriter();
  file.bytes(utf8.encode(SNAPSHOT_MAGIC));
  file.u32(SNAPSHOT_FORMAT_VERSION);
  file.u32(headerBytes.length);
  file.bytes(headerBytes);
  file.u32(crc32(headerBytes));
  file.align(8);
  file.bytes(bodyBytes);
  return file.finish();
}

/**
 * How many leading bytes hold the whole header, judged from the first ones: 16 while fewer are
 * given, the given length when they are not a snapshot (enough to say so).
 */
export function snapshotHeaderSize(head: Uint8Array): number {
  if (head.length < 16) return 16;
  if (utf8.decode(head.subarray(0, 8)) !== SNAPSHOT_MAGIC) return head.length;
  return 16 + new DataView(head.buffer, head.byteOffset, 16).getUint32(12, true) + 4;
}

/**
 * Reads and checks the header only (prelude, CRC, fields): enough to refuse a wrong model before
 * reading the rest. Returns the header and where the body starts.
 */
export function readSnapshotHeader(bytes: Uint8Array): { header: SnapshotHeader; bodyOffset: number } {
  const reader = new ByteReader(bytes, 'snapshot header');
  if (bytes.length < 16 || utf8.decode(bytes.subarray(0, 8)) !== SNAPSHOT_MAGIC) {
    if (/^\s*</.test(utf8.decode(bytes.subarray(0, 64)))) {
      throw new SnapshotFormatError('Expected a pagerag snapshot, got an HTML page: the URL does not point to the snapshot file (a server answers unknown paths with a page). Check where the file is deployed.');
    }
    throw new SnapshotFormatError(`Expected a pagerag snapshot (a file starting with "${SNAPSHOT_MAGIC}"), got ${bytes.length < 8 ? `${bytes.length} bytes` : `a file starting with ${JSON.stringify(utf8.decode(bytes.subarray(0, 8)))}`}. Build one with \`pagerag build-index\` or index.toSnapshot().`);
  }
  reader.take(8);
  const version = reader.u32();
  if (version > SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotFormatError(`This snapshot has format version ${version}; this pagerag reads up to version ${SNAPSHOT_FORMAT_VERSION}. Update pagerag, or build the snapshot with this version.`);
  }
  const headerBytes = reader.take(reader.u32());
  const crc = reader.u32();
  if (crc !== crc32(headerBytes)) throw new SnapshotFormatError('The snapshot header fails its checksum: the file is corrupted. Download or build it again.');
  reader.skipTo(8);
  let header: SnapshotHeader;
  try {
    header = JSON.parse(utf8.decode(headerBytes)) as SnapshotHeader;
  } catch (error) {
    throw new SnapshotFormatError('The snapshot header is not valid JSON: the file is corrupted.', { cause: error });
  }
  checkHeader(header);
  return { header, bodyOffset: reader.offset };
}

function checkHeader(header: SnapshotHeader): void {
  const problems: string[] = [];
  const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  if (header?.format !== 'pagerag-snapshot') problems.push(`format ${describeValue(header?.format)}`);
  if (typeof header?.embedModel?.model !== 'string' || !(header.embedModel.dimensions > 0) || !['boolean', 'undefined'].includes(typeof header.embedModel.embedsMetadata)) {
    problems.push(`embedModel ${describeValue(header?.embedModel)}`);
  }
  if (header?.vectors !== 'float32' && header?.vectors !== 'int8') problems.push(`vectors ${describeValue(header?.vectors)}`);
  if (!positiveInt(header?.counts?.documents) || !positiveInt(header?.counts?.nodes)) problems.push(`counts ${describeValue(header?.counts)}`);
  if (!positiveInt(header?.bodyLength) || typeof header?.contentHash !== 'string') problems.push('bodyLength/contentHash');
  if (problems.length > 0) throw new SnapshotFormatError(`The snapshot header is invalid (${problems.join(', ')}): the file is corrupted or was not written by pagerag.`);
}

/**
 * Reads a whole snapshot and checks it (length, SHA-256 of the body, every section's size and
 * counts). Throws {@link SnapshotFormatError} on any problem; returns nothing half-read. The float32
 * vectors may be a view of `bytes`: do not change them while the result is in use.
 * `keywordRows: false` checks the keyword rows without decoding them (`data.keywords` is then
 * absent; `keywordSection` has them encoded): what storage does, which copies them as they are.
 */
export async function decodeSnapshot(bytes: Uint8Array, { keywordRows = true } = {}): Promise<DecodedSnapshot> {
  const { header, bodyOffset } = readSnapshotHeader(bytes);
  const body = bytes.subarray(bodyOffset);
  if (body.length !== header.bodyLength) {
    throw new SnapshotFormatError(
      `The snapshot should have ${header.bodyLength} bytes after its header, it has ${body.length}: the file is ${body.length < header.bodyLength ? 'truncated' : 'corrupted (extra bytes)'}. Download or build it again.`,
    );
  }
  // The hash and the decompression run at once (both native); the hash is judged first.
  const digest = sha256Hex(body);
  let pending: Promise<Map<string, Uint8Array>> | Error;
  try {
    pending = readSections(body);
    pending.catch(() => {});
  } catch (error) {
    pending = error as Error;
  }
  if ((await digest) !== header.contentHash) {
    throw new SnapshotFormatError('The snapshot content does not match its SHA-256 hash: the file is corrupted. Download or build it again.');
  }
  if (pending instanceof Error) throw pending;
  const sections = await pending;

  const dims = header.embedModel.dimensions;
  const nodeCount = header.counts.nodes;
  const docRows = parseJson<{ id: string; hash: string; metadata: Metadata; nodes: number }[]>(sections, 'DOCS');
  const nodeRows = parseJson<[string, string, Metadata | 0, number, number, NodeFormat?][]>(sections, 'NODE');
  if (!Array.isArray(docRows) || docRows.length !== header.counts.documents || !Array.isArray(nodeRows) || nodeRows.length !== nodeCount) {
    throw new SnapshotFormatError(`The snapshot lists ${header.counts.documents} documents and ${nodeCount} nodes in its header but holds ${docRows?.length} and ${nodeRows?.length}: the file is corrupted.`);
  }
  checkRows(docRows, nodeRows);
  let at = 0;
  const documents = docRows.map((d): SnapshotDocument => {
    const rows = nodeRows.slice(at, (at += d.nodes));
    return {
      id: d.id,
      hash: d.hash,
      metadata: d.metadata,
      nodes: rows.map(([id, text, metadata, start, end, format]) => ({
        id,
        text,
        // Shared with the document: stored copies are made by IndexedDB.
        metadata: metadata === 0 ? d.metadata : metadata,
        ...(start >= 0 && { startCharIdx: start }),
        ...(end >= 0 && { endCharIdx: end }),
        ...(format && { format }),
      })),
    };
  });
  if (at !== nodeCount) throw new SnapshotFormatError(`The snapshot's documents list ${at} nodes, its header ${nodeCount}: the file is corrupted.`);

  const vectorBytes = sections.get(header.vectors === 'float32' ? 'VF32' : 'VI8 ');
  if (!vectorBytes) throw new SnapshotFormatError(`The snapshot has no ${header.vectors} vector section: the file is corrupted.`);
  const vectors = header.vectors === 'float32' ? readFloat32(vectorBytes, nodeCount * dims) : dequantizeInt8(vectorBytes, nodeCount, dims);

  const keywordBytes = header.keywords ? sections.get('BM25') : undefined;
  const corrupt = (reason: string) => new SnapshotFormatError(`The snapshot's keyword section is corrupted: ${reason}.`);
  const keywords = keywordBytes && keywordRows ? decodeKeywordRows(keywordBytes, nodeCount, corrupt) : undefined;
  const offsets = keywords?.offsets ?? (keywordBytes && scanKeywordRows(keywordBytes, nodeCount, corrupt));
  return {
    header,
    data: {
      embedModel: header.embedModel,
      chunker: header.chunker,
      documents,
      vectors,
      ...(keywords && { keywords }),
      ...(offsets && { keywordAnalyzer: header.keywords!.analyzer }),
    },
    ...(offsets && { keywordSection: { bytes: keywordBytes!, offsets } }),
  };
}

const KNOWN_SECTIONS = new Set(['DOCS', 'NODE', 'VF32', 'VI8 ', 'BM25']);

/** Splits the body into its known sections, decompressing them in parallel. */
function readSections(body: Uint8Array): Promise<Map<string, Uint8Array>> {
  const entries: Promise<[string, Uint8Array]>[] = [];
  const reader = new ByteReader(body, 'snapshot body');
  while (reader.remaining > 0) {
    const tag = utf8.decode(reader.take(4));
    const flags = reader.u32();
    const length = reader.u32() + reader.u32() * 2 ** 32;
    const payload = reader.take(length);
    reader.skipTo(8);
    if (!KNOWN_SECTIONS.has(tag)) {
      if (flags & FLAG_REQUIRED) throw new SnapshotFormatError(`The snapshot needs section "${tag}", which this pagerag does not know. Update pagerag.`);
      continue;
    }
    const entry: Promise<[string, Uint8Array]> = flags & FLAG_GZIP ? gunzip(payload, `snapshot section "${tag}"`).then((bytes) => [tag, bytes]) : Promise.resolve([tag, payload]);
    // Handled now: if a later section throws, this promise is dropped and must not reject unhandled.
    entry.catch(() => {});
    entries.push(entry);
  }
  return Promise.all(entries).then((all) => new Map(all));
}

/** A decoded snapshot; `keywordSection` lets storage reuse the encoded BM25 rows as they are. */
export interface DecodedSnapshot {
  header: SnapshotHeader;
  data: SnapshotData;
  keywordSection?: { bytes: Uint8Array; offsets: Uint32Array };
}

function parseJson<T>(sections: Map<string, Uint8Array>, tag: string): T {
  const bytes = sections.get(tag);
  if (!bytes) throw new SnapshotFormatError(`The snapshot has no "${tag}" section: the file is corrupted.`);
  try {
    return JSON.parse(utf8.decode(bytes)) as T;
  } catch (error) {
    throw new SnapshotFormatError(`The snapshot section "${tag}" is not valid JSON: the file is corrupted.`, { cause: error });
  }
}

function float32Bytes(vectors: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  const out = new Uint8Array(vectors.length * 4);
  const view = new DataView(out.buffer);
  vectors.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

function readFloat32(bytes: Uint8Array, count: number): Float32Array {
  if (bytes.length !== count * 4) throw new SnapshotFormatError(`The snapshot's vector section has ${bytes.length} bytes, expected ${count * 4}: the file is corrupted.`);
  let out: Float32Array;
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    // A view, as the other sections' bytes are (sections are 8-byte aligned in the file): a
    // 10k-chunk snapshot's 15 MB are not copied.
    out = new Float32Array(bytes.buffer, bytes.byteOffset, count);
  } else if (LITTLE_ENDIAN) {
    out = new Float32Array(count);
    new Uint8Array(out.buffer).set(bytes);
  } else {
    out = new Float32Array(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  }
  checkFinite(out);
  return out;
}

function checkFinite(vectors: Float32Array): void {
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i])) throw new SnapshotFormatError(`The snapshot holds a non-finite vector value at position ${i}: the file is corrupted.`);
  }
}

/** Symmetric int8 per vector: scale = max |x| / 127. Layout: all scales (float32), then all codes. */
function int8Section(vectors: Float32Array, dims: number): Uint8Array {
  const count = vectors.length / dims;
  const scales = new Float32Array(count);
  const codes = new Int8Array(vectors.length);
  for (let r = 0; r < count; r++) scales[r] = quantizeInt8(vectors, r * dims, dims, codes, r * dims);
  const out = new Uint8Array(count * 4 + codes.length);
  out.set(float32Bytes(scales));
  out.set(new Uint8Array(codes.buffer), count * 4);
  return out;
}

function dequantizeInt8(bytes: Uint8Array, count: number, dims: number): Float32Array {
  if (bytes.length !== count * (4 + dims)) throw new SnapshotFormatError(`The snapshot's int8 vector section has ${bytes.length} bytes, expected ${count * (4 + dims)}: the file is corrupted.`);
  const scales = readFloat32(bytes.subarray(0, count * 4), count);
  const codes = new Int8Array(bytes.buffer, bytes.byteOffset + count * 4, count * dims);
  const out = new Float32Array(count * dims);
  for (let r = 0; r < count; r++) {
    const scale = scales[r]!;
    for (let d = 0; d < dims; d++) out[r * dims + d] = codes[r * dims + d]! * scale;
  }
  return out;
}
