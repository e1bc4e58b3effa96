import type { CompletionResponse, LLMStream } from './types.js';

/** Reads a whole stream into one response: how non-streaming calls are built on streaming ones. */
export async function collectStream(stream: LLMStream): Promise<CompletionResponse> {
  let text = '';
  for await (const delta of stream) text += delta;
  return stream.usage ? { text, usage: stream.usage } : { text };
}
