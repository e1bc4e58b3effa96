import { Document } from '../../src/schema/document.js';

/** Small documents written with words the fixture tokenizers know, so each has a distinct bag of words. */
export const CORPUS: { id: string; text: string; metadata: Record<string, string | number> }[] = [
  {
    id: 'animals',
    text: 'The cat and the dog ran to the river. A bird and a fish live near the water.\n\nThe mouse found some fruit under the tree.',
    metadata: { topic: 'nature', year: 2019, tags: 'animals' },
  },
  {
    id: 'search',
    text: 'Vector search in the browser finds similar text. Each chunk gets an embedding and a score.\n\nThe index is stored in a local database, offline.',
    metadata: { topic: 'software', year: 2024, tags: 'retrieval' },
  },
  {
    id: 'author',
    text: 'The author wrote an essay about growing up. He learned to program on a computer at school and wrote software in lisp.',
    metadata: { topic: 'people', year: 2021, tags: 'essay' },
  },
  {
    id: 'weather',
    text: 'Rain and snow came with the wind. The sun and the moon were in the sky over the mountain and the ocean.',
    metadata: { topic: 'nature', year: 2020, tags: 'weather' },
  },
];

export const corpusDocuments = (): Document[] => CORPUS.map((d) => new Document(d));
