// The .docx reader through the real mammoth on Word files written by test/support/docx-files.ts.
import { describe, expect, test } from 'vitest';
import { DocumentReadError } from '../../src/errors.js';
import { documentFromDocx } from '../../src/ingestion/docx-document.js';
import { MetadataMode } from '../../src/schema/metadata-mode.js';
import { makeDocx, zip } from '../support/docx-files.js';

describe('documentFromDocx', () => {
  test('paragraphs and headings as blocks, the first heading as title, markup never parsed', async () => {
    const doc = await documentFromDocx('reports/harbour.docx', makeDocx(['# Harbour report', 'Boats leave at dawn.', '<img src=x onerror=alert(1)> & more']), { baseUrl: 'https://example.com/files/' });
    expect(doc.text).toBe('Harbour report\n\nBoats leave at dawn.\n\n<img src=x onerror=alert(1)> & more');
    expect(doc.metadata).toEqual({
      file_path: 'reports/harbour.docx',
      file_name: 'harbour.docx',
      file_type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      title: 'Harbour report',
      url: 'https://example.com/files/reports/harbour.docx',
    });
    expect(doc.getContent(MetadataMode.EMBED)).toBe(`file_path: reports/harbour.docx\ntitle: Harbour report\n\n${doc.text}`);
  });

  test('not a Word file, or one without text: a named error saying what to do', async () => {
    const notZip = await documentFromDocx('old.docx', new TextEncoder().encode('a .doc saved under another name')).catch((e: unknown) => e as Error);
    expect(notZip).toBeInstanceOf(DocumentReadError);
    expect((notZip as Error).message).toMatch(/"old\.docx" is not a readable \.docx file .*save it again as \.docx/);
    const noDocument = await documentFromDocx('empty.docx', zip({ 'hello.txt': new TextEncoder().encode('hi') })).catch((e: unknown) => e as Error);
    expect(noDocument).toBeInstanceOf(DocumentReadError);
    const blank = await documentFromDocx('blank.docx', makeDocx([])).catch((e: unknown) => e as Error);
    expect(blank).toMatchObject({ name: 'DocumentReadError', message: expect.stringMatching(/"blank\.docx" has no text/) });
  });
});
