// pdf.js ships types for its legacy entry only; pagerag reads these modules through its own
// narrow interfaces (pdf-document.ts), so they are declared untyped here.
declare module 'pdfjs-dist/build/pdf.mjs';
declare module 'pdfjs-dist/build/pdf.worker.mjs';
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs';
