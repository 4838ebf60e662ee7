/** Browser build of platform.ts: fetch for files beside the bundle, a module Web Worker. */

export async function readBytes(url: URL): Promise<Uint8Array | ArrayBuffer | undefined> {
  const res = await fetch(url);
  return res.ok ? res.arrayBuffer() : undefined;
}

import type { WorkerLike, WorkerMessage } from './platform.js'; // types only: erased, no import at run time
export type { WorkerLike, WorkerMessage };

/** Starts the first worker script of `urls` the server has (the bundle's own comes first). */
export async function startWorker(urls: URL[], init: unknown, onMessage: (m: WorkerMessage) => void): Promise<WorkerLike> {
  let url = urls[0];
  for (const u of urls) {
    if ((await fetch(u, { method: 'HEAD' }).catch(() => undefined))?.ok) {
      url = u;
      break;
    }
  }
  const w = new Worker(url, { type: 'module' });
  w.onmessage = (e) => onMessage(e.data as WorkerMessage);
  w.onerror = (e) => onMessage({ error: String(e.message) });
  w.postMessage(init);
  return w;
}

/** Compiles the wasm core, streaming when the server sends application/wasm. */
export async function compileUrl(url: URL): Promise<WebAssembly.Module | undefined> {
  const res = await fetch(url);
  if (!res.ok) return undefined;
  if (typeof WebAssembly.compileStreaming === 'function' && res.headers.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(res);
  }
  return WebAssembly.compile(await res.arrayBuffer()); // a server with the wrong MIME type
}

/** The device worker's file name beside the bundle. */
export const DEVICE_WORKER = 'device-worker.browser.js';

/** Inside the device worker: the channel to the thread that started it. */
export async function parentChannel(): Promise<{ once(fn: (m: unknown) => void): void; post(m: unknown): void }> {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown): void };
  return {
    once: (fn) => {
      scope.onmessage = (e) => {
        scope.onmessage = null;
        fn(e.data);
      };
    },
    post: (m) => scope.postMessage(m),
  };
}
