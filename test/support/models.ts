import { TransformersEmbedding } from '../../src/embeddings/transformers-embedding.js';
import { FIXTURE_ENCODER, FIXTURE_SOURCE } from './fixtures.js';

/** The fixture encoder on WASM, with a counter of embedded texts (to check what gets re-embedded). */
export function fixtureEmbedding(model = FIXTURE_ENCODER): TransformersEmbedding & { embeddedTexts: string[] } {
  const embed = new TransformersEmbedding({ model, device: 'wasm', modelSource: FIXTURE_SOURCE }) as TransformersEmbedding & { embeddedTexts: string[] };
  embed.embeddedTexts = [];
  const original = embed.getTextEmbeddings.bind(embed);
  embed.getTextEmbeddings = (texts, options) => {
    embed.embeddedTexts.push(...texts);
    return original(texts, options);
  };
  return embed;
}

export const uniqueName = (prefix: string) => `${prefix}-${crypto.randomUUID()}`;
