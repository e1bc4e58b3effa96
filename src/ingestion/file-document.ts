import { InvalidArgumentError, describeValue } from '../errors.js';
import { Document } from '../schema/document.js';
import type { Metadata } from '../schema/node.js';
import { htmlToText } from './html-to-text.js';

/** File types read as documents: Markdown and text as they are, HTML reduced to its text. */
export const DOCUMENT_FILE_TYPES: Record<string, string> = {
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.txt': 'text/plain',
  '.html': 'text/html',
  '.htm': 'text/html',
};

/** Left out of what is embedded and what the LLM reads, as LlamaIndex's SimpleDirectoryReader does. */
const FILE_METADATA_EXCLUDED = ['file_name', 'file_type'] as const;

/** The file type of `path` by extension, or undefined when it is not a document type. */
export function documentFileType(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? undefined : DOCUMENT_FILE_TYPES[path.slice(dot).toLowerCase()];
}

/**
 * A file as a {@link Document}: id and `file_path` are its path (with "/"), metadata like
 * LlamaIndex's SimpleDirectoryReader (`file_path`, `file_name`, `file_type`, and `title` from the
 * first Markdown heading or the HTML `<title>`/`<h1>`). As there, only `file_path` (and the title)
 * reach what is embedded and what the LLM reads; name and type are left out. The browser, the CLI
 * and the Vite plugin all use this, so the same file gives the same document everywhere.
 *
 * @example
 * const doc = documentFromFile('guide/intro.html', await file.text());
 */
export function documentFromFile(path: string, content: string, options: FileDocumentOptions = {}): Document {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`Expected a file path, got ${describeValue(path)}.`);
  if (typeof content !== 'string') throw new InvalidArgumentError(`Expected the content of "${path}" to be a string, got ${describeValue(content)}.`);
  const type = documentFileType(path) ?? 'text/plain';
  return fileDocument(path, type === 'text/html' ? htmlToText(content) : content, { type, title: titleOf(content, type) }, options);
}

/** What a file reader knows of one document besides its text. */
export interface FileFields {
  /** The file type, e.g. "application/pdf". */
  type: string;
  title?: string | undefined;
  /** @default the file's path (with "/") */
  id?: string;
  /** @default the file's address under `baseUrl`, if given */
  url?: string;
  /** More metadata, after the file's own. */
  metadata?: Metadata;
  /** More keys left out of what is embedded / what the LLM reads. */
  hidden?: { embed?: string[]; llm?: string[] };
}

/**
 * The document every file reader makes: `file_path`, `file_name`, `file_type`, `title`, the
 * reader's own metadata and `url`; name and type left out of embeddings and prompts
 * (SimpleDirectoryReader's rule), `url` out of embeddings.
 */
export function fileDocument(path: string, text: string, fields: FileFields, options: FileDocumentOptions = {}): Document {
  const filePath = path.replace(/\\/g, '/');
  const url = fields.url !== undefined ? { url: fields.url } : urlOf(filePath, options);
  return new Document({
    id: fields.id ?? filePath,
    text,
    metadata: { file_path: filePath, file_name: filePath.slice(filePath.lastIndexOf('/') + 1), file_type: fields.type, ...(fields.title && { title: fields.title }), ...fields.metadata, ...url },
    excludedEmbedMetadataKeys: [...FILE_METADATA_EXCLUDED, 'url', ...(fields.hidden?.embed ?? [])],
    excludedLlmMetadataKeys: [...FILE_METADATA_EXCLUDED, ...(fields.hidden?.llm ?? [])],
  });
}

/** A title as shown: one line, at most 200 characters; undefined when empty. */
export function cleanTitle(raw: string): string | undefined {
  const title = raw.replace(/\s+/g, ' ').trim();
  return title === '' ? undefined : title.slice(0, MAX_TITLE);
}

export interface FileDocumentOptions {
  /**
   * The site's address: each file gets `url`, its path under this base (a citation can link to the
   * page). Left out of what is embedded; the LLM reads it.
   * @example "https://example.com/docs/"
   */
  baseUrl?: string;
}

/** `{ url }` for a file of a site, when the base is given. */
export function urlOf(filePath: string, { baseUrl }: FileDocumentOptions): { url?: string } {
  if (baseUrl === undefined) return {};
  try {
    return { url: new URL(filePath.split('/').map(encodeURIComponent).join('/'), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).href };
  } catch {
    throw new InvalidArgumentError(`Expected baseUrl to be an absolute URL such as "https://example.com/docs/", got ${describeValue(baseUrl)}.`);
  }
}

const MAX_TITLE = 200;

function titleOf(content: string, type: string): string | undefined {
  const raw =
    type === 'text/html'
      ? (/<title[^>]*>([\s\S]*?)<\/title>/i.exec(content)?.[1] ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(content)?.[1])
      : type === 'text/markdown'
        ? /^#[ \t]+(.+?)[ \t#]*$/m.exec(content)?.[1]
        : undefined;
  return raw === undefined ? undefined : cleanTitle(htmlToText(raw));
}
