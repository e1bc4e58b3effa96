// Entry point `pagerag/docx`: Word files as documents, through mammoth (an optional peer
// dependency). Apart from the root entry so that apps without Word files never bundle it.
export { documentFromDocx } from './ingestion/docx-document.js';
export { DocumentReadError } from './errors.js';
