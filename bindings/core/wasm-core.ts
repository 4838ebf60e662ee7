/**
 * Wasm backend: loads the core (dmafence.wasm beside the bundle, or what createRuntime({ wasm })
 * names) and instantiates it over the runtime's memory. The exports already have the Core
 * signatures, so the hot path calls them directly with no wrapper. One compiled module is shared
 * by every runtime in the process.
 *
 * The default files are named by literal URLs relative to import.meta.url (defaultUrl below),
 * the form bundlers (Vite, Rollup, webpack, Parcel) recognize: they copy the file into the app's
 * build and rewrite the URL. Nothing here computes a file name. (Running from source, the test config
 * points these two literals at build/.)
 */
import type { Core } from './core.js';
import { compileUrl, readBytes } from '../platform.js';
import { DmaFenceError } from '../errors.js';
import { instantiateCore } from './wasm-instance.js';
import { missingCore } from '../shipped-files.js';

/**
 * Two builds: one importing a shared memory (threads), one a plain memory (pages that are not
 * cross-origin isolated, where SharedArrayBuffer does not exist).
 */
const FILES = { shared: 'dmafence.wasm', unshared: 'dmafence.unshared.wasm' } as const;
function defaultUrl(shared: boolean): URL {
  return shared ? new URL('./dmafence.wasm', import.meta.url) : new URL('./dmafence.unshared.wasm', import.meta.url);
}

const compiled: { shared?: Promise<WebAssembly.Module>; unshared?: Promise<WebAssembly.Module> } = {};

/** The compiled core module, compiled once per process. `source` overrides where it comes from. */
export function loadWasmModule(source?: WebAssembly.Module | BufferSource | URL | string, shared = true): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source !== undefined) {
    if (typeof source === 'string' || source instanceof URL) {
      const url = new URL(source, import.meta.url);
      return readBytes(url).then((bytes) => {
        if (!bytes) throw new DmaFenceError('ERR_WASM', `cannot read the wasm core at ${url.href} (the wasm option of createRuntime)`);
        return WebAssembly.compile(bytes as BufferSource);
      });
    }
    return WebAssembly.compile(source);
  }
  const variant = shared ? 'shared' : 'unshared';
  const url = defaultUrl(shared);
  const p = (compiled[variant] ??= (async () => {
    let module: WebAssembly.Module | undefined;
    try {
      module = await compileUrl(url);
    } catch (e) {
      throw missingCore(url, FILES[variant], `it could not be read or compiled: ${(e as Error)?.message ?? String(e)}`);
    }
    if (!module) throw missingCore(url, FILES[variant], 'nothing is there');
    return module;
  })());
  p.catch(() => {
    if (compiled[variant] === p) delete compiled[variant]; // a failed load is tried again by the next runtime
  });
  return p;
}

/** Instantiates the core over `memory` (the shared arena). */
export async function createWasmCore(memory: WebAssembly.Memory, source?: WebAssembly.Module | BufferSource | URL | string): Promise<Core> {
  const module = await loadWasmModule(source, typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer);
  return instantiateCore(memory, module);
}
