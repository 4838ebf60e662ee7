/**
 * One compiled core module instantiated over a runtime's memory. Kept apart from the loader
 * (wasm-core.ts) so that the device worker, which always receives the compiled module from the
 * thread that started it, carries no URL of its own.
 */
import type { Core } from './core.js';

/** Instantiates the core over `memory` (the shared arena). The exports already have the Core signatures. */
export async function instantiateCore(memory: WebAssembly.Memory, module: WebAssembly.Module): Promise<Core> {
  return wasmCoreOf(module, await WebAssembly.instantiate(module, { env: { memory } }));
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
