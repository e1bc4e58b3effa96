import { InvalidStateError } from '../errors.js';
import type { Int8Index } from './int8-index.js';
import { TopK } from './top-k.js';
import { inverseNormOf, type VectorCodes } from './vector-codes.js';

/** What the matrix needs of a row: the document it belongs to (rows are removed per document). */
export interface MatrixRow {
  refDocId: string;
}

export interface SearchOptions<R> {
  /** Only rows whose info passes. */
  accept?: (info: R) => boolean;
  /** Skip the int8 first pass and scan float32 only. @default false */
  exact?: boolean;
  /** Shortlist size re-ranked in float32 after the int8 pass. @default max(10 × k, 100) */
  rerank?: number;
  /** The 1-bit first pass; false scans every int8 code instead (the two-stage search before it: the benchmark's same-run baseline). @default true */
  bits?: boolean;
}

/** Below this many rows the exact scan is as fast as the staged search. */
const TWO_STAGE_MIN_ROWS = 2048;
/**
 * How wide the 1-bit stage's shortlist is: this many candidates per row the int8 stage keeps, and
 * at least one row in BITS_ROWS_PER_CANDIDATE. At 1M clustered rows of 384 dimensions, 4,000
 * candidates keep recall@10 at 1.0 (2,000 gave 0.93).
 */
const BITS_CANDIDATES_PER_RERANKED = 20;
const BITS_ROWS_PER_CANDIDATE = 250;
/** Rows given their int8 codes per slice of a catch-up (about 10 ms at 384 dimensions). */
const CATCH_UP_ROWS = 4096;

/** A row of a shortlist, with what re-ranking it needs besides its float32 vector. */
export interface Candidate<R> {
  info: R;
  inverseNorm: number;
}

/**
 * All vectors of an index in one contiguous Float32Array (row-major), so a query is one linear
 * scan. With an {@link Int8Index}, large matrices are searched in stages: Hamming distances of
 * 1-bit codes pick a wide shortlist, SIMD int8 dot products a narrow one (with filters: int8 over
 * every row), and float32 cosine re-ranks it. Deleted rows are tombstoned and
 * squeezed out once they are a quarter of the matrix.
 *
 * A matrix made with `floats: false` holds only the codes ({@link appendCodes}): {@link shortlist}
 * gives the rows to re-rank and the caller brings their float32 vectors ({@link rankCandidates}),
 * e.g. from IndexedDB. A million rows of 384 dimensions then take about 440 MB instead of 1.9 GB.
 */
export class VectorMatrix<R extends MatrixRow = MatrixRow> {
  private data: Float32Array;
  private inverseNorms: Float32Array;
  private rows: (R | undefined)[] = [];
  /**
   * The rows of each document: made when a document is first removed, not as rows arrive (a
   * million rows open about 70 ms sooner), then kept up to date.
   */
  private rowsOfDoc: Map<string, number[]> | undefined;
  private deleted = 0;
  private holdsFloats: boolean;
  /** Changes with every append and removal: what a background load checks before it attaches. */
  private changes = 0;

  private approx = new Float32Array(0);
  private int8: Int8Index | undefined;
  private makeInt8: (() => Int8Index | undefined) | undefined;
  /** Rows [0, int8Rows) have their current int8 codes; the staged search waits for all. */
  private int8Rows = 0;
  private catchUp: Promise<void> | undefined;

  constructor(
    readonly dimensions: number,
    initialCapacity = 1024,
    /**
     * The int8 first pass: an index, or a function that makes one when the matrix first reaches
     * the size where the stages pay (so small stores hold no WebAssembly memory at all).
     */
    int8: Int8Index | (() => Int8Index | undefined) | undefined = undefined,
    /** Whether the float32 rows are held; without them the int8 index must exist. @default true */
    floats = true,
  ) {
    this.holdsFloats = floats;
    this.data = new Float32Array(floats ? initialCapacity * dimensions : 0);
    this.inverseNorms = new Float32Array(initialCapacity);
    this.int8 = typeof int8 === 'function' ? (floats ? undefined : int8()) : int8;
    if (typeof int8 === 'function' && floats) this.makeInt8 = int8;
    if (!floats && !this.int8) throw new InvalidStateError('A matrix without float32 rows needs the int8 index (WebAssembly SIMD), which this browser lacks.');
    this.int8?.reserve(initialCapacity);
  }

  /** Whether the float32 rows are held (else only codes: see {@link shortlist}). */
  get floats(): boolean {
    return this.holdsFloats;
  }

  /** A count of appends and removals so far. */
  get version(): number {
    return this.changes;
  }

  /** The live rows, in row order. */
  liveInfos(): R[] {
    return this.rows.filter((info): info is R => info !== undefined);
  }

  /**
   * Gives a codes-only matrix its float32 rows: `vectors` holds those of {@link liveInfos}, back to
   * back, read while {@link version} stayed the same. Searches then need no reads.
   */
  attachFloats(vectors: Float32Array): void {
    const dims = this.dimensions;
    const data = new Float32Array(this.inverseNorms.length * dims);
    let live = 0;
    this.rows.forEach((info, row) => {
      if (info) data.set(vectors.subarray(live * dims, ++live * dims), row * dims);
    });
    this.data = data;
    this.holdsFloats = true;
  }

  /** Whether searches can use the int8 first pass. */
  get hasInt8(): boolean {
    return this.int8 !== undefined || this.makeInt8 !== undefined;
  }

  /**
   * Runs a step on the int8 index. WebAssembly memory is finite (each memory reserves address
   * space; a page with very many indexes, or a huge one, can run out): then searches go on in
   * float32 alone, exact and slower, instead of failing.
   */
  private withInt8(step: (int8: Int8Index) => void): void {
    if (!this.int8) return;
    try {
      step(this.int8);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      if (!this.floats) {
        throw new InvalidStateError(
          `WebAssembly memory ran out holding the codes of ${this.rows.length} rows (${error.message}). Close other indexes in this page, or open this one with more rows kept as float32 in memory.`,
          { cause: error },
        );
      }
      this.int8 = undefined;
      this.makeInt8 = undefined;
    }
  }

  /**
   * Makes the lazy int8 index once the matrix is large enough. The rows so far get their codes in
   * the background, a slice per task: quantizing 100k × 384 takes about 300 ms, which an index
   * opening would otherwise spend before its first query (searched exactly meanwhile).
   */
  private int8WhenDue(): void {
    if (this.int8 || !this.makeInt8 || this.rows.length < TWO_STAGE_MIN_ROWS) return;
    try {
      this.int8 = this.makeInt8();
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
    this.makeInt8 = undefined;
    this.int8Rows = 0;
    this.withInt8((int8) => int8.reserve(this.inverseNorms.length));
    this.scheduleCatchUp();
  }

  private scheduleCatchUp(): void {
    if (!this.int8 || this.catchUp || this.int8Rows >= this.rows.length) return;
    this.catchUp = (async () => {
      while (this.int8 && this.int8Rows < this.rows.length) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        const from = this.int8Rows;
        const to = Math.min(this.rows.length, from + CATCH_UP_ROWS);
        this.withInt8((int8) => {
          int8.reserve(to);
          for (let row = from; row < to; row++) int8.set(row, this.data, row * this.dimensions);
        });
        // A squeeze during the slice restarted the count: keep the lower one.
        if (this.int8Rows === from) this.int8Rows = to;
      }
    })().finally(() => (this.catchUp = undefined));
  }

  /** Resolves once every row has its int8 code, so searches take their stages (benchmarks, tests). */
  async whenInt8Ready(): Promise<void> {
    while (this.catchUp) await this.catchUp;
  }

  /** Live rows. */
  get size(): number {
    return this.rows.length - this.deleted;
  }

  /** Appends rows; `vectors` holds `infos.length` rows back to back, `codes` their codes if already made. */
  append(infos: readonly R[], vectors: Float32Array, codes?: VectorCodes): void {
    if (!this.floats) throw new InvalidStateError('This matrix holds codes only: use appendCodes.');
    this.changes++;
    const dims = this.dimensions;
    this.reserve(this.rows.length + infos.length);
    const base = this.rows.length;
    this.data.set(vectors.subarray(0, infos.length * dims), base * dims);
    for (let i = 0; i < infos.length; i++) {
      const row = base + i;
      this.inverseNorms[row] = codes ? codes.inverseNorms[i]! : inverseNormOf(this.data, row * dims, dims);
      this.pushRow(infos[i]!, row);
    }
    // With the codes at hand, a first write large enough for the stages makes its int8 index now
    // and gives it these codes: its queries take the stages at once, and no row is quantized again.
    if (codes) this.int8WhenDue();
    if (this.int8 && this.int8Rows === base) {
      // Caught up: the new rows' codes now, as one step (growing wasm memory is what may fail).
      this.withInt8((int8) => {
        if (codes) int8.setCodes(base, codes, infos.length);
        else for (let row = base; row < this.rows.length; row++) int8.set(row, this.data, row * dims);
      });
      this.int8Rows = this.rows.length;
    } else {
      this.scheduleCatchUp();
    }
    this.int8WhenDue();
  }

  /** Appends rows given as their codes (a matrix made with `floats: false`). */
  appendCodes(infos: readonly R[], codes: VectorCodes): void {
    if (this.floats) throw new InvalidStateError('appendCodes is for a matrix made without float32 rows; use append.');
    this.changes++;
    this.reserve(this.rows.length + infos.length);
    const base = this.rows.length;
    this.withInt8((int8) => int8.setCodes(base, codes, infos.length));
    this.inverseNorms.set(codes.inverseNorms.subarray(0, infos.length), base);
    infos.forEach((info, i) => this.pushRow(info, base + i));
    this.int8Rows = this.rows.length;
  }

  private pushRow(info: R, row: number): void {
    this.rows.push(info);
    if (this.rowsOfDoc) addRow(this.rowsOfDoc, info.refDocId, row);
  }

  private rowsByRefDoc(): Map<string, number[]> {
    if (!this.rowsOfDoc) {
      this.rowsOfDoc = new Map();
      this.rows.forEach((info, row) => info && addRow(this.rowsOfDoc!, info.refDocId, row));
    }
    return this.rowsOfDoc;
  }

  /** Whether a document has rows here. */
  hasRefDoc(refDocId: string): boolean {
    return this.rowsByRefDoc().has(refDocId);
  }

  /** Removes every row of a document; returns them. */
  removeRefDoc(refDocId: string): R[] {
    this.changes++;
    const removed: R[] = [];
    const byDoc = this.rowsByRefDoc();
    for (const row of byDoc.get(refDocId) ?? []) {
      removed.push(this.rows[row]!);
      this.rows[row] = undefined;
      this.inverseNorms[row] = 0;
      this.deleted++;
    }
    byDoc.delete(refDocId);
    if (this.deleted > 0 && this.deleted * 4 > this.rows.length) this.squeeze();
    return removed;
  }

  /** Calls `visit` on every live row. */
  forEachRow(visit: (row: R) => void): void {
    for (const info of this.rows) if (info) visit(info);
  }

  /** Cosine top-k, highest first (a matrix that holds its float32 rows). */
  search(query: Float32Array, k: number, options: SearchOptions<R> = {}): { info: R; score: number }[] {
    if (!this.floats) throw new InvalidStateError('This matrix holds codes only: use shortlist, then rankCandidates with the float32 rows.');
    if (this.size === 0) return [];
    const qInverse = inverseNormOf(query, 0, this.dimensions);
    const top = new TopK(Math.max(1, Math.min(k, this.size)));
    for (const row of this.candidateRows(query, k, options)) top.push(row, this.dot(query, row) * this.inverseNorms[row]! * qInverse);
    return top.sorted().map(({ row, score }) => ({ info: this.rows[row]!, score }));
  }

  /**
   * The rows a query re-ranks in float32, best first by their codes: the staged shortlist, or every
   * live row (that `accept` passes) when `exact` or when the matrix is too small for stages.
   * Read them at once: a later write may move rows.
   */
  shortlist(query: Float32Array, k: number, options: SearchOptions<R> = {}): Candidate<R>[] {
    if (this.size === 0) return [];
    return this.candidateRows(query, k, options).map((row) => ({ info: this.rows[row]!, inverseNorm: this.inverseNorms[row]! }));
  }

  private candidateRows(query: Float32Array, k: number, options: SearchOptions<R>): number[] {
    const count = this.rows.length;
    const { accept } = options;
    const want = Math.max(1, Math.min(k, this.size));
    // Without float32 rows the codes are all there is to shortlist by, at any size.
    if (!this.int8 || this.int8Rows !== count || options.exact || (this.floats && count < TWO_STAGE_MIN_ROWS)) return [...this.liveRows(accept)];
    const usual = Math.max(10 * k, 100);
    const rerank = Math.max(options.rerank ?? usual, want);
    const shortlist = new TopK(rerank);
    const norms = this.inverseNorms;
    if (!accept && options.bits !== false && this.int8.bitBytes > 0 && count >= TWO_STAGE_MIN_ROWS) {
      // Three stages: Hamming distances of 1-bit codes keep the closest `wide` rows (an eighth
      // of the int8 scan's memory traffic), int8 dot products keep `rerank` of those.
      // As wide for a shorter `rerank` as for the usual one: the int8 stage needs the rows to choose from.
      const wide = this.closestByBits(query, Math.max(BITS_CANDIDATES_PER_RERANKED * Math.max(rerank, usual), Math.ceil(count / BITS_ROWS_PER_CANDIDATE)));
      if (this.approx.length < wide.length) this.approx = new Float32Array(wide.length);
      const approx = this.approx;
      this.int8.dotsOf(query, wide, approx);
      for (let i = 0; i < wide.length; i++) shortlist.push(wide[i]!, approx[i]! * norms[wide[i]!]!);
    } else {
      if (this.approx.length < count) this.approx = new Float32Array(this.inverseNorms.length);
      const approx = this.approx;
      this.int8.dots(query, count, approx);
      for (let row = 0; row < count; row++) {
        const score = approx[row]! * norms[row]!;
        if (score <= shortlist.threshold) continue;
        const info = this.rows[row];
        if (!info || (accept && !accept(info))) continue;
        shortlist.push(row, score);
      }
    }
    return shortlist.sorted().map((c) => c.row);
  }

  /** The live rows whose 1-bit codes are closest to the query's, about `wide` of them (see Int8Index.closestByBits). */
  private closestByBits(query: Float32Array, wide: number): Uint32Array {
    const rows = this.int8!.closestByBits(query, this.rows.length, wide);
    // Deleted rows are counted among the closest but not kept.
    return this.deleted === 0 ? rows : rows.filter((row) => this.rows[row] !== undefined);
  }

  private *liveRows(accept: ((info: R) => boolean) | undefined): Generator<number> {
    for (let row = 0; row < this.rows.length; row++) {
      const info = this.rows[row];
      if (info && (!accept || accept(info))) yield row;
    }
  }

  private dot(query: Float32Array, row: number): number {
    const data = this.data;
    const dims = this.dimensions;
    const offset = row * dims;
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += query[d]! * data[offset + d]!;
    return dot;
  }

  private reserve(rows: number): void {
    const capacity = this.inverseNorms.length;
    if (rows <= capacity) return;
    const next = Math.max(rows, capacity * 2);
    if (this.floats) {
      const data = new Float32Array(next * this.dimensions);
      data.set(this.data);
      this.data = data;
    }
    const norms = new Float32Array(next);
    norms.set(this.inverseNorms);
    this.inverseNorms = norms;
  }

  private squeeze(): void {
    const dims = this.dimensions;
    // Codes move with their rows only when all are current; else the catch-up starts over.
    const coded = this.int8Rows === this.rows.length;
    let write = 0;
    this.rowsOfDoc = undefined;
    for (let read = 0; read < this.rows.length; read++) {
      const info = this.rows[read];
      if (!info) continue;
      if (write !== read) {
        if (this.floats) this.data.copyWithin(write * dims, read * dims, (read + 1) * dims);
        // Moving within memory already held cannot fail.
        if (coded) this.int8?.move(read, write);
        this.inverseNorms[write] = this.inverseNorms[read]!;
        this.rows[write] = info;
      }
      write++;
    }
    this.rows.length = write;
    this.deleted = 0;
    this.int8Rows = coded ? write : 0;
    this.scheduleCatchUp();
  }
}

function addRow(rowsOfDoc: Map<string, number[]>, refDocId: string, row: number): void {
  const list = rowsOfDoc.get(refDocId);
  if (list) list.push(row);
  else rowsOfDoc.set(refDocId, [row]);
}

/**
 * Cosine top-k of shortlisted rows whose float32 vectors the caller read: `vectors` holds them
 * back to back in the shortlist's order, NaN where a row is gone (skipped).
 */
export function rankCandidates<R>(query: Float32Array, k: number, candidates: readonly Candidate<R>[], vectors: Float32Array): { info: R; score: number }[] {
  const dims = query.length;
  const qInverse = inverseNormOf(query, 0, dims);
  const top = new TopK(Math.max(1, Math.min(k, candidates.length)));
  candidates.forEach((candidate, i) => {
    const offset = i * dims;
    if (Number.isNaN(vectors[offset])) return;
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += query[d]! * vectors[offset + d]!;
    top.push(i, dot * candidate.inverseNorm * qInverse);
  });
  return top.sorted().map(({ row, score }) => ({ info: candidates[row]!.info, score }));
}
