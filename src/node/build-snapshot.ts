import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Embedding } from '../embeddings/embedding.js';
import { nodeParserFor } from '../ingestion/default-node-parser.js';
import { documentFileType, documentFromFile } from '../ingestion/file-document.js';
import { documentsFromSitePage } from '../ingestion/html-sections.js';
import { documentFromPdf } from '../ingestion/pdf-document.js';
import { documentFromDocx } from '../ingestion/docx-document.js';
import { IngestionPipeline } from '../ingestion/ingestion-pipeline.js';
import { SentenceSplitter } from '../ingestion/sentence-splitter.js';
import type { ProgressCallback } from '../progress.js';
import { ANALYZER_ID } from '../search/english-analyzer.js';
import { documentHash, type Document } from '../schema/document.js';
import { TextNode } from '../schema/node.js';
import { sha256Hex, utf8 } from '../snapshot/bytes.js';
import { SNAPSHOT_FORMAT_VERSION, decodeSnapshot, encodeSnapshot, readSnapshotHeader, type EncodeSnapshotOptions, type SnapshotData, type SnapshotDocument, type SnapshotHeader } from '../snapshot/snapshot-format.js';
import { embedModelSettings, snapshotDataOf } from '../snapshot/store-snapshot.js';
import { MemoryVectorStore } from '../storage/memory-vector-store.js';
import type { StoredDocument } from '../storage/vector-store.js';
import { buildPartitioned, type BuildPartitionedOptions, type StaticManifest } from '../static/static-format.js';

export interface BuildSnapshotOptions extends EncodeSnapshotOptions {
  /** Each file's `url` is its path under this base (see `documentFromFile`). */
  baseUrl?: string;
  /**
   * Read HTML files as pages of a built site (`documentsFromSitePage`): their content without
   * navigation, one document per heading, each with its `url` and anchor.
   * @default false
   */
  site?: boolean;
  /** The files to index: path (becomes the document id) and content (a PDF's as bytes). */
  files: readonly { path: string; content: string | Uint8Array }[];
  /** The model the pages will query with; loaded here. */
  embedModel: Embedding;
  /** @default the embedding model's max input minus its special tokens */
  chunkSize?: number;
  /** @default chunkSize / 8 */
  chunkOverlap?: number;
  /** A folder for per-document results: unchanged files are not embedded again. @default no cache */
  cacheDir?: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export interface BuildSnapshotResult {
  bytes: Uint8Array;
  header: SnapshotHeader;
  /** Documents embedded in this run, and taken from the cache. */
  embedded: number;
  cached: number;
}

/**
 * Splits, embeds and analyzes files with the same code as the browser: the ingestion pipeline
 * into a {@link MemoryVectorStore}, then exported as a snapshot file. Unchanged files come from
 * the cache without embedding.
 *
 * @example
 * const { bytes } = await buildSnapshot({ files, embedModel: new TransformersEmbedding() });
 */
export async function buildSnapshot(options: BuildSnapshotOptions): Promise<BuildSnapshotResult> {
  const { data, embedded, cached } = await buildSnapshotData(options);
  const bytes = await encodeSnapshot(data, options);
  const { header } = readSnapshotHeader(bytes);
  return { bytes, header, embedded, cached };
}

/** What {@link buildSnapshot} encodes: the files split, embedded (or taken from the cache) and analyzed. */
async function buildSnapshotData(options: BuildSnapshotOptions): Promise<{ data: SnapshotData; embedded: number; cached: number }> {
  const { embedModel, signal, onProgress, cacheDir } = options;
  await embedModel.load({ ...(signal && { signal }), ...(onProgress && { onProgress }) });
  // Ids from the chunk's place in its file: rebuilding unchanged files gives the same file.
  const idFunc = (i: number, doc: { id: string }) => `${doc.id}#${i}`;
  const splitter =
    options.chunkSize !== undefined
      ? new SentenceSplitter({ chunkSize: options.chunkSize, ...(options.chunkOverlap !== undefined && { chunkOverlap: options.chunkOverlap }), countTokens: (t) => embedModel.countTokens(t), idFunc })
      : undefined;
  const parser = nodeParserFor(embedModel, splitter, { idFunc, ...(options.chunkOverlap !== undefined && { chunkOverlap: options.chunkOverlap }) });
  const chunker = { chunkSize: parser.chunkSize!, chunkOverlap: parser.chunkOverlap! };
  // In the cache key too: entries embedded another way are not reused.
  const embedInfo = { model: embedModel.modelId, dimensions: embedModel.dimensions, embedsMetadata: true, ...embedModelSettings(embedModel) };
  const store = new MemoryVectorStore({ name: 'build-index' });

  const site = options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {};
  const read = async (f: BuildSnapshotOptions['files'][number]): Promise<Document[]> => {
    if (typeof f.content !== 'string') {
      const read = /\.docx$/i.test(f.path) ? documentFromDocx : documentFromPdf;
      return [await read(f.path, f.content, { ...site, ...(signal && { signal }) })];
    }
    if (options.site && documentFileType(f.path) === 'text/html') return documentsFromSitePage(f.path, f.content, site);
    return [documentFromFile(f.path, f.content, site)];
  };
  const documents = (await Promise.all(options.files.map(read))).flat();
  const fresh: { document: Document; cacheFile?: string }[] = [];
  for (const document of documents) {
    signal?.throwIfAborted();
    const hash = await documentHash(document);
    const cacheFile = cacheDir && join(cacheDir, `${await sha256Hex(utf8.encode(JSON.stringify([SNAPSHOT_FORMAT_VERSION, embedInfo, chunker, ANALYZER_ID, document.id, hash])))}.pagerag`);
    const cached = cacheFile ? await readCached(cacheFile) : undefined;
    if (cached) await store.add([cached], embedInfo);
    else fresh.push({ document, ...(cacheFile && { cacheFile }) });
  }
  const pipeline = new IngestionPipeline({ embedModel, vectorStore: store, transformations: [parser], embedMetadata: embedInfo.embedsMetadata });
  await pipeline.run(
    fresh.map((f) => f.document),
    { skipUnchanged: false, ...(signal && { signal }), ...(onProgress && { onProgress }) },
  );

  const data = snapshotDataOf(await store.exportContents(), embedModel, chunker);
  // Where each document's rows start, found once: a scan per document would be quadratic.
  const placed = new Map<string, { doc: SnapshotDocument; row: number }>();
  data.documents.reduce((row, doc) => (placed.set(doc.id, { doc, row }), row + doc.nodes.length), 0);
  for (const { document, cacheFile } of fresh) if (cacheFile) await writeCached(cacheFile, singleDocument(data, placed.get(document.id)!));
  return { data, embedded: fresh.length, cached: documents.length - fresh.length };
}

/** A cached document, ready to store; undefined when missing or unreadable (then it is embedded again). */
async function readCached(file: string): Promise<StoredDocument | undefined> {
  try {
    const { data } = await decodeSnapshot(new Uint8Array(await readFile(file)));
    const doc = data.documents[0];
    if (data.documents.length !== 1 || !doc || !data.keywords) return undefined;
    const dims = data.embedModel.dimensions;
    return {
      refDocId: doc.id,
      hash: doc.hash,
      metadata: doc.metadata,
      nodes: doc.nodes.map((n) => new TextNode({ ...n, refDocId: doc.id })),
      vectors: doc.nodes.map((_, i) => data.vectors.subarray(i * dims, (i + 1) * dims)),
      keywords: data.keywords,
    };
  } catch {
    return undefined;
  }
}

/** One document of `data` (its nodes start at row `row`), with its vectors and keyword rows. */
function singleDocument(data: SnapshotData, { doc, row }: { doc: SnapshotDocument; row: number }): SnapshotData {
  const dims = data.embedModel.dimensions;
  const end = row + doc.nodes.length;
  return { ...data, documents: [doc], vectors: data.vectors.slice(row * dims, end * dims), keywords: data.keywords?.slice(row, end) };
}

async function writeCached(file: string, data: SnapshotData): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  // Written under another name first: a crash never leaves a half-written cache entry.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, await encodeSnapshot(data));
  await rename(temp, file);
}

/**
 * The files (path → bytes) of a partitioned static index of `options.files`: built as a snapshot
 * is (same pipeline, same cache), then split into partitions (`buildPartitioned`) instead of encoded.
 */
export async function buildPartitionedIndex(options: BuildSnapshotOptions, partitioned: BuildPartitionedOptions = {}): Promise<{ files: Map<string, Uint8Array>; manifest: StaticManifest }> {
  let data: Parameters<typeof buildPartitioned>[0];
  if (options.files.length === 0) {
    const { embedModel } = options;
    await embedModel.load(options.onProgress ? { onProgress: options.onProgress } : {});
    data = { embedModel: { model: embedModel.modelId, dimensions: embedModel.dimensions, embedsMetadata: true, ...embedModelSettings(embedModel) }, documents: [], vectors: new Float32Array(0) };
  } else {
    // What a snapshot would hold, taken before it is encoded (nothing is encoded and decoded again).
    const { data: built } = await buildSnapshotData(options);
    data = {
      embedModel: built.embedModel,
      documents: built.documents.map((d) => ({ id: d.id, nodes: d.nodes.map((n) => ({ id: n.id, refDocId: d.id, text: n.text, metadata: n.metadata })) })),
      vectors: built.vectors,
      // The BM25 rows made with the documents: the texts are not analyzed twice.
      keywords: built.keywords,
    };
  }
  const files = await buildPartitioned(data, partitioned);
  return { files, manifest: JSON.parse(utf8.decode(files.get('manifest.json')!)) as StaticManifest };
}
