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
    if (!rec || !rec.waiters.length || !t.issuers[rec.ctx].dead || t.isSignaledRaw(rec)) continue;
    for (const w of rec.waiters) if (w.unbounded) n++;
  }
  return n;
}
