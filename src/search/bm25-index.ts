import type { Metadata } from '../schema/node.js';
import { TopK } from './top-k.js';
import { analyze, termFrequencies } from './english-analyzer.js';
import type { KeywordTerms } from './keyword-codec.js';

/** What the keyword index needs of a row: its document (rows are removed per document) and metadata (for filters). */
export interface KeywordRow {
  refDocId: string;
  metadata: Metadata;
}

export interface BM25Params {
  /** Term-frequency saturation. @default 0.9 (Anserini's BEIR runs) */
  k1?: number;
  /** Length normalisation. @default 0.4 (Anserini's BEIR runs) */
  b?: number;
}

/** A text's analyzed terms and how often each occurs. */
export function analyzeKeywords(text: string): KeywordTerms {
  const freqs = termFrequencies(analyze(text));
  return { terms: [...freqs.keys()], freqs: [...freqs.values()] };
}

/**
 * An in-memory inverted index scored with Lucene's BM25:
 * idf = ln(1 + (N − df + 0.5) / (df + 0.5)), tf part = tf / (tf + k1 · (1 − b + b · dl / avgdl)).
 * Rows are persisted in IndexedDB with the vectors (see IndexedDBVectorStore); this is rebuilt from them.
 *
 * Terms are numbered: a row keeps the ids of its terms, not its analyzed strings, and each term's
 * postings are one array of (row, tf) pairs. A million rows' keyword index then holds each term's
 * string once (row objects of strings held about 140 bytes a row more at 1M, where every row has
 * its own copy of its terms).
 */
export class BM25Index<R extends KeywordRow = KeywordRow> {
  readonly k1: number;
  readonly b: number;
  /** Per row: the row (undefined once removed), its length, and its term ids at rowTerms[termStarts[row] …]. */
  private rows: (R | undefined)[] = [];
  private lengths: number[] = [];
  private termStarts: number[] = [0];
  private rowTerms: number[] = [];
  private readonly termIds = new Map<string, number>();
  /** Per term id: live rows holding it, and (row, tf) pairs in row order. */
  private dfs: number[] = [];
  private postings: number[][] = [];
  private readonly byRefDoc = new Map<string, number[]>();
  private totalLength = 0;
  private live = 0;

  constructor(params: BM25Params = {}) {
    this.k1 = params.k1 ?? 0.9;
    this.b = params.b ?? 0.4;
  }

  get size(): number {
    return this.live;
  }

  /** Adds a row with its analyzed terms (see {@link analyzeKeywords}). */
  add(row: R, keywords: KeywordTerms): void {
    const { terms, freqs } = keywords;
    const doc = this.rows.length;
    let length = 0;
    for (const f of freqs) length += f;
    this.rows.push(row);
    this.lengths.push(length);
    this.totalLength += length;
    this.live++;
    for (let i = 0; i < terms.length; i++) {
      let id = this.termIds.get(terms[i]!);
      if (id === undefined) {
        id = this.dfs.length;
        this.termIds.set(terms[i]!, id);
        this.dfs.push(0);
        this.postings.push([]);
      }
      this.postings[id]!.push(doc, freqs[i]!);
      this.dfs[id]!++;
      this.rowTerms.push(id);
    }
    this.termStarts.push(this.rowTerms.length);
    const list = this.byRefDoc.get(row.refDocId);
    if (list) list.push(doc);
    else this.byRefDoc.set(row.refDocId, [doc]);
  }

  removeRefDoc(refDocId: string): void {
    for (const doc of this.byRefDoc.get(refDocId) ?? []) {
      for (let t = this.termStarts[doc]!; t < this.termStarts[doc + 1]!; t++) this.dfs[this.rowTerms[t]!]!--;
      this.totalLength -= this.lengths[doc]!;
      this.live--;
      this.rows[doc] = undefined;
    }
    this.byRefDoc.delete(refDocId);
    // Postings still list removed rows (skipped at search); squeeze them out once they are a quarter.
    if (this.rows.length > 64 && this.live * 4 < this.rows.length * 3) this.squeeze();
  }

  /** BM25 top-k for a query text (analyzed like the documents; repeated query terms count more, as in Anserini). */
  search(query: string, k: number, accept?: (metadata: Metadata) => boolean): { row: R; score: number }[] {
    if (this.live === 0) return [];
    const scores = new Float64Array(this.rows.length);
    const touched: number[] = [];
    const avgLength = this.totalLength / this.live;
    const n = this.live;
    const { rows, lengths } = this;
    for (const [term, weight] of termFrequencies(analyze(query))) {
      const id = this.termIds.get(term);
      const df = id === undefined ? 0 : this.dfs[id]!;
      if (df === 0) continue;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      const posting = this.postings[id!]!;
      for (let i = 0; i < posting.length; i += 2) {
        const doc = posting[i]!;
        if (!rows[doc]) continue;
        const tf = posting[i + 1]!;
        const norm = tf + this.k1 * (1 - this.b + (this.b * lengths[doc]!) / avgLength);
        if (scores[doc] === 0) touched.push(doc);
        scores[doc]! += weight * idf * (tf / norm);
      }
    }
    const top = new TopK(Math.max(1, k));
    for (const doc of touched) {
      if (accept && !accept(rows[doc]!.metadata)) continue;
      top.push(doc, scores[doc]!);
    }
    return top.sorted().map(({ row, score }) => ({ row: rows[row]!, score }));
  }

  /** Drops removed rows and the terms only they held: the rest are renumbered in order. */
  private squeeze(): void {
    const newRow = new Int32Array(this.rows.length).fill(-1);
    const rows: R[] = [];
    const lengths: number[] = [];
    this.rows.forEach((row, doc) => {
      if (!row) return;
      newRow[doc] = rows.length;
      rows.push(row);
      lengths.push(this.lengths[doc]!);
    });
    const newTerm = new Int32Array(this.dfs.length).fill(-1);
    const dfs: number[] = [];
    const postings: number[][] = [];
    // Map order is id order: ids were given as terms were first seen.
    for (const [term, id] of this.termIds) {
      if (this.dfs[id] === 0) {
        this.termIds.delete(term);
        continue;
      }
      newTerm[id] = dfs.length;
      this.termIds.set(term, dfs.length);
      dfs.push(this.dfs[id]!);
      const posting = this.postings[id]!;
      const kept: number[] = [];
      for (let i = 0; i < posting.length; i += 2) if (newRow[posting[i]!]! >= 0) kept.push(newRow[posting[i]!]!, posting[i + 1]!);
      postings.push(kept);
    }
    const termStarts = [0];
    const rowTerms: number[] = [];
    this.rows.forEach((row, doc) => {
      if (!row) return;
      for (let t = this.termStarts[doc]!; t < this.termStarts[doc + 1]!; t++) rowTerms.push(newTerm[this.rowTerms[t]!]!);
      termStarts.push(rowTerms.length);
    });
    for (const list of this.byRefDoc.values()) for (let i = 0; i < list.length; i++) list[i] = newRow[list[i]!]!;
    this.rows = rows;
    this.lengths = lengths;
    this.termStarts = termStarts;
    this.rowTerms = rowTerms;
    this.dfs = dfs;
    this.postings = postings;
  }
}
