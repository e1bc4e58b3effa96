// The demo's static server (scripts/static-server.mjs), over real HTTP.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startStaticServer } from '../../scripts/static-server.mjs';

const site = mkdtempSync(join(tmpdir(), 'pagerag-static-'));
writeFileSync(join(site, 'index.html'), '<!doctype html><title>site</title>');
writeFileSync(join(site, 'model.bin'), Buffer.from('0123456789'));
const server = await startStaticServer({ site });
afterAll(async () => {
  await server.close();
  rmSync(site, { recursive: true, force: true });
});

/** A raw request (fetch would normalise a path such as "/%"). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(server.url), { path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static server', () => {
  test('a malformed path is a 404, and the server keeps serving', async () => {
    expect((await get('/%')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(404);
    expect((await get('/')).body).toContain('<title>site</title>');
  });

  test('answers Range requests with the range (transformers.js probes with bytes=0-0)', async () => {
    const probe = await get('/model.bin', { Range: 'bytes=0-0' });
    expect([probe.status, probe.body, probe.headers['content-range']]).toEqual([206, '0', 'bytes 0-0/10']);
    const middle = await get('/model.bin', { Range: 'bytes=3-5' });
    expect([middle.status, middle.body]).toEqual([206, '345']);
    const tail = await get('/model.bin', { Range: 'bytes=-2' });
    expect([tail.status, tail.body]).toEqual([206, '89']);
    expect((await get('/model.bin', { Range: 'bytes=20-' })).status).toBe(416);
    const whole = await get('/model.bin');
    expect([whole.status, whole.body, whole.headers['accept-ranges']]).toEqual([200, '0123456789', 'bytes']);
  });

  test('a busy port is a message that says what to do', async () => {
    const port = Number(new URL(server.url).port);
    await expect(startStaticServer({ site, port })).rejects.toThrow(new RegExp(`Port ${port} on 127.0.0.1 is in use.*--port 5174 \\(or PORT=5174\\)`));
  });
});
