/** Browser build of platform.ts: fetch for files beside the bundle, a module Web Worker. */
import { missingWorker } from './shipped-files.js';
import type { WorkerLike, WorkerMessage, WorkerStart } from './platform.js';
export type { WorkerLike, WorkerMessage, WorkerStart };

export async function readBytes(url: URL): Promise<Uint8Array | ArrayBuffer | undefined> {
  const res = await fetch(url);
  return res.ok ? res.arrayBuffer() : undefined;
}

/**
 * Starts the device worker: the script beside the bundle, named by a literal URL in a
 * `new Worker(...)` expression (below), the form bundlers read to emit it with the app, or
 * `init.workerUrl`. Resolves once the worker has posted its
 * first message; a script that does not load rejects with ERR_DEVICE_WORKER saying why.
 */
export function startWorker<T extends WorkerStart>(init: T, onMessage: (m: WorkerMessage) => void): Promise<WorkerLike> {
  const { workerUrl, ...message } = init;
  const custom = workerUrl === undefined ? undefined : new URL(workerUrl, import.meta.url);
  // Where the default is when no bundler moved it (for the error only: not the literal bundlers read).
  const bundle = import.meta.url;
  const where = custom ?? new URL('device-worker.browser.js', bundle);
  let w: Worker;
  try {
    w = custom ? new Worker(custom, { type: 'module' }) : new Worker(new URL('./device-worker.browser.js', import.meta.url), { type: 'module' });
  } catch (e) {
    // Another origin, a scheme workers cannot load: the browser refuses at once.
    return Promise.reject(missingWorker(where, 'device-worker.browser.js', `the browser refused to start it: ${(e as Error)?.message ?? String(e)}`));
  }
  return new Promise((resolve, reject) => {
    let started = false;
    w.onmessage = (e) => {
      if (!started) {
        started = true;
        resolve(w);
      }
      onMessage(e.data as WorkerMessage);
    };
    w.onerror = (e) => {
      e.preventDefault();
      if (started) return onMessage({ error: String(e.message) });
      started = true;
      w.terminate();
      // A worker that does not load says nothing about why: ask the server.
      void whyNotLoaded(where, e.message).then((why) => reject(missingWorker(where, 'device-worker.browser.js', why)));
    };
    w.postMessage(message);
  });
}

async function whyNotLoaded(url: URL, message: string | undefined): Promise<string> {
  const res = await fetch(url).catch((e: unknown) => String(e));
  if (typeof res === 'string') return `fetching it failed: ${res}`;
  if (!res.ok) return `the server answered ${res.status} ${res.statusText}`.trimEnd();
  const type = res.headers.get('content-type') ?? 'no content type';
  if (!/javascript|ecmascript/.test(type)) return `the server sent ${type}, not JavaScript`;
  return message ? `it did not start: ${message}` : 'it did not load';
}

let turn: { port: MessagePort; waiting: (() => void)[] } | undefined;
/**
 * Resolves after one macrotask turn: a message to itself on a MessageChannel (setTimeout(0) is
 * clamped to 4 ms once nested), so other ready tasks run first.
 */
export function yieldTask(): Promise<void> {
  if (!turn) {
    const ch = new MessageChannel();
    const t = { port: ch.port2, waiting: [] as (() => void)[] };
    ch.port1.onmessage = () => t.waiting.shift()?.();
    turn = t;
  }
  const t = turn;
  return new Promise((resolve) => {
    t.waiting.push(resolve);
    t.port.postMessage(0);
  });
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
