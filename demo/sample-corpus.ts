// pagerag's own docs (the Markdown files beside this one), so the demo has something to answer
// from on first load. The demo build also ships them prebuilt (see vite.demo.config.ts).
import { documentFromFile, type Document } from 'pagerag/client';

const FILES = import.meta.glob('./sample-corpus/*.md', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** As the snapshot has them: ids and metadata from `documentFromFile`, so either way gives the same documents. */
export function sampleDocuments(): Document[] {
  return Object.entries(FILES).map(([path, content]) => documentFromFile(path.replace('./sample-corpus/', ''), content));
}
