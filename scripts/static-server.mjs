// A small static file server with the cross-origin isolation headers ONNX Runtime needs for
// threads. Serves a built site at / and the local models/ folder at /models/.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The demo's Content-Security-Policy, sent as a header on every response: a `<meta>` policy binds
 * only the page, while a header on the worker's script binds the engine worker too (where the
 * model and the index run). `index.html` carries the same policy as a meta tag for hosts that
 * cannot set headers. `blob:` stays in script-src: ONNX Runtime Web imports its threaded WASM glue
 * from a blob: URL (without it: "no available backend found", the demo cannot embed).
 */
export const DEMO_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' blob:; worker-src 'self' blob:; style-src 'self'; img-src 'self' data:; connect-src 'self' blob: data: https://huggingface.co https://*.huggingface.co https://*.hf.co https://raw.githubusercontent.com; object-src 'none'; base-uri 'self'; form-action 'none'";

/**
 * `headers` are sent with every file (the demo's CSP: `{ 'Content-Security-Policy': DEMO_CSP }`).
 * @param {{ site: string, models?: string, port?: number, host?: string, headers?: Record<string, string> }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function startStaticServer({ site, models, port = 0, host = '127.0.0.1', headers: extraHeaders = {} }) {
  const resolveFile = (urlPath) => {
    let path;
    try {
      path = decodeURIComponent(urlPath.split('?')[0]);
    } catch {
      // A malformed escape such as "/%": a bad request, not a reason to stop serving.
      return undefined;
    }
    const inModels = models && path.startsWith('/models/');
    const base = inModels ? models : site;
    const file = normalize(join(base, inModels ? path.slice('/models/'.length) : path.slice(1)));
    if (file !== base && !file.startsWith(base + sep)) return undefined;
    if (existsSync(file) && statSync(file).isDirectory()) return join(file, 'index.html');
    return file;
  };
  const server = createServer((req, res) => {
    const file = resolveFile(req.url ?? '/');
    const headers = { ...ISOLATION_HEADERS, ...extraHeaders, 'Cache-Control': 'no-cache', 'Accept-Ranges': 'bytes' };
    if (!file || !existsSync(file)) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    const size = statSync(file).size;
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    // transformers.js probes model files with "Range: bytes=0-0": answer with the range, not the file.
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && (range[1] || range[2])) {
      const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start > end || start >= size) {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, { ...headers, 'Content-Type': type, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}` });
      createReadStream(file, { start, end }).pipe(res);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': size });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => {
      reject(
        error.code === 'EADDRINUSE'
          ? Object.assign(new Error(`Port ${port} on ${host} is in use. Stop the other server, or choose another port: --port 5174 (or PORT=5174).`), { code: error.code })
          : error,
      );
    });
    server.listen(port, host, () => {
      const url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${server.address().port}/`;
      resolve({ url, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
