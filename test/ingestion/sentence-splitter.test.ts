import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { SentenceSplitter } from '../../src/ingestion/sentence-splitter.js';
import { Document } from '../../src/schema/document.js';
import { realTokenizerFixture } from '../support/fixtures.js';
import { fixtureEmbedding } from '../support/models.js';

// The real WordPiece tokenizer where ../shared/models exists, else the fixture's own.
const model = (await realTokenizerFixture('minilm')) ?? undefined;
const embed = fixtureEmbedding(model);
await embed.load();
const countTokens = (text: string) => embed.countTokens(text);

function essay(paragraphs: number): string {
  const sentences = [
    'The author wrote an essay about growing up, and about painting.',
    'He learned to program on a computer at school!',
    'Is vector search in the browser fast enough for a static site?',
    'Each chunk gets an embedding; the index is stored offline.',
    'Unbelievably, supercalifragilisticexpialidocious words still split.',
  ];
  return Array.from({ length: paragraphs }, (_, p) =>
    Array.from({ length: 3 + (p % 4) }, (_, s) => sentences[(p + s) % sentences.length]).join(' '),
  ).join('\n\n');
}

describe('SentenceSplitter', () => {
  const text = essay(40);

  test.each([
    [32, 4],
    [64, 8],
    [128, 16],
  ])('chunkSize %i, overlap %i: no chunk exceeds the limit, offsets are exact, overlap is bounded', (chunkSize, chunkOverlap) => {
    const splitter = new SentenceSplitter({ chunkSize, chunkOverlap, countTokens });
    const chunks = splitter.splitTextWithOffsets(text);
    expect(chunks.length).toBeGreaterThan(3);
    let covered = 0;
    let overlapped = 0;
    for (const [i, chunk] of chunks.entries()) {
      expect(countTokens(chunk.text)).toBeLessThanOrEqual(chunkSize);
      expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
      // Concatenating the chunks minus their overlap gives back the text (up to whitespace between them).
      if (chunk.start > covered) expect(text.slice(covered, chunk.start).trim()).toBe('');
      if (i > 0 && chunk.start < covered) {
        overlapped++;
        expect(countTokens(text.slice(chunk.start, covered))).toBeLessThanOrEqual(chunkOverlap + 1);
      }
      expect(chunk.end).toBeGreaterThan(covered);
      covered = chunk.end;
    }
    expect(text.slice(covered).trim()).toBe('');
    expect(overlapped).toBeGreaterThan(0);
  });

  test('prefers paragraph and sentence boundaries', () => {
    const splitter = new SentenceSplitter({ chunkSize: 64, chunkOverlap: 0, countTokens });
    const chunks = splitter.splitText(text);
    const endsWell = chunks.filter((c) => /[.!?]$/.test(c)).length;
    expect(endsWell / chunks.length).toBeGreaterThan(0.8);
  });

  test('falls back to characters for one overlong word', () => {
    const splitter = new SentenceSplitter({ chunkSize: 5, chunkOverlap: 0, countTokens });
    const word = 'x'.repeat(40) + 'yz'.repeat(30);
    const chunks = splitter.splitTextWithOffsets(word);
    expect(chunks.map((c) => c.text).join('')).toBe(word);
    for (const c of chunks) expect(countTokens(c.text)).toBeLessThanOrEqual(5);
  });

  test('nodes copy metadata, carry refDocId and offsets; empty text gives no nodes', () => {
    const splitter = new SentenceSplitter({ chunkSize: 32, countTokens });
    const doc = new Document({ id: 'essay', text, metadata: { author: 'pg', nested: { a: [1, 2] } } });
    const nodes = splitter.getNodesFromDocuments([doc, new Document({ id: 'empty', text: '  \n ' })]);
    expect(nodes.length).toBeGreaterThan(1);
    for (const node of nodes) {
      expect(node.refDocId).toBe('essay');
      expect(node.metadata).toEqual(doc.metadata);
      expect(node.metadata).not.toBe(doc.metadata);
      expect(text.slice(node.startCharIdx, node.endCharIdx)).toBe(node.text);
    }
    expect(splitter.chunkOverlap).toBe(4);
  });

  test('bad options are named errors that say what was expected', () => {
    expect(() => new SentenceSplitter({ chunkSize: 0, countTokens })).toThrow(InvalidArgumentError);
    expect(() => new SentenceSplitter({ chunkSize: 10, chunkOverlap: 10, countTokens })).toThrow(/chunkOverlap to be an integer from 0 to chunkSize - 1 \(9\), got 10/);
    expect(() => new SentenceSplitter({ chunkSize: 10, countTokens })['splitText'](42 as unknown as string)).toThrow(/Expected text to be a string, got 42 \(number\)/);
  });
});
