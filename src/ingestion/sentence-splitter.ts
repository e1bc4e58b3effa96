import { InvalidArgumentError, describeValue } from '../errors.js';
import { Document } from '../schema/document.js';
import { MetadataMode, contentWithMetadata } from '../schema/metadata-mode.js';
import { TextNode, type Metadata } from '../schema/node.js';

/** Counts tokens the way the embedding model will (without special tokens). */
export type TokenCounter = (text: string) => number;

export interface SentenceSplitterOptions {
  /** Maximum tokens per chunk, counted with `countTokens`. */
  chunkSize: number;
  /**
   * Tokens shared by consecutive chunks.
   * @default Math.round(chunkSize / 8)
   */
  chunkOverlap?: number;
  /** The embedding model's token counter, e.g. `embedModel.countTokens`. */
  countTokens: TokenCounter;
  /**
   * Separator between paragraphs, the first level of splitting.
   * @default "\n\n"
   */
  paragraphSeparator?: string;
  /**
   * Node ids from the chunk's position in its document (LlamaIndex's `id_func`), e.g. for
   * reproducible builds. Ids must be unique in the index.
   * @default random UUIDs
   */
  idFunc?: (index: number, document: Document) => string;
}

interface Span {
  start: number;
  end: number;
  tokens: number;
}

/** A chunk of text and its offsets in the source. */
export interface TextChunk {
  text: string;
  start: number;
  end: number;
}

// Each level cuts a piece of text into contiguous parts that keep their separators, so offsets
// stay exact: paragraphs, then sentences, then clauses, then words (characters are the last resort).
const SENTENCE_END = /(?<=[.!?。！？]["')\]]*)\s+/gu;
const CLAUSE_END = /(?<=[,;:，；])\s*/gu;

function cutAfter(text: string, pattern: RegExp): string[] {
  const parts: string[] = [];
  let last = 0;
  pattern.lastIndex = 0;
  for (const match of text.matchAll(pattern)) {
    const end = match.index + match[0].length;
    if (end > last && end < text.length) {
      parts.push(text.slice(last, end));
      last = end;
    }
  }
  parts.push(text.slice(last));
  return parts.filter((p) => p.length > 0);
}

function cutWords(text: string): string[] {
  // Whitespace stays attached to the word before it.
  const parts = text.match(/\s*\S+\s*/gu) ?? [text];
  return parts.join('') === text ? parts : [text];
}

/**
 * Splits text into chunks of at most `chunkSize` tokens, preferring to break between paragraphs,
 * then sentences, then clauses, then words, then characters, like LlamaIndex's SentenceSplitter.
 * Nodes keep their start/end offsets in the document and a copy of its metadata.
 *
 * @example
 * const splitter = new SentenceSplitter({ chunkSize: 256, chunkOverlap: 32, countTokens: (t) => embed.countTokens(t) });
 * const nodes = splitter.getNodesFromDocuments([new Document({ text })]);
 */
export class SentenceSplitter {
  readonly chunkSize: number;
  readonly chunkOverlap: number;
  readonly paragraphSeparator: string;
  private readonly idFunc: ((index: number, document: Document) => string) | undefined;
  private readonly countTokens: TokenCounter;
  /** The chunk size for the document being split: chunkSize less what its metadata takes. */
  private limit: number;

  constructor(options: SentenceSplitterOptions) {
    const { chunkSize, countTokens } = options ?? ({} as SentenceSplitterOptions);
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      throw new InvalidArgumentError(`Expected chunkSize to be a positive integer, got ${describeValue(chunkSize)}.`);
    }
    const chunkOverlap = options.chunkOverlap ?? Math.round(chunkSize / 8);
    if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0 || chunkOverlap >= chunkSize) {
      throw new InvalidArgumentError(
        `Expected chunkOverlap to be an integer from 0 to chunkSize - 1 (${chunkSize - 1}), got ${describeValue(chunkOverlap)}.`,
      );
    }
    if (typeof countTokens !== 'function') {
      throw new InvalidArgumentError(`Expected countTokens to be a function (text) => number, got ${describeValue(countTokens)}.`);
    }
    this.chunkSize = chunkSize;
    this.limit = chunkSize;
    this.chunkOverlap = chunkOverlap;
    this.countTokens = countTokens;
    this.paragraphSeparator = options.paragraphSeparator ?? '\n\n';
    this.idFunc = options.idFunc;
  }

  /** Splits a text into chunks with their offsets. */
  splitTextWithOffsets(text: string): TextChunk[] {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError(`Expected text to be a string, got ${describeValue(text)}.`);
    }
    if (text.trim() === '') return [];
    const spans = this.split(text, 0, 0);
    return this.merge(text, spans);
  }

  splitText(text: string): string[] {
    return this.splitTextWithOffsets(text).map((c) => c.text);
  }

  /** One node per chunk; each node gets the document's id as `refDocId` and a copy of its metadata. */
  /**
   * Splits documents into nodes that inherit their metadata and metadata format. As LlamaIndex's
   * metadata-aware splitters, each chunk leaves room for the metadata its content will carry (the
   * longer of what the embedding model and the LLM read), so the whole stays within `chunkSize`.
   */
  getNodesFromDocuments(documents: readonly Document[]): TextNode[] {
    return documents.flatMap((doc) => {
      const pageStarts = pageStartsOf(doc);
      // What a node's metadata will be (a paged document's nodes carry a page_label instead of page_starts).
      const nodeMetadata = pageStarts ? nodePageMetadata(doc.metadata, pageStarts, Infinity) : doc.metadata;
      const overhead = (mode: MetadataMode) => this.countTokens(contentWithMetadata('', nodeMetadata, doc.format, mode));
      const metadataTokens = Math.max(overhead(MetadataMode.EMBED), overhead(MetadataMode.LLM));
      if (metadataTokens >= this.chunkSize) {
        throw new InvalidArgumentError(
          `The metadata of document "${doc.id}" takes ${metadataTokens} tokens, as much as chunkSize (${this.chunkSize}) or more. Use a larger chunkSize, less metadata, or leave keys out with excludedEmbedMetadataKeys / excludedLlmMetadataKeys.`,
        );
      }
      this.limit = this.chunkSize - metadataTokens;
      try {
        return this.splitTextWithOffsets(doc.text).map(
          (chunk, i) =>
            new TextNode({
              ...(this.idFunc && { id: this.idFunc(i, doc) }),
              text: chunk.text,
              refDocId: doc.id,
              metadata: pageStarts ? nodePageMetadata(doc.metadata, pageStarts, chunk.start) : structuredClone(doc.metadata),
              startCharIdx: chunk.start,
              endCharIdx: chunk.end,
              format: doc.format,
            }),
        );
      } finally {
        this.limit = this.chunkSize;
      }
    });
  }

  private levels(): ((text: string) => string[])[] {
    const separator = this.paragraphSeparator;
    const paragraphs = new RegExp(`(?<=${separator.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})\\s*`, 'gu');
    return [(t) => cutAfter(t, paragraphs), (t) => cutAfter(t, SENTENCE_END), (t) => cutAfter(t, CLAUSE_END), cutWords];
  }

  private split(text: string, offset: number, level: number): Span[] {
    const tokens = this.countTokens(text);
    if (tokens <= this.limit) return [{ start: offset, end: offset + text.length, tokens }];
    const levels = this.levels();
    for (let l = level; l < levels.length; l++) {
      const parts = levels[l]!(text);
      if (parts.length > 1) {
        const spans: Span[] = [];
        let at = offset;
        for (const part of parts) {
          spans.push(...this.split(part, at, l + 1));
          at += part.length;
        }
        return spans;
      }
    }
    return this.splitCharacters(text, offset);
  }

  /** Last resort for a single overlong word: whole code points, greedily up to chunkSize tokens. */
  private splitCharacters(text: string, offset: number): Span[] {
    const spans: Span[] = [];
    const chars = Array.from(text);
    let start = 0;
    let piece = '';
    for (const ch of chars) {
      const candidate = piece + ch;
      if (piece !== '' && this.countTokens(candidate) > this.limit) {
        spans.push({ start: offset + start, end: offset + start + piece.length, tokens: this.countTokens(piece) });
        start += piece.length;
        piece = ch;
      } else {
        piece = candidate;
      }
    }
    if (piece !== '') spans.push({ start: offset + start, end: offset + start + piece.length, tokens: this.countTokens(piece) });
    return spans;
  }

  private merge(text: string, spans: Span[], budget = this.limit): TextChunk[] {
    const chunks: TextChunk[] = [];
    let current: Span[] = [];
    let currentTokens = 0;
    const emit = () => {
      if (current.length === 0) return;
      const chunk = this.trimmed(text, current[0]!.start, current.at(-1)!.end);
      if (!chunk) return;
      if (this.countTokens(chunk.text) <= this.limit || current.length === 1) {
        chunks.push(chunk);
      } else {
        // Tokens are not always additive across split points (BPE merges); re-merge this chunk tighter.
        chunks.push(...this.merge(text, current, budget - 1 - Math.floor((this.countTokens(chunk.text) - this.limit) / 2)));
      }
    };
    for (const span of spans) {
      if (current.length > 0 && currentTokens + span.tokens > budget) {
        emit();
        const overlap = this.overlapBefore(text, current[0]!.start, current.at(-1)!.end);
        current = overlap && overlap.tokens + span.tokens <= budget ? [overlap] : [];
        currentTokens = current[0]?.tokens ?? 0;
      }
      current.push(span);
      currentTokens += span.tokens;
    }
    emit();
    return chunks;
  }

  /**
   * The longest tail of text[start, end) that starts at a word and fits in chunkOverlap tokens:
   * overlap is measured in words, not whole sentences, so it exists even when sentences are long.
   */
  private overlapBefore(text: string, start: number, end: number): Span | undefined {
    if (this.chunkOverlap === 0) return undefined;
    const slice = text.slice(start, end);
    let best: Span | undefined;
    for (let i = slice.length - 1; i > 0; i--) {
      if (!/\s/u.test(slice[i - 1]!) || /\s/u.test(slice[i]!)) continue;
      const tokens = this.countTokens(slice.slice(i));
      if (tokens > this.chunkOverlap) break;
      best = { start: start + i, end, tokens };
    }
    return best;
  }

  private trimmed(text: string, start: number, end: number): TextChunk | undefined {
    const slice = text.slice(start, end);
    const leading = slice.length - slice.trimStart().length;
    const trailing = slice.length - slice.trimEnd().length;
    if (leading === slice.length) return undefined;
    return { text: slice.slice(leading, slice.length - trailing), start: start + leading, end: end - trailing };
  }
}

/** `page_starts` (offsets where each page begins, as `documentFromPdf` writes) when the document has them. */
function pageStartsOf(doc: Document): number[] | undefined {
  const starts = doc.metadata.page_starts;
  return Array.isArray(starts) && starts.every((s) => typeof s === 'number') ? (starts as number[]) : undefined;
}

/** A node of a paged document says which page it starts on (LlamaIndex's `page_label`), not where every page starts. */
function nodePageMetadata(metadata: Metadata, pageStarts: number[], start: number): Metadata {
  const { page_starts: _, ...rest } = metadata;
  let page = 0;
  while (page + 1 < pageStarts.length && pageStarts[page + 1]! <= start) page++;
  return { ...structuredClone(rest), page_label: String(page + 1) };
}
