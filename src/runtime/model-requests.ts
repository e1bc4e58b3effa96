import { ModelLoadError } from '../errors.js';

// transformers.js reports a failed model file as "Failed to fetch" (no URL) or, when a static host
// answers a missing file with its HTML fallback page, as a JSON syntax error. It fetches through
// `env.fetch`: pagerag's fetch remembers which request failed and how, so a load error can name
// the URL and say what to do.

type Problem = 'network' | 'html' | number;

interface FailedRequest {
  seq: number;
  url: string;
  problem: Problem;
  detail: string;
}

type DownloadListener = (file: string, loaded: number, total: number) => void;
const downloadListeners = new Set<DownloadListener>();

/**
 * Calls `listener` as ONNX Runtime's wasm (27 MB, fetched by transformers.js without progress
 * events) downloads; returns the unsubscribe function.
 */
export function onRuntimeDownload(listener: DownloadListener): () => void {
  downloadListeners.add(listener);
  return () => downloadListeners.delete(listener);
}

function counted(response: Response, url: string): Response {
  if (!response.body || downloadListeners.size === 0) return response;
  const file = new URL(url).pathname.split('/').pop()!;
  const total = Number(response.headers.get('content-length')) || 0;
  let loaded = 0;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        loaded += chunk.byteLength;
        for (const listener of downloadListeners) listener(file, loaded, Math.max(total, loaded));
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

const MAX_REMEMBERED = 32;
const failures: FailedRequest[] = [];
let seq = 0;

function remember(url: string, problem: Problem, detail: string): void {
  failures.push({ seq: ++seq, url, problem, detail });
  if (failures.length > MAX_REMEMBERED) failures.shift();
}

function absolute(input: unknown): string {
  const raw = input instanceof Request ? input.url : String(input);
  try {
    return new URL(raw, globalThis.location?.href).href;
  } catch {
    return raw;
  }
}

/**
 * Wraps `fetch` for transformers.js: remembers failed requests, answers an HTML page served in
 * place of a model file (a single-page app's fallback) as a 404, which is what it means, and
 * counts the bytes of ONNX Runtime's wasm for {@link onRuntimeDownload}.
 */
export function recordingFetch(inner: typeof fetch): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = absolute(input);
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      if ((error as Error)?.name !== 'AbortError') remember(url, 'network', (error as Error)?.message ?? String(error));
      throw error;
    }
    const html = /^text\/html\b/i.test(response.headers.get('content-type') ?? '') && !/\.html?$/i.test(new URL(url).pathname);
    if (response.ok && html) {
      remember(url, 'html', '');
      void response.body?.cancel();
      return new Response(null, { status: 404, statusText: 'An HTML page instead of a model file' });
    }
    if (!response.ok) remember(url, response.status, response.statusText);
    return response.ok && new URL(url).pathname.endsWith('.wasm') ? counted(response, url) : response;
  };
}

/** Marks the start of a load: {@link modelLoadError} looks only at requests after it. */
export function requestMark(): number {
  return seq;
}

/**
 * A {@link ModelLoadError} for `what` (e.g. `embedding model "Xenova/all-MiniLM-L6-v2"`) that
 * names the request that failed, when one did, and what to try.
 */
export function modelLoadError(what: string, modelId: string, mark: number, error: unknown): ModelLoadError {
  const message = (error as Error)?.message ?? String(error);
  const ours = failures.filter((f) => f.seq > mark && f.url.includes(`/${modelId}/`));
  // The file the error names, else the last hard failure (optional files may 404 on the way).
  const failure = ours.find((f) => message.includes(new URL(f.url).pathname)) ?? ours.findLast((f) => f.problem === 'network' || f.problem === 'html' || (typeof f.problem === 'number' && f.problem >= 500));
  if (!failure) return new ModelLoadError(`Could not load ${what}: ${message}`, { cause: error });
  const folder = failure.url.slice(0, failure.url.indexOf(`/${modelId}/`) + modelId.length + 2);
  const layout = `its files in the Hub's layout (config.json, tokenizer.json, onnx/model.onnx…) at ${folder}`;
  let why: string;
  if (failure.problem === 'network') {
    why =
      `the request for ${failure.url} failed (${failure.detail}): the browser is offline, or the host cannot be reached or is blocked (CORS, Content-Security-Policy). ` +
      'A model loads offline only once it has been cached by an online visit; to serve it from your own site, set modelSource.localModelPath.';
  } else if (failure.problem === 'html') {
    why = `${failure.url} answered with an HTML page, not the model file: the model is not served there (a static host's fallback page for a missing file looks like this). Serve ${layout}, or correct modelSource.localModelPath.`;
  } else if (failure.problem === 404 || failure.problem === 401 || failure.problem === 403) {
    why = `${failure.url} answered ${failure.problem}${failure.detail ? ` ${failure.detail}` : ''}: check the model id and that the host serves ${layout}.`;
  } else {
    why = `${failure.url} answered ${failure.problem}${failure.detail ? ` ${failure.detail}` : ''}: the host failed; try again later, or serve ${layout}.`;
  }
  return new ModelLoadError(`Could not load ${what}: ${why}`, { cause: error });
}
