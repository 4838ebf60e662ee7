/**
 * T7's fault, the one the seed's thread argues about: a driver bug drops a job's owner (and with
 * it the job's fence) while the hardware still runs the job. What happens depends on where the
 * guarantee lives (the runtime's `guarantee` option):
 *
 *   emitter: the ring owns the signaling side of every in-flight fence; the job's owner going
 *            away changes nothing (the fence signals when the device is done, or proven idle).
 *   fence:   the fence lost its last owner while pending: it signals itself -ECANCELED now
 *            ("signal fences on drop"), device running or not. T1 judges it; with freeAfter
 *            (M3) its buffer is freed, and reused memory is corrupted by the device's next burst.
 *
 * Contract: driver thread only; over the ring's RingProtocols. Refused cases change nothing.
 */
import * as L from '../core/layout.js';
import { DmaFenceError, Errno, checkInteger, checkOptions } from '../errors.js';
import type { RingProtocols } from './protocols.js';
import { runningSeqno } from './reset.js';

/** What ring.injectDriverBug() did. */
export interface DriverBugResult {
  /** The job whose owner was dropped. */
  seqno: number;
  /** The guarantee the runtime runs under. */
  guarantee: 'emitter' | 'fence';
  /** Its fence signaled (-ECANCELED) because of the bug: only under 'fence'. */
  signaled: boolean;
  /** That signal was premature (T1: the device may still write for the job), recorded as a violation. */
  premature: boolean;
}

export function injectDriverBug(p: RingProtocols, opts: unknown): DriverBugResult {
  const o = checkOptions('driver bug options', opts, ['seqno']);
  if (p.w.state() === L.RS_DROPPED) throw p.stateError('no job of it has an owner any more');
  const a = p.h.arena;
  let seqno: number;
  if (o.seqno === undefined) {
    // The job the device runs, else the oldest whose fence is still pending.
    const running = runningSeqno(p);
    const s = running !== undefined && a.ctxFindPending(p.ctx.index, running) !== L.NIL ? running : a.ctxOldestPending(p.ctx.index);
    if (s === undefined) throw new DmaFenceError('ERR_RING_STATE', `ring ${p.name} has no job in flight with a pending fence: no owner to drop`);
    seqno = s;
  } else {
    seqno = checkInteger('seqno', o.seqno, 1, Number.MAX_SAFE_INTEGER, 'ERR_INVALID_SEQNO');
  }
  const slot = a.ctxFindPending(p.ctx.index, seqno);
  if (slot === L.NIL) throw new DmaFenceError('ERR_RING_STATE', `ring ${p.name} has no pending fence ${p.ctxId}:${seqno}: no owner to drop`);
  const guarantee = p.h.guarantee;
  p.h.trace('driver-bug', { ring: p.name, seqno, guarantee });
  if (guarantee === 'emitter') return { seqno, guarantee, signaled: false, premature: false };
  // Fence level: the fence signals itself, out of order if need be (not an ordering break of the
  // emitter: the fence did it), after the T1 check of this one fence.
  const before = p.h.log.list.length;
  p.checkPremature(seqno, 'fence-level: its owner was dropped by a driver bug', true, seqno);
  const premature = p.h.log.list.length > before;
  const f = p.h.fences.handle(slot);
  p.h.core.fenceSetError(a.base, slot, -Errno.ECANCELED);
  a.setSlotFlag(slot, L.FS_FORCED, true);
  p.h.fences.signal(f._record, p.h.sim.now);
  f.release();
  return { seqno, guarantee, signaled: true, premature };
}
