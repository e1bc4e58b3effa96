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
 * @param {{ site: string, models?: string, port?: number, host?: string }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function startStaticServer({ site, models, port = 0, host = '127.0.0.1' }) {
  const resolveFile = (urlPath) => {
    const path = decodeURIComponent(urlPath.split('?')[0]);
    const inModels = models && path.startsWith('/models/');
    const base = inModels ? models : site;
    const file = normalize(join(base, inModels ? path.slice('/models/'.length) : path.slice(1)));
    if (file !== base && !file.startsWith(base + sep)) return undefined;
    if (existsSync(file) && statSync(file).isDirectory()) return join(file, 'index.html');
    return file;
  };
  const server = createServer((req, res) => {
    const file = resolveFile(req.url ?? '/');
    const headers = { ...ISOLATION_HEADERS, 'Cache-Control': 'no-cache' };
    if (!file || !existsSync(file)) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${server.address().port}/`;
      resolve({ url, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
