// The PDF reader through the real pdf.js on PDFs written by test/support/pdf-files.ts.
import { describe, expect, test } from 'vitest';
import { PdfReadError } from '../../src/errors.js';
import { documentFromPdf } from '../../src/ingestion/pdf-document.js';
import { SentenceSplitter } from '../../src/ingestion/sentence-splitter.js';
import { MetadataMode } from '../../src/schema/metadata-mode.js';
import { foreignRequests } from '../support/fixtures.js';
import { makePdf } from '../support/pdf-files.js';

const readError = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as Error);

describe('documentFromPdf', () => {
  test('reads the text layer page by page, with title, page count and where pages start; nodes carry their page_label', async () => {
    const bytes = makePdf({
      title: 'Harbour manual',
      pages: [['Boats leave at dawn.', 'They come back at noon.'], ['The mill grinds wheat (every day).'], ['Bread is sold until noon.']],
    });
    const doc = await documentFromPdf('docs/harbour.pdf', bytes);
    expect(doc.id).toBe('docs/harbour.pdf');
    expect(doc.text).toBe('Boats leave at dawn.\nThey come back at noon.\n\nThe mill grinds wheat (every day).\n\nBread is sold until noon.');
    expect(doc.metadata).toMatchObject({ file_path: 'docs/harbour.pdf', file_name: 'harbour.pdf', file_type: 'application/pdf', title: 'Harbour manual', page_count: 3 });
    const starts = doc.metadata.page_starts as number[];
    expect(starts.map((s) => doc.text.slice(s, s + 9))).toEqual(['Boats lea', 'The mill ', 'Bread is ']);
    // Page positions are for the splitter, not for the model to read.
    expect(doc.getContent(MetadataMode.EMBED)).toBe(`file_path: docs/harbour.pdf\ntitle: Harbour manual\n\n${doc.text}`);
    // The caller's buffer is left as it was.
    expect(bytes.byteLength).toBeGreaterThan(0);

    // 17 words, 7 of them the metadata a node carries (file_path, title, page_label): 10 for text.
    const splitter = new SentenceSplitter({ chunkSize: 17, chunkOverlap: 0, countTokens: (t) => t.split(/\s+/).filter(Boolean).length });
    const nodes = splitter.getNodesFromDocuments([doc]);
    expect(nodes.map((n) => [n.metadata.page_label, n.text.slice(0, 10)])).toEqual([
      ['1', 'Boats leav'],
      ['2', 'The mill g'],
      ['3', 'Bread is s'],
    ]);
    expect(nodes.every((n) => !('page_starts' in n.metadata))).toBe(true);
    expect(nodes[1]!.getContent(MetadataMode.LLM)).toContain('page_label: 2');
    expect(foreignRequests()).toEqual([]);
  });

  test('no text layer, encrypted, millions of pages claimed, not a PDF: a named error each, saying what to do', async () => {
    const scanned = await readError(documentFromPdf('scan.pdf', makePdf({ pages: [[], []] })));
    expect(scanned).toBeInstanceOf(PdfReadError);
    expect(scanned!.message).toMatch(/"scan\.pdf" has no text layer \(its 2 pages are images: scanned\?\)\. Run OCR/);

    const locked = await readError(documentFromPdf('locked.pdf', makePdf({ pages: [['secret']], encrypted: true })));
    expect(locked).toBeInstanceOf(PdfReadError);
    expect(locked!.message).toMatch(/"locked\.pdf" is encrypted with a password/);

    // A page tree that claims 5 million pages: pdf.js counts the real ones (one), nothing more is read.
    const liar = await documentFromPdf('liar.pdf', makePdf({ pages: [['one page']], claimedCount: 5_000_000 }));
    expect([liar.metadata.page_count, liar.text]).toEqual([1, 'one page']);
    const long = Array.from({ length: 30 }, (_, i) => [`Page ${i + 1}.`]);
    const huge = await readError(documentFromPdf('huge.pdf', makePdf({ pages: long }), { maxPages: 20 }));
    expect(huge).toBeInstanceOf(PdfReadError);
    expect(huge!.message).toMatch(/"huge\.pdf" has 30 pages, more than maxPages \(20\)/);

    const garbage = await readError(documentFromPdf('notes.pdf', new TextEncoder().encode('this is not a pdf at all')));
    expect(garbage).toBeInstanceOf(PdfReadError);
    expect(garbage!.message).toMatch(/"notes\.pdf" is not a readable PDF/);

    const controller = new AbortController();
    controller.abort();
    await expect(documentFromPdf('a.pdf', makePdf({ pages: [['x']] }), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('a broken cross-reference table is rebuilt by pdf.js, or refused whole', async () => {
    const bytes = makePdf({ pages: [['Recovered text on page one.']] });
    const text = new TextDecoder('latin1').decode(bytes);
    // Every xref offset wrong by a few bytes, and startxref pointing nowhere.
    const broken = text.replace(/(\d{10}) 00000 n/g, (_, o: string) => `${String(Number(o) + 7).padStart(10, '0')} 00000 n`).replace(/startxref\n\d+/, 'startxref\n999999');
    const result = await documentFromPdf('broken.pdf', Uint8Array.from(broken, (c) => c.charCodeAt(0))).then(
      (doc) => doc.text,
      (e: unknown) => e,
    );
    if (typeof result === 'string') expect(result).toBe('Recovered text on page one.');
    else expect(result).toBeInstanceOf(PdfReadError);
  });
});
