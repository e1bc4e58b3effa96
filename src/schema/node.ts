import { InvalidArgumentError, describeValue } from '../errors.js';
import { checkMetadata } from './metadata.js';
import { MetadataMode, checkNodeFormat, contentWithMetadata, metadataString, type NodeFormat } from './metadata-mode.js';

/** Metadata values are JSON-like so they survive IndexedDB and worker boundaries. */
export type MetadataValue = string | number | boolean | null | MetadataValue[] | { [key: string]: MetadataValue };
export type Metadata = Record<string, MetadataValue>;

/**
 * A chunk of a document: the unit that is embedded, stored and retrieved.
 *
 * @example
 * const node = new TextNode({ text: 'Chunk text', refDocId: 'doc-1', metadata: { file: 'a.md' } });
 */
export class TextNode {
  readonly id: string;
  readonly text: string;
  readonly metadata: Metadata;
  /** The id of the {@link Document} this node was split from. */
  readonly refDocId: string | undefined;
  /** Offset of the first character of `text` in the source document. */
  readonly startCharIdx: number | undefined;
  /** Offset after the last character of `text` in the source document. */
  readonly endCharIdx: number | undefined;
  /** How the metadata is rendered into {@link getContent} (only what differs from LlamaIndex's defaults). */
  readonly format: NodeFormat;

  constructor(
    init: {
      id?: string;
      text: string;
      metadata?: Metadata;
      refDocId?: string;
      startCharIdx?: number;
      endCharIdx?: number;
      /** The format fields as one object (how stored and sent nodes carry them). */
      format?: NodeFormat;
    } & NodeFormat,
  ) {
    if (typeof init?.text !== 'string') throw new InvalidArgumentError(`Expected the node's text to be a string, got ${describeValue(init?.text)}.`);
    if (init.id !== undefined && (typeof init.id !== 'string' || init.id === '')) {
      throw new InvalidArgumentError(`Expected the node's id to be a non-empty string, got ${describeValue(init.id)}.`);
    }
    if (init.refDocId !== undefined && typeof init.refDocId !== 'string') {
      throw new InvalidArgumentError(`Expected the node's refDocId to be a string, got ${describeValue(init.refDocId)}.`);
    }
    checkOffset('startCharIdx', init.startCharIdx);
    checkOffset('endCharIdx', init.endCharIdx);
    this.id = init.id ?? crypto.randomUUID();
    this.text = init.text;
    // Most nodes have no metadata of their own, or share their document's (checked once).
    this.metadata = init.metadata === undefined ? {} : checkMetadata(init.metadata, this.id);
    this.refDocId = init.refDocId;
    this.startCharIdx = init.startCharIdx;
    this.endCharIdx = init.endCharIdx;
    const { excludedEmbedMetadataKeys, excludedLlmMetadataKeys, metadataTemplate, metadataSeparator, textTemplate } = init;
    this.format = checkNodeFormat({ ...init.format, ...definedOnly({ excludedEmbedMetadataKeys, excludedLlmMetadataKeys, metadataTemplate, metadataSeparator, textTemplate }) }, `node "${this.id}"`);
  }

  /** Metadata keys left out of what is embedded (LlamaIndex's `excluded_embed_metadata_keys`). */
  get excludedEmbedMetadataKeys(): string[] {
    return this.format.excludedEmbedMetadataKeys ?? [];
  }
  /** Metadata keys left out of what the LLM reads (LlamaIndex's `excluded_llm_metadata_keys`). */
  get excludedLlmMetadataKeys(): string[] {
    return this.format.excludedLlmMetadataKeys ?? [];
  }

  /**
   * The text, after the metadata that `mode` lets through, as LlamaIndex's `get_content`:
   * `EMBED` is what the embedding model reads, `LLM` what a prompt holds.
   * @example
   * node.getContent(MetadataMode.LLM); // "fileName: guide.md\n\nChunk text"
   */
  getContent(mode: MetadataMode = MetadataMode.NONE): string {
    return contentWithMetadata(this.text, this.metadata, this.format, mode);
  }

  /** The metadata entries `mode` lets through, rendered with `metadataTemplate` and joined by `metadataSeparator`. */
  getMetadataStr(mode: MetadataMode = MetadataMode.ALL): string {
    return metadataString(this.metadata, this.format, mode);
  }
}

function checkOffset(key: string, offset: number | undefined): void {
  if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0)) throw new InvalidArgumentError(`Expected the node's ${key} to be an integer >= 0, got ${describeValue(offset)}.`);
}

/** A retrieved node and its similarity to the query (cosine for vector search, higher is better). */
export interface NodeWithScore<N extends TextNode = TextNode> {
  node: N;
  score: number;
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
