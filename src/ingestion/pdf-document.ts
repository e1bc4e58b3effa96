import { InvalidArgumentError, PdfReadError, describeValue } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import { IS_NODE } from '../runtime/node-environment.js';
import type { Document } from '../schema/document.js';
import { fileDocument, type FileDocumentOptions } from './file-document.js';

export interface PdfOptions extends FileDocumentOptions {
  /**
   * A file with more pages is refused before any is read (a hostile file may claim millions).
   * @default 2000
   */
  maxPages?: number;
  signal?: AbortSignal;
  /** Pages read (`phase: "split"`, pages as units). */
  onProgress?: ProgressCallback;
}

interface PdfTextItem {
  str?: string;
  hasEOL?: boolean;
}

interface PdfJs {
  getDocument(source: Record<string, unknown>): { promise: Promise<PdfDocumentProxy>; destroy(): Promise<void> };
}
interface PdfDocumentProxy {
  numPages: number;
  getMetadata(): Promise<{ info?: { Title?: unknown } }>;
  getPage(n: number): Promise<{ getTextContent(): Promise<{ items: PdfTextItem[] }>; cleanup(): void }>;
  destroy(): Promise<void>;
}

let pdfjs: Promise<PdfJs> | undefined;

/** pdf.js, with its "worker" run in this thread: pagerag already runs in a worker, and no second file needs serving. */
function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= (async () => {
    const [lib, worker] = IS_NODE
      ? await Promise.all([import('pdfjs-dist/legacy/build/pdf.mjs'), import('pdfjs-dist/legacy/build/pdf.worker.mjs')])
      : await Promise.all([import('pdfjs-dist/build/pdf.mjs'), import('pdfjs-dist/build/pdf.worker.mjs')]);
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
    return lib as unknown as PdfJs;
  })().catch((error: unknown) => {
    pdfjs = undefined;
    throw new PdfReadError(`Reading PDFs needs the package pdfjs-dist (an optional peer dependency of pagerag): npm install pdfjs-dist. (${(error as Error)?.message ?? error})`, { cause: error });
  });
  return pdfjs;
}

/**
 * A PDF file as one {@link Document}: its text layer, page by page (pages joined by blank lines),
 * with `file_path`, `file_name`, `file_type`, `title` (the PDF's own, else its first line),
 * `page_count`, and `page_starts` (where each page begins in the text). The splitter turns
 * `page_starts` into each node's `page_label`, so a citation can say "p. 12". Nothing is fetched:
 * fonts and character maps are not needed for text. The entry `pagerag/pdf`; needs `pdfjs-dist`.
 *
 * @example
 * import { documentFromPdf } from 'pagerag/pdf';
 * const doc = await documentFromPdf('manual.pdf', new Uint8Array(await file.arrayBuffer()));
 */
export async function documentFromPdf(path: string, bytes: Uint8Array | ArrayBuffer, options: PdfOptions = {}): Promise<Document> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`Expected a file path, got ${describeValue(path)}.`);
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) throw new InvalidArgumentError(`Expected the bytes of "${path}" as a Uint8Array or ArrayBuffer, got ${describeValue(bytes)}.`);
  const { maxPages = 2000, signal, onProgress } = options;
  signal?.throwIfAborted();
  const lib = await loadPdfJs();
  // pdf.js takes the buffer over: give it a copy, the caller keeps theirs.
  const data = new Uint8Array(bytes instanceof ArrayBuffer ? bytes : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const task = lib.getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, useWorkerFetch: false, stopAtErrors: false, verbosity: 0 });
  let pdf: PdfDocumentProxy;
  try {
    pdf = await task.promise;
  } catch (error) {
    await task.destroy().catch(() => {});
    const name = (error as Error)?.name;
    if (name === 'PasswordException') throw new PdfReadError(`"${path}" is encrypted with a password: pagerag cannot read it. Save an unprotected copy and add that.`, { cause: error });
    throw new PdfReadError(`"${path}" is not a readable PDF (${(error as Error)?.message ?? error}). Check that the file is complete, or export it again as PDF.`, { cause: error });
  }
  try {
    if (pdf.numPages > maxPages) throw new PdfReadError(`"${path}" has ${pdf.numPages} pages, more than maxPages (${maxPages}). Split it, or raise maxPages if it is genuine.`);
    const pages: string[] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      signal?.throwIfAborted();
      const page = await pdf.getPage(n);
      const { items } = await page.getTextContent();
      pages.push(items.map((item) => (item.str ?? '') + (item.hasEOL ? '\n' : '')).join('').replace(/[ \t]+\n/g, '\n').trim());
      page.cleanup();
      onProgress?.({ phase: 'split', done: n, total: pdf.numPages, text: path });
    }
    if (pages.every((p) => p === '')) {
      const pagesAre = pdf.numPages === 1 ? 'its page is an image' : `its ${pdf.numPages} pages are images`;
      throw new PdfReadError(`"${path}" has no text layer (${pagesAre}: scanned?). Run OCR on it first (for example ocrmypdf), then add the result.`);
    }
    const pageStarts: number[] = [];
    let text = '';
    for (const page of pages) {
      if (text !== '') text += '\n\n';
      pageStarts.push(text.length);
      text += page;
    }
    const info = (await pdf.getMetadata().catch(() => ({ info: undefined }))).info;
    const ownTitle = typeof info?.Title === 'string' ? info.Title.trim() : '';
    const title = (ownTitle || text.trim().split('\n', 1)[0]!.trim()).slice(0, 200);
    return fileDocument(
      path,
      text,
      {
        type: 'application/pdf',
        title,
        metadata: { page_count: pdf.numPages, page_starts: pageStarts },
        hidden: { embed: ['page_count', 'page_starts', 'page_label'], llm: ['page_count', 'page_starts'] },
      },
      options,
    );
  } finally {
    await pdf.destroy().catch(() => {});
  }
}
