/**
 * Wasm backend: loads build/dmafence.wasm (or the copy beside the bundle) and instantiates it over
 * the runtime's memory. The exports already have the Core signatures, so the hot path calls them
 * directly with no wrapper. One compiled module is shared by every runtime in the process.
 */
import type { Core } from './core.js';
import { compileUrl, readBytes } from '../platform.js';
import { DmaFenceError } from '../errors.js';

/**
 * Where the wasm may be: beside the built bundle, or in build/ when running from source. Two
 * builds: one importing a shared memory (threads), one a plain memory (pages that are not
 * cross-origin isolated, where SharedArrayBuffer does not exist).
 */
const FILES = { shared: 'dmafence.wasm', unshared: 'dmafence.unshared.wasm' };
/** Beside the bundle (dist/), or build/ when running from source (bindings/core/). */
const DIRS = ['./', '../../build/'];

const compiled: Partial<Record<keyof typeof FILES, Promise<WebAssembly.Module>>> = {};

/** The compiled core module, compiled once per process. `source` overrides where it comes from. */
export function loadWasmModule(source?: WebAssembly.Module | BufferSource | URL | string, shared = true): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source !== undefined) {
    if (typeof source === 'string' || source instanceof URL) {
      const url = new URL(source, import.meta.url);
      return readBytes(url).then((bytes) => {
        if (!bytes) throw new DmaFenceError('ERR_WASM', `cannot read the wasm core at ${url.href}`);
        return WebAssembly.compile(bytes as BufferSource);
      });
    }
    return WebAssembly.compile(source);
  }
  const variant = shared ? 'shared' : 'unshared';
  return (compiled[variant] ??= (async () => {
    for (const dir of DIRS) {
      const module = await compileUrl(new URL(dir + FILES[variant], import.meta.url)).catch(() => undefined);
      if (module) return module;
    }
    throw new DmaFenceError('ERR_WASM', `the wasm core (${FILES[variant]}) is missing beside dmafence's bundle: reinstall the package, or pass createRuntime({ wasm }) (from a source checkout: npm run build)`);
  })());
}

/** Instantiates the core over `memory` (the shared arena). */
export async function createWasmCore(memory: WebAssembly.Memory, source?: WebAssembly.Module | BufferSource | URL | string): Promise<Core> {
  const module = await loadWasmModule(source, typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return wasmCoreOf(module, instance);
}

/** Synchronous form, for an attached thread given the compiled module (throws where a page's
 *  main thread refuses synchronous instantiation of a module this size). */
export function createWasmCoreSync(memory: WebAssembly.Memory, module: WebAssembly.Module): Core {
  return wasmCoreOf(module, new WebAssembly.Instance(module, { env: { memory } }));
}

function wasmCoreOf(module: WebAssembly.Module, instance: WebAssembly.Instance): Core {
  const e = instance.exports as unknown as Omit<Core, 'backend' | 'module'>;
  return {
    backend: 'wasm',
    module,
    isLater: e.isLater,
    fenceCreate: e.fenceCreate,
    fencesCreate: e.fencesCreate,
    fenceSignal: e.fenceSignal,
    signalUpTo: e.signalUpTo,
    fenceSetError: e.fenceSetError,
    fenceUnpin: e.fenceUnpin,
    ringSubmit: e.ringSubmit,
    ringReschedule: e.ringReschedule,
    devicesRun: e.devicesRun,
    fenceUnhold: e.fenceUnhold,
    schedPush: e.schedPush,
    schedAddDep: e.schedAddDep,
    schedPass: e.schedPass,
  };
}
