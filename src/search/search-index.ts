import type { Metadata } from '../schema/node.js';
import { BM25Index, type BM25Params } from './bm25-index.js';
import { fuseResults, hybridPlan } from './fuse-results.js';
import { Int8Index } from './int8-index.js';
import { compileInt8DotKernel, createInt8DotKernel } from './int8-dot-kernel.js';
import type { KeywordTerms } from './keyword-codec.js';
import { matchesFilters, type MetadataFilters } from './metadata-filters.js';
import type { VectorCodes } from './vector-codes.js';
import { VectorMatrix, rankCandidates } from './vector-matrix.js';

/** What every indexed row carries: its node, its document and the node's metadata (for filters). */
export interface SearchRow {
  nodeId: string;
  refDocId: string;
  metadata: Metadata;
}

/**
 * A piece of deferred keyword-index work: all of it, or (given `outOfTime`) what fits before it
 * says stop, resuming where it stopped on the next call. Returns whether it is finished.
 */
type KeywordWork = (outOfTime?: () => boolean) => boolean;

/** The longest slice of deferred keyword work. */
const KEYWORD_SLICE_MS = 8;
/** Rows added to the keyword index between looks at the clock. */
const ROWS_PER_CLOCK_CHECK = 64;

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
 * Reads the float32 vectors of rows (back to back, in the order given; NaN where a row is gone):
 * what an index that keeps only codes in memory re-ranks with.
 */
export type ReadVectors<R> = (rows: readonly R[]) => Promise<Float32Array>;

export interface SearchIndexOptions<R> {
  /** BM25 parameters. @default { k1: 0.9, b: 0.4 } */
  bm25?: BM25Params;
  /**
   * Keep only the vectors' codes in memory (see {@link VectorCodes}) and read the float32 rows a
   * query re-ranks with this. Needs WebAssembly SIMD; without it the float32 rows stay in memory.
   */
  readVectors?: ReadVectors<R> | undefined;
}

/**
 * Every row of an index in memory, searchable by vector (cosine over a contiguous matrix, int8
 * SIMD first pass when large) and by keywords (BM25), or both fused. The stores keep one of these
 * beside whatever they persist; it holds no text, only rows (and, for a large persisted index,
 * only the vectors' codes: see {@link SearchIndexOptions.readVectors}).
 */
export class SearchIndex<R extends SearchRow> {
  private readonly keywords: BM25Index<R>;
  /**
   * Keyword-index work not done yet, in order: an index that opens from storage defers building
   * BM25 (a fifth of a 100k open) until a keyword query needs it or the page is idle.
   */
  private readonly keywordWork: KeywordWork[] = [];
  /** Cancels the scheduled idle step, so a discarded index is not held until the page is idle. */
  private cancelKeywordStep: (() => void) | undefined;
  private discarded = false;
  private backgroundAfter: Promise<void> = Promise.resolve();
  /**
   * Which document holds each node id (node ids are unique across the index). Made on the first
   * write's check, not when an index opens (a large index opens sooner, and holds less until written).
   */
  private docOfNode: Map<string, string> | undefined;

  private constructor(
    private readonly matrix: VectorMatrix<R>,
    bm25: BM25Params,
    private readonly readVectors: ReadVectors<R> | undefined,
  ) {
    this.keywords = new BM25Index<R>(bm25);
  }

  /** An empty index for vectors of `dimensions`, with the int8 first pass where WebAssembly SIMD is available. */
  static async create<R extends SearchRow>(dimensions: number, capacity: number, options: SearchIndexOptions<R> = {}): Promise<SearchIndex<R>> {
    const module = await compileInt8DotKernel();
    // Made when the matrix first grows large enough for the staged search: a small store holds no wasm memory.
    const int8 = module && (() => new Int8Index(createInt8DotKernel(module, 1), dimensions));
    const readVectors = module && options.readVectors;
    return new SearchIndex<R>(new VectorMatrix<R>(dimensions, capacity, int8, !readVectors), options.bm25 ?? {}, readVectors);
  }

  /** Whether only the vectors' codes are in memory (rows are added with their codes). */
  get codesOnly(): boolean {
    return !this.matrix.floats;
  }

  /**
   * Reads every row's float32 vector (with `readVectors`) and keeps them, so searches stop reading.
   * Runs beside searches and writes; if rows change meanwhile it reads again (up to `attempts`
   * times). Resolves whether the rows are held.
   */
  async loadFloats(attempts = 3): Promise<boolean> {
    for (let attempt = 0; attempt < attempts && !this.matrix.floats && this.readVectors; attempt++) {
      const version = this.matrix.version;
      const rows = this.matrix.liveInfos();
      const vectors = await this.readVectors(rows);
      if (this.discarded) return false;
      if (this.matrix.version !== version || this.matrix.floats) continue;
      // A row without its vector means storage disagrees with memory: searches keep reading (verify() tells).
      for (let i = 0; i < vectors.length; i += this.dimensions) if (Number.isNaN(vectors[i])) return false;
      this.matrix.attachFloats(vectors);
    }
    return this.matrix.floats;
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
    return this.keywordIndex().size;
  }

  /**
   * Appends rows: `vectors` holds them back to back (with their codes where known), `keywords` one
   * entry per row, or a function that gives them when the keyword index is first needed (deferred
   * work: see keywordStep). An index that keeps {@link codesOnly} needs only their `codes`.
   */
  add(rows: readonly R[], vectors: Float32Array | { codes: VectorCodes; vectors?: Float32Array | undefined }, keywords: readonly KeywordTerms[] | (() => readonly KeywordTerms[])): void {
    if (vectors instanceof Float32Array) this.matrix.append(rows, vectors);
    else if (this.matrix.floats) this.matrix.append(rows, vectors.vectors!, vectors.codes);
    else this.matrix.appendCodes(rows, vectors.codes);
    if (this.docOfNode) for (const row of rows) this.docOfNode.set(row.nodeId, row.refDocId);
    let list: readonly KeywordTerms[] | undefined;
    let next = 0;
    this.keywordStep((outOfTime) => {
      list ??= typeof keywords === 'function' ? keywords() : keywords;
      for (; next < rows.length; next++) {
        if (next % ROWS_PER_CLOCK_CHECK === 0 && outOfTime?.()) return false;
        this.keywords.add(rows[next]!, list[next]!);
      }
      return true;
    }, typeof keywords === 'function');
  }

  /** Runs a step on the keyword index now, or after the deferred ones (always when `defer`). */
  private keywordStep(step: KeywordWork, defer = false): void {
    if (!defer && this.keywordWork.length === 0) {
      step();
      return;
    }
    this.keywordWork.push(step);
    if (this.cancelKeywordStep) return;
    const idle = (run: (deadline?: IdleDeadline) => void) => {
      if (typeof requestIdleCallback !== 'function') {
        const timer = setTimeout(run, 0);
        this.cancelKeywordStep = () => clearTimeout(timer);
      } else {
        const handle = requestIdleCallback(run);
        this.cancelKeywordStep = () => cancelIdleCallback(handle);
      }
    };
    // In slices of a few milliseconds: a query's reply (an IndexedDB read) that arrives during one
    // waits for it. A 10k-row snapshot's keywords in one idle period held the first query after
    // the load back by about 100 ms.
    const next = (deadline?: IdleDeadline) => {
      const end = performance.now() + Math.min(KEYWORD_SLICE_MS, deadline?.timeRemaining() ?? KEYWORD_SLICE_MS);
      const outOfTime = () => performance.now() >= end;
      while (this.keywordWork.length > 0 && !outOfTime()) if (this.keywordWork[0]!(outOfTime)) this.keywordWork.shift();
      if (this.keywordWork.length > 0) idle(next);
      else this.cancelKeywordStep = undefined;
    };
    this.cancelKeywordStep = () => {};
    void this.backgroundAfter.then(() => this.cancelKeywordStep && !this.discarded && idle(next));
  }

  /**
   * Holds deferred work back until `start` settles: an opening store lets its first query run
   * before the background work that would compete with it.
   */
  deferBackgroundUntil(start: Promise<unknown>): void {
    this.backgroundAfter = start.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Drops the deferred keyword work and any background float32 load: for a store that closes or
   * reloads (the work would only hold this index's rows in memory until the page is idle).
   */
  discard(): void {
    this.discarded = true;
    this.keywordWork.length = 0;
    this.cancelKeywordStep?.();
    this.cancelKeywordStep = undefined;
  }

  /** The keyword index with every deferred step done. */
  private keywordIndex(): BM25Index<R> {
    while (this.keywordWork.length > 0) this.keywordWork.shift()!();
    return this.keywords;
  }

  removeRefDoc(refDocId: string): void {
    for (const row of this.matrix.removeRefDoc(refDocId)) this.docOfNode?.delete(row.nodeId);
    this.keywordStep(() => (this.keywords.removeRefDoc(refDocId), true));
  }

  /** Whether a document has rows in this index. */
  hasRefDoc(refDocId: string): boolean {
    return this.matrix.hasRefDoc(refDocId);
  }

  /** The document that holds node `nodeId`, if any. */
  refDocOfNode(nodeId: string): string | undefined {
    if (!this.docOfNode) {
      const map = new Map<string, string>();
      this.matrix.forEachRow((row) => map.set(row.nodeId, row.refDocId));
      this.docOfNode = map;
    }
    return this.docOfNode.get(nodeId);
  }

  /** Top rows for `query`, highest score first. */
  async search(query: SearchQuery): Promise<{ row: R; score: number }[]> {
    const { mode = 'vector', similarityTopK: k, filters } = query;
    if (mode === 'hybrid') {
      // Each side fetches a deeper list so fusion can promote what only one of them found.
      const { depth, weights } = hybridPlan(k, query.alpha ?? undefined);
      const lists = await Promise.all([this.search({ ...query, mode: 'vector', similarityTopK: depth }), this.search({ ...query, mode: 'keyword', similarityTopK: depth })]);
      const ranked = lists.map((list) => list.map((hit) => ({ key: hit.row.nodeId, item: hit.row, score: hit.score })));
      return fuseResults(ranked, { mode: 'relative_score', weights, k }).map(({ item, score }) => ({ row: item, score }));
    }
    if (mode === 'keyword') {
      return this.keywordIndex().search(query.queryStr ?? '', k, filters && ((metadata) => matchesFilters(metadata, filters)));
    }
    const options = {
      ...(filters && { accept: (row: R) => matchesFilters(row.metadata, filters) }),
      ...(query.exact && { exact: true }),
    };
    const embedding = query.queryEmbedding!;
    let hits: { info: R; score: number }[];
    if (this.readVectors && !this.matrix.floats) {
      // Each re-ranked row costs a read from storage: a shorter list than in memory (10 × k),
      // which the int8 ranking still fills with the true top k (recall 1.0 at 100k in the bench).
      const candidates = this.matrix.shortlist(embedding, k, { ...options, rerank: Math.max(4 * k, 40) });
      hits = rankCandidates(embedding, k, candidates, await this.readVectors(candidates.map((c) => c.info)));
    } else {
      hits = this.matrix.search(embedding, k, options);
    }
    return hits.map(({ info, score }) => ({ row: info, score }));
  }

  /** Calls `visit` on every live row (e.g. to rename storage locations after compaction). */
  forEachRow(visit: (row: R) => void): void {
    this.matrix.forEachRow(visit);
  }
}
