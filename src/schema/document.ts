import { InvalidArgumentError, describeValue } from '../errors.js';
import { TextNode, type Metadata } from './node.js';
import type { NodeFormat } from './metadata-mode.js';

/**
 * A source text to index. Its `id` is the `refDocId` of every node split from it, and is how
 * `deleteRefDoc`, `updateRefDoc` and `refreshRefDocs` find it again.
 *
 * @example
 * const doc = new Document({ text: essay, id: 'paul-graham', metadata: { title: 'What I Worked On' } });
 */
export class Document extends TextNode {
  /**
   * `excludedEmbedMetadataKeys`, `excludedLlmMetadataKeys` and the templates are inherited by every
   * node split from the document, as in LlamaIndex.
   */
  constructor(init: { text: string; id?: string; metadata?: Metadata; format?: NodeFormat } & NodeFormat) {
    if (typeof init?.text !== 'string') {
      throw new InvalidArgumentError(`Expected Document text to be a string, got ${describeValue(init?.text)}.`);
    }
    if (init.id !== undefined && (typeof init.id !== 'string' || init.id === '')) {
      throw new InvalidArgumentError(`Expected Document id to be a non-empty string, got ${describeValue(init.id)}.`);
    }
    const { text, id, metadata, format, excludedEmbedMetadataKeys, excludedLlmMetadataKeys, metadataTemplate, metadataSeparator, textTemplate } = init;
    super({ text, id, metadata, format, excludedEmbedMetadataKeys, excludedLlmMetadataKeys, metadataTemplate, metadataSeparator, textTemplate });
  }

  /** @deprecated LlamaIndex spelling; use `id`. */
  get docId(): string {
    return this.id;
  }
}

/** SHA-256 of the text and metadata: equal hashes mean a document need not be re-embedded. */
export async function documentHash(doc: Pick<Document, 'text' | 'metadata'> & { format?: NodeFormat }): Promise<string> {
  // The format changes what is embedded; left out when default, so existing hashes stay valid.
  const format = doc.format && Object.keys(doc.format).length > 0 ? [doc.format] : [];
  const bytes = new TextEncoder().encode(JSON.stringify([doc.text, doc.metadata, ...format]));
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
