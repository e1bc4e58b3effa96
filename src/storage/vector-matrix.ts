import type { Metadata } from '../schema/node.js';
import { TopK } from './top-k.js';

/** One stored row's identity: which node, document and storage segment it belongs to. */
export interface RowInfo {
  nodeId: string;
  refDocId: string;
  metadata: Metadata;
  segment: number;
}

/**
 * All vectors of an index in one contiguous Float32Array (row-major), so a query is one linear
 * scan. Deleted rows are tombstoned and squeezed out once they are a quarter of the matrix.
 */
export class VectorMatrix {
  private data: Float32Array;
  private inverseNorms: Float32Array;
  private rows: (RowInfo | undefined)[] = [];
  private readonly rowsByRefDoc = new Map<string, number[]>();
  private deleted = 0;

  constructor(readonly dimensions: number, initialCapacity = 1024) {
    this.data = new Float32Array(initialCapacity * dimensions);
    this.inverseNorms = new Float32Array(initialCapacity);
  }

  /** Live rows. */
  get size(): number {
    return this.rows.length - this.deleted;
  }

  /** Appends rows; `vectors` holds `infos.length` rows back to back. */
  append(infos: readonly RowInfo[], vectors: Float32Array): void {
    const dims = this.dimensions;
    this.reserve(this.rows.length + infos.length);
    const base = this.rows.length;
    this.data.set(vectors.subarray(0, infos.length * dims), base * dims);
    for (let i = 0; i < infos.length; i++) {
      const row = base + i;
      let norm = 0;
      for (let d = row * dims, end = d + dims; d < end; d++) norm += this.data[d]! * this.data[d]!;
      this.inverseNorms[row] = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      const info = infos[i]!;
      this.rows.push(info);
      const list = this.rowsByRefDoc.get(info.refDocId);
      if (list) list.push(row);
      else this.rowsByRefDoc.set(info.refDocId, [row]);
    }
  }

  /** Removes every row of a document; returns the segments they were stored in. */
  removeRefDoc(refDocId: string): Set<number> {
    const segments = new Set<number>();
    for (const row of this.rowsByRefDoc.get(refDocId) ?? []) {
      segments.add(this.rows[row]!.segment);
      this.rows[row] = undefined;
      this.inverseNorms[row] = 0;
      this.deleted++;
    }
    this.rowsByRefDoc.delete(refDocId);
    if (this.deleted > 0 && this.deleted * 4 > this.rows.length) this.squeeze();
    return segments;
  }

  segmentsOf(refDocId: string): Set<number> {
    return new Set((this.rowsByRefDoc.get(refDocId) ?? []).map((row) => this.rows[row]!.segment));
  }

  /** Renames segments after storage compaction merged them. */
  moveSegments(from: ReadonlySet<number>, to: number): void {
    for (const info of this.rows) if (info && from.has(info.segment)) info.segment = to;
  }

  /** Exact cosine top-k, optionally only over rows whose info passes `accept`. */
  search(query: Float32Array, k: number, accept?: (info: RowInfo) => boolean): { info: RowInfo; score: number }[] {
    const dims = this.dimensions;
    let qNorm = 0;
    for (let d = 0; d < dims; d++) qNorm += query[d]! * query[d]!;
    const qInverse = qNorm > 0 ? 1 / Math.sqrt(qNorm) : 0;
    const top = new TopK(Math.max(1, Math.min(k, this.size)));
    const data = this.data;
    const count = this.rows.length;
    for (let row = 0; row < count; row++) {
      const info = this.rows[row];
      if (!info || (accept && !accept(info))) continue;
      let dot = 0;
      const offset = row * dims;
      for (let d = 0; d < dims; d++) dot += query[d]! * data[offset + d]!;
      top.push(row, dot * this.inverseNorms[row]! * qInverse);
    }
    if (this.size === 0) return [];
    return top.sorted().map(({ row, score }) => ({ info: this.rows[row]!, score }));
  }

  /** A copy of one document's vectors, for verification and export. */
  rowsOf(refDocId: string): { info: RowInfo; vector: Float32Array }[] {
    return (this.rowsByRefDoc.get(refDocId) ?? []).map((row) => ({
      info: this.rows[row]!,
      vector: this.data.slice(row * this.dimensions, (row + 1) * this.dimensions),
    }));
  }

  refDocIds(): IterableIterator<string> {
    return this.rowsByRefDoc.keys();
  }

  private reserve(rows: number): void {
    const capacity = this.inverseNorms.length;
    if (rows <= capacity) return;
    const next = Math.max(rows, capacity * 2);
    const data = new Float32Array(next * this.dimensions);
    data.set(this.data);
    const norms = new Float32Array(next);
    norms.set(this.inverseNorms);
    this.data = data;
    this.inverseNorms = norms;
  }

  private squeeze(): void {
    const dims = this.dimensions;
    let write = 0;
    this.rowsByRefDoc.clear();
    for (let read = 0; read < this.rows.length; read++) {
      const info = this.rows[read];
      if (!info) continue;
      if (write !== read) {
        this.data.copyWithin(write * dims, read * dims, (read + 1) * dims);
        this.inverseNorms[write] = this.inverseNorms[read]!;
        this.rows[write] = info;
      }
      const list = this.rowsByRefDoc.get(info.refDocId);
      if (list) list.push(write);
      else this.rowsByRefDoc.set(info.refDocId, [write]);
      write++;
    }
    this.rows.length = write;
    this.deleted = 0;
  }
}
