/**
 * Composite fences are fences like any other (issue item 6, X1-X4, Y): shared with another thread
 * and waited on there (the wait ends when the owner's children signal), polled through a view in
 * this thread, and every composite call after dispose is ERR_DISPOSED.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { attachRuntime } from '../bindings/index.js';
import type { DmaFence, Runtime } from '../bindings/index.js';
import { BACKENDS, codeOf, rejectionCode, runtime } from './helpers.js';

const remoteWaiter = new URL('./workers/remote-waiter.mjs', import.meta.url);

/** Starts a worker waiting on `f` (shared), resolves its outcome; `go` runs once it waits. */
function waitInWorker(rt: Runtime, f: DmaFence, go: () => void): Promise<{ value?: boolean; code?: string }> {
  const w = new Worker(remoteWaiter);
  return new Promise((resolve, reject) => {
    w.on('message', (m) => {
      if (m.waiting) go();
      else void w.terminate().then(() => resolve(m));
    });
    w.on('error', reject);
    w.postMessage({ runtime: rt.share(), fence: f.share(), timeoutNs: 30e9 });
  });
}

describe.each(BACKENDS)('composite fences across threads (%s backend)', (backend) => {
  it('X1: an array shared with another thread: its wait there ends when the owner signals the children', async () => {
    const rt = await runtime(backend, { maxFences: 64, maxContexts: 16 });
    const [c1, c2] = [rt.createContext(), rt.createContext()];
    const [a, b] = [c1.createFence(), c2.createFence()];
    const arr = rt.fenceArray([a.fence, b.fence]);
    const r = await waitInWorker(rt, arr, () => {
      a.signal();
      b.signal();
    });
    expect(r).toMatchObject({ value: true });
    expect(arr.signaled).toBe(true);
    await rt.dispose();
  });

  it('Y4: a syncobj timeline point shared with another thread completes there once every earlier point has', async () => {
    const rt = await runtime(backend, { maxFences: 64, maxContexts: 16 });
    const ctx = rt.createContext();
    const so = rt.createSyncobj();
    const job = ctx.createFence();
    so.addPoint(1, job.fence);
    so.timelineSignal(2);
    const p2 = so.find(2);
    const r = await waitInWorker(rt, p2, () => job.signal());
    expect(r).toMatchObject({ value: true });
    expect(so.query()).toBe(2);
    await rt.dispose();
  });

  it('X2.4: a view in this thread reads a shared chain link as the owner does', async () => {
    const rt = await runtime(backend, { maxFences: 64, maxContexts: 16 });
    const ctx = rt.createContext();
    const [a, b] = [ctx.createFence(), ctx.createFence()];
    const link = rt.fenceChain(rt.fenceChain(null, a.fence, 1), b.fence, 2);
    const view = attachRuntime(rt.share()).fence(link.share());
    expect(view.signaled).toBe(false);
    ctx.signalUpTo(b.seqno);
    expect(view.signaled).toBe(true);
    expect(view.seqno).toBe(2);
    await rt.dispose();
  });

  it('X1-X4, Y: after dispose every composite call is ERR_DISPOSED', async () => {
    const rt = await runtime(backend, { maxFences: 64, maxContexts: 16 });
    const ctx = rt.createContext();
    const f = ctx.createFence().fence;
    const tl = rt.createSwSync();
    const so = rt.createSyncobj({ signaled: true });
    const link = rt.fenceChain(null, f, 1);
    await rt.dispose();
    const calls: (() => unknown)[] = [
      () => rt.fenceArray([f]),
      () => rt.fenceChain(null, f, 2),
      () => rt.chainFind(link, 1),
      () => rt.unwrap(f),
      () => rt.merge(f),
      () => rt.fenceInfo(f),
      () => rt.createSwSync(),
      () => rt.createSyncobj(),
      () => link.kind,
      () => tl.createFence(1),
      () => tl.inc(1),
      () => tl.close(),
      () => tl.value,
      () => tl.context,
      () => tl.closed,
      () => tl.deadline(f),
      () => so.fence,
      () => so.replace(null),
      () => so.reset(),
      () => so.signal(),
      () => so.addPoint(1, f),
      () => so.timelineSignal(1),
      () => so.find(0),
      () => so.query(),
      () => so.transfer(so, 1, 0),
    ];
    for (const c of calls) expect(codeOf(c)).toBe('ERR_DISPOSED');
    expect(await rejectionCode(rt.syncobjWait([{ syncobj: so, point: 0 }]))).toBe('ERR_DISPOSED');
  });
});
