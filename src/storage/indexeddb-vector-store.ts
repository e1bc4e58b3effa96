import { deleteDB, openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import {
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  InvalidArgumentError,
  PageragError,
  StorageQuotaError,
  StorageVersionError,
  StorageWriteError,
  describeValue,
} from '../errors.js';
import { TextNode, type Metadata, type NodeWithScore } from '../schema/node.js';
import { matchesFilters, validateFilters, type MetadataFilters } from '../retrieval/metadata-filters.js';
import { throwIfAborted } from '../util/abort.js';
import { NODES_PER_PAGE, SCHEMA_VERSION, type DocRecord, type IndexConfig, type NodePage, type NodeRecord, type PageragDBSchema, type SegmentRecord, type SnapshotRecord, type StoredSegment } from './schema.js';
import type { KeywordTerms } from './keyword-codec.js';
import { VectorMatrix, type RowInfo } from './vector-matrix.js';
import { decodeSegment, encodeSegment } from './segment-codec.js';
import { Int8Index } from './int8-index.js';
import { BM25Index, analyzeKeywords, type BM25Params, type KeywordRow } from '../retrieval/bm25/bm25-index.js';
import { instantiateInt8DotKernel } from './int8-dot-kernel.js';

/** One source document as written: its nodes and their vectors, in the same order. */
export interface StoredDocument {
  refDocId: string;
  hash: string;
  metadata?: Metadata;
  nodes: readonly TextNode[];
  vectors: readonly Float32Array[];
  /** Analyzed terms per node (from a snapshot, made by the same analyzer); analyzed here when absent. */
  keywords?: readonly KeywordTerms[];
}

export interface VectorStoreQuery {
  queryEmbedding: Float32Array | readonly number[];
  similarityTopK: number;
  filters?: MetadataFilters;
  /**
   * Scan float32 only. Otherwise indexes of 2,048 rows or more are searched in two stages (int8
   * SIMD shortlist, float32 re-rank), which returns the same top-k in all but rare near-ties.
   * @default false
   */
  exact?: boolean;
}

export interface KeywordQuery {
  query: string;
  similarityTopK: number;
  filters?: MetadataFilters;
}

export interface VectorStoreOptions {
  /** BM25 parameters of the keyword index. @default { k1: 0.9, b: 0.4 } */
  bm25?: BM25Params;
}

export interface EmbedModelInfo {
  model: string;
  dimensions: number;
}

type WriteTx = IDBPTransaction<PageragDBSchema, ('meta' | 'segments' | 'pages' | 'docs')[], 'readwrite'>;

const DB_PREFIX = 'pagerag:';
/** Segments smaller than this are merged by `compact()`. */
const SEGMENT_ROWS = 4096;

/**
 * A vector index persisted in IndexedDB (one database per index), with an in-memory contiguous
 * matrix for search. Every document is written in one transaction with its nodes, vectors and
 * docstore entry, so after a crash it is fully present or fully absent.
 *
 * @example
 * const vectorStore = await IndexedDBVectorStore.open('my-docs');
 * const index = await VectorStoreIndex.fromVectorStore(vectorStore, { embedModel });
 */
export class IndexedDBVectorStore {
  readonly name: string;
  private db: IDBPDatabase<PageragDBSchema> | undefined;
  private closed = false;
  private config: IndexConfig | undefined;
  private matrix: VectorMatrix | undefined;
  private keywords: BM25Index;
  private readonly bm25Params: BM25Params;
  private readonly channel: BroadcastChannel | undefined;
  private stale = false;

  private constructor(name: string, options: VectorStoreOptions) {
    this.name = name;
    this.bm25Params = options.bm25 ?? {};
    this.keywords = new BM25Index(this.bm25Params);
    // Another tab that writes this index tells us; we reload before the next read.
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(DB_PREFIX + name) : undefined;
    if (this.channel) this.channel.onmessage = () => (this.stale = true);
  }

  /** Opens (or creates) the index called `name` and loads its vectors into memory. */
  static async open(name: string, options: VectorStoreOptions = {}): Promise<IndexedDBVectorStore> {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError(`Expected the index name to be a non-empty string, got ${describeValue(name)}.`);
    }
    const store = new IndexedDBVectorStore(name, options);
    await store.connection();
    await store.reload();
    return store;
  }

  /** Deletes the whole database of index `name`. */
  static async delete(name: string): Promise<void> {
    await deleteDB(DB_PREFIX + name);
  }

  /** The embedding model the stored vectors were made with (undefined while empty). */
  get embedModel(): EmbedModelInfo | undefined {
    return this.config && { model: this.config.embedModel, dimensions: this.config.dimensions };
  }

  /** Number of stored nodes (vectors). */
  get count(): number {
    return this.matrix?.size ?? 0;
  }

  /** Throws {@link EmbeddingModelMismatchError} when `given` is not the model the index was built with. */
  assertEmbedModel(given: EmbedModelInfo): void {
    const stored = this.embedModel;
    if (stored && (stored.model !== given.model || stored.dimensions !== given.dimensions)) {
      throw new EmbeddingModelMismatchError(stored, given);
    }
  }

  /**
   * Writes documents in one transaction, replacing any stored document with the same `refDocId`.
   * Resolves only after the transaction committed.
   */
  async addDocuments(documents: readonly StoredDocument[], embedModel: EmbedModelInfo, options: { signal?: AbortSignal; keywordBytes?: Uint8Array } = {}): Promise<void> {
    throwIfAborted(options.signal);
    if (documents.length === 0) return;
    await this.refreshIfStale();
    this.assertEmbedModel(embedModel);
    const dims = embedModel.dimensions;
    const rows: RowInfo[] = [];
    const keywordRows: KeywordRow[] = [];
    const nodeRecords: NodeRecord[] = [];
    const vectors = new Float32Array(documents.reduce((n, d) => n + d.nodes.length, 0) * dims);
    for (const doc of documents) {
      if (doc.nodes.length !== doc.vectors.length) {
        throw new InvalidArgumentError(`Expected one vector per node for document "${doc.refDocId}", got ${doc.vectors.length} vectors for ${doc.nodes.length} nodes.`);
      }
      if (doc.keywords && doc.keywords.length !== doc.nodes.length) {
        throw new InvalidArgumentError(`Expected one keyword row per node for document "${doc.refDocId}", got ${doc.keywords.length} rows for ${doc.nodes.length} nodes.`);
      }
      doc.vectors.forEach((vector, i) => {
        if (vector.length !== dims) throw new DimensionMismatchError(dims, vector.length, `the vector of node ${i} of document "${doc.refDocId}"`);
        for (let d = 0; d < dims; d++) {
          if (!Number.isFinite(vector[d])) {
            throw new InvalidArgumentError(`Expected finite numbers in the vector of node ${i} of document "${doc.refDocId}", got ${vector[d]} at position ${d}.`);
          }
        }
        vectors.set(vector, rows.length * dims);
        const node = doc.nodes[i]!;
        // Texts go in pages of this write, in row order: [group (this segment), row / NODES_PER_PAGE].
        const page = Math.floor(rows.length / NODES_PER_PAGE);
        const location = { nodeId: node.id, refDocId: doc.refDocId, group: 0, page, metadata: node.metadata };
        rows.push({ ...location, segment: -1 });
        keywordRows.push({ ...location, ...(doc.keywords?.[i] ?? analyzeKeywords(node.text)) });
        nodeRecords.push(toNodeRecord(node, doc.refDocId));
      });
    }

    if (!this.matrix) {
      // Made before the transaction: an await between commit and the memory update could interleave another write.
      const matrix = await createMatrix(dims, 1024);
      this.matrix ??= matrix;
    }
    const tx = (await this.connection()).transaction(['meta', 'segments', 'pages', 'docs'], 'readwrite');
    const done = tx.done;
    let segmentId = -1;
    try {
      const config = await tx.objectStore('meta').get('config');
      if (config && (config.embedModel !== embedModel.model || config.dimensions !== dims)) {
        throw new EmbeddingModelMismatchError({ model: config.embedModel, dimensions: config.dimensions }, embedModel);
      }
      if (!config) {
        await tx.objectStore('meta').put({ schemaVersion: SCHEMA_VERSION, embedModel: embedModel.model, dimensions: dims, createdAt: Date.now() }, 'config');
      }
      // Only documents stored before need removing. One key listing over the batch's id range
      // finds them (a request per document costs more than the write itself).
      const ids = documents.map((doc) => doc.refDocId).sort();
      const storedIds = new Set(await tx.objectStore('docs').getAllKeys(IDBKeyRange.bound(ids[0]!, ids.at(-1)!)));
      const previous = await Promise.all(documents.filter((doc) => storedIds.has(doc.refDocId)).map((doc) => tx.objectStore('docs').get(doc.refDocId)));
      for (const record of previous) if (record) await removeDocument(tx, record.id, record);
      if (rows.length > 0) {
        segmentId = await tx.objectStore('segments').add(
          encodeSegment({
            nodeIds: rows.map((r) => r.nodeId),
            refDocIds: rows.map((r) => r.refDocId),
            metadata: rows.map((r) => r.metadata),
            vectors,
            keywords: keywordRows,
            locations: Uint32Array.from(rows.flatMap((r) => [0, r.page])),
          }, options.keywordBytes),
        );
      }
      const writes: Promise<unknown>[] = [];
      // If a later put throws, the transaction aborts and the earlier requests reject: keep them handled.
      const track = (request: Promise<unknown>) => {
        writes.push(request);
        request.catch(() => {});
      };
      for (const doc of documents) {
        track(tx.objectStore('docs').put({ id: doc.refDocId, hash: doc.hash, nodeIds: doc.nodes.map((n) => n.id), segment: segmentId, metadata: doc.metadata ?? {} }));
      }
      for (let start = 0, page = 0; start < nodeRecords.length; start += NODES_PER_PAGE, page++) {
        track(tx.objectStore('pages').put({ group: segmentId, page, nodes: nodeRecords.slice(start, start + NODES_PER_PAGE) }));
      }
      await Promise.all(writes);
      await done;
    } catch (error) {
      abortQuietly(tx);
      await done.catch(() => {});
      throw await toWriteError(error, rows.length, dims);
    }

    if (!this.config) this.config = { schemaVersion: SCHEMA_VERSION, embedModel: embedModel.model, dimensions: dims, createdAt: Date.now() };
    const matrix = this.matrix;
    for (const doc of documents) {
      matrix.removeRefDoc(doc.refDocId);
      this.keywords.removeRefDoc(doc.refDocId);
    }
    for (const row of rows) row.segment = row.group = segmentId;
    for (const row of keywordRows) row.group = segmentId;
    matrix.append(rows, vectors);
    for (const row of keywordRows) this.keywords.add(row);
    this.notifyOtherTabs();
  }

  /** Deletes a document's nodes, vectors and docstore entry in one transaction. Resolves `false` if it was not stored. */
  async deleteRefDoc(refDocId: string): Promise<boolean> {
    await this.refreshIfStale();
    const tx = (await this.connection()).transaction(['meta', 'segments', 'pages', 'docs'], 'readwrite');
    const done = tx.done;
    let existed: boolean;
    try {
      existed = await removeDocument(tx, refDocId);
      await done;
    } catch (error) {
      abortQuietly(tx);
      await done.catch(() => {});
      throw await toWriteError(error, 0, this.config?.dimensions ?? 0);
    }
    this.matrix?.removeRefDoc(refDocId);
    this.keywords.removeRefDoc(refDocId);
    if (existed) this.notifyOtherTabs();
    return existed;
  }

  /** The docstore entry of a document, if stored. */
  async getRefDoc(refDocId: string): Promise<DocRecord | undefined> {
    return (await this.connection()).get('docs', refDocId);
  }

  /** Every docstore entry. */
  async listRefDocs(): Promise<DocRecord[]> {
    return (await this.connection()).getAll('docs');
  }

  /** Nearest nodes by cosine similarity, highest first. */
  async query(query: VectorStoreQuery): Promise<NodeWithScore[]> {
    const { queryEmbedding, similarityTopK, filters } = query;
    if (!Number.isInteger(similarityTopK) || similarityTopK < 1) {
      throw new InvalidArgumentError(`Expected similarityTopK to be a positive integer, got ${describeValue(similarityTopK)}.`);
    }
    validateFilters(filters);
    await this.refreshIfStale();
    if (!this.matrix || !this.config) return [];
    const vector = queryEmbedding instanceof Float32Array ? queryEmbedding : Float32Array.from(queryEmbedding);
    if (vector.length !== this.config.dimensions) throw new DimensionMismatchError(this.config.dimensions, vector.length, 'the query embedding');
    for (let d = 0; d < vector.length; d++) {
      if (!Number.isFinite(vector[d])) throw new InvalidArgumentError(`Expected finite numbers in the query embedding, got ${vector[d]} at position ${d}.`);
    }
    const hits = this.matrix.search(vector, similarityTopK, {
      ...(filters && { accept: (info) => matchesFilters(info.metadata, filters) }),
      ...(query.exact && { exact: true }),
    });
    const nodes = await this.fetchNodes(hits.map((h) => h.info));
    return hits.flatMap((hit, i) => (nodes[i] ? [{ node: nodes[i]!, score: hit.score }] : []));
  }

  /** BM25 keyword search over the same nodes, highest score first. */
  async keywordQuery(query: KeywordQuery): Promise<NodeWithScore[]> {
    if (typeof query?.query !== 'string') throw new InvalidArgumentError(`Expected the query to be a string, got ${describeValue(query?.query)}.`);
    if (!Number.isInteger(query.similarityTopK) || query.similarityTopK < 1) {
      throw new InvalidArgumentError(`Expected similarityTopK to be a positive integer, got ${describeValue(query.similarityTopK)}.`);
    }
    validateFilters(query.filters);
    await this.refreshIfStale();
    const filters = query.filters;
    const hits = this.keywords.search(query.query, query.similarityTopK, filters && ((metadata) => matchesFilters(metadata, filters)));
    const nodes = await this.fetchNodes(hits.map((h) => h.row));
    return hits.flatMap((hit, i) => (nodes[i] ? [{ node: nodes[i]!, score: hit.score }] : []));
  }

  /** Nodes by id, in the same order (`undefined` for unknown ids). */
  private async fetchNodes(refs: readonly { nodeId: string; group: number; page: number }[]): Promise<(TextNode | undefined)[]> {
    const tx = (await this.connection()).transaction('pages');
    const pages = new Map<string, Promise<NodeRecord[]>>();
    const pageOf = (ref: (typeof refs)[number]) => {
      const key = `${ref.group}:${ref.page}`;
      if (!pages.has(key)) pages.set(key, tx.store.get([ref.group, ref.page]).then((p) => p?.nodes ?? []));
      return pages.get(key)!;
    };
    const records = await Promise.all(refs.map(async (ref) => (await pageOf(ref)).find((n) => n.id === ref.nodeId)));
    await tx.done;
    return records.map((r) => r && fromNodeRecord(r));
  }

  /** Every stored node of one document, in order. */
  async getNodesOfRefDoc(refDocId: string): Promise<TextNode[]> {
    const tx = (await this.connection()).transaction(['docs', 'segments', 'pages']);
    const doc = await tx.objectStore('docs').get(refDocId);
    const stored = doc && (await tx.objectStore('segments').get(doc.segment));
    const pages = stored ? await Promise.all(pageKeysOf(decodeSegment(stored), refDocId).map((key) => tx.objectStore('pages').get(key))) : [];
    await tx.done;
    const byId = new Map(pages.flatMap((p) => p?.nodes ?? []).map((n) => [n.id, n]));
    return (doc?.nodeIds ?? []).flatMap((id) => (byId.has(id) ? [fromNodeRecord(byId.get(id)!)] : []));
  }

  /**
   * Merges small segments (one per ingestion batch) into large ones, so the next open reads few
   * records. Safe at any time: one transaction, documents keep all their rows.
   */
  async compact(): Promise<void> {
    await this.refreshIfStale();
    const tx = (await this.connection()).transaction(['segments', 'docs'], 'readwrite');
    const done = tx.done;
    const moves: { from: Set<number>; to: number }[] = [];
    try {
      const small = (await tx.objectStore('segments').getAll()).map(decodeSegment).filter((s) => s.nodeIds.length < SEGMENT_ROWS);
      if (small.length < 2) {
        await done;
        return;
      }
      const dims = this.config!.dimensions;
      let group: SegmentRecord[] = [];
      let groupRows = 0;
      const flush = async () => {
        if (group.length < 2) return;
        const merged: SegmentRecord = { nodeIds: [], refDocIds: [], metadata: [], vectors: new Float32Array(groupRows * dims), keywords: [], locations: new Uint32Array(groupRows * 2) };
        let offset = 0;
        let row = 0;
        // Rows keep their locations: node pages stay where they are.
        for (const s of group) {
          merged.nodeIds.push(...s.nodeIds);
          merged.refDocIds.push(...s.refDocIds);
          merged.metadata.push(...s.metadata);
          merged.keywords.push(...s.keywords);
          merged.vectors.set(s.vectors, offset);
          merged.locations.set(s.locations, row * 2);
          offset += s.vectors.length;
          row += s.nodeIds.length;
          await tx.objectStore('segments').delete(s.id!);
        }
        const to = await tx.objectStore('segments').add(encodeSegment(merged));
        for (const refDocId of new Set(merged.refDocIds)) {
          const doc = await tx.objectStore('docs').get(refDocId);
          if (doc) await tx.objectStore('docs').put({ ...doc, segment: to });
        }
        moves.push({ from: new Set(group.map((s) => s.id!)), to });
      };
      for (const segment of small) {
        if (groupRows + segment.nodeIds.length > SEGMENT_ROWS) {
          await flush();
          group = [];
          groupRows = 0;
        }
        group.push(segment);
        groupRows += segment.nodeIds.length;
      }
      await flush();
      await done;
    } catch (error) {
      abortQuietly(tx);
      await done.catch(() => {});
      throw await toWriteError(error, 0, this.config?.dimensions ?? 0);
    }
    for (const move of moves) this.matrix?.moveSegments(move.from, move.to);
  }

  /**
   * Checks that segments, nodes and the docstore agree. Returns the problems found (empty when consistent).
   */
  async verify(): Promise<string[]> {
    const problems: string[] = [];
    const { config, segments, pages: nodePages, docs } = await this.readAll();
    const nodeKeys = nodePages.flatMap((p) => p.nodes);
    const pageOfNode = new Map(nodePages.flatMap((p) => p.nodes.map((n) => [n.id, `${p.group}:${p.page}`])));
    const dims = config?.dimensions ?? 0;
    const rowOwner = new Map<string, { refDocId: string; segment: number }>();
    for (const s of segments) {
      if (s.vectors.length !== s.nodeIds.length * dims) problems.push(`segment ${s.id} has ${s.vectors.length} floats for ${s.nodeIds.length} rows of ${dims}`);
      if (s.keywords?.length !== s.nodeIds.length) problems.push(`segment ${s.id} has keyword data for ${s.keywords?.length ?? 0} of ${s.nodeIds.length} rows`);
      if (s.locations.length !== s.nodeIds.length * 2) problems.push(`segment ${s.id} has locations for ${s.locations.length / 2} of ${s.nodeIds.length} rows`);
      s.nodeIds.forEach((id, i) => {
        if (rowOwner.has(id)) problems.push(`node ${id} has more than one vector`);
        rowOwner.set(id, { refDocId: s.refDocIds[i]!, segment: s.id! });
        const where = `${s.locations[i * 2]}:${s.locations[i * 2 + 1]}`;
        if (pageOfNode.has(id) && pageOfNode.get(id) !== where) problems.push(`node ${id} is in page ${pageOfNode.get(id)}, its row says ${where}`);
      });
    }
    const nodeById = new Map(nodeKeys.map((n) => [n.id, n]));
    for (const doc of docs) {
      for (const id of doc.nodeIds) {
        const node = nodeById.get(id);
        const row = rowOwner.get(id);
        if (!node) problems.push(`document ${doc.id} lists node ${id}, which is not stored`);
        else if (node.refDocId !== doc.id) problems.push(`node ${id} belongs to ${node.refDocId}, not ${doc.id}`);
        if (!row) problems.push(`node ${id} of document ${doc.id} has no vector`);
        else if (row.segment !== doc.segment || row.refDocId !== doc.id) problems.push(`vector of node ${id} is filed under the wrong document or segment`);
      }
    }
    const listed = new Set(docs.flatMap((d) => d.nodeIds));
    for (const node of nodeKeys) if (!listed.has(node.id)) problems.push(`node ${node.id} is stored but no document lists it`);
    for (const id of rowOwner.keys()) if (!listed.has(id)) problems.push(`vector of node ${id} is stored but no document lists it`);
    if (this.matrix && !this.stale && this.matrix.size !== rowOwner.size) problems.push(`memory holds ${this.matrix.size} vectors, storage ${rowOwner.size}`);
    if (!this.stale && this.keywords.size !== rowOwner.size) problems.push(`the keyword index holds ${this.keywords.size} rows, storage ${rowOwner.size}`);
    return problems;
  }

  /** The record of snapshot `name` loaded into this index, if any. */
  async getSnapshotRecord(name: string): Promise<SnapshotRecord | undefined> {
    return (await this.connection()).get('snapshots', name);
  }

  /** Records that snapshot `record.name` is fully stored (written after its last document). */
  async putSnapshotRecord(record: SnapshotRecord): Promise<void> {
    try {
      await (await this.connection()).put('snapshots', record);
    } catch (error) {
      throw await toWriteError(error, 0, this.config?.dimensions ?? 0);
    }
  }

  /** Everything stored, read in one transaction (for exporting a snapshot). */
  async readAll(): Promise<{ config: IndexConfig | undefined; docs: DocRecord[]; segments: SegmentRecord[]; pages: NodePage[] }> {
    const tx = (await this.connection()).transaction(['meta', 'segments', 'pages', 'docs']);
    const [config, segments, pages, docs] = await Promise.all([
      tx.objectStore('meta').get('config'),
      tx.objectStore('segments').getAll().then((all) => all.map(decodeSegment)),
      tx.objectStore('pages').getAll(),
      tx.objectStore('docs').getAll(),
      tx.done,
    ]);
    return { config, docs, segments, pages };
  }

  /** Deletes every document, snapshot record and the recorded embedding model. */
  async clear(): Promise<void> {
    const tx = (await this.connection()).transaction(['meta', 'segments', 'pages', 'docs', 'snapshots'], 'readwrite');
    await Promise.all([tx.objectStore('meta').clear(), tx.objectStore('segments').clear(), tx.objectStore('pages').clear(), tx.objectStore('docs').clear(), tx.objectStore('snapshots').clear(), tx.done]);
    this.config = undefined;
    this.matrix = undefined;
    this.keywords = new BM25Index(this.bm25Params);
    this.notifyOtherTabs();
  }

  /** Closes the database; the store cannot be used afterwards (open it again). */
  close(): void {
    this.closed = true;
    this.channel?.close();
    this.db?.close();
    this.db = undefined;
  }

  /**
   * The open database. When another connection needs it (a delete, or a newer pagerag upgrading it
   * in another tab), this one closes at once instead of blocking it, and reopens on next use.
   */
  private async connection(): Promise<IDBPDatabase<PageragDBSchema>> {
    if (this.closed) throw new InvalidArgumentError(`Index "${this.name}" was closed: open it again with IndexedDBVectorStore.open("${this.name}").`);
    if (this.db) return this.db;
    const db = await openDatabase(this.name, () => {
      db.close();
      if (this.db === db) this.db = undefined;
      // Whatever replaces the database may hold other data: reload before the next read.
      this.stale = true;
    });
    this.db = db;
    return db;
  }

  /** Reloads all vectors from storage (after another tab wrote). */
  async reload(): Promise<void> {
    this.stale = false;
    const tx = (await this.connection()).transaction(['meta', 'segments']);
    const [config, stored] = await Promise.all([tx.objectStore('meta').get('config'), tx.objectStore('segments').getAll(), tx.done]);
    const segments = stored.map(decodeSegment);
    this.config = config;
    this.keywords = new BM25Index(this.bm25Params);
    if (!config) {
      this.matrix = undefined;
      return;
    }
    const total = segments.reduce((n, s) => n + s.nodeIds.length, 0);
    const matrix = await createMatrix(config.dimensions, Math.max(total, 16));
    for (const s of segments) {
      const rows = s.nodeIds.map((nodeId, i): RowInfo => ({
        nodeId,
        refDocId: s.refDocIds[i]!,
        group: s.locations[i * 2]!,
        page: s.locations[i * 2 + 1]!,
        metadata: s.metadata[i]!,
        segment: s.id!,
      }));
      matrix.append(rows, s.vectors);
      rows.forEach((row, i) => {
        const keywords = s.keywords?.[i];
        if (keywords) this.keywords.add({ nodeId: row.nodeId, refDocId: row.refDocId, group: row.group, page: row.page, metadata: row.metadata, ...keywords });
      });
    }
    this.matrix = matrix;
  }

  private async refreshIfStale(): Promise<void> {
    if (this.stale) await this.reload();
  }

  private notifyOtherTabs(): void {
    this.channel?.postMessage({ type: 'changed' });
  }
}

/** A matrix with the int8 first pass where WebAssembly SIMD is available. */
async function createMatrix(dims: number, capacity: number): Promise<VectorMatrix> {
  const kernel = await instantiateInt8DotKernel(1);
  return new VectorMatrix(dims, capacity, kernel && new Int8Index(kernel, dims));
}

async function openDatabase(name: string, onVersionChange: () => void): Promise<IDBPDatabase<PageragDBSchema>> {
  try {
    return await openDB<PageragDBSchema>(DB_PREFIX + name, SCHEMA_VERSION, {
      async upgrade(db, oldVersion, _newVersion, tx) {
        if (oldVersion < 1) {
          db.createObjectStore('meta');
          db.createObjectStore('segments', { keyPath: 'id', autoIncrement: true });
          db.createObjectStore('docs', { keyPath: 'id' });
        }
        if (oldVersion < 2) {
          db.createObjectStore('pages', { keyPath: ['group', 'page'] });
          db.createObjectStore('snapshots', { keyPath: 'name' });
          if (oldVersion === 1) {
            // An error aborts the upgrade: the database stays at schema 1 as it was.
            await migrateFromSchema1(db as unknown as IDBPDatabase<unknown>, tx as unknown as IDBPTransaction<unknown, string[], 'versionchange'>).catch(() => abortQuietly(tx));
          }
        }
      },
      blocking() {
        onVersionChange();
      },
    });
  } catch (error) {
    if ((error as DOMException)?.name === 'VersionError') {
      throw new StorageVersionError(
        `Index "${name}" was written by a newer version of pagerag (its database version is above ${SCHEMA_VERSION}). ` +
          'Update pagerag in this page, or use another index name; the stored data was left untouched.',
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Schema 1 → 2, inside the upgrade transaction (if anything fails, the database stays at 1,
 * untouched): each segment's nodes move from per-document pages to pages of the segment, in row
 * order, and the segment gets their locations and its keyword rows as bytes.
 */
async function migrateFromSchema1(db: IDBPDatabase<unknown>, tx: IDBPTransaction<unknown, string[], 'versionchange'>): Promise<void> {
  const oldPages = (await tx.objectStore('nodes').getAll()) as { nodes: NodeRecord[] }[];
  const nodeById = new Map(oldPages.flatMap((p) => p.nodes.map((n) => [n.id, n])));
  for (const stored of (await tx.objectStore('segments').getAll()) as StoredSegment[]) {
    const segment = decodeSegment(stored);
    const nodes = segment.nodeIds.map((id) => nodeById.get(id)).filter((n): n is NodeRecord => n !== undefined);
    segment.locations = Uint32Array.from(segment.nodeIds.flatMap((_, i) => [stored.id!, Math.floor(i / NODES_PER_PAGE)]));
    for (let start = 0, page = 0; start < nodes.length; start += NODES_PER_PAGE, page++) {
      await tx.objectStore('pages').put({ group: stored.id!, page, nodes: nodes.slice(start, start + NODES_PER_PAGE) });
    }
    await tx.objectStore('segments').put(encodeSegment(segment));
  }
  db.deleteObjectStore('nodes');
}

/** The [group, page] keys of the pages holding a document's nodes, from its segment's rows. */
function pageKeysOf(segment: SegmentRecord, refDocId: string): [number, number][] {
  const keys = new Map<string, [number, number]>();
  segment.refDocIds.forEach((id, i) => {
    if (id === refDocId) keys.set(`${segment.locations[i * 2]}:${segment.locations[i * 2 + 1]}`, [segment.locations[i * 2]!, segment.locations[i * 2 + 1]!]);
  });
  return [...keys.values()];
}

/** Removes one document's rows from its segment and its node pages, and its docstore entry, inside `tx`. */
async function removeDocument(tx: WriteTx, refDocId: string, known?: DocRecord): Promise<boolean> {
  const doc = known ?? (await tx.objectStore('docs').get(refDocId));
  if (!doc) return false;
  const storedSegment = await tx.objectStore('segments').get(doc.segment);
  const segment = storedSegment && decodeSegment(storedSegment);
  if (segment) {
    // Its pages may hold other documents' nodes too: those stay.
    for (const key of pageKeysOf(segment, refDocId)) {
      const page = await tx.objectStore('pages').get(key);
      const rest = page?.nodes.filter((n) => n.refDocId !== refDocId) ?? [];
      if (rest.length > 0) await tx.objectStore('pages').put({ ...page!, nodes: rest });
      else await tx.objectStore('pages').delete(key);
    }
    const keep = segment.refDocIds.map((id) => id !== refDocId);
    const kept = keep.filter(Boolean).length;
    if (kept === 0) {
      await tx.objectStore('segments').delete(doc.segment);
    } else if (kept < keep.length) {
      const dims = segment.vectors.length / segment.nodeIds.length;
      const vectors = new Float32Array(kept * dims);
      const locations = new Uint32Array(kept * 2);
      let row = 0;
      keep.forEach((k, i) => {
        if (!k) return;
        vectors.set(segment.vectors.subarray(i * dims, (i + 1) * dims), row * dims);
        locations.set(segment.locations.subarray(i * 2, i * 2 + 2), row * 2);
        row++;
      });
      await tx.objectStore('segments').put(
        encodeSegment({
          id: doc.segment,
          nodeIds: segment.nodeIds.filter((_, i) => keep[i]),
          refDocIds: segment.refDocIds.filter((_, i) => keep[i]),
          metadata: segment.metadata.filter((_, i) => keep[i]),
          keywords: segment.keywords.filter((_, i) => keep[i]),
          vectors,
          locations,
        }),
      );
    }
  }
  await tx.objectStore('docs').delete(refDocId);
  return true;
}

/** Aborts a transaction that failed midway; one that already finished throws, which is fine. */
function abortQuietly(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // Already committed or aborted.
  }
}

async function toWriteError(error: unknown, rows: number, dims: number): Promise<unknown> {
  if (error instanceof PageragError) return error;
  const name = (error as DOMException)?.name;
  const needed = `${rows} vectors (about ${((rows * dims * 4) / 1e6).toFixed(1)} MB of vectors plus text)`;
  if (name === 'QuotaExceededError') {
    let usage = '';
    try {
      const estimate = await navigator.storage.estimate();
      usage = ` This origin stores ${((estimate.usage ?? 0) / 1e6).toFixed(1)} MB of a ${((estimate.quota ?? 0) / 1e6).toFixed(1)} MB quota.`;
    } catch {
      // No estimate available; the message still says what failed.
    }
    return new StorageQuotaError(
      `The browser refused to store ${needed}: the storage quota is exhausted.${usage} Documents stored before are intact. Delete documents, clear other site data, or call navigator.storage.persist().`,
      { cause: error },
    );
  }
  return new StorageWriteError(`Writing ${needed} to IndexedDB failed (${name ?? 'Error'}: ${(error as Error)?.message ?? error}). Nothing of this write was stored; earlier documents are intact.`, {
    cause: error,
  });
}

function toNodeRecord(node: TextNode, refDocId: string): NodeRecord {
  return {
    id: node.id,
    text: node.text,
    refDocId,
    metadata: node.metadata,
    ...(node.startCharIdx !== undefined && { startCharIdx: node.startCharIdx }),
    ...(node.endCharIdx !== undefined && { endCharIdx: node.endCharIdx }),
  };
}

function fromNodeRecord(record: NodeRecord): TextNode {
  return new TextNode(record);
}
