import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Embedding } from '../embeddings/embedding.js';
import { nodeParserFor } from '../ingestion/default-node-parser.js';
import { documentFromFile } from '../ingestion/file-document.js';
import { SentenceSplitter } from '../ingestion/sentence-splitter.js';
import type { ProgressCallback } from '../progress.js';
import { ANALYZER_ID } from '../retrieval/bm25/english-analyzer.js';
import { analyzeKeywords } from '../retrieval/bm25/bm25-index.js';
import { documentHash } from '../schema/document.js';
import { sha256Hex, utf8 } from '../snapshot/bytes.js';
import { SNAPSHOT_FORMAT_VERSION, decodeSnapshot, encodeSnapshot, readSnapshotHeader, type EncodeSnapshotOptions, type KeywordTerms, type SnapshotData, type SnapshotDocument, type SnapshotHeader } from '../snapshot/snapshot-format.js';
import { throwIfAborted } from '../util/abort.js';

export interface BuildSnapshotOptions extends EncodeSnapshotOptions {
  /** The files to index: path (becomes the document id) and content. */
  files: readonly { path: string; content: string }[];
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

/** Texts per embedding call. */
const EMBED_BATCH = 256;

/**
 * Splits, embeds and analyzes files with the same code as the browser (SentenceSplitter,
 * the Embedding, the BM25 analyzer) and returns a snapshot file.
 *
 * @example
 * const { bytes } = await buildSnapshot({ files, embedModel: new TransformersEmbedding() });
 */
export async function buildSnapshot(options: BuildSnapshotOptions): Promise<BuildSnapshotResult> {
  const { embedModel, signal, onProgress, cacheDir } = options;
  await embedModel.load({ ...(signal && { signal }), ...(onProgress && { onProgress }) });
  // Ids from the chunk's place in its file: rebuilding unchanged files gives the same file.
  const idFunc = (i: number, doc: { id: string }) => `${doc.id}#${i}`;
  const splitter =
    options.chunkSize !== undefined
      ? new SentenceSplitter({ chunkSize: options.chunkSize, ...(options.chunkOverlap !== undefined && { chunkOverlap: options.chunkOverlap }), countTokens: (t) => embedModel.countTokens(t), idFunc })
      : undefined;
  const parser = nodeParserFor(embedModel, splitter, { idFunc, ...(options.chunkOverlap !== undefined && { chunkOverlap: options.chunkOverlap }) }) as SentenceSplitter;
  const chunker = { chunkSize: parser.chunkSize, chunkOverlap: parser.chunkOverlap };
  const model = embedModel as Embedding & { pooling?: 'mean' | 'cls'; normalize?: boolean; dtype?: string };
  const embedInfo = {
    model: embedModel.modelId,
    dimensions: embedModel.dimensions,
    ...(model.pooling !== undefined && { pooling: model.pooling }),
    ...(model.normalize !== undefined && { normalize: model.normalize }),
    ...(typeof model.dtype === 'string' && { dtype: model.dtype }),
  };

  const documents = [...options.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => documentFromFile(f.path, f.content));
  const entries: { doc: SnapshotDocument; vectors: Float32Array; keywords: KeywordTerms[]; cacheFile?: string; fresh: boolean }[] = [];
  for (const [i, document] of documents.entries()) {
    throwIfAborted(signal);
    const hash = await documentHash(document);
    const cacheFile = cacheDir && join(cacheDir, `${await sha256Hex(utf8.encode(JSON.stringify([SNAPSHOT_FORMAT_VERSION, embedInfo, chunker, ANALYZER_ID, document.id, hash])))}.pagerag`);
    const cached = cacheFile ? await readCached(cacheFile) : undefined;
    if (cached) {
      entries.push({ ...cached, fresh: false });
    } else {
      const nodes = parser.getNodesFromDocuments([document]).map((n) => ({
        id: n.id,
        text: n.text,
        metadata: n.metadata,
        ...(n.startCharIdx !== undefined && { startCharIdx: n.startCharIdx }),
        ...(n.endCharIdx !== undefined && { endCharIdx: n.endCharIdx }),
      }));
      const keywords = nodes.map((n) => analyzeKeywords(n.text));
      entries.push({ doc: { id: document.id, hash, metadata: document.metadata, nodes }, vectors: new Float32Array(0), keywords, ...(cacheFile && { cacheFile }), fresh: true });
    }
    onProgress?.({ phase: 'split', done: i + 1, total: documents.length });
  }

  const fresh = entries.filter((e) => e.fresh);
  const texts = fresh.flatMap((e) => e.doc.nodes.map((n) => n.text));
  const vectors: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += EMBED_BATCH) {
    throwIfAborted(signal);
    const batch = await embedModel.getTextEmbeddings(texts.slice(start, start + EMBED_BATCH), signal ? { signal } : {});
    vectors.push(...batch);
    onProgress?.({ phase: 'embed', done: vectors.length, total: texts.length });
  }
  const dims = embedInfo.dimensions;
  let at = 0;
  for (const entry of fresh) {
    entry.vectors = new Float32Array(entry.doc.nodes.length * dims);
    entry.doc.nodes.forEach((_, i) => entry.vectors.set(vectors[at++]!, i * dims));
    if (entry.cacheFile) await writeCached(entry.cacheFile, { embedModel: embedInfo, chunker, documents: [entry.doc], vectors: entry.vectors, keywords: entry.keywords, keywordAnalyzer: ANALYZER_ID });
  }

  const all = new Float32Array(entries.reduce((n, e) => n + e.vectors.length, 0));
  let offset = 0;
  for (const entry of entries) {
    all.set(entry.vectors, offset);
    offset += entry.vectors.length;
  }
  const data: SnapshotData = {
    embedModel: embedInfo,
    chunker,
    documents: entries.map((e) => e.doc),
    vectors: all,
    keywords: entries.flatMap((e) => e.keywords),
    keywordAnalyzer: ANALYZER_ID,
  };
  const bytes = await encodeSnapshot(data, options);
  const { header } = readSnapshotHeader(bytes);
  return { bytes, header, embedded: fresh.length, cached: entries.length - fresh.length };
}

/** A file size for people: kB below a megabyte. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

async function readCached(file: string): Promise<{ doc: SnapshotDocument; vectors: Float32Array; keywords: KeywordTerms[] } | undefined> {
  try {
    const { data } = await decodeSnapshot(new Uint8Array(await readFile(file)));
    if (data.documents.length !== 1 || !data.keywords) return undefined;
    return { doc: data.documents[0]!, vectors: data.vectors, keywords: data.keywords };
  } catch {
    // Missing or unreadable: embed again.
    return undefined;
  }
}

async function writeCached(file: string, data: SnapshotData): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  // Written under another name first: a crash never leaves a half-written cache entry.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, await encodeSnapshot(data));
  await rename(temp, file);
}
