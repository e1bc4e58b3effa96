import type { CompletionResponse, LLMStream } from '../llms/types.js';

/**
 * Reads a whole stream into one response, keeping the usage figures the stream returns at its end:
 * how non-streaming calls are built on streaming ones.
 */
export async function collectStream(stream: LLMStream): Promise<CompletionResponse> {
  const iterator = stream[Symbol.asyncIterator]();
  let text = '';
  for (;;) {
    const result = await iterator.next();
    if (result.done) return result.value ? { text, usage: result.value } : { text };
    text += result.value;
  }
}
