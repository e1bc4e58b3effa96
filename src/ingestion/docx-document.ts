import { DocumentReadError, InvalidArgumentError, describeValue } from '../errors.js';
import { IS_NODE } from '../runtime/node-environment.js';
import type { Document } from '../schema/document.js';
import { cleanTitle, fileDocument, type FileDocumentOptions } from './file-document.js';
import { htmlToText } from './html-to-text.js';

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

interface Mammoth {
  convertToHtml(input: { arrayBuffer: ArrayBuffer } | { buffer: Uint8Array }): Promise<{ value: string }>;
}

let mammoth: Promise<Mammoth> | undefined;

function loadMammoth(): Promise<Mammoth> {
  mammoth ??= import('mammoth')
    .then((module) => ((module as { default?: Mammoth }).default ?? module) as Mammoth)
    .catch((error: unknown) => {
      mammoth = undefined;
      throw new DocumentReadError(`Reading .docx files needs the package mammoth (an optional peer dependency of pagerag): npm install mammoth. (${(error as Error)?.message ?? error})`, { cause: error });
    });
  return mammoth;
}

/**
 * A Word file (.docx) as one {@link Document}, through mammoth: its text with paragraphs and
 * headings as blank-line blocks, with `file_path`, `file_name`, `file_type` and `title` (the first
 * heading, else the first line). The entry `pagerag/docx`; needs `mammoth`.
 *
 * @example
 * import { documentFromDocx } from 'pagerag/docx';
 * const doc = await documentFromDocx('report.docx', new Uint8Array(await file.arrayBuffer()));
 */
export async function documentFromDocx(path: string, bytes: Uint8Array | ArrayBuffer, options: FileDocumentOptions & { signal?: AbortSignal } = {}): Promise<Document> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`Expected a file path, got ${describeValue(path)}.`);
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) throw new InvalidArgumentError(`Expected the bytes of "${path}" as a Uint8Array or ArrayBuffer, got ${describeValue(bytes)}.`);
  options.signal?.throwIfAborted();
  const lib = await loadMammoth();
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  // mammoth's Node build reads a Buffer, its browser build an ArrayBuffer.
  const nodeBuffer = (globalThis as { Buffer?: { from(bytes: Uint8Array): Uint8Array } }).Buffer;
  const input = IS_NODE && nodeBuffer ? { buffer: nodeBuffer.from(view) } : { arrayBuffer: view.slice().buffer };
  let html: string;
  try {
    html = (await lib.convertToHtml(input)).value;
  } catch (error) {
    throw new DocumentReadError(`"${path}" is not a readable .docx file (${(error as Error)?.message ?? error}). Check that it is a Word document (not .doc), or save it again as .docx.`, { cause: error });
  }
  options.signal?.throwIfAborted();
  const text = htmlToText(html);
  if (text === '') throw new DocumentReadError(`"${path}" has no text. Add a file with text in it.`);
  const heading = /<h[1-6][^>]*>([\s\S]*?)<\/h[1-6]>/i.exec(html)?.[1];
  const title = cleanTitle(heading === undefined ? text.split('\n', 1)[0]! : htmlToText(heading));
  return fileDocument(path, text, { type: DOCX_TYPE, title }, options);
}
