import { deleteDB, unwrap, type IDBPDatabase } from 'idb';
import { EmbeddingModelMismatchError, InvalidArgumentError, InvalidStateError, describeValue } from '../errors.js';
import type { NodeWithScore, TextNode } from '../schema/node.js';
import type { BM25Params } from '../search/bm25-index.js';
import { compileInt8DotKernel } from '../search/int8-dot-kernel.js';
import { SearchIndex } from '../search/search-index.js';
import { encodeVectorCodes } from '../search/vector-codes.js';
import { BaseVectorStore, differentMetadata } from './base-vector-store.js';
import { checkNodeIdsFree, prepareDocuments } from './document-batch.js';
import { DB_PREFIX, openDatabase } from './indexeddb/open-database.js';
import { contentsOf, recordProblems, segmentVectors, type AllRecords } from './indexeddb/read-records.js';
import { LOCATION_FIELDS, NODES_PER_PAGE, SCHEMA_VERSION, type DocRecord, type IndexConfig, type NodePage, type NodeRecord, type PageragDBSchema, type StoredSegment } from './indexeddb/schema.js';
import { decodeSegment, decodeSegmentKeywords, encodeSegment } from './indexeddb/segment-codec.js';
import {
  compactSegments,
  fromNodeRecord,
  pageKeysOf,
  pageOfRow,
  removeDocument,
  rowsOfSegment,
  toNodeRecord,
  vectorsFromPages,
  writeVectorPages,
  type StoredRow,
} from './indexeddb/segment-records.js';
import { docGroupOf, getDocs, takeDocs } from './indexeddb/doc-groups.js';
import { readResults } from './indexeddb/read-transaction.js';
import { writeTransaction } from './indexeddb/write-transaction.js';
import type { AddOptions, EmbedModelInfo, RefDocInfo, SnapshotRecord, StoreContents, StoredDocument, VectorStoreCapabilities, VectorStoreQuery } from './vector-store.js';

/** How long an opened store waits for its first query before starting its background work. */
const BACKGROUND_AFTER_MS = 1000;
/** How long the node pages of the last write stay in memory (see `recentPages`). */
const RECENT_PAGES_MS = 10_000;

export interface IndexedDBVectorStoreOptions {
  /** BM25 parameters of the keyword index. @default { k1: 0.9, b: 0.4 } */
  bm25?: BM25Params;
  /**
   * Opening reads only the vectors' compact codes (int8 and 1-bit, about 440 bytes a row at 384
   * dimensions), so the first query runs early; each query then reads from IndexedDB the float32
   * rows it re-ranks (about 40). An index of up to this many rows also reads all its float32 rows in
   * the background, and then queries read nothing ({@link IndexedDBVectorStore.ready}); a larger
   * one keeps only the codes in memory (a million rows in about 0.45 GB instead of 2 GB). A new
   * index keeps its float32 rows while it grows, until reopened. 0 keeps only codes, always.
   * Without WebAssembly SIMD the float32 rows are always read at open and kept.
   * @default 131072 (about 200 MB of float32 at 384 dimensions)
   */
  floatRowsInMemory?: number;
}

/**
 * A vector store persisted in IndexedDB (one database per index), searched in memory. Every write
 * is one transaction holding whole documents (nodes, vectors, keyword rows, docstore entries), so
 * after a crash a document is fully present or fully absent. Tabs that share an index see each
 * other's writes.
 *
 * @example
 * const vectorStore = await IndexedDBVectorStore.open('my-docs');
 * const index = await VectorStoreIndex.fromVectorStore(vectorStore, { embedModel });
 */
export class IndexedDBVectorStore extends BaseVectorStore<StoredRow> {
  readonly name: string;
  readonly capabilities: VectorStoreCapabilities = Object.freeze({ persistent: true, keyword: true });
  private db: IDBPDatabase<PageragDBSchema> | undefined;
  private closed = false;
  private readonly channel: BroadcastChannel | undefined;
  private stale = false;
  /** The background read of float32 rows after opening, if one runs. */
  private floatsLoad: Promise<unknown> = Promise.resolve();
  /** Lets the background work of the last opening start (see reload). */
  private firstQueryDone: (() => void) | undefined;
  private readonly floatRowsInMemory: number;
  /**
   * The memory index that holds every stored document with rows, and the stored `changes` count
   * (see IndexConfig) at which it does: set by a reload and kept by this store's writes while no
   * other tab commits in between.
   */
  private synced: { index: SearchIndex<StoredRow>; changes: number } | undefined;
  /**
   * The node pages of the last write, by "group:page", until the next change or for
   * RECENT_PAGES_MS: the first queries after a large write (a snapshot load) find their texts
   * here, where IndexedDB, still busy with the commit, took 60–80 ms to return them.
   */
  private recentPages: { pages: Map<string, NodeRecord[]>; timer: ReturnType<typeof setTimeout> } | undefined;

  private constructor(name: string, options: IndexedDBVectorStoreOptions) {
    super(options.bm25);
    this.name = name;
    this.floatRowsInMemory = options.floatRowsInMemory ?? 131072;
    // Another tab that writes this index tells us; we reload before the next read.
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(DB_PREFIX + name) : undefined;
    if (this.channel) this.channel.onmessage = () => (this.stale = true);
  }

  /** Opens (or creates) the index called `name` and loads its vectors into memory. */
  static async open(name: string, options: IndexedDBVectorStoreOptions = {}): Promise<IndexedDBVectorStore> {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError(`Expected the index name to be a non-empty string, got ${describeValue(name)}.`);
    }
    const store = new IndexedDBVectorStore(name, options);
    await store.reload();
    return store;
  }

  /**
   * The names of the indexes stored in this origin (each is a database of its own).
   * @example
   * const old = (await IndexedDBVectorStore.list()).filter((name) => name.startsWith('docs:'));
   */
  static async list(): Promise<string[]> {
    const databases = await indexedDB.databases();
    return databases.flatMap(({ name }) => (name?.startsWith(DB_PREFIX) ? [name.slice(DB_PREFIX.length)] : [])).sort();
  }

  /** Deletes the whole database of index `name`. */
  static async delete(name: string): Promise<void> {
    await deleteDB(DB_PREFIX + name);
  }

  async add(documents: readonly StoredDocument[], embedModel: EmbedModelInfo, options: AddOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    if (documents.length === 0) return;
    await this.beforeRead();
    this.assertEmbedModel(embedModel);
    const dims = embedModel.dimensions;
    const { nodes, vectors, keywords } = prepareDocuments(documents, dims, options.keywordBytes);
    // Texts go in pages of this write, in row order: [group (this segment), row / NODES_PER_PAGE].
    const rows: StoredRow[] = nodes.map(({ node, refDocId }, row) => ({ nodeId: node.id, refDocId, metadata: node.metadata, group: 0, page: pageOfRow(row), vectorPage: 0, segment: -1 }));
    // Made before the transaction: an await between commit and the memory update could interleave another write.
    const index = await this.indexFor(dims);
    checkNodeIdsFree(documents, (id) => index.refDocOfNode(id));
    // Made in the transaction, kept after it (see recentPages).
    const nodePages: NodeRecord[][] = [];
    this.dropRecentPages();
    const { segmentId, codes, changes, known } = await writeTransaction(
      await this.connection(),
      ['meta', 'segments', 'pages', 'vectors', 'docGroups', 'snapshots'],
      async (tx) => {
        // The float32 pages are requested first: IndexedDB writes them while this page makes the
        // codes, the keyword rows and the segment (an abort, e.g. on a model mismatch, drops them).
        const nodeIds = rows.map((r) => r.nodeId);
        const pagesWritten = writeVectorPages(tx, nodeIds, vectors, dims);
        const configRead = tx.objectStore('meta').get('config');
        const codes = encodeVectorCodes(vectors, dims);
        const locations = new Uint32Array(rows.length * LOCATION_FIELDS);
        rows.forEach((row, i) => (locations[i * LOCATION_FIELDS + 1] = row.page));
        // Group 0 in `locations` stands for the segment's own id; keywordBytes are stored as they are.
        const segmentRecord = encodeSegment(
          { nodeIds, refDocIds: rows.map((r) => r.refDocId), metadata: rows.map((r) => r.metadata), codes, keywords: options.keywordBytes ? [] : keywords(), locations },
          options.keywordBytes,
        );
        const nodeRecords = nodes.map(({ node, refDocId }) => toNodeRecord(node, refDocId));
        for (let start = 0; start < nodeRecords.length; start += NODES_PER_PAGE) nodePages.push(nodeRecords.slice(start, start + NODES_PER_PAGE));

        const config = await configRead;
        const stored = config && { model: config.embedModel, dimensions: config.dimensions, embedsMetadata: config.embedsMetadata ?? false };
        if (stored && (stored.model !== embedModel.model || stored.dimensions !== dims || differentMetadata(stored, embedModel))) {
          throw new EmbeddingModelMismatchError(stored, embedModel);
        }
        // Only documents stored before need removing. When nothing was committed since memory was
        // synced, the ones with rows are in memory and there are no empty ones: only those are
        // looked up (none, in one request, for a new batch).
        const ids = documents.map((doc) => doc.refDocId);
        const inMemory = this.synced?.index === index && config?.changes === this.synced.changes && config.emptyDocs === 0;
        const groups = tx.objectStore('docGroups');
        const previous = await takeDocs(groups, inMemory ? ids.filter((id) => index.hasRefDoc(id)) : ids);
        let removedRows = 0;
        for (const record of previous) removedRows += await removeDocument(tx, record);
        // An index written before the count was kept: memory (reloaded before this write) knows it.
        const rowsBefore = config?.rows ?? index.size;
        const emptyAdded = documents.filter((d) => d.nodes.length === 0).length - previous.filter((d) => d.nodeIds.length === 0).length;
        const next = changedConfig(config ?? newConfig(embedModel), rowsBefore - removedRows + rows.length, emptyAdded);
        await tx.objectStore('meta').put(next, 'config');
        const vectorPages = await pagesWritten;
        rows.forEach((row, i) => (row.vectorPage = locations[i * LOCATION_FIELDS + 2] = vectorPages[i]!));
        const segment = rows.length === 0 ? -1 : await tx.objectStore('segments').add(segmentRecord);
        // Plain requests, no promise each: a failed one aborts the transaction, and
        // writeTransaction reports its error.
        unwrap(groups).put(docGroupOf(documents.map((doc): DocRecord => ({ id: doc.refDocId, hash: doc.hash, nodeIds: doc.nodes.map((n) => n.id), segment, metadata: doc.metadata ?? {} }))));
        const pageStore = unwrap(tx.objectStore('pages'));
        nodePages.forEach((nodes, page) => pageStore.put({ group: segment, page, nodes } satisfies NodePage));
        if (options.snapshotRecord) unwrap(tx.objectStore('snapshots')).put(options.snapshotRecord);
        // A new index (no config) stores nothing but this write, which memory gets.
        return { segmentId: segment, codes, changes: next.changes!, known: inMemory || !config };
      },
      { rows: rows.length, dims },
    );

    // Committed: memory follows.
    this.model ??= { model: embedModel.model, dimensions: dims, embedsMetadata: embedModel.embedsMetadata ?? false };
    for (const doc of documents) index.removeRefDoc(doc.refDocId);
    for (const row of rows) row.segment = row.group = segmentId;
    // The keyword index takes the rows when first needed or when idle: a write returns sooner.
    index.add(rows, { codes, vectors }, keywords);
    if (known) this.synced = { index, changes };
    this.keepRecentPages(segmentId, nodePages);
    this.notifyOtherTabs();
  }

  async delete(refDocId: string): Promise<boolean> {
    if (typeof refDocId !== 'string') throw new InvalidArgumentError(`Expected refDocId to be a string, got ${describeValue(refDocId)}.`);
    await this.beforeRead();
    const index = this.index;
    this.dropRecentPages();
    const { existed, changes } = await writeTransaction(
      await this.connection(),
      ['meta', 'segments', 'pages', 'vectors', 'docGroups'],
      async (tx) => {
        const [doc] = await takeDocs(tx.objectStore('docGroups'), [refDocId]);
        if (!doc) return { existed: false };
        const removed = await removeDocument(tx, doc);
        const config = await tx.objectStore('meta').get('config');
        if (!config) return { existed: true };
        const inMemory = index !== undefined && this.synced?.index === index && config.changes === this.synced.changes;
        const next = changedConfig(config, config.rows === undefined ? undefined : config.rows - removed, doc.nodeIds.length === 0 ? -1 : 0);
        await tx.objectStore('meta').put(next, 'config');
        return { existed: true, changes: inMemory ? next.changes : undefined };
      },
      { rows: 0, dims: this.model?.dimensions ?? 0 },
    );
    this.index?.removeRefDoc(refDocId);
    if (changes !== undefined && this.index === index) this.synced = { index: index!, changes };
    if (existed) this.notifyOtherTabs();
    return existed;
  }

  async getRefDocs(refDocIds: readonly string[]): Promise<(DocRecord | undefined)[]> {
    const tx = (await this.connection()).transaction('docGroups');
    return readResults(tx, getDocs(tx.store, refDocIds));
  }

  /** The docstore entry of one document, if stored. */
  async getRefDoc(refDocId: string): Promise<DocRecord | undefined> {
    return (await this.getRefDocs([refDocId]))[0];
  }

  async listRefDocs(): Promise<RefDocInfo[]> {
    return (await (await this.connection()).getAll('docGroups')).flatMap((group) => group.docs);
  }

  protected async nodesOf(refs: readonly StoredRow[]): Promise<(TextNode | undefined)[]> {
    const tx = (await this.connection()).transaction('pages');
    const pages = new Map<string, Promise<NodeRecord[]>>();
    const recent = this.recentPages?.pages;
    const pageOf = (ref: StoredRow) => {
      const key = `${ref.group}:${ref.page}`;
      if (!pages.has(key)) pages.set(key, recent?.has(key) ? Promise.resolve(recent.get(key)!) : tx.store.get([ref.group, ref.page]).then((p) => p?.nodes ?? []));
      return pages.get(key)!;
    };
    const records = await readResults(tx, Promise.all(refs.map(async (ref) => (await pageOf(ref)).find((n) => n.id === ref.nodeId))));
    return records.map((r) => r && fromNodeRecord(r));
  }

  async getNodesOfRefDoc(refDocId: string): Promise<TextNode[]> {
    const tx = (await this.connection()).transaction(['docGroups', 'segments', 'pages']);
    const [doc] = await getDocs(tx.objectStore('docGroups'), [refDocId]);
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
    await this.beforeRead();
    const dims = this.model?.dimensions;
    if (dims === undefined) return;
    this.dropRecentPages();
    const moves = await writeTransaction(await this.connection(), ['segments', 'docGroups'], (tx) => compactSegments(tx), { rows: 0, dims });
    if (moves.length === 0) return;
    const renames = new Map(moves.flatMap(({ from, to }) => [...from].map((id) => [id, to])));
    this.index?.forEachRow((row) => (row.segment = renames.get(row.segment) ?? row.segment));
  }

  async verify(): Promise<string[]> {
    const { problems, rows } = recordProblems(await this.readAll());
    return this.stale ? problems : [...problems, ...this.memoryProblems(rows)];
  }

  async exportContents(): Promise<StoreContents> {
    return contentsOf(await this.readAll(), this.name);
  }

  async getSnapshotRecord(name: string): Promise<SnapshotRecord | undefined> {
    return (await this.connection()).get('snapshots', name);
  }

  async putSnapshotRecord(record: SnapshotRecord): Promise<void> {
    await writeTransaction(await this.connection(), ['snapshots'], (tx) => tx.objectStore('snapshots').put(record));
  }

  /** Every record, read in one transaction (for verification and export). */
  async readAll(): Promise<AllRecords> {
    const tx = (await this.connection()).transaction(['meta', 'segments', 'pages', 'vectors', 'docGroups']);
    const [config, segments, pages, vectorPages, docGroups] = await Promise.all([
      tx.objectStore('meta').get('config'),
      tx.objectStore('segments').getAll().then((all) => all.map((s) => decodeSegment(s))),
      tx.objectStore('pages').getAll(),
      tx.objectStore('vectors').getAll(),
      tx.objectStore('docGroups').getAll(),
      tx.done,
    ]);
    return { config, docs: docGroups.flatMap((group) => group.docs), docGroups, segments, pages, vectorPages };
  }

  async clear(): Promise<void> {
    this.dropRecentPages();
    await writeTransaction(await this.connection(), ['meta', 'segments', 'pages', 'vectors', 'docGroups', 'snapshots'], async (tx) => {
      await Promise.all(['meta', 'segments', 'pages', 'vectors', 'docGroups', 'snapshots'].map((name) => tx.objectStore(name as 'meta').clear()));
    });
    this.model = undefined;
    this.index?.discard();
    this.index = undefined;
    this.synced = undefined;
    this.notifyOtherTabs();
  }

  /** Closes the database; the store cannot be used afterwards (open it again). */
  close(): void {
    this.closed = true;
    this.dropRecentPages();
    this.index?.discard();
    this.channel?.close();
    this.db?.close();
    this.db = undefined;
  }

  /**
   * Reloads all rows from storage (after another tab wrote): the segments (the codes) first, the
   * float32 rows in the background where they are kept (see `floatRowsInMemory`).
   */
  async reload(): Promise<void> {
    this.stale = false;
    this.dropRecentPages();
    // Known before the transaction: it must not wait on anything but its own requests.
    const simd = (await compileInt8DotKernel()) !== undefined;
    const tx = (await this.connection()).transaction(['meta', 'segments', 'vectors']);
    const [config, keys] = await Promise.all([tx.objectStore('meta').get('config'), tx.objectStore('segments').getAllKeys()]);
    // Every segment requested at once: IndexedDB reads the next ones while the first are decoded,
    // and each is let go once added.
    const pending: (Promise<StoredSegment | undefined> | undefined)[] = keys.map((key) => tx.objectStore('segments').get(key));
    const codesFirst = simd && keys.length > 0;
    const vectorPages = config && !codesFirst ? await tx.objectStore('vectors').getAll() : [];
    // Built aside and swapped in whole, so a concurrent reader never sees half an index.
    // Sized for the rows stored at once: grown as segments arrive, it would hold more than they need.
    const index = config && (await SearchIndex.create<StoredRow>(config.dimensions, Math.max(1024, config.rows ?? 0), { bm25: this.bm25, readVectors: codesFirst ? (list) => this.readVectors(list) : undefined }));
    const pageById = new Map(vectorPages.map((p) => [p.id!, p]));
    let rows = 0;
    for (let i = 0; i < pending.length && index; i++) {
      const stored = (await pending[i])!;
      pending[i] = undefined;
      // Keyword rows are decoded when the keyword index is built (deferred: see SearchIndex.add).
      const segment = decodeSegment(stored, { keywords: false });
      rows += segment.nodeIds.length;
      index.add(rowsOfSegment(segment), { codes: segment.codes, vectors: index.codesOnly ? undefined : segmentVectors(segment, pageById, config.dimensions) }, () => decodeSegmentKeywords(stored));
    }
    await tx.done;
    this.model = config && { model: config.embedModel, dimensions: config.dimensions, embedsMetadata: config.embedsMetadata ?? false };
    this.index?.discard();
    this.index = index;
    this.synced = index && config.changes !== undefined ? { index, changes: config.changes } : undefined;
    if (!index) return;
    // Background work (keyword index, float32 rows) starts once the first query ran, or after a
    // second without one: started at once, its reads queued before the first query's.
    const firstQuery = new Promise<void>((resolve) => {
      this.firstQueryDone = resolve;
      setTimeout(resolve, BACKGROUND_AFTER_MS);
    });
    index.deferBackgroundUntil(firstQuery);
    // A failed read leaves the codes, which answer the same: queries go on reading their rows.
    if (index.codesOnly && !this.codesOnlyAt(rows)) this.floatsLoad = firstQuery.then(() => index.loadFloats()).catch(() => false);
  }

  /**
   * Resolves once the work an opening leaves to the background is done: the float32 rows read into
   * memory (where `floatRowsInMemory` keeps them) and the keyword index built. Queries need not
   * wait for it; they are only faster after it.
   * @example
   * const store = await IndexedDBVectorStore.open('docs');
   * await store.ready(); // e.g. before timing queries
   */
  async ready(): Promise<void> {
    await this.floatsLoad;
    void this.index?.keywordSize;
  }

  private codesOnlyAt(rows: number): boolean {
    return rows > this.floatRowsInMemory || this.floatRowsInMemory === 0;
  }

  /** The search index of a write (made for the first one): only codes when `floatRowsInMemory` is 0. */
  private indexFor(dims: number): Promise<SearchIndex<StoredRow>> {
    return this.searchIndex(dims, 1024, this.floatRowsInMemory === 0 ? (list) => this.readVectors(list) : undefined);
  }

  /** The float32 vectors of rows, from their pages (NaN for a row whose document was removed meanwhile). */
  private async readVectors(rows: readonly StoredRow[]): Promise<Float32Array> {
    const tx = (await this.connection()).transaction('vectors');
    const keys = [...new Set(rows.map((r) => r.vectorPage))].sort((a, b) => a - b);
    const pages = await readResults(tx, Promise.all(keys.map((key) => tx.store.get(key))));
    return vectorsFromPages(rows, new Map(keys.map((key, i) => [key, pages[i]])), this.model?.dimensions ?? 0);
  }

  override async query(query: VectorStoreQuery): Promise<NodeWithScore[]> {
    try {
      return await super.query(query);
    } finally {
      this.firstQueryDone?.();
      this.firstQueryDone = undefined;
    }
  }

  protected override async beforeRead(): Promise<void> {
    if (this.stale) await this.reload();
  }

  /**
   * The open database. When another connection needs it (a delete, or a newer pagerag upgrading it
   * in another tab), this one closes at once instead of blocking it, and reopens on next use.
   */
  private async connection(): Promise<IDBPDatabase<PageragDBSchema>> {
    if (this.closed) throw new InvalidStateError(`Index "${this.name}" was closed: open it again with IndexedDBVectorStore.open("${this.name}").`);
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

  private keepRecentPages(segment: number, nodePages: NodeRecord[][]): void {
    const pages = new Map(nodePages.map((nodes, page) => [`${segment}:${page}`, nodes]));
    this.recentPages = { pages, timer: setTimeout(() => this.dropRecentPages(), RECENT_PAGES_MS) };
  }

  private dropRecentPages(): void {
    if (this.recentPages) clearTimeout(this.recentPages.timer);
    this.recentPages = undefined;
  }

  private notifyOtherTabs(): void {
    this.channel?.postMessage({ type: 'changed' });
  }
}

function newConfig(embedModel: EmbedModelInfo): IndexConfig {
  return { schemaVersion: SCHEMA_VERSION, embedModel: embedModel.model, dimensions: embedModel.dimensions, embedsMetadata: embedModel.embedsMetadata ?? false, createdAt: Date.now(), changes: 0, emptyDocs: 0 };
}

/** The config after a committed write or delete: its rows, one more change, and the empty documents moved by `emptyAdded` where counted. */
function changedConfig(config: IndexConfig, rows: number | undefined, emptyAdded: number): IndexConfig {
  return {
    ...config,
    ...(rows !== undefined && { rows }),
    changes: (config.changes ?? 0) + 1,
    ...(config.emptyDocs !== undefined && { emptyDocs: config.emptyDocs + emptyAdded }),
  };
}
