#!/usr/bin/env node
// A small static server for built pages (an app's build output, or the project root): serves a
// directory with the two headers that make a page cross-origin isolated (so SharedArrayBuffer,
// and the real clock, exist) and the right MIME types (application/wasm lets the browser compile
// while downloading). The browser example itself is served by Vite (npm run demo:browser).
// Usage: node scripts/serve.mjs [--port N] [--root DIR]   (default 8080, the project root; port 0 picks a free one)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** `isolate: false` leaves out COOP/COEP (a page that is not cross-origin isolated: no SharedArrayBuffer). */
export function startServer({ port = 8080, host = '127.0.0.1', root = ROOT, isolate = true } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/' && root === ROOT) {
      res.writeHead(302, { Location: '/examples/browser/' }).end();
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? path + 'index.html' : path));
    const headers = {
      ...(isolate ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    if (!file.startsWith(root)) {
      res.writeHead(403, headers).end('forbidden');
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({ url: `http://${host}:${p}/`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT ?? 8080);
  const r = process.argv.indexOf('--root');
  const { url } = await startServer({ port, ...(r > 0 ? { root: resolve(process.argv[r + 1]) } : {}) });
  console.log(`serving ${url}  (Ctrl-C to stop)`);
}
