// Moving snapshots in and out of an IndexedDBVectorStore.
import { EmbeddingModelMismatchError, InvalidArgumentError, StorageVersionError } from '../errors.js';
import type { Embedding } from '../embeddings/embedding.js';
import type { ProgressCallback } from '../progress.js';
import { ANALYZER_ID } from '../retrieval/bm25/english-analyzer.js';
import { TextNode } from '../schema/node.js';
import type { IndexedDBVectorStore, StoredDocument } from '../storage/indexeddb-vector-store.js';
import { sliceKeywordRows } from '../storage/keyword-codec.js';
import { throwIfAborted } from '../util/abort.js';
import { decodeSnapshot, readSnapshotHeader, type SnapshotData, type SnapshotEmbedModel, type SnapshotHeader } from './snapshot-format.js';

/** Nodes per write transaction while loading: whole documents, about one storage segment. */
const NODES_PER_WRITE = 4096;

export interface LoadSnapshotResult {
  header: SnapshotHeader;
  /** False when this exact snapshot was already stored (nothing was written). */
  loaded: boolean;
  /** Documents written (new or changed), and removed (dropped since the previous snapshot of that name). */
  written: number;
  removed: number;
}

interface LoadTarget {
  vectorStore: IndexedDBVectorStore;
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
  vectorStore.assertEmbedModel(header.embedModel);
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

  const { data, keywordSection } = await decodeSnapshot(bytes);
  throwIfAborted(signal);
  const dims = header.embedModel.dimensions;
  const keywords = data.keywordAnalyzer === ANALYZER_ID ? data.keywords : undefined;
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
      ...(keywords && { keywords: keywords.slice(first, row) }),
    });
  }

  const total = todo.reduce((n, d) => n + d.nodes.length, 0);
  let done = 0;
  for (let start = 0; start < todo.length; ) {
    let end = start;
    let nodes = 0;
    while (end < todo.length && (end === start || nodes + todo[end]!.nodes.length <= NODES_PER_WRITE)) nodes += todo[end++]!.nodes.length;
    throwIfAborted(signal);
    const batch = todo.slice(start, end);
    // The snapshot's encoded keyword rows of this batch, copied rather than re-encoded.
    const keywordBytes = keywords && keywordSection && sliceKeywordRows(keywordSection.bytes, keywordSection.offsets, batch.map((d) => d.rows));
    await vectorStore.addDocuments(batch, header.embedModel, { ...(signal && { signal }), ...(keywordBytes && { keywordBytes }) });
    done += nodes;
    onProgress?.({ phase: 'store', done, total });
    start = end;
  }
  const now = new Set(data.documents.map((d) => d.id));
  let removed = 0;
  for (const id of previous?.refDocIds ?? []) {
    if (!now.has(id) && (await vectorStore.deleteRefDoc(id))) removed++;
  }
  await vectorStore.putSnapshotRecord({ name, contentHash: header.contentHash, refDocIds: [...now], loadedAt: Date.now() });
  return { header, loaded: true, written: todo.length, removed };
}

/** Refuses a snapshot embedded by another model: its vectors would not be comparable with queries. */
function assertSameModel(snapshot: SnapshotEmbedModel, embedModel: Embedding): void {
  const given = embedModel as Embedding & { pooling?: string; normalize?: boolean };
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

/** Everything in `vectorStore`, as snapshot data (documents in id order, nodes in their order). */
export async function snapshotData(vectorStore: IndexedDBVectorStore, embedModel: Embedding): Promise<SnapshotData> {
  const { config, docs, segments, pages } = await vectorStore.readAll();
  if (!config || docs.length === 0) throw new InvalidArgumentError(`Index "${vectorStore.name}" is empty: there is nothing to put in a snapshot. Insert documents first.`);
  const dims = config.dimensions;
  const rows = new Map<string, { vectors: Float32Array; row: number; terms: string[]; freqs: number[] }>();
  for (const segment of segments) {
    segment.nodeIds.forEach((id, row) => rows.set(id, { vectors: segment.vectors, row, ...segment.keywords[row]! }));
  }
  const nodesByDoc = new Map<string, TextNode[]>();
  for (const node of pages.flatMap((p) => p.nodes)) {
    const list = nodesByDoc.get(node.refDocId) ?? [];
    list.push(new TextNode(node));
    nodesByDoc.set(node.refDocId, list);
  }
  const ordered = [...docs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const nodeCount = ordered.reduce((n, d) => n + d.nodeIds.length, 0);
  const vectors = new Float32Array(nodeCount * dims);
  const keywords: { terms: string[]; freqs: number[] }[] = [];
  let at = 0;
  const documents = ordered.map((doc) => {
    const byId = new Map((nodesByDoc.get(doc.id) ?? []).map((n) => [n.id, n]));
    const nodes = doc.nodeIds.map((id) => {
      const node = byId.get(id);
      const row = rows.get(id);
      if (!node || !row) throw new StorageVersionError(`Node ${id} of document "${doc.id}" is incomplete in storage, so the index cannot be exported: run vectorStore.verify() to see what is wrong, and re-insert that document.`);
      vectors.set(row.vectors.subarray(row.row * dims, (row.row + 1) * dims), at++ * dims);
      keywords.push({ terms: row.terms, freqs: row.freqs });
      return {
        id: node.id,
        text: node.text,
        metadata: node.metadata,
        ...(node.startCharIdx !== undefined && { startCharIdx: node.startCharIdx }),
        ...(node.endCharIdx !== undefined && { endCharIdx: node.endCharIdx }),
      };
    });
    return { id: doc.id, hash: doc.hash, metadata: doc.metadata, nodes };
  });
  const settings = embedModel as Embedding & { pooling?: 'mean' | 'cls'; normalize?: boolean };
  const sameModel = settings.modelId === config.embedModel;
  return {
    embedModel: {
      model: config.embedModel,
      dimensions: dims,
      ...(sameModel && settings.pooling !== undefined && { pooling: settings.pooling }),
      ...(sameModel && settings.normalize !== undefined && { normalize: settings.normalize }),
    },
    documents,
    vectors,
    keywords,
    keywordAnalyzer: ANALYZER_ID,
  };
}
