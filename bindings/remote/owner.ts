/**
 * The owner's side of cross-thread sharing (the thread that created the Runtime): the share
 * handles, the epoch bump after a signaling pass while remote waiters exist (with the reclaim of
 * registrations whose lease expired long ago: a thread that died waiting), and the dispose mark.
 */
import * as L from '../core/layout.js';
import type { Arena, ArenaViews } from '../arena.js';
import { REMOTE_PROBE_ANSWER_MS, REMOTE_RECLAIM_AFTER_MS, REMOTE_SCAN_EVERY_MS, REMOTE_SCAN_EVERY_PASSES, wallMs } from './common.js';
import type { SharedFenceHandle, SharedRuntimeHandle } from './common.js';

/** @internal The handle rt.share() returns. */
export function shareRuntime(arena: Arena, wasm: WebAssembly.Module | null): SharedRuntimeHandle {
  return { kind: 'dmafence/runtime', memory: arena.memory, base: arena.base, runtime: arena.id, wasm };
}

/** @internal The handle fence.share() returns, for the fence in `slot` (generation `gen`). */
export function shareFence(arena: Arena, slot: number, gen: number, ctxIndex: number, ctxId: number, seqno: number): SharedFenceHandle {
  void ctxIndex;
  return { kind: 'dmafence/fence', runtime: arena.root.id, slot, gen, context: ctxId, seqno };
}

/**
 * @internal After every signaling pass on the owner's thread: wakes attached threads that wait on
 * fences. Costs one atomic load when none waits. While some do, at most every
 * REMOTE_SCAN_EVERY_MS (checked every REMOTE_SCAN_EVERY_PASSES passes) it also frees
 * registrations whose lease lapsed (reclaimWaiters: expired, probed, not answered).
 */
export function publishSignals(arena: Arena): void {
  // The signaler's half of the futex protocol: the SIGNALED bit was published with an atomic
  // store (sequentially consistent), then this load: a waiter that counted itself before its
  // last look at the fence is seen here, or it saw the bit.
  const r = arena.root;
  const i = r.word(L.H_REMOTE_WAITERS);
  if (!arena.shared || Atomics.load(r.i32, i) === 0) return;
  const e = r.word(L.H_SIGNAL_EPOCH);
  Atomics.add(r.i32, e, 1);
  Atomics.notify(r.i32, e);
  // The look for dead registrations needs the clock; a pass that notifies reads it only every
  // REMOTE_SCAN_EVERY_PASSES passes (a clock read costs more than the add and notify above).
  if (--arena.remoteScanCountdown > 0) return;
  arena.remoteScanCountdown = REMOTE_SCAN_EVERY_PASSES;
  const wall = wallMs();
  if (wall < arena.remoteScanAt) return;
  arena.remoteScanAt = wall + REMOTE_SCAN_EVERY_MS;
  reclaimWaiters(r, (wall - r.timeBase) | 0);
}

/**
 * @internal Is a lease (the word at `leaseWord`: ms since the time base) lapsed, its thread taken
 * for dead? Not at the first look past `after` ms: a thread asleep in waitSync sleeps with no
 * deadline and renews its leases only when something wakes it, so a reclaimer first probes: it
 * marks the lease probed (odd, ending REMOTE_PROBE_ANSWER_MS from now), then bumps and notifies
 * the signal epoch, which every remote wait sleeps on. A live thread wakes, sees its lease odd and renews it
 * (an even lease: waiters.ts, leaseFrom); a thread that died answers nothing, and the next look
 * after the probe's end finds it lapsed. Both writes are compareExchanges or the owner's stores,
 * so a renewal is never overwritten by a probe. Any thread may call it.
 */
export function lapsed(i32: Int32Array, leaseWord: number, now: number, after: number, epochWord: number): boolean {
  const lease = Atomics.load(i32, leaseWord);
  if (((now - lease) | 0) <= after) return false;
  if (lease & 1) return true; // probed, and not renewed since
  if (Atomics.compareExchange(i32, leaseWord, lease, ((now - after + REMOTE_PROBE_ANSWER_MS) | 0) | 1) === lease) {
    // Bumped, not only notified: a waitSync that read the epoch before this and checked its
    // leases before the mark sleeps on a stale value and returns at once (attached-runtime.ts).
    Atomics.add(i32, epochWord, 1);
    Atomics.notify(i32, epochWord);
  }
  return false;
}

/**
 * @internal Frees registrations whose lease expired REMOTE_RECLAIM_AFTER_MS ago and that did
 * not answer a probe (lapsed): their thread died or stopped looking. An entry that counts no
 * wait (a view keeps its entry between waits) is freed at once, unprobed: nothing sleeps on it.
 * compareExchange, so a late update by a live view fails and that view registers afresh, never
 * subtracting twice. Any thread may run it.
 */
export function reclaimWaiters(r: ArenaViews, now: number): void {
  const i = r.word(L.H_REMOTE_WAITERS);
  const e = r.word(L.H_SIGNAL_EPOCH);
  for (let k = 0; k < L.RW_ENTRIES; k++) {
    const cw = r.remoteClaimWord(k);
    const cur = Atomics.load(r.i32, cw);
    if (!(cur & L.RW_CLAIMED)) continue;
    if (cur & L.RW_COUNT_MAX) {
      if (!lapsed(r.i32, cw + 1, now, REMOTE_RECLAIM_AFTER_MS, e)) continue;
    } else if (((now - Atomics.load(r.i32, cw + 1)) | 0) <= REMOTE_RECLAIM_AFTER_MS) continue;
    if (Atomics.compareExchange(r.i32, cw, cur, cur & ~0xffff) === cur) Atomics.sub(r.i32, i, cur & L.RW_COUNT_MAX);
  }
}

/** @internal At dispose: attached views see the runtime is gone (their waits reject ERR_DISPOSED). */
export function markDisposed(arena: Arena): void {
  const d = arena.word(L.H_DISPOSED);
  Atomics.store(arena.i32, d, 1);
  const e = arena.word(L.H_SIGNAL_EPOCH);
  Atomics.add(arena.i32, e, 1);
  if (arena.shared) {
    Atomics.notify(arena.i32, e);
    Atomics.notify(arena.i32, d); // attached emitter threads end their runtimes at once
  }
}
