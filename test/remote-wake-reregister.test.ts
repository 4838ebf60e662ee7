/**
 * F18 and the futex protocol of remote waits (DESIGN.md, "Wake-ups") when a live view's waiter
 * registration is freed under it: a thread whose event loop stood still past its lease (CPU
 * starvation, a long GC) is taken for dead, and a signaler frees its registration (the total
 * drops, so its next signals pay no notify). The view must then make its sleeping waits look
 * again, whichever of its calls finds the registration gone first: the ticker, or a new wait
 * (wait() or waitSync()) that registers afresh. If a new wait re-registered silently, a wait that slept through the
 * unnotified signal (a callback's, which has no deadline) would sleep forever: a remote callback
 * lost (F18), and a thread's results never posted.
 */
import { describe, expect, it } from 'vitest';
import { attachRuntime } from '../bindings/index.js';
import * as L from '../bindings/core/layout.js';
import { reclaimWaiters } from '../bindings/remote/owner.js';
import { REMOTE_POLL_MS } from '../bindings/remote/common.js';
import { BACKENDS, runtime } from './helpers.js';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(BACKENDS)('remote waits after their registration was freed (%s backend)', (backend) => {
  it.each([
    ['a new wait() registers afresh', 'wait'],
    ['a waitSync registers afresh', 'waitSync'],
  ] as const)('F18: %s: the callback still runs once, the wait sees its fence signaled', async (_name, how) => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const [a, b] = [ctx.createFence(), ctx.createFence()];
    const view = attachRuntime(rt.share());
    const [ra, rb] = [view.fence(a.fence.share()), view.fence(b.fence.share())];
    const waiters = () => Atomics.load(rt.arena.i32, (rt.arena.base + L.H_REMOTE_WAITERS) >> 2);
    let runs = 0;
    expect(ra.addCallback(() => runs++)).toBe(true); // sleeps, counted: no deadline of its own
    const waitA = ra.wait(); // a wait on the same fence, sleeping too
    expect(waiters()).toBe(2);
    // The view is taken for dead: a signaler frees its registration, as a lease that expired,
    // was probed (marked odd, the epoch notified) and not renewed by the probe's end. The probe
    // is written here by hand, without its notify: the waits must not look again because of it.
    const root = rt.arena.root;
    const t = (performance.timeOrigin + performance.now() - root.timeBase) | 0;
    for (let k = 0; k < L.RW_ENTRIES; k++) {
      const cw = root.remoteClaimWord(k);
      if (Atomics.load(root.i32, cw) & L.RW_CLAIMED) Atomics.store(root.i32, cw + 1, (t - 60_000) | 1);
    }
    reclaimWaiters(root, t);
    expect(waiters()).toBe(0);
    a.signal(); // nobody counted: no notify
    // Before the view's ticker runs, a new wait finds the registration gone and registers afresh.
    let waitB: Promise<boolean> | undefined;
    if (how === 'wait') waitB = rb.wait({ timeoutNs: 60e9 });
    else expect(rb.waitSync({ timeoutNs: 1e6 })).toBe(false); // (b is pending: it times out)
    expect(waiters()).toBe(how === 'wait' ? 3 : 2);
    // Well past a few ticks of the view: the waits that slept through the signal looked again.
    const deadline = performance.now() + 20 * REMOTE_POLL_MS;
    let waitedA: boolean | undefined;
    void waitA.then((v) => (waitedA = v));
    while ((runs === 0 || waitedA === undefined) && performance.now() < deadline) await settle(10);
    expect(runs).toBe(1);
    expect(waitedA).toBe(true);
    b.signal();
    if (waitB) expect(await waitB).toBe(true);
    await settle(2 * REMOTE_POLL_MS);
    expect(runs).toBe(1); // never twice
    expect(waiters()).toBe(0);
    a.release();
    b.release();
    view.dispose();
    await rt.dispose();
  });
});
