// A thread that waits on one remote fence: posts { waiting: true } once its wait has started, then
// the outcome ({ value } or { code }) and how long the wait took. Plain JS over the built package
// (vitest does not transform worker files).
import { parentPort } from 'node:worker_threads';
import { attachRuntime } from '../../dist/index.js';

parentPort.once('message', async ({ runtime, fence, timeoutNs }) => {
  const f = attachRuntime(runtime).fence(fence);
  const t0 = performance.now();
  const p = f.wait({ timeoutNs });
  parentPort.postMessage({ waiting: true });
  try {
    const value = await p;
    parentPort.postMessage({ value, ms: performance.now() - t0 });
  } catch (e) {
    parentPort.postMessage({ code: e?.code ?? String(e), ms: performance.now() - t0 });
  }
});
