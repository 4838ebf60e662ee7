/** Cross-thread fences: share, attachRuntime in a worker, and F18 raced across two threads. */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { Errno, attachRuntime, createRuntime } from '../bindings/index.js';
import { BACKENDS, codeOf } from './helpers.js';

const workerUrl = new URL('./workers/f18-worker.mjs', import.meta.url);

describe.each(BACKENDS)('cross-thread fences (%s backend)', (backend) => {
  it('F18: a callback added on another thread while this one signals: "already signaled" or runs once, never lost', async () => {
    const rt = await createRuntime({ backend, maxFences: 8192 });
    const ctx = rt.createContext();
    const N = 4000;
    const dfs = Array.from({ length: N }, () => ctx.createFence());
    const w = new Worker(workerUrl);
    const done = new Promise<{ results: { added: boolean; runs: number }[]; waitedStatus: number[] }>((resolve, reject) => {
      w.on('message', (m) => {
        if (m.started) {
          // Signal while the worker adds callbacks: some before, some after, some in between.
          let i = 0;
          const step = () => {
            const end = Math.min(N, i + 1 + (i % 7));
            for (; i < end; i++) {
              if (i % 5 === 0) dfs[i].setError(-Errno.EIO);
              dfs[i].signal();
            }
            if (i < N) setTimeout(step, 0);
          };
          step();
        } else if (m.results) resolve(m);
      });
      w.on('error', reject);
    });
    w.postMessage({ runtime: rt.share(), fences: dfs.map((d) => d.fence.share()) });
    const { results, waitedStatus } = await done;
    await w.terminate();
    const added = results.filter((r) => r.added).length;
    expect(results.every((r) => (r.added ? r.runs === 1 : r.runs === 0))).toBe(true);
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThan(N); // the race really happened both ways
    expect(waitedStatus.every((s, i) => s === (i % 5 === 0 ? -Errno.EIO : 1))).toBe(true);
    expect(rt.violations).toEqual([]);
  });
});

describe('attachRuntime', () => {
  it('reads, waits and reports staleness across a view; bad handles are refused', async () => {
    const rt = await createRuntime({ maxFences: 4 });
    const view = attachRuntime(rt.share()); // same thread: the view still reads only through the arena
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const remote = view.fence(df.fence.share({ hold: false })); // plain handles: staleness
    expect([remote.signaled, remote.status, remote.seqno, remote.context]).toEqual([false, 0, 1, ctx.id]);
    const p = remote.wait({ timeoutNs: 5e9 });
    setTimeout(() => df.signal(), 5);
    expect(await p).toBe(true);
    expect(await remote.wait({ timeoutNs: 0 })).toBe(true);
    const other = ctx.createFence();
    expect(await view.fence(other.fence.share({ hold: false })).wait({ timeoutNs: 10e6 })).toBe(false);
    const otherRemote = view.fence(other.fence.share({ hold: false }));
    for (const h of [df.fence, df, other.fence, other]) h.release();
    ctx.signalUpTo(10);
    ctx.createFences(3); // the slots are reused
    // remote read its fence signaled before the slot moved on: it keeps the values it read.
    expect([remote.signaled, remote.status, remote.error]).toEqual([true, 1, 0]);
    // otherRemote never saw its fence signaled in its slot: signaled, values stale.
    expect(otherRemote.signaled).toBe(true);
    expect(codeOf(() => otherRemote.status)).toBe('ERR_STALE_HANDLE');
    expect(codeOf(() => attachRuntime({} as never))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => view.fence({ kind: 'x' } as never))).toBe('ERR_INVALID_ARG');
  });
});
