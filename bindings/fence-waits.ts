/**
 * Waits on fences (F9, F10): the promise side of the fence table. A wait holds a reference to each
 * fence it waits on (as in the kernel: the fence outlives its handles while waited on), ends at the
 * first signal, at its timeout on the runtime's clock, at an abort (rejecting with the signal's
 * reason), or at dispose (rejecting ERR_DISPOSED), and then unhooks itself and drops its references.
 *
 * Contract: driver thread only.
 */
import type { FenceRecord, FenceTable, Waiter } from './fence-table.js';
import type { Timer } from './sim/clock.js';
import { abortReason } from './errors.js';

/**
 * Waits for the first of `recs` to signal (F9, F10): its index, or -1 when timeoutNs passes on
 * the clock. The fences must be pending when called. Aborting rejects; nothing else changes.
 */
export function waitAny(t: FenceTable, recs: FenceRecord[], timeoutNs: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const waiters: Waiter[] = [];
    let timer: Timer | undefined;
    let done = false;
    let untrack = () => {};
    t.activeWaits++;
    t.onWait?.();
    const finish = () => {
      if (done) return false;
      done = true;
      untrack();
      t.activeWaits--;
      if (t.life.disposed) return true; // the arena is gone: nothing to unhook
      for (let i = 0; i < recs.length; i++) t.removeWaiter(recs[i], waiters[i]);
      timer?.cancel();
      signal?.removeEventListener('abort', onAbort);
      for (const rec of recs) t.unref(rec); // the wait's own references
      return true;
    };
    const onAbort = () => {
      if (finish()) reject(abortReason(signal!));
    };
    // dispose: the wait rejects ERR_DISPOSED.
    untrack = t.life.track((e) => {
      if (finish()) reject(e);
    });
    // A waiter holds a reference, as in the kernel: the fence outlives its handles while waited on.
    for (const rec of recs) rec.refs++;
    const unbounded = timeoutNs === Infinity;
    recs.forEach((rec, i) => {
      const w: Waiter = { unbounded, wake: () => finish() && resolve(i) };
      waiters.push(w);
      t.addWaiter(rec, w);
    });
    if (!unbounded) timer = t.clock.schedule(t.clock.now + timeoutNs, () => finish() && resolve(-1));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waiters with no timeout on pending fences that nothing can signal any more (T2). */
export function blockedWaiters(t: FenceTable): number {
  let n = 0;
  for (const rec of t.records) {
    if (!rec || !rec.x.waiters.length || !t.issuers[rec.ctx].dead || t.isSignaledRaw(rec)) continue;
    for (const w of rec.x.waiters) if (w.unbounded) n++;
  }
  return n;
}

/** What raceWaits races: anything with the wait() of DmaFence and RemoteFence. */
interface Waitable {
  readonly signaled: boolean;
  wait(opts: { timeoutNs: number; signal: AbortSignal }): Promise<boolean>;
}

/**
 * waitAny over a list that mixes the runtime's fences with views of other threads' fences
 * (RemoteFence): one wait() per fence, raced. The index of the first to signal (the lowest
 * signaled index when several are), -1 once every wait timed out; an abort or a dispose rejects.
 * The waits still pending are cancelled (through their AbortSignal) as soon as it settles.
 */
export function raceWaits(fences: readonly Waitable[], timeoutNs: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    // One controller per wait (one shared signal with a listener per wait trips Node's
    // too-many-listeners warning past ten fences).
    const stops = fences.map(() => new AbortController());
    let open = fences.length;
    let done = false;
    const settle = (ok: boolean, v: unknown) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      for (const c of stops) c.abort();
      if (!ok) return reject(v);
      const i = v as number;
      if (i < 0) return resolve(-1);
      for (let k = 0; k < i; k++) if (fences[k].signaled) return resolve(k);
      resolve(i);
    };
    const onAbort = () => settle(false, abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    fences.forEach((f, i) => {
      f.wait({ timeoutNs, signal: stops[i].signal }).then(
        (signaled) => {
          if (signaled) settle(true, i);
          else if (--open === 0) settle(true, -1);
        },
        (e) => settle(false, e),
      );
    });
  });
}
