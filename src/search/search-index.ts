import type { Metadata } from '../schema/node.js';
import { BM25Index, type BM25Params } from './bm25-index.js';
import { fuseResults, hybridPlan } from './fuse-results.js';
import { Int8Index } from './int8-index.js';
import { compileInt8DotKernel, createInt8DotKernel } from './int8-dot-kernel.js';
import type { KeywordTerms } from './keyword-codec.js';
import { matchesFilters, type MetadataFilters } from './metadata-filters.js';
import { VectorMatrix } from './vector-matrix.js';

/** What every indexed row carries: its node, its document and the node's metadata (for filters). */
export interface SearchRow {
  nodeId: string;
  refDocId: string;
  metadata: Metadata;
}

export type SearchMode = 'vector' | 'keyword' | 'hybrid';

export interface SearchQuery {
  /** @default "vector" */
  mode?: SearchMode;
  /** Needed by "vector" and "hybrid" (checked by the caller: finite, right length). */
  queryEmbedding?: Float32Array;
  /** Needed by "keyword" and "hybrid". */
  queryStr?: string;
  similarityTopK: number;
  filters?: MetadataFilters | undefined;
  /** Vector side: scan float32 only, no int8 shortlist. @default false */
  exact?: boolean | undefined;
  /** Hybrid: weight of the vector side, 1 − alpha for keywords. @default 0.5 */
  alpha?: number | undefined;
}

/**
 * Every row of an index in memory, searchable by vector (cosine over a contiguous matrix, int8
 * SIMD first pass when large) and by keywords (BM25), or both fused. The stores keep one of these
 * beside whatever they persist; it holds no text, only rows.
 */
export class SearchIndex<R extends SearchRow> {
  private readonly keywords: BM25Index<R>;
  /** Which document holds each node id: node ids are unique across the index. */
  private readonly docOfNode = new Map<string, string>();

  private constructor(
    private readonly matrix: VectorMatrix<R>,
    bm25: BM25Params,
  ) {
    this.keywords = new BM25Index<R>(bm25);
  }

  /** An empty index for vectors of `dimensions`, with the int8 first pass where WebAssembly SIMD is available. */
  static async create<R extends SearchRow>(dimensions: number, capacity: number, bm25: BM25Params = {}): Promise<SearchIndex<R>> {
    const module = await compileInt8DotKernel();
    // Made when the matrix first grows large enough for the staged search: a small store holds no wasm memory.
    const int8 = module && (() => new Int8Index(createInt8DotKernel(module, 1), dimensions));
    return new SearchIndex<R>(new VectorMatrix<R>(dimensions, capacity, int8), bm25);
  }

  get dimensions(): number {
    return this.matrix.dimensions;
  }

  /** Rows with a vector. */
  get size(): number {
    return this.matrix.size;
  }

  /** Rows in the keyword index (equal to {@link size} when consistent). */
  get keywordSize(): number {
    return this.keywords.size;
  }

  /** Appends rows: `vectors` holds them back to back, `keywords` one entry per row. */
  add(rows: readonly R[], vectors: Float32Array, keywords: readonly KeywordTerms[]): void {
    this.matrix.append(rows, vectors);
    rows.forEach((row, i) => {
      this.keywords.add(row, keywords[i]!);
      this.docOfNode.set(row.nodeId, row.refDocId);
    });
  }

  removeRefDoc(refDocId: string): void {
    for (const row of this.matrix.removeRefDoc(refDocId)) this.docOfNode.delete(row.nodeId);
    this.keywords.removeRefDoc(refDocId);
  }

  /** The document that holds node `nodeId`, if any. */
  refDocOfNode(nodeId: string): string | undefined {
    return this.docOfNode.get(nodeId);
  }

  /** Top rows for `query`, highest score first. */
  search(query: SearchQuery): { row: R; score: number }[] {
    const { mode = 'vector', similarityTopK: k, filters } = query;
    if (mode === 'hybrid') {
      // Each side fetches a deeper list so fusion can promote what only one of them found.
      const { depth, weights } = hybridPlan(k, query.alpha ?? undefined);
      const lists = [this.search({ ...query, mode: 'vector', similarityTopK: depth }), this.search({ ...query, mode: 'keyword', similarityTopK: depth })];
      const ranked = lists.map((list) => list.map((hit) => ({ key: hit.row.nodeId, item: hit.row, score: hit.score })));
      return fuseResults(ranked, { mode: 'relative_score', weights, k }).map(({ item, score }) => ({ row: item, score }));
    }
    if (mode === 'keyword') {
      return this.keywords.search(query.queryStr ?? '', k, filters && ((metadata) => matchesFilters(metadata, filters)));
    }
    const hits = this.matrix.search(query.queryEmbedding!, k, {
      ...(filters && { accept: (row: R) => matchesFilters(row.metadata, filters) }),
      ...(query.exact && { exact: true }),
    });
    return hits.map(({ info, score }) => ({ row: info, score }));
  }

  /** Calls `visit` on every live row (e.g. to rename storage locations after compaction). */
  forEachRow(visit: (row: R) => void): void {
    this.matrix.forEachRow(visit);
  }
}
