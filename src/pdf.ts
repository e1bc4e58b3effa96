// Entry point `pagerag/pdf`: PDF files as documents, through pdf.js (`pdfjs-dist`, an optional peer
// dependency). Apart from the root entry so that apps without PDFs never bundle pdf.js.
export { documentFromPdf } from './ingestion/pdf-document.js';
export { PdfReadError } from './errors.js';
export type { PdfOptions } from './ingestion/pdf-document.js';
