// The partitioned static index: a small manifest, and immutable files named by their content hash
// that any static host or CDN can cache for ever. A query fetches the manifest once, then only
// the partitions nearest to it and the text fragments of its top-k.
//
//   manifest.json                 format, model, counts, int8 centroids, one entry per partition
//   partitions/<hash>.bin         "PGRAGPRT", version, rows, dims, rows per fragment, fragments;
//                                 then per row its global row number (u32), its int8 scale (f32),
//                                 its int8 codes; then each fragment's SHA-256 (32 bytes)
//   fragments/<hash>.json         the nodes of FRAGMENT_ROWS consecutive rows of one partition
//
// The partition lists its fragments' hashes: checked against the manifest, it vouches for them,
// and the manifest stays small however many fragments there are.
import { SnapshotFormatError } from '../errors.js';
import type { Metadata } from '../schema/node.js';
import { sha256Hex, utf8 } from '../snapshot/bytes.js';
import type { SnapshotEmbedModel } from '../snapshot/snapshot-format.js';
import { quantizeInt8 } from '../search/int8-quantize.js';
import { kmeans } from './kmeans.js';

export const STATIC_FORMAT = 'pagerag-partitioned';
export const STATIC_VERSION = 1;
const MAGIC = 'PGRAGPRT';
const HEADER_BYTES = 28;
/** Rows per text fragment: a query's top-10 fetches at most 10 of them (about 20 KB each for abstract-sized chunks). */
export const FRAGMENT_ROWS = 16;

export interface StaticManifest {
  format: typeof STATIC_FORMAT;
  version: number;
  embedModel: SnapshotEmbedModel;
  counts: { documents: number; nodes: number };
  /** k × dims int8 codes, base64 (a centroid's direction is all a query needs: score = q·c / ‖c‖). */
  centroids: string;
  partitions: StaticPartitionEntry[];
  /** SHA-256 of the partition hashes (which cover their fragments): a new deploy has another. */
  contentHash: string;
}

export interface StaticPartitionEntry {
  rows: number;
  /** Path of the partition file, relative to the manifest. */
  file: string;
  /** SHA-256 (hex) of the file. */
  hash: string;
}

export interface StaticNode {
  id: string;
  refDocId: string;
  text: string;
  metadata: Metadata;
}

/** One decoded partition: global row numbers, int8 scales and codes (row-major), its fragments' SHA-256 (hex). */
export interface StaticPartition {
  rows: Uint32Array;
  scales: Float32Array;
  codes: Int8Array;
  fragmentRows: number;
  fragmentHashes: string[];
}

/** Where a fragment is, relative to the manifest, by its SHA-256. */
export const fragmentPath = (hash: string) => `fragments/${hash.slice(0, 20)}.json`;

export interface BuildPartitionedOptions {
  /** @default round(√nodes) */
  partitions?: number;
  /** @default 1 */
  seed?: number;
}

/**
 * The files of a partitioned index (path → bytes) from what a snapshot holds: IVF partitions by
 * seeded k-means, int8 codes per row, text fragments of FRAGMENT_ROWS rows.
 */
export async function buildPartitioned(
  input: { embedModel: SnapshotEmbedModel; documents: { id: string; nodes: StaticNode[] }[]; vectors: Float32Array },
  options: BuildPartitionedOptions = {},
): Promise<Map<string, Uint8Array>> {
  const dims = input.embedModel.dimensions;
  const nodes = input.documents.flatMap((d) => d.nodes);
  const k = nodes.length === 0 ? 0 : Math.min(nodes.length, Math.max(1, options.partitions ?? Math.round(Math.sqrt(nodes.length))));
  const { centroids, assignments } = kmeans(input.vectors, dims, k, { seed: options.seed ?? 1 });
  const members: number[][] = Array.from({ length: k }, () => []);
  assignments.forEach((c, row) => members[c]!.push(row));
  const files = new Map<string, Uint8Array>();
  const partitions: StaticPartitionEntry[] = [];
  for (const rows of members) {
    if (rows.length === 0) continue;
    const fragments: Uint8Array[] = [];
    for (let start = 0; start < rows.length; start += FRAGMENT_ROWS) {
      fragments.push(utf8.encode(JSON.stringify(rows.slice(start, start + FRAGMENT_ROWS).map((row) => nodes[row]!))));
    }
    const fragmentHashes = await Promise.all(fragments.map((bytes) => sha256Hex(bytes)));
    fragments.forEach((bytes, f) => files.set(fragmentPath(fragmentHashes[f]!), bytes));
    const bytes = encodePartition(rows, input.vectors, dims, fragmentHashes);
    const hash = await sha256Hex(bytes);
    const entry = { rows: rows.length, file: `partitions/${hash.slice(0, 20)}.bin`, hash };
    files.set(entry.file, bytes);
    partitions.push(entry);
  }
  // Centroids of empty partitions are left out with them.
  const kept = members.map((rows, c) => (rows.length > 0 ? c : -1)).filter((c) => c >= 0);
  const keptCentroids = new Int8Array(kept.length * dims);
  kept.forEach((c, i) => quantizeInt8(centroids, c * dims, dims, keptCentroids, i * dims));
  const manifest: StaticManifest = {
    format: STATIC_FORMAT,
    version: STATIC_VERSION,
    embedModel: input.embedModel,
    counts: { documents: input.documents.length, nodes: nodes.length },
    centroids: toBase64(new Uint8Array(keptCentroids.buffer)),
    partitions,
    contentHash: await sha256Hex(utf8.encode(partitions.map((p) => p.hash).join(''))),
  };
  files.set('manifest.json', utf8.encode(JSON.stringify(manifest)));
  return files;
}

function encodePartition(rows: number[], vectors: Float32Array, dims: number, fragmentHashes: string[]): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + rows.length * (8 + dims) + fragmentHashes.length * 32);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < MAGIC.length; i++) bytes[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, STATIC_VERSION, true);
  view.setUint32(12, rows.length, true);
  view.setUint32(16, dims, true);
  view.setUint32(20, FRAGMENT_ROWS, true);
  view.setUint32(24, fragmentHashes.length, true);
  const codes = new Int8Array(bytes.buffer, HEADER_BYTES + rows.length * 8, rows.length * dims);
  rows.forEach((row, i) => {
    view.setUint32(HEADER_BYTES + i * 4, row, true);
    view.setFloat32(HEADER_BYTES + rows.length * 4 + i * 4, quantizeInt8(vectors, row * dims, dims, codes, i * dims), true);
  });
  const hashesAt = HEADER_BYTES + rows.length * (8 + dims);
  fragmentHashes.forEach((hash, f) => {
    for (let b = 0; b < 32; b++) bytes[hashesAt + f * 32 + b] = parseInt(hash.slice(b * 2, b * 2 + 2), 16);
  });
  return bytes;
}

/** A partition file's contents; `url` names it in errors. */
export function decodePartition(bytes: Uint8Array, dims: number, url: string): StaticPartition {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (bytes.length < HEADER_BYTES || magic !== MAGIC) throw new SnapshotFormatError(`${url} is not a pagerag partition (expected the "${MAGIC}" header).`);
  const version = view.getUint32(8, true);
  const rows = view.getUint32(12, true);
  const fileDims = view.getUint32(16, true);
  const fragmentRows = view.getUint32(20, true);
  const fragments = view.getUint32(24, true);
  if (version !== STATIC_VERSION || fileDims !== dims || fragmentRows < 1 || fragments !== Math.ceil(rows / fragmentRows) || bytes.length !== HEADER_BYTES + rows * (8 + dims) + fragments * 32) {
    throw new SnapshotFormatError(`${url} does not match its manifest (version ${version}, ${fileDims} dimensions, ${bytes.length} bytes for ${rows} rows in ${fragments} fragments).`);
  }
  const copy = bytes.slice(HEADER_BYTES);
  const hashesAt = rows * (8 + dims);
  const fragmentHashes = Array.from({ length: fragments }, (_, f) => [...copy.subarray(hashesAt + f * 32, hashesAt + (f + 1) * 32)].map((b) => b.toString(16).padStart(2, '0')).join(''));
  return {
    rows: new Uint32Array(copy.buffer, 0, rows),
    scales: new Float32Array(copy.buffer, rows * 4, rows),
    codes: new Int8Array(copy.buffer, rows * 8, rows * dims),
    fragmentRows,
    fragmentHashes,
  };
}

/** Checks a parsed manifest's shape; `url` names it in errors. */
export function checkManifest(json: unknown, url: string): StaticManifest {
  const manifest = json as StaticManifest;
  if (manifest?.format !== STATIC_FORMAT) throw new SnapshotFormatError(`${url} is not a pagerag partitioned index manifest (expected "format": "${STATIC_FORMAT}").`);
  if (manifest.version !== STATIC_VERSION) throw new SnapshotFormatError(`${url} is version ${manifest.version} of the partitioned index; this pagerag reads version ${STATIC_VERSION}. Update pagerag, or build the index again with this one.`);
  if (!Array.isArray(manifest.partitions) || typeof manifest.centroids !== 'string' || !manifest.embedModel?.dimensions) throw new SnapshotFormatError(`${url} is not a complete manifest (partitions, centroids or embedModel missing).`);
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
