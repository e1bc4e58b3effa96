import { LLMHttpError } from '../errors.js';

export interface ServerSentEventOptions {
  /** Names the stream in errors (e.g. the endpoint URL). */
  source: string;
  /**
   * Characters an event (or a line) may reach before the stream is refused: a server that never
   * ends a line must not grow the page's memory without bound.
   * @default 4_194_304
   */
  maxEventLength?: number;
}

const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * Server-sent events from a byte stream, parsed as bytes arrive: each chunk is scanned once (a
 * long line split over many chunks is not rescanned), lines and multi-byte characters may be split
 * across chunks, CRLF, CR or LF end lines, multi-line `data:` is joined. Yields each event's data.
 * An event or line over `maxEventLength` throws an {@link LLMHttpError}.
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>, options: ServerSentEventOptions): AsyncGenerator<string, void, undefined> {
  const maxLength = options.maxEventLength ?? 4_194_304;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  // The unfinished line, in pieces: joined once it ends.
  let pieces: string[] = [];
  let pendingLength = 0;
  let afterCR = false;
  let data: string[] = [];
  let dataLength = 0;
  const tooLong = () =>
    new LLMHttpError(`${options.source} sent an event longer than ${maxLength} characters (a line or event that does not end): the stream was stopped.`, 0);

  function* endLine(line: string): Generator<string> {
    if (line === '') {
      if (data.length > 0) yield data.join('\n');
      data = [];
      dataLength = 0;
    } else if (line.startsWith('data:')) {
      const value = line.slice(line.startsWith('data: ') ? 6 : 5);
      dataLength += value.length;
      if (dataLength > maxLength) throw tooLong();
      data.push(value);
    }
    // Other fields (event:, id:, retry:) and comments (":") are not used by chat completions.
  }

  try {
    for (;;) {
      const { value, done } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      let start = 0;
      // A CRLF split across chunks: the LF that follows a chunk's final CR ends nothing.
      if (afterCR && text.startsWith('\n')) start = 1;
      afterCR = false;
      LINE_BREAK.lastIndex = start;
      for (let match = LINE_BREAK.exec(text); match; match = LINE_BREAK.exec(text)) {
        pieces.push(text.slice(start, match.index));
        const line = pieces.length === 1 ? pieces[0]! : pieces.join('');
        pieces = [];
        pendingLength = 0;
        start = match.index + match[0].length;
        if (match[0] === '\r' && start === text.length) afterCR = true;
        yield* endLine(line);
      }
      if (start < text.length) {
        pieces.push(text.slice(start));
        pendingLength += text.length - start;
        if (pendingLength > maxLength) throw tooLong();
      }
      if (done) {
        if (pieces.length > 0) yield* endLine(pieces.join(''));
        if (data.length > 0) yield data.join('\n');
        return;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
