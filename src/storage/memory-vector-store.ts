import { InvalidArgumentError, InvalidStateError, describeValue } from '../errors.js';
import type { TextNode } from '../schema/node.js';
import type { BM25Params } from '../search/bm25-index.js';
import type { KeywordTerms } from '../search/keyword-codec.js';
import type { SearchRow } from '../search/search-index.js';
import { BaseVectorStore } from './base-vector-store.js';
import { checkNodeIdsFree, prepareDocuments } from './document-batch.js';
import type { AddOptions, EmbedModelInfo, RefDocInfo, SnapshotRecord, StoreContents, StoredDocument, VectorStoreCapabilities } from './vector-store.js';

interface MemoryRow extends SearchRow {
  node: TextNode;
}

interface MemoryDocument {
  info: RefDocInfo;
  nodes: TextNode[];
  vectors: Float32Array;
  keywords: KeywordTerms[];
}

/**
 * A store that keeps everything in memory and persists nothing: for the Node build, tests,
 * benchmarks, and apps that index per visit. Same contract and search as
 * {@link IndexedDBVectorStore}.
 *
 * @example
 * const index = await VectorStoreIndex.fromDocuments(documents, { embedModel, vectorStore: new MemoryVectorStore() });
 */
export class MemoryVectorStore extends BaseVectorStore<MemoryRow> {
  readonly name: string;
  readonly capabilities: VectorStoreCapabilities = Object.freeze({ persistent: false, keyword: true });
  private readonly docs = new Map<string, MemoryDocument>();
  private readonly snapshots = new Map<string, SnapshotRecord>();
  private closed = false;

  /**
   * @param options.name Names the store in messages. @default "memory"
   * @param options.bm25 BM25 parameters of the keyword index. @default { k1: 0.9, b: 0.4 }
   */
  constructor(options: { name?: string; bm25?: BM25Params } = {}) {
    super(options.bm25);
    this.name = options.name ?? 'memory';
  }

  async add(documents: readonly StoredDocument[], embedModel: EmbedModelInfo, options: AddOptions = {}): Promise<void> {
    this.assertOpen();
    options.signal?.throwIfAborted();
    if (documents.length === 0) return;
    this.assertEmbedModel(embedModel);
    const dims = embedModel.dimensions;
    const batch = prepareDocuments(documents, dims, options.keywordBytes);
    const allKeywords = batch.keywords();
    const index = await this.searchIndex(dims);
    checkNodeIdsFree(documents, (id) => index.refDocOfNode(id));
    // Checked again after the await: another write may have set the model meanwhile.
    this.assertEmbedModel(embedModel);
    this.model ??= { model: embedModel.model, dimensions: dims, embedsMetadata: embedModel.embedsMetadata ?? false };
    let row = 0;
    for (const doc of documents) {
      this.removeDocument(doc.refDocId);
      const count = doc.nodes.length;
      const rows = doc.nodes.map((node): MemoryRow => ({ nodeId: node.id, refDocId: doc.refDocId, metadata: node.metadata, node }));
      const vectors = batch.vectors.slice(row * dims, (row + count) * dims);
      const keywords = allKeywords.slice(row, row + count);
      index.add(rows, vectors, keywords);
      this.docs.set(doc.refDocId, {
        info: { id: doc.refDocId, hash: doc.hash, nodeIds: doc.nodes.map((n) => n.id), metadata: doc.metadata ?? {} },
        nodes: [...doc.nodes],
        vectors,
        keywords,
      });
      row += count;
    }
    if (options.snapshotRecord) await this.putSnapshotRecord(options.snapshotRecord);
  }

  async delete(refDocId: string): Promise<boolean> {
    this.assertOpen();
    return this.removeDocument(refDocId);
  }

  async getRefDocs(refDocIds: readonly string[]): Promise<(RefDocInfo | undefined)[]> {
    this.assertOpen();
    return refDocIds.map((id) => this.docs.get(id)?.info);
  }

  async listRefDocs(): Promise<RefDocInfo[]> {
    this.assertOpen();
    return [...this.docs.values()].map((d) => d.info);
  }

  async getNodesOfRefDoc(refDocId: string): Promise<TextNode[]> {
    this.assertOpen();
    return [...(this.docs.get(refDocId)?.nodes ?? [])];
  }

  async exportContents(): Promise<StoreContents> {
    this.assertOpen();
    if (!this.model || this.docs.size === 0) throw new InvalidStateError(`Store "${this.name}" is empty: there is nothing to export. Add documents first.`);
    const dims = this.model.dimensions;
    const ordered = [...this.docs.values()].sort((a, b) => (a.info.id < b.info.id ? -1 : a.info.id > b.info.id ? 1 : 0));
    const vectors = new Float32Array(ordered.reduce((n, d) => n + d.nodes.length, 0) * dims);
    let at = 0;
    for (const doc of ordered) {
      vectors.set(doc.vectors, at);
      at += doc.vectors.length;
    }
    return {
      embedModel: this.embedModel!,
      documents: ordered.map((d) => ({ id: d.info.id, hash: d.info.hash, metadata: d.info.metadata, nodes: d.nodes })),
      vectors,
      keywords: ordered.flatMap((d) => d.keywords),
    };
  }

  async getSnapshotRecord(name: string): Promise<SnapshotRecord | undefined> {
    return this.snapshots.get(name);
  }

  async putSnapshotRecord(record: SnapshotRecord): Promise<void> {
    this.assertOpen();
    this.snapshots.set(record.name, { ...record, refDocIds: [...record.refDocIds] });
  }

  async verify(): Promise<string[]> {
    const problems: string[] = [];
    let rows = 0;
    for (const [id, doc] of this.docs) {
      rows += doc.nodes.length;
      if (doc.vectors.length !== doc.nodes.length * (this.model?.dimensions ?? 0)) problems.push(`document ${id} has ${doc.vectors.length} floats for ${doc.nodes.length} nodes`);
      if (doc.keywords.length !== doc.nodes.length) problems.push(`document ${id} has keyword data for ${doc.keywords.length} of ${doc.nodes.length} nodes`);
    }
    return [...problems, ...this.memoryProblems(rows)];
  }

  /** Nothing to merge in memory. */
  async compact(): Promise<void> {}

  async clear(): Promise<void> {
    this.assertOpen();
    this.docs.clear();
    this.snapshots.clear();
    this.index = undefined;
    this.model = undefined;
  }

  close(): void {
    this.closed = true;
  }

  protected async nodesOf(rows: readonly MemoryRow[]): Promise<TextNode[]> {
    return rows.map((r) => r.node);
  }

  private removeDocument(refDocId: string): boolean {
    if (typeof refDocId !== 'string') throw new InvalidArgumentError(`Expected refDocId to be a string, got ${describeValue(refDocId)}.`);
    if (!this.docs.delete(refDocId)) return false;
    this.index?.removeRefDoc(refDocId);
    return true;
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidStateError(`Store "${this.name}" was closed: make a new MemoryVectorStore.`);
  }
}
