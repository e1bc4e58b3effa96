// Moving snapshots in and out of a VectorStore.
import { EmbeddingModelMismatchError } from '../errors.js';
import type { Embedding } from '../embeddings/embedding.js';
import type { ProgressCallback } from '../progress.js';
import { ANALYZER_ID } from '../search/english-analyzer.js';
import { TextNode } from '../schema/node.js';
import type { EmbedModelInfo, StoreContents, StoredDocument, VectorStore } from '../storage/vector-store.js';
import { wholeDocumentBatches } from '../ingestion/document-batches.js';
import { sliceKeywordRows } from '../search/keyword-codec.js';
import { decodeSnapshot, readSnapshotHeader, type SnapshotChunker, type SnapshotData, type SnapshotEmbedModel, type SnapshotHeader } from './snapshot-format.js';

/**
 * Nodes per write transaction while loading (whole documents). Each transaction costs its own
 * start and commit: a 10k-chunk snapshot in one write loaded 120 ms sooner than in three of 4,096.
 */
const NODES_PER_WRITE = 16384;

export interface LoadSnapshotResult {
  header: SnapshotHeader;
  /** False when this exact snapshot was already stored (nothing was written). */
  loaded: boolean;
  /** Documents written (new or changed), and removed (dropped since the previous snapshot of that name). */
  written: number;
  removed: number;
}

interface LoadTarget {
  vectorStore: VectorStore;
  embedModel: Embedding;
  name: string;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressCallback | undefined;
}

/**
 * From the header alone: refuses another embedding model, and returns the no-op result when this
 * exact snapshot (same content hash under `name`, all its documents present) is stored already.
 */
export async function storedSnapshot(head: Uint8Array, { vectorStore, embedModel, name, onProgress }: LoadTarget): Promise<LoadSnapshotResult | undefined> {
  const { header } = readSnapshotHeader(head);
  assertSameModel(header.embedModel, embedModel);
  vectorStore.assertEmbedModel(embedInfoOf(header));
  const previous = await vectorStore.getSnapshotRecord(name);
  if (previous?.contentHash !== header.contentHash) return undefined;
  const stored = new Set((await vectorStore.listRefDocs()).map((d) => d.id));
  if (!previous.refDocIds.every((id) => stored.has(id))) return undefined;
  onProgress?.({ phase: 'store', done: header.counts.nodes, total: header.counts.nodes });
  return { header, loaded: false, written: 0, removed: 0 };
}

/**
 * Checks `bytes` completely, then stores its documents: unchanged ones (same content hash) are
 * skipped, documents a previous snapshot of the same `name` had but this one lacks are removed.
 * Nothing is written when the file is invalid. The caller has run {@link storedSnapshot} on the
 * header (model check, no-op check).
 */
export async function loadSnapshot(bytes: Uint8Array, { vectorStore, name, signal, onProgress }: LoadTarget): Promise<LoadSnapshotResult> {
  const { header } = readSnapshotHeader(bytes);
  const previous = await vectorStore.getSnapshotRecord(name);
  const stored = new Map((await vectorStore.listRefDocs()).map((d) => [d.id, d]));

  // Keyword rows checked, not decoded: each write gets them encoded (its segment stores them as
  // they are, and its keyword index decodes them when it is built).
  const { data, keywordSection } = await decodeSnapshot(bytes, { keywordRows: false });
  signal?.throwIfAborted();
  const dims = header.embedModel.dimensions;
  const embedInfo = embedInfoOf(header);
  const keywords = data.keywordAnalyzer === ANALYZER_ID ? keywordSection : undefined;
  const todo: (StoredDocument & { rows: [number, number] })[] = [];
  let row = 0;
  for (const doc of data.documents) {
    const first = row;
    row += doc.nodes.length;
    if (stored.get(doc.id)?.hash === doc.hash && stored.get(doc.id)?.nodeIds.length === doc.nodes.length) continue;
    todo.push({
      rows: [first, row],
      refDocId: doc.id,
      hash: doc.hash,
      metadata: doc.metadata,
      nodes: doc.nodes.map((n) => new TextNode({ ...n, refDocId: doc.id })),
      vectors: doc.nodes.map((_, i) => data.vectors.subarray((first + i) * dims, (first + i + 1) * dims)),
    });
  }

  // Documents the previous snapshot of this name had and this one lacks go first: the record
  // below is written with the last documents, and must not be stored while they remain.
  const now = new Set(data.documents.map((d) => d.id));
  let removed = 0;
  for (const id of previous?.refDocIds ?? []) {
    signal?.throwIfAborted();
    if (!now.has(id) && (await vectorStore.delete(id))) removed++;
  }
  const record = { name, contentHash: header.contentHash, refDocIds: [...now], loadedAt: Date.now() };
  const total = todo.reduce((n, d) => n + d.nodes.length, 0);
  const batches = [...wholeDocumentBatches(todo, (d) => d.nodes.length, NODES_PER_WRITE)];
  let done = 0;
  for (const [i, { batch, size }] of batches.entries()) {
    signal?.throwIfAborted();
    // The snapshot's encoded keyword rows of this batch, copied rather than re-encoded.
    const keywordBytes = keywords && sliceKeywordRows(keywords.bytes, keywords.offsets, batch.map((d) => d.rows));
    const last = i === batches.length - 1;
    await vectorStore.add(batch, embedInfo, { ...(signal && { signal }), ...(keywordBytes && { keywordBytes }), ...(last && { snapshotRecord: record }) });
    done += size;
    onProgress?.({ phase: 'store', done, total });
  }
  if (batches.length === 0) await vectorStore.putSnapshotRecord(record);
  return { header, loaded: true, written: todo.length, removed };
}

/** Refuses a snapshot embedded by another model: its vectors would not be comparable with queries. */
function assertSameModel(snapshot: SnapshotEmbedModel, embedModel: Embedding): void {
  const given = embedModel;
  let dimensions: number | undefined;
  try {
    dimensions = embedModel.dimensions;
  } catch {
    // Not loaded yet: the model id and settings decide; the store checks dimensions at query time.
  }
  const differs =
    given.modelId !== snapshot.model ||
    (dimensions !== undefined && dimensions !== snapshot.dimensions) ||
    (snapshot.pooling !== undefined && given.pooling !== undefined && given.pooling !== snapshot.pooling) ||
    (snapshot.normalize !== undefined && given.normalize !== undefined && given.normalize !== snapshot.normalize);
  if (differs) {
    const settings = (m: { pooling?: string | undefined; normalize?: boolean | undefined }) => (m.pooling !== undefined ? `, ${m.pooling} pooling, normalize ${m.normalize}` : '');
    throw new EmbeddingModelMismatchError(
      { model: `${snapshot.model}${settings(snapshot)}`, dimensions: snapshot.dimensions },
      { model: `${given.modelId}${settings(given)}`, ...(dimensions !== undefined && { dimensions }) },
      'This snapshot',
    );
  }
}

/** The settings of an embedding model that a snapshot header records, where the model says them. */
export function embedModelSettings(embedModel: Embedding): Omit<SnapshotEmbedModel, 'model' | 'dimensions'> {
  let dtype: string | undefined;
  try {
    dtype = embedModel.dtype;
  } catch {
    // Known only once the model has loaded; a snapshot exported before that does not record it.
  }
  return {
    ...(embedModel.pooling !== undefined && { pooling: embedModel.pooling }),
    ...(embedModel.normalize !== undefined && { normalize: embedModel.normalize }),
    ...(typeof dtype === 'string' && { dtype }),
  };
}

/**
 * A store's contents as snapshot data. `embedModel`'s settings (pooling, normalization, dtype) are
 * recorded when it is the model the store was built with.
 */
export function snapshotDataOf(contents: StoreContents, embedModel: Embedding, chunker?: SnapshotChunker): SnapshotData {
  const sameModel = embedModel.modelId === contents.embedModel.model;
  return {
    embedModel: { ...contents.embedModel, ...(sameModel && embedModelSettings(embedModel)) },
    ...(chunker && { chunker }),
    documents: contents.documents.map((doc) => ({
      id: doc.id,
      hash: doc.hash,
      metadata: doc.metadata,
      nodes: doc.nodes.map((node) => ({
        id: node.id,
        text: node.text,
        metadata: node.metadata,
        ...(node.startCharIdx !== undefined && { startCharIdx: node.startCharIdx }),
        ...(node.endCharIdx !== undefined && { endCharIdx: node.endCharIdx }),
        ...(Object.keys(node.format).length > 0 && { format: node.format }),
      })),
    })),
    vectors: contents.vectors,
    keywords: contents.keywords,
    keywordAnalyzer: ANALYZER_ID,
  };
}

/** A snapshot without the field predates embedded metadata: its nodes were embedded as bare text. */
function embedInfoOf(header: SnapshotHeader): EmbedModelInfo {
  return { ...header.embedModel, embedsMetadata: header.embedModel.embedsMetadata ?? false };
}
