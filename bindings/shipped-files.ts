/**
 * What a user reads when a file dmafence ships beside its bundle (the wasm core, the device
 * worker) is not where the bundle looks for it: where it was expected, why it was not usable,
 * which bundlers copy it by themselves, and the option that names another place.
 */
import { DmaFenceError } from './errors.js';

const ESBUILD = 'Vite and Rollup copy it into your build by themselves; esbuild does not: copy it from node_modules/dmafence/dist/ next to your bundle.';

/** ERR_WASM: the default core (dist/dmafence.wasm or dist/dmafence.unshared.wasm) did not load. */
export function missingCore(url: URL, file: string, why: string): DmaFenceError {
  return new DmaFenceError(
    'ERR_WASM',
    `dmafence's wasm core was expected at ${url.href} (${why}). It ships as dist/${file} in the package, next to the bundle that loads it. ${ESBUILD} ` +
      "To host it elsewhere, pass createRuntime({ wasm: url }) (or its bytes, or a WebAssembly.Module); backend: 'ts' needs no wasm.",
  );
}

/** ERR_DEVICE_WORKER: the device worker's script (dist/device-worker.js or .browser.js) did not load. */
export function missingWorker(url: URL, file: string, why: string): DmaFenceError {
  return new DmaFenceError(
    'ERR_DEVICE_WORKER',
    `dmafence's device worker (the device thread of clock: 'real') was expected at ${url.href} (${why}). It ships as dist/${file} in the package, next to the bundle that starts it. ${ESBUILD} ` +
      "To host it elsewhere, pass createRuntime({ clock: 'real', workerUrl: url }); the virtual clock needs no worker.",
  );
}
