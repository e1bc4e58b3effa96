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

interface DocEntry<R> {
  row: R;
  keywords: KeywordTerms;
  length: number;
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
 */
export class BM25Index<R extends KeywordRow = KeywordRow> {
  readonly k1: number;
  readonly b: number;
  private docs: (DocEntry<R> | undefined)[] = [];
  private readonly postings = new Map<string, { docs: number[]; tfs: number[]; df: number }>();
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
    const doc = this.docs.length;
    let length = 0;
    for (const f of freqs) length += f;
    this.docs.push({ row, keywords, length });
    this.totalLength += length;
    this.live++;
    for (let i = 0; i < terms.length; i++) {
      let posting = this.postings.get(terms[i]!);
      if (!posting) this.postings.set(terms[i]!, (posting = { docs: [], tfs: [], df: 0 }));
      posting.docs.push(doc);
      posting.tfs.push(freqs[i]!);
      posting.df++;
    }
    const list = this.byRefDoc.get(row.refDocId);
    if (list) list.push(doc);
    else this.byRefDoc.set(row.refDocId, [doc]);
  }

  removeRefDoc(refDocId: string): void {
    for (const doc of this.byRefDoc.get(refDocId) ?? []) {
      const entry = this.docs[doc]!;
      for (const term of entry.keywords.terms) this.postings.get(term)!.df--;
      this.totalLength -= entry.length;
      this.live--;
      this.docs[doc] = undefined;
    }
    this.byRefDoc.delete(refDocId);
    // Postings still list removed docs (skipped at search); rebuild once they are a quarter.
    if (this.docs.length > 64 && this.live * 4 < this.docs.length * 3) this.rebuild();
  }

  /** BM25 top-k for a query text (analyzed like the documents; repeated query terms count more, as in Anserini). */
  search(query: string, k: number, accept?: (metadata: Metadata) => boolean): { row: R; score: number }[] {
    if (this.live === 0) return [];
    const scores = new Float64Array(this.docs.length);
    const touched: number[] = [];
    const avgLength = this.totalLength / this.live;
    const n = this.live;
    for (const [term, weight] of termFrequencies(analyze(query))) {
      const posting = this.postings.get(term);
      if (!posting || posting.df === 0) continue;
      const idf = Math.log(1 + (n - posting.df + 0.5) / (posting.df + 0.5));
      for (let i = 0; i < posting.docs.length; i++) {
        const doc = posting.docs[i]!;
        const entry = this.docs[doc];
        if (!entry) continue;
        const tf = posting.tfs[i]!;
        const norm = tf + this.k1 * (1 - this.b + (this.b * entry.length) / avgLength);
        if (scores[doc] === 0) touched.push(doc);
        scores[doc]! += weight * idf * (tf / norm);
      }
    }
    const top = new TopK(Math.max(1, k));
    for (const doc of touched) {
      if (accept && !accept(this.docs[doc]!.row.metadata)) continue;
      top.push(doc, scores[doc]!);
    }
    return top.sorted().map(({ row, score }) => ({ row: this.docs[row]!.row, score }));
  }

  private rebuild(): void {
    const entries = this.docs.filter((d): d is DocEntry<R> => d !== undefined);
    this.docs = [];
    this.postings.clear();
    this.byRefDoc.clear();
    this.totalLength = 0;
    this.live = 0;
    for (const { row, keywords } of entries) this.add(row, keywords);
  }
}
