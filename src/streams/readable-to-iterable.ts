/**
 * A `ReadableStream` as an async iterable (where the browser lacks `ReadableStream`'s own
 * `[Symbol.asyncIterator]`, as Safari does); an async iterable passes through. Ending early
 * cancels the stream.
 */
export async function* readableToIterable<T>(stream: ReadableStream<T> | AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  if (Symbol.asyncIterator in stream) {
    yield* stream as AsyncIterable<T>;
    return;
  }
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
