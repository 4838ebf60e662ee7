/**
 * A module Web Worker that is an emitter of the page's runtime (test/browser/worker-emitter.test.ts):
 * attaches, creates a context and n fences, posts their handles, then on 'go' signals them in
 * small steps (every 5th with -EIO first) and reports.
 */
import { attachRuntime } from '../../bindings/index.js';
import type { SharedRuntimeHandle } from '../../bindings/index.js';

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown): void };

scope.onmessage = (e: MessageEvent<{ rt: SharedRuntimeHandle; n: number; backend: 'wasm' | 'ts' }>) => {
  const { rt, n, backend } = e.data;
  const art = attachRuntime(rt, { backend });
  const ctx = art.createContext({ timelineName: 'web-worker' });
  const dfs = Array.from({ length: n }, () => ctx.createFence());
  scope.postMessage({ fences: dfs.map((d) => d.fence.share()), backend: art.backend, context: ctx.id });
  scope.onmessage = () => {
    let i = 0;
    const step = () => {
      const end = Math.min(n, i + 1 + (i % 7));
      for (; i < end; i++) {
        if (i % 5 === 0) dfs[i].setError(-5);
        dfs[i].signal();
      }
      if (i < n) setTimeout(step, 0);
      else scope.postMessage({ signaled: true, pending: ctx.pending, violations: art.violations.length });
    };
    step();
  };
};
