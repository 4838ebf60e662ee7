/**
 * waitSync sleeps with no deadline (on a fence of the runtime's owner): its thread's event loop
 * stands still, so its leases (its view's waiter registration, its emitter header) are not
 * renewed by timers. A reclaimer that finds one expired probes it first (owner.ts, lapsed: the
 * lease marked probed, the signal epoch notified) and frees it only if the probe goes
 * unanswered: a live sleeper wakes, renews and sleeps again, so it is never taken for dead (its
 * pending fences are not cancelled, its wake-ups still come); a thread terminated while asleep
 * answers nothing and is reclaimed (T2: its pending fences signal -ECANCELED, waiters wake).
 */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { Errno, attachRuntime } from '../bindings/index.js';
import type { Runtime, SharedFenceHandle } from '../bindings/index.js';
import * as L from '../bindings/core/layout.js';
import { reclaimWaiters } from '../bindings/remote/owner.js';
import { EMITTER_LEASE_MS, reclaimEmitters } from '../bindings/remote/emitter.js';
import { REMOTE_LEASE_MS, REMOTE_POLL_MS, REMOTE_PROBE_ANSWER_MS, REMOTE_RECLAIM_AFTER_MS } from '../bindings/remote/common.js';
import { BACKENDS, runtime } from './helpers.js';

const scenarios = new URL('./workers/emitter-scenarios.mjs', import.meta.url);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Report = { value: boolean; ms: number; status: number; held: boolean; signalCode: string };

/** A worker running the 'sleeper' scenario on the owner's fence `a`: its own fence's handle, and its report. */
async function sleeper(rt: Runtime, a: SharedFenceHandle) {
  const w = new Worker(scenarios);
  const msgs: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  w.on('message', (m) => {
    msgs.push(m);
    wake?.();
  });
  const next = async <T>(key: string): Promise<T> => {
    for (;;) {
      const m = msgs.find((x) => key in x);
      if (m) return m as T;
      await new Promise<void>((r) => (wake = r));
    }
  };
  w.postMessage({ scenario: 'sleeper', runtime: rt.share(), fences: [a] });
  const { fence } = await next<{ fence: SharedFenceHandle }>('fence');
  return { w, fence, report: () => next<Report>('value') };
}

describe.each(BACKENDS)('waitSync with no deadline and the leases (%s backend)', (backend) => {
  const now = (rt: Runtime) => {
    const root = rt.arena.root;
    return (performance.timeOrigin + performance.now() - root.timeBase) | 0;
  };
  const waiting = (rt: Runtime) => Atomics.load(rt.arena.i32, rt.arena.word(L.H_REMOTE_WAITERS));
  const epoch = (rt: Runtime) => Atomics.load(rt.arena.i32, rt.arena.word(L.H_SIGNAL_EPOCH));
  const claimed = (rt: Runtime) => {
    const root = rt.arena.root;
    let n = 0;
    for (let k = 0; k < L.RW_ENTRIES; k++) if (Atomics.load(root.i32, root.remoteClaimWord(k)) & L.RW_CLAIMED) n++;
    return n;
  };

  it('F9, T2 across threads: a waitSync asleep past every lease is not taken for dead: it answers the probes, keeps its registration and emitter header, and wakes at once', async () => {
    const rt = await runtime(backend, { maxEmitterThreads: 1 });
    const ctx = rt.createContext();
    const a = ctx.createFence();
    const s = await sleeper(rt, a.fence.share());
    const view = attachRuntime(rt.share());
    const own = view.fence(s.fence);
    const waited = own.wait(); // (its view's ticker looks after threads that ended, too)
    await settle(50);
    expect(waiting(rt)).toBe(2); // the sleeper's waitSync and this wait
    // Reclaimers look every 20 ms, for longer than the emitter header's lease and a probe's answer.
    const until = performance.now() + EMITTER_LEASE_MS + REMOTE_PROBE_ANSWER_MS + 1500;
    let lowest = Infinity;
    while (performance.now() < until) {
      reclaimWaiters(rt.arena.root, now(rt));
      reclaimEmitters(rt.arena.root);
      lowest = Math.min(lowest, waiting(rt));
      await settle(20);
    }
    expect(lowest).toBe(2); // never freed
    expect(own.signaled).toBe(false); // its emitter header was not reclaimed: nothing cancelled
    a.signal();
    const r = await s.report();
    // ... and it kept its hold on the owner's fence (the owner's hold scan probes a view's lease too).
    expect(r).toMatchObject({ value: true, status: 1, held: true, signalCode: 'no error' });
    expect(r.ms).toBeGreaterThan(EMITTER_LEASE_MS);
    expect(await waited).toBe(true);
    expect(own.status).toBe(1);
    await s.w.terminate();
    view.dispose();
    await rt.dispose();
  }, 30_000);

  it('F9 across threads: a view stays counted in its waiter entry between waits (a lingering count) and gives it back at a tick with no wait since the last; a lingering waitSync count is freed once probed and unanswered', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const root = rt.arena.root;
    const view = attachRuntime(rt.share());
    const [a, b, c] = [ctx.createFence(), ctx.createFence(), ctx.createFence()];
    const p = view.fence(a.fence.share()).wait();
    expect([claimed(rt), waiting(rt)]).toEqual([1, 1]);
    a.signal();
    expect(await p).toBe(true);
    expect([claimed(rt), waiting(rt)]).toEqual([1, 1]); // kept, still counted: the next wait writes nothing shared
    const e0 = epoch(rt);
    publishPass(rt);
    expect(epoch(rt)).toBe(e0 + 1); // the price: a signaling pass notifies while the count lingers
    const q = view.fence(b.fence.share()).wait(); // the next wait finds itself counted
    expect([claimed(rt), waiting(rt)]).toEqual([1, 1]);
    b.signal();
    expect(await q).toBe(true);
    expect([claimed(rt), waiting(rt)]).toEqual([1, 1]);
    await settle(3 * REMOTE_POLL_MS); // a tick that finds a wait since the last keeps it; the next does not
    expect([claimed(rt), waiting(rt)]).toEqual([0, 0]); // the ticker gave count and entry back
    const e1 = epoch(rt);
    publishPass(rt);
    expect(epoch(rt)).toBe(e1); // nobody counted: no notify
    // A waitSync's count lingers too (its thread runs no tick in between). A reclaimer treats it as
    // any count: probed first (a live thread would answer), freed once the probe went unanswered.
    expect(view.fence(c.fence.share()).waitSync({ timeoutNs: 1e6 })).toBe(false);
    expect([claimed(rt), waiting(rt)]).toEqual([1, 1]);
    const t = now(rt) + REMOTE_LEASE_MS + REMOTE_RECLAIM_AFTER_MS + 10;
    reclaimWaiters(root, t);
    expect([claimed(rt), waiting(rt)]).toEqual([1, 1]); // probed, not freed
    reclaimWaiters(root, t + REMOTE_PROBE_ANSWER_MS + 10);
    expect([claimed(rt), waiting(rt)]).toEqual([0, 0]);
    // F9: the next wait finds its lingering count gone and counts itself afresh (no lost wake-up).
    const r = view.fence(c.fence.share()).wait();
    expect([claimed(rt), waiting(rt)]).toEqual([1, 1]);
    c.signal();
    expect(await r).toBe(true);
    view.dispose();
    await rt.dispose();
  });

  it('F9 across threads: dispose gives a lingering count and its entry back at once', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const view = attachRuntime(rt.share());
    const a = ctx.createFence();
    const p = view.fence(a.fence.share()).wait();
    a.signal();
    expect(await p).toBe(true);
    expect([claimed(rt), waiting(rt)]).toEqual([1, 1]);
    view.dispose();
    expect([claimed(rt), waiting(rt)]).toEqual([0, 0]);
    // And a wait asleep at dispose rejects, leaving nothing counted.
    const view2 = attachRuntime(rt.share());
    const b = ctx.createFence();
    const q = view2.fence(b.fence.share()).wait();
    expect(waiting(rt)).toBe(1);
    view2.dispose();
    await expect(q).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(waiting(rt)).toBe(0);
    b.signal();
    await rt.dispose();
  });

  it('F9, T2 across threads: a thread that stops (then is terminated) while its count lingers has its registration reclaimed once a probe goes unanswered', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const a = ctx.createFence();
    const w = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import(workerData.dist).then(({ attachRuntime }) => {
         const art = attachRuntime(workerData.runtime);
         const f = art.fence(workerData.fence);
         parentPort.postMessage({ value: f.waitSync({ timeoutNs: 1e6 }) });
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // stops: no tick ever runs
       });`,
      { eval: true, workerData: { dist: new URL('../dist/index.js', import.meta.url).href, runtime: rt.share(), fence: a.fence.share({ hold: false }) } },
    );
    const m = await new Promise<{ value: boolean }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    expect(m.value).toBe(false);
    expect([claimed(rt), waiting(rt)]).toEqual([1, 1]); // its count lingers
    await w.terminate();
    expect([claimed(rt), waiting(rt)]).toEqual([1, 1]); // dead, still counted: the owner notifies for it
    const until = performance.now() + REMOTE_LEASE_MS + REMOTE_RECLAIM_AFTER_MS + REMOTE_PROBE_ANSWER_MS + 1500;
    while (performance.now() < until && waiting(rt) > 0) {
      publishPass(rt);
      reclaimWaiters(rt.arena.root, now(rt));
      await settle(20);
    }
    expect([claimed(rt), waiting(rt)]).toEqual([0, 0]);
    const e = epoch(rt);
    publishPass(rt);
    expect(epoch(rt)).toBe(e); // the owner pays no notify for it any more
    a.signal();
    await rt.dispose();
  }, 30_000);

  it('T2: a worker terminated while asleep in waitSync: its registration and its emitter header are reclaimed once a probe goes unanswered; its pending fence signals -ECANCELED', async () => {
    const rt = await runtime(backend, { maxEmitterThreads: 1 });
    const ctx = rt.createContext();
    const a = ctx.createFence();
    const s = await sleeper(rt, a.fence.share());
    const view = attachRuntime(rt.share());
    const own = view.fence(s.fence);
    await settle(50);
    expect(waiting(rt)).toBe(1);
    await s.w.terminate(); // asleep: it never uncounts itself, nor renews anything again
    expect(waiting(rt)).toBe(1);
    const waited = own.wait({ timeoutNs: 20e9 }); // woken by the reclaim (T2), or false at 20 s
    const until = performance.now() + REMOTE_LEASE_MS + REMOTE_RECLAIM_AFTER_MS + REMOTE_PROBE_ANSWER_MS + 1000;
    while (performance.now() < until && waiting(rt) > 1) {
      reclaimWaiters(rt.arena.root, now(rt));
      await settle(20);
    }
    expect(waiting(rt)).toBe(1); // only this thread's wait is counted now
    expect(await waited).toBe(true);
    expect(own.status).toBe(-Errno.ECANCELED);
    view.dispose();
    await rt.dispose();
  }, 30_000);
});

/** Runs one signaling pass on the owner (a fence of a spare context, signaled at once). */
function publishPass(rt: Runtime): void {
  const c = (spare.get(rt) ?? spare.set(rt, rt.createContext()).get(rt))!;
  c.signalUpTo(c.createFences(1));
}
const spare = new WeakMap<Runtime, ReturnType<Runtime['createContext']>>();
