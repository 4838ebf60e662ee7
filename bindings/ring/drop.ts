/**
 * Drop (T2, T4, T7, T8): ending a ring under a policy, and the DropReport of what happened to the
 * fences that were in flight when it began. Every policy, built-in or the user's, is a function
 * of the steps (steps.ts) run here, then the ring is dropped: under the emitter-level guarantee
 * what is left pending stays pending (T2, recorded); under the fence-level one the ring's fences
 * lose their owner and signal themselves -ECANCELED (judged by T1).
 *
 * Contract: driver thread only; called by HwRing.drop once per ring (ring.drop checks the
 * options and that no drop began). Under strict, checkDropInAdvance throws before anything
 * changes (for the built-in policies, whose breaks are known in advance).
 */
import * as L from '../core/layout.js';
import type { DmaFence } from '../dma-fence.js';
import type { Violation } from '../violations.js';
import { ViolationError } from '../violations.js';
import { DmaFenceError, Errno } from '../errors.js';
import type { RingProtocols } from './protocols.js';
import type { DropPolicy, DropReport, PolicyFn } from './types.js';
import { UNTIL_STOPPED, makeSteps } from './steps.js';

/** Strict: the rule breaks a drop will certainly commit, thrown before anything changes. */
export function checkDropInAdvance(p: RingProtocols, policy: DropPolicy): void {
  if (policy === 'signal-on-drop' || (policy === 'leak' && p.h.guarantee === 'fence')) p.checkPremature(p.ctx.lastSeqno, policy);
  else if (policy === 'leak') {
    const a = p.h.arena;
    for (const s of a.ctxPendingSlots(p.ctx.index)) p.h.log.check(unsignaledAtDrop(p, a.slotSeqno(s)));
  }
}

export function unsignaledAtDrop(p: RingProtocols, seqno: number): Omit<Violation, 'timeNs'> {
  return {
    kind: 'unsignaled-at-drop',
    rule: 'T2',
    message: `ring ${p.name} dropped with fence ${p.ctxId}:${seqno} pending: nothing will ever signal it`,
    context: p.ctxId,
    seqno,
    detail: { ring: p.name },
  };
}

/**
 * Runs `policy` (named `name` in the report) with the steps, then drops the ring. A policy that
 * throws: the ring is dropped all the same (what is left pending is recorded, T2) and the drop
 * rejects with what it threw.
 */
export async function runDrop(p: RingProtocols, name: string, policy: PolicyFn): Promise<DropReport> {
  const h = p.h;
  const start = h.sim.now;
  const before = h.log.list.length;
  const watched = pinPending(p);
  h.trace('drop', { ring: p.name, policy: name });
  // From here the ring takes no job (submit refuses, space waiters are turned away).
  p.waiters.rejectAll();
  const { steps, end } = makeSteps(p, name);
  let failed: { e: unknown } | undefined;
  try {
    // The built-in waiting policies end only from stopped, and the drop follows their last look
    // at the state with no await between: a reset that began after the policy's last step
    // resolved (a device loss while its promise settled) is waited out by running it again, so
    // these policies never drop a ring that is resetting (T4).
    do await policy(steps);
    while (UNTIL_STOPPED.has(policy) && !p.disposed && p.w.state() !== L.RS_STOPPED && p.w.state() !== L.RS_DROPPED);
  } catch (e) {
    failed = { e };
  } finally {
    end();
  }
  if (p.disposed) throw new DmaFenceError('ERR_DISPOSED', 'this runtime was disposed');
  dropNow(p, watched, name);
  const fences = { total: watched.length, ok: 0, canceled: 0, timedOut: 0, otherError: 0, unsignaled: 0 };
  let thrown: { e: unknown } | undefined;
  for (const f of watched) {
    const st = statusOf(p, f);
    if (st === 0) fences.unsignaled++;
    else if (st === 1) fences.ok++;
    else if (st === -Errno.ECANCELED) fences.canceled++;
    else if (st === -Errno.ETIME) fences.timedOut++;
    else fences.otherError++;
    try {
      f.release();
    } catch (e) {
      thrown ??= { e }; // what a fence callback threw: released all the same, reported below
    }
  }
  const report = { ring: p.name, policy: name, timeNs: h.sim.now - start, fences, violations: h.log.list.slice(before) };
  if (failed) throw failed.e;
  if (thrown) throw thrown.e;
  if (h.log.strict && report.violations.length) throw new ViolationError(report.violations[0]);
  return report;
}

/** F5 status of a pinned fence, read from the arena (no hook runs, nothing is thrown). */
export function statusOf(p: RingProtocols, f: DmaFence): number {
  const a = p.h.arena;
  const slot = f._record.slot;
  return a.slotState(slot) & L.FS_SIGNALED ? a.slotError(slot) || 1 : 0;
}

/** Handles to every pending fence of the ring, so the report can read their final status. */
export function pinPending(p: RingProtocols): DmaFence[] {
  // The slots first, then the handles: making a handle changes no link of the pending list.
  return p.h.arena.ctxPendingSlots(p.ctx.index).map((s) => p.h.fences.handle(s));
}

export function dropNow(p: RingProtocols, watched: DmaFence[], policy: string): void {
  const h = p.h;
  if (h.guarantee === 'fence') {
    // T7, fence level: the ring owned its fences; dropped, each pending one signals itself
    // -ECANCELED, device idle or not (T1 judges it). Nothing is left pending.
    const last = p.ctx.lastSeqno;
    p.checkPremature(last, `fence-level: ring dropped (${policy})`, true);
    h.fences.signalUpTo(p.ctx.index, last, -Errno.ECANCELED, h.sim.now);
  }
  p.w.set(L.R_FLAGS, p.w.get(L.R_FLAGS) | L.RGF_NO_IRQ_HANDLER);
  p.setState(L.RS_DROPPED);
  p.ctx._dead = true;
  // No reset will be requested for it any more; a STOP already sent stays (the device obeys it).
  p.boundTimer?.cancel();
  p.boundTimer = undefined;
  // A stop or reset still under way never proves the device idle now: they reject (the reset
  // still halts the engine when it takes effect, and changes nothing else).
  const err = () => new DmaFenceError('ERR_RING_STATE', `ring ${p.name} was dropped (${policy}) before the device was proven idle`);
  p.stop?.reject(err());
  p.stop = undefined;
  p.reset?.reject(err());
  p.syncWake();
  p.reschedule();
  for (const f of watched) {
    if (statusOf(p, f) !== 0) continue;
    h.log.note(unsignaledAtDrop(p, h.arena.slotSeqno(f._record.slot)));
  }
}
