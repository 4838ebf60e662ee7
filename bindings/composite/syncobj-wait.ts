/**
 * rt.syncobjWait (Y6, drm_syncobj_array_wait_timeout): waits for points of syncobjs, all of them
 * or the first, optionally for points not submitted yet.
 *
 * Contract: driver thread only. Each entry resolves its fence once (at the call, or when its point
 * is submitted with waitForSubmit / waitAvailable) and then waits for it to signal (an error counts
 * as done). The wait holds a reference to each fence it waits on; it ends at completion, timeout,
 * abort (rejecting with the signal's reason) or dispose (ERR_DISPOSED), and then unhooks itself.
 */
import type { FenceRecord, Waiter } from '../fence-table.js';
import { checkAbortSignal } from '../dma-fence.js';
import { DmaFenceRangeError, DmaFenceTypeError, abortReason, checkBoolean, checkDuration, checkOptions, describe } from '../errors.js';
import type { Timer } from '../sim/clock.js';
import { Syncobj } from './syncobj.js';
import type { CompositeHost } from './host.js';
import { checkSeqno } from '../dma-fence.js';

/** One point `rt.syncobjWait()` waits for. */
export interface SyncobjWaitEntry {
  /** The syncobj. */
  syncobj: Syncobj;
  /** Its timeline point; 0 for a binary syncobj (its current fence). */
  point: number;
}

/** Options of `rt.syncobjWait()` (Y6). */
export interface SyncobjWaitOptions {
  /** Wait for every entry (true, default) or for the first (false). */
  all?: boolean;
  /** ns on the runtime clock; 0 answers at once; default Infinity. */
  timeoutNs?: number;
  /** A point not submitted yet is waited for (first submitted, then signaled). */
  waitForSubmit?: boolean;
  /** Done once the point is submitted (its fence need not have signaled). */
  waitAvailable?: boolean;
  /** Aborting rejects the wait with the signal's reason. */
  signal?: AbortSignal;
}

const KEYS = ['all', 'timeoutNs', 'waitForSubmit', 'waitAvailable', 'signal'] as const;

interface Slot {
  so: Syncobj;
  point: number;
  rec: FenceRecord | undefined;
  waiter: Waiter | undefined;
  unwatch: (() => void) | undefined;
  done: boolean;
}

/** Y6: all: true / false on timeout; any: the index of the first done entry / -1 on timeout. */
export function syncobjWait(host: CompositeHost, entries: unknown, opts: unknown): Promise<boolean | number> {
  const t = host.t;
  if (!Array.isArray(entries)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `entries must be an array of { syncobj, point }, got ${describe(entries)}`);
  if (entries.length === 0) throw new DmaFenceRangeError('ERR_INVALID_ARG', 'syncobjWait needs at least one entry (-EINVAL)');
  const o = checkOptions('syncobjWait options', opts, KEYS);
  const all = checkBoolean('all', o.all, true);
  const timeoutNs = o.timeoutNs === undefined ? Infinity : checkDuration('timeoutNs', o.timeoutNs);
  const forSubmit = checkBoolean('waitForSubmit', o.waitForSubmit, false);
  const available = checkBoolean('waitAvailable', o.waitAvailable, false);
  const signal = checkAbortSignal(o.signal);
  const slots: Slot[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = checkOptions(`entries[${i}]`, entries[i], ['syncobj', 'point']);
    if (!Syncobj._is(e.syncobj)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `entries[${i}].syncobj must be a Syncobj, got ${describe(e.syncobj)}`);
    if (e.syncobj._host !== host) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', `entries[${i}].syncobj belongs to another runtime`);
    const point = checkSeqno(`entries[${i}].point`, e.point);
    const submitted = point <= e.syncobj._lastSubmitted() && !(point > 0 && e.syncobj._lastSubmitted() === 0);
    if (!submitted && !forSubmit && !available) {
      throw new DmaFenceRangeError('ERR_INVALID_SEQNO', `entries[${i}]: point ${point} was not submitted (pass waitForSubmit to wait for it)`);
    }
    slots.push({ so: e.syncobj, point, rec: undefined, waiter: undefined, unwatch: undefined, done: false });
  }
  host.room(slots.length); // collected points resolve to new stubs
  if (signal?.aborted) return Promise.reject(abortReason(signal));

  return new Promise((resolve, reject) => {
    let finished = false;
    let timer: Timer | undefined;
    let untrack = () => {};
    const finish = (): boolean => {
      if (finished) return false;
      finished = true;
      untrack();
      t.activeWaits--;
      if (t.life.disposed) return true;
      for (const s of slots) {
        s.unwatch?.();
        if (s.rec) {
          if (s.waiter) host.removeWaiter(s.rec, s.waiter);
          host.unref(s.rec);
        }
      }
      timer?.cancel();
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = () => finish() && reject(abortReason(signal!));
    const check = () => {
      if (finished) return;
      if (all ? slots.every((s) => s.done) : slots.some((s) => s.done)) {
        const i = slots.findIndex((s) => s.done);
        if (finish()) resolve(all ? true : i);
      }
    };
    /** The entry's point is submitted: take its fence and wait for it (unless waitAvailable). */
    const resolveFence = (s: Slot) => {
      s.unwatch = undefined;
      if (available) {
        s.done = true;
        return;
      }
      const rec = host.ref(s.so._find(s.point));
      s.rec = rec;
      const w = host.onSignal(rec, () => {
        s.waiter = undefined;
        s.done = true;
        check();
      });
      if (w) s.waiter = w;
      else s.done = true;
    };
    t.activeWaits++;
    t.onWait?.();
    untrack = t.life.track((e) => finish() && reject(e));
    try {
      for (const s of slots) {
        const lastSub = s.so._lastSubmitted();
        if (s.point <= lastSub && !(s.point > 0 && lastSub === 0)) resolveFence(s);
        else {
          s.unwatch = s.so._watch({
            point: s.point,
            fn: () => {
              if (finished) return;
              try {
                resolveFence(s);
                check();
              } catch (e) {
                if (finish()) reject(e);
              }
            },
          });
        }
      }
    } catch (e) {
      if (finish()) reject(e);
      return;
    }
    check();
    if (finished) return;
    if (timeoutNs === 0) {
      if (finish()) resolve(all ? false : -1);
      return;
    }
    if (timeoutNs !== Infinity) timer = t.clock.schedule(t.clock.now + timeoutNs, () => finish() && resolve(all ? false : -1));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
