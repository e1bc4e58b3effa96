import type { LibraryMetadata } from './library-metadata.mjs';
export declare function writeRandomModel(options: { library: string; tokenizerDir: string; outDir: string; modelId: string; seed?: number }): Promise<{
  metadata: LibraryMetadata;
  vocabSize: number;
  bytes: number;
  wordTokens: number;
}>;
