// What the clients of OpenAI-compatible servers (chat completions, embeddings) share: the base URL
// check and a bounded read of an error answer.
import { InvalidArgumentError, describeValue } from '../errors.js';

/** The absolute http(s) URL of `baseURL` (relative URLs resolve against the page). */
export function parseBaseURL(baseURL: unknown, example = 'http://localhost:8080/v1'): string {
  let url: URL | undefined;
  try {
    if (typeof baseURL === 'string') url = new URL(baseURL, globalThis.location?.href);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InvalidArgumentError(`Expected baseURL to be an http(s) URL such as "${example}", got ${describeValue(baseURL)}.`);
  }
  return url.href;
}

/** How much of an error page is read: enough for any JSON error, never a whole HTML page. */
const ERROR_BODY_LIMIT = 8192;

/** The server's own words for an error answer (its JSON `error.message`, else the text), at most 500 characters. */
export async function errorDetail(response: Response): Promise<string> {
  let detail = '';
  try {
    const text = await readPrefix(response, ERROR_BODY_LIMIT);
    try {
      const json = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
      detail = (typeof json.error === 'string' ? json.error : json.error?.message) ?? json.message ?? text;
    } catch {
      detail = text;
    }
  } catch {
    detail = '';
  }
  return detail.slice(0, 500);
}

/** The first `limit` bytes of a body, as text; the rest is not downloaded. */
async function readPrefix(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < limit) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) bytes.set(chunk, (offset += chunk.length) - chunk.length);
  return new TextDecoder().decode(bytes.subarray(0, limit));
}
