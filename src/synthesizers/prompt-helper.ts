import { InvalidArgumentError } from '../errors.js';
import { SentenceSplitter } from '../ingestion/sentence-splitter.js';
import type { PromptTemplate } from '../prompts/prompt-template.js';

export interface PromptHelperOptions {
  contextWindow: number;
  numOutput: number;
  /** The LLM's token counter. */
  countTokens: (text: string) => number;
  /**
   * Overlap between repacked chunks, as a share of their size.
   * @default 0.1
   */
  chunkOverlapRatio?: number;
  /**
   * Between texts joined into one context.
   * @default "\n\n"
   */
  separator?: string;
}

/**
 * Fits retrieved text into the LLM's context window, counting tokens with the LLM's tokenizer:
 * room = contextWindow − prompt template − numOutput. `repack` merges chunks into as few prompts
 * as fit (compact); `truncate` cuts each chunk to its share (simple_summarize).
 */
export class PromptHelper {
  readonly contextWindow: number;
  readonly numOutput: number;
  readonly chunkOverlapRatio: number;
  readonly separator: string;
  private readonly countTokens: (text: string) => number;

  constructor(options: PromptHelperOptions) {
    this.contextWindow = options.contextWindow;
    this.numOutput = options.numOutput;
    this.countTokens = options.countTokens;
    this.chunkOverlapRatio = options.chunkOverlapRatio ?? 0.1;
    this.separator = options.separator ?? '\n\n';
  }

  /** Tokens left for context in one prompt built from `template` (other variables already filled in). */
  availableTokens(template: PromptTemplate, numChunks = 1): number {
    const empty = template.format(Object.fromEntries(template.freeVars.map((v) => [v, ''])));
    const room = this.contextWindow - this.countTokens(empty) - this.numOutput;
    const perChunk = Math.floor(room / numChunks) - this.countTokens(this.separator);
    if (perChunk < 1) {
      throw new InvalidArgumentError(
        `The prompt does not fit the LLM: contextWindow ${this.contextWindow} minus numOutput ${this.numOutput} minus the ${this.countTokens(empty)}-token prompt leaves ${room} tokens for ${numChunks} chunk(s). Use a shorter prompt, a smaller numOutput or a model with a larger context window.`,
      );
    }
    return perChunk;
  }

  /** Joins the texts and re-splits them into as few pieces as fit one prompt each. */
  repack(template: PromptTemplate, texts: readonly string[]): string[] {
    const chunkSize = this.availableTokens(template);
    const joined = texts.filter((t) => t.trim() !== '').join(this.separator);
    if (joined === '') return [];
    const chunkOverlap = Math.min(Math.floor(chunkSize * this.chunkOverlapRatio), chunkSize - 1);
    return new SentenceSplitter({ chunkSize, chunkOverlap, countTokens: this.countTokens }).splitText(joined);
  }

  /** Cuts every text to an equal share of one prompt. */
  truncate(template: PromptTemplate, texts: readonly string[]): string[] {
    if (texts.length === 0) return [];
    const share = this.availableTokens(template, texts.length);
    return texts.map((text) => this.truncateText(text, share));
  }

  private truncateText(text: string, maxTokens: number): string {
    if (this.countTokens(text) <= maxTokens) return text;
    let low = 0;
    let high = text.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.countTokens(text.slice(0, mid)) <= maxTokens) low = mid;
      else high = mid - 1;
    }
    return text.slice(0, low);
  }
}
