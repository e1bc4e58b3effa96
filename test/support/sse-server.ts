// A small OpenAI-compatible chat completions server on loopback for the adapter tests: real HTTP,
// responses cut at awkward byte boundaries (inside lines and inside multi-byte characters).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export const SSE_ANSWER = ['Café', ' au', ' lait', ' 👋', ' naïve', ' façade', ' résumé', ' done.'];

const stats = { closedEarly: 0, lastAuthorization: '', requests: 0 };

function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'content-type, authorization, accept, x-test');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
}

const event = (data: unknown, crlf = false) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}${crlf ? '\r\n\r\n' : '\n\n'}`;
const chunk = (content: string) => ({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function writeAwkwardly(res: ServerResponse, text: string, pieceBytes = 7, delayMs = 2): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += pieceBytes) {
    res.write(bytes.subarray(i, i + pieceBytes));
    await sleep(delayMs);
  }
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  cors(res);
  if (req.method === 'OPTIONS') return void res.writeHead(204).end();
  if (req.url === '/stats') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(stats));
  // A static host whose missing files get its HTML fallback page (as single-page apps are set up).
  if (req.url?.startsWith('/not-found/')) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
  // A host that takes its time and then has nothing: a model load that is still running when the caller gives up.
  if (req.url?.startsWith('/slow-not-found/')) {
    await sleep(1500);
    return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
  }
  if (req.url?.startsWith('/site-fallback/')) return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><html><body>Home</body></html>');
  let body = '';
  for await (const piece of req) body += piece;
  stats.requests++;
  stats.lastAuthorization = String(req.headers.authorization ?? '');
  const model = (JSON.parse(body || '{}') as { model?: string }).model ?? 'normal';
  if (model === 'rate-limited') return void res.writeHead(429, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'Rate limit reached for requests', type: 'requests' } }));
  if (model === 'html-500-endless') {
    // An error page that never ends: a client that reads error bodies whole never gets its error.
    res.writeHead(500, { 'Content-Type': 'text/html' });
    return endless(req, res, '<html><body>' + '<p>Internal error</p>'.repeat(3000));
  }
  if (model === 'crash') return void res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'The model crashed' } }));
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  if (model === 'normal') {
    let text = ': a comment line\n\n';
    SSE_ANSWER.forEach((word, i) => (text += event(chunk(word), i % 2 === 1)));
    text += event({ choices: [], usage: { prompt_tokens: 21, completion_tokens: SSE_ANSWER.length } });
    text += event('[DONE]');
    await writeAwkwardly(res, text);
    return void res.end();
  }
  if (model === 'close-mid') {
    await writeAwkwardly(res, event(chunk('Partial')) + event(chunk(' answer')));
    // The connection drops a while after the last data, as a crashed server's would. Closed at once,
    // the last pieces and the close could reach Chromium in one read, which it reports as an
    // incomplete chunked body without those pieces: " answer" went missing in one full run in each
    // of the last two sessions, even with a FIN instead of destroy()'s reset.
    await sleep(200);
    return void res.socket?.end();
  }
  if (model === 'error-event') {
    await writeAwkwardly(res, event(chunk('Start')) + event({ error: { message: 'context length exceeded' } }));
    return void res.end();
  }
  if (model === 'endless-line') {
    res.write('data: ');
    return endless(req, res, 'x'.repeat(65536));
  }
  if (model === 'huge-event') {
    // One well-formed 20 MB event.
    res.write(`data: {"choices":[{"delta":{"content":"${'y'.repeat(20 * 1024 * 1024)}"}}]}\n\n`);
    return void res.end(event('[DONE]'));
  }
  if (model === 'null-data') return void res.end(event('null') + event('[DONE]'));
  if (model === 'number-content') return void res.end(event({ choices: [{ delta: { content: 42 } }] }) + event('[DONE]'));
  if (model === 'reset-mid-event') {
    res.write(event(chunk('Half')) + 'data: {"choices":[{"delta":{"cont');
    await sleep(20);
    return void res.destroy();
  }
  if (model === 'drip') {
    const text = event(chunk('drip')) + event('[DONE]');
    for (let i = 0; i < text.length && !res.destroyed; i++) {
      res.write(text[i]);
      await sleep(200);
    }
    return void res.end();
  }
  if (model === 'slow') {
    let finished = false;
    req.socket.once('close', () => {
      if (!finished) stats.closedEarly++;
    });
    for (let i = 0; i < 200 && !res.destroyed; i++) {
      res.write(event(chunk(` w${i}`)));
      await sleep(20);
    }
    finished = true;
    res.write(event('[DONE]'));
    return void res.end();
  }
  res.end(event('[DONE]'));
}

/** Writes `piece` until the client goes away (at most 400 MB), honouring backpressure. */
async function endless(req: IncomingMessage, res: ServerResponse, piece: string): Promise<void> {
  let closed = false;
  req.socket.once('close', () => {
    closed = true;
    stats.closedEarly++;
  });
  for (let written = 0; !closed && !res.destroyed && written < 400 * 1024 * 1024; written += piece.length) {
    if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
  }
  res.end();
}

export async function startSseServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
