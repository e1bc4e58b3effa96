import { InvalidArgumentError, describeValue } from '../errors.js';
import { Document } from '../schema/document.js';
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
export const FILE_METADATA_EXCLUDED = ['file_name', 'file_type'] as const;

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
  const filePath = path.replace(/\\/g, '/');
  const type = documentFileType(filePath) ?? 'text/plain';
  const title = titleOf(content, type);
  return new Document({
    id: filePath,
    text: type === 'text/html' ? htmlToText(content) : content,
    metadata: { file_path: filePath, file_name: filePath.slice(filePath.lastIndexOf('/') + 1), file_type: type, ...(title && { title }), ...urlOf(filePath, options) },
    excludedEmbedMetadataKeys: [...FILE_METADATA_EXCLUDED, 'url'],
    excludedLlmMetadataKeys: [...FILE_METADATA_EXCLUDED],
  });
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
  const title = raw === undefined ? '' : htmlToText(raw).replace(/\s+/g, ' ').trim();
  return title === '' ? undefined : title.slice(0, MAX_TITLE);
}
