import { InvalidArgumentError } from '../errors.js';
import type { Embedding } from '../embeddings/embedding.js';
import type { NodeParser } from './node-parser.js';
import { SentenceSplitter, type SentenceSplitterOptions } from './sentence-splitter.js';

/**
 * The node parser used with a loaded embedding model: `parser` when given (checked against the
 * model's input limit), else a SentenceSplitter of the model's max input minus its special tokens.
 */
export function nodeParserFor(embedModel: Embedding, parser?: NodeParser, defaults: Partial<SentenceSplitterOptions> = {}): NodeParser {
  const maxContent = embedModel.maxInputTokens - embedModel.specialTokenCount;
  if (parser) {
    const size = parser.chunkSize;
    if (typeof size === 'number' && size > maxContent) {
      throw new InvalidArgumentError(
        `Expected chunkSize to be at most ${maxContent} tokens (the input limit of "${embedModel.modelId}" is ${embedModel.maxInputTokens} including special tokens), got ${size}.`,
      );
    }
    return parser;
  }
  return new SentenceSplitter({ chunkSize: maxContent, ...defaults, countTokens: (text) => embedModel.countTokens(text) });
}
