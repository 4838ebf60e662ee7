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
import { lapsed, reclaimWaiters } from '../bindings/remote/owner.js';
import { EMITTER_LEASE_MS, reclaimEmitters } from '../bindings/remote/emitter.js';
import { REMOTE_LEASE_MS, REMOTE_POLL_MS, REMOTE_PROBE_ANSWER_MS, REMOTE_RECLAIM_AFTER_MS } from '../bindings/remote/common.js';
import { BACKENDS, runtime } from './helpers.js';

const scenarios = new URL('./workers/emitter-scenarios.mjs', import.meta.url);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Report = { value: boolean; ms: number; status: number; held: boolean; signalCode: string };

/**
 * A worker on the emitter scenarios, and `next(key, ms)`: its first message that has `key`,
 * waited for up to `ms` (undefined past it).
 */
function scenarioWorker() {
  const w = new Worker(scenarios);
  const msgs: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  w.on('message', (m) => {
    msgs.push(m);
    wake?.();
  });
  const next = async <T = Record<string, unknown>>(key: string, ms = Infinity): Promise<T | undefined> => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      const m = msgs.find((x) => key in x);
      if (m) return m as T;
      await Promise.race([new Promise<void>((r) => (wake = r)), settle(50)]);
    }
    return undefined;
  };
  return { w, next };
}

/** A worker running the 'sleeper' scenario on the owner's fence `a`: its own fence's handle, and its report. */
async function sleeper(rt: Runtime, a: SharedFenceHandle) {
  const { w, next } = scenarioWorker();
  w.postMessage({ scenario: 'sleeper', runtime: rt.share(), fences: [a] });
  const { fence } = (await next<{ fence: SharedFenceHandle }>('fence'))!;
  return { w, fence, report: async () => (await next<Report>('value'))! };
}

/** A runtime, its fence `a`, a worker asleep in waitSync on it ('sleeper'), and this thread's view of the worker's own fence. */
async function asleep(backend: (typeof BACKENDS)[number]) {
  const rt = await runtime(backend, { maxEmitterThreads: 1 });
  const a = rt.createContext().createFence();
  const s = await sleeper(rt, a.fence.share());
  const view = attachRuntime(rt.share());
  return { rt, a, s, view, own: view.fence(s.fence) };
}

describe.each(BACKENDS)('waitSync with no deadline and the leases (%s backend)', (backend) => {
  const now = (rt: Runtime) => {
    const root = rt.arena.root;
    return (performance.timeOrigin + performance.now() - root.timeBase) | 0;
  };
  const waiting = (rt: Runtime) => Atomics.load(rt.arena.i32, rt.arena.word(L.H_REMOTE_WAITERS));

  it('F9, T2 across threads: a waitSync asleep past every lease is not taken for dead: it answers the probes, keeps its registration and emitter header, and wakes at once', async () => {
    const { rt, a, s, view, own } = await asleep(backend);
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

  it('F9 across threads: a view keeps its waiter entry between waits (counting none) and gives it back at a tick with no wait; an expired entry that counts no wait is freed unprobed', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const root = rt.arena.root;
    const claimed = () => {
      let n = 0;
      for (let k = 0; k < L.RW_ENTRIES; k++) if (Atomics.load(root.i32, root.remoteClaimWord(k)) & L.RW_CLAIMED) n++;
      return n;
    };
    const view = attachRuntime(rt.share());
    const [a, b, c] = [ctx.createFence(), ctx.createFence(), ctx.createFence()];
    const p = view.fence(a.fence.share()).wait();
    expect([claimed(), waiting(rt)]).toEqual([1, 1]);
    a.signal();
    expect(await p).toBe(true);
    expect([claimed(), waiting(rt)]).toEqual([1, 0]); // kept, counting none: signals pay no notify
    const q = view.fence(b.fence.share()).wait(); // the next wait counts itself in the same entry
    expect([claimed(), waiting(rt)]).toEqual([1, 1]);
    b.signal();
    expect(await q).toBe(true);
    await settle(3 * REMOTE_POLL_MS);
    expect(claimed()).toBe(0); // the ticker gave it back
    // A waitSync's entry is kept too (its thread runs no tick in between); a reclaimer frees it
    // once expired at its first look, with no probe: nothing sleeps on it.
    expect(view.fence(c.fence.share()).waitSync({ timeoutNs: 1e6 })).toBe(false);
    expect([claimed(), waiting(rt)]).toEqual([1, 0]);
    reclaimWaiters(root, now(rt) + REMOTE_LEASE_MS + REMOTE_RECLAIM_AFTER_MS + 10);
    expect(claimed()).toBe(0);
    c.signal();
    view.dispose();
    await rt.dispose();
  });

  it('F9 across threads: a probe bumps the signal epoch as well as notifying it (a sleep that read the epoch before the probe cannot sleep through its notify)', async () => {
    const rt = await runtime(backend);
    const root = rt.arena.root;
    const e = root.word(L.H_SIGNAL_EPOCH);
    const lease = root.remoteClaimWord(0) + 1;
    Atomics.store(root.i32, lease, 0); // renewed at time 0 (even)
    const before = Atomics.load(root.i32, e);
    expect(lapsed(root.i32, lease, REMOTE_RECLAIM_AFTER_MS, REMOTE_RECLAIM_AFTER_MS, e)).toBe(false); // not expired yet: nothing
    expect(Atomics.load(root.i32, e)).toBe(before);
    expect(lapsed(root.i32, lease, REMOTE_RECLAIM_AFTER_MS + 1, REMOTE_RECLAIM_AFTER_MS, e)).toBe(false); // expired: probed
    expect(Atomics.load(root.i32, lease) & 1).toBe(1);
    expect(Atomics.load(root.i32, e)).toBe(before + 1);
    expect(lapsed(root.i32, lease, REMOTE_RECLAIM_AFTER_MS + 1, REMOTE_RECLAIM_AFTER_MS, e)).toBe(false); // probed, the answer's time not up
    expect(Atomics.load(root.i32, e)).toBe(before + 1); // a second look does not bump again
    Atomics.store(root.i32, lease, 0);
    await rt.dispose();
  });

  it('F9 across threads: waitSync checks its leases after its look at the fence, before it sleeps: a probe made after the epoch read is answered at once, not slept through', async () => {
    const rt = await runtime(backend);
    const root = rt.arena.root;
    const a = rt.createContext().createFence();
    const view = attachRuntime(rt.share());
    const f = view.fence(a.fence.share());
    const leaseOf = () => {
      for (let k = 0; k < L.RW_ENTRIES; k++) if (Atomics.load(root.i32, root.remoteClaimWord(k)) & L.RW_CLAIMED) return root.remoteClaimWord(k) + 1;
      throw new Error('no registration');
    };
    // The wait's looks at the fence: the first (before it counts itself), then (3) after the
    // epoch read, where a reclaimer probes this view's registration; the next look ends it.
    let looks = 0;
    let probedAt = 0;
    let seen: { ms: number; lease: number } | undefined;
    const done = () => {
      looks++;
      if (looks === 2) {
        const w = leaseOf();
        const later = now(rt) + REMOTE_LEASE_MS + REMOTE_RECLAIM_AFTER_MS + 10; // expired
        expect(lapsed(root.i32, w, later, REMOTE_RECLAIM_AFTER_MS, root.word(L.H_SIGNAL_EPOCH))).toBe(false);
        expect(Atomics.load(root.i32, w) & 1).toBe(1); // probed
        probedAt = performance.now();
      } else if (looks === 3) {
        seen = { ms: performance.now() - probedAt, lease: Atomics.load(root.i32, leaseOf()) };
        return true;
      }
      return false;
    };
    expect(view._waitSync(done, 3e9, true)).toBe(true);
    expect(looks).toBe(3);
    expect(seen!.lease & 1).toBe(0); // answered (renewed) before the next look...
    expect(seen!.ms).toBeLessThan(REMOTE_PROBE_ANSWER_MS); // ...at once, not at the wait's timeout (3 s)
    expect(f.signaled).toBe(false);
    a.signal();
    view.dispose();
    await rt.dispose();
  });

  it('F9 across threads: a waitSync whose emitter header was reclaimed (its lease left odd, never renewable again) answers that probe once per sleep: it sleeps and times out, it does not spin', async () => {
    const rt = await runtime(backend, { maxEmitterThreads: 1 });
    const root = rt.arena.root;
    const a = rt.createContext().createFence();
    const { w, next } = scenarioWorker();
    w.postMessage({ scenario: 'reclaimedSleeper', runtime: rt.share(), fences: [a.fence.share()] });
    expect(await next('ready', 20_000)).toBeDefined();
    const lease = root.word(root.header(L.H_EMIT_OFF) + L.EH_LEASE);
    let reclaimed = 0;
    for (let i = 0; i < 100 && !reclaimed; i++) {
      Atomics.store(root.i32, lease, ((now(rt) - EMITTER_LEASE_MS - 10) | 0) | 1); // expired, probed, unanswered
      reclaimed = reclaimEmitters(root);
    }
    expect(reclaimed).toBe(1);
    expect(Atomics.load(root.i32, lease) & 1).toBe(1); // a reclaim leaves the lease as it was
    w.postMessage({ go: true });
    const r = await next<{ value: boolean; ms: number }>('value', 10_000);
    await w.terminate();
    expect(r).toMatchObject({ value: false }); // undefined: it spun past its deadline
    expect(r!.ms).toBeGreaterThanOrEqual(290);
    a.signal();
    await rt.dispose();
  }, 30_000);

  it('T2: a worker terminated while asleep in waitSync: its registration and its emitter header are reclaimed once a probe goes unanswered; its pending fence signals -ECANCELED', async () => {
    const { rt, s, view, own } = await asleep(backend);
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
