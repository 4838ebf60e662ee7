// An attached emitter that signals on command (plain JS over the built package: vitest does not
// transform worker files). { runtime, n, backend } -> creates n contexts of one fence each, posts
// their handles; then { signal: i } signals fence i (with { error } first if given) and answers
// { signaled: i }; { end: true } releases everything and answers { ended: true }.
import { parentPort } from 'node:worker_threads';
import { attachRuntime } from '../../dist/index.js';

parentPort.once('message', ({ runtime, n, backend }) => {
  const art = attachRuntime(runtime, { backend });
  const dfs = Array.from({ length: n }, (_, i) => art.createContext({ timelineName: `w${i}` }).createFence());
  parentPort.postMessage({ fences: dfs.map((d) => d.fence.share()) });
  parentPort.on('message', (m) => {
    if (m.end) {
      for (const d of dfs) d.release();
      art.dispose();
      parentPort.postMessage({ ended: true });
      return;
    }
    if (m.error) dfs[m.signal].setError(m.error);
    dfs[m.signal].signal();
    parentPort.postMessage({ signaled: m.signal });
  });
});
