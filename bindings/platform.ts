/**
 * Host services that differ between Node and browsers, in one place: reading a file next to the
 * bundle, and starting the device worker. This is the Node build; platform.browser.ts replaces it
 * in the browser bundle (rollup swaps the module), so that bundle has no node: imports.
 */
import { DmaFenceError } from './errors.js';
import { missingWorker } from './shipped-files.js';

/** The bytes at a URL beside the bundle, or undefined if there is nothing there. */
export async function readBytes(url: URL): Promise<Uint8Array | ArrayBuffer | undefined> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url).catch(() => undefined);
  }
  const res = await fetch(url);
  return res.ok ? res.arrayBuffer() : undefined;
}

export interface WorkerLike {
  postMessage(m: unknown): void;
  terminate(): unknown;
}

export type WorkerMessage = { ready?: boolean; exited?: boolean; error?: string };

/** What startWorker reads from the init message besides what it posts to the worker. */
export interface WorkerStart {
  /** createRuntime({ workerUrl }): the device worker's script, when it is not the one beside the bundle. */
  workerUrl?: URL | string;
}

/**
 * Starts the device worker: the script beside the bundle (a literal URL, which bundlers see), or
 * `init.workerUrl`. It holds the process only until ready. A missing script is ERR_DEVICE_WORKER,
 * thrown here.
 */
export async function startWorker<T extends WorkerStart>(init: T, onMessage: (m: WorkerMessage) => void): Promise<WorkerLike> {
  const { Worker } = await import('node:worker_threads');
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const { workerUrl, ...message } = init;
  const url = workerUrl === undefined ? new URL('./device-worker.js', import.meta.url) : new URL(workerUrl, import.meta.url);
  if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
    throw missingWorker(url, 'device-worker.js', 'there is no such file');
  }
  // The worker inherits the process's flags; `node --input-type=module -e code` would stop it (the
  // flag is refused for a worker file): then it gets the flags without those (and without the code).
  const argv = process.execArgv;
  const i = argv.findIndex((a) => a === '-e' || a === '--eval' || a === '-p' || a === '--print');
  let w: InstanceType<typeof Worker>;
  try {
    w = argv.some((a) => a.startsWith('--input-type'))
      ? new Worker(url, { execArgv: argv.filter((a, k) => !a.startsWith('--input-type') && (i < 0 || (k !== i && k !== i + 1))) })
      : new Worker(url);
  } catch (e) {
    throw missingWorker(url, 'device-worker.js', `Node refused to start it: ${(e as Error)?.message ?? String(e)}`); // e.g. an http: URL
  }
  w.on('message', (m: WorkerMessage) => {
    if (m.ready) w.unref(); // from now on the driver's own handle decides whether the process stays alive
    onMessage(m);
  });
  w.on('error', (e) => onMessage({ error: String(e?.stack ?? e) }));
  w.postMessage(message);
  return w;
}

/** Resolves after one macrotask turn (setImmediate): other ready tasks and I/O callbacks run first. */
export function yieldTask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Compiles the wasm core at a URL (Node reads the file; see the browser build for streaming). */
export async function compileUrl(url: URL): Promise<WebAssembly.Module | undefined> {
  const bytes = await readBytes(url);
  return bytes ? WebAssembly.compile(bytes as BufferSource) : undefined;
}


/** Inside the device worker: the channel to the thread that started it. */
export async function parentChannel(): Promise<{ once(fn: (m: unknown) => void): void; post(m: unknown): void }> {
  const { parentPort } = await import('node:worker_threads');
  if (!parentPort) throw new DmaFenceError('ERR_DEVICE_THREAD', 'device-worker.js runs only as the device thread of a runtime with clock: \'real\'');
  return { once: (fn) => parentPort.once('message', fn), post: (m) => parentPort.postMessage(m) };
}
