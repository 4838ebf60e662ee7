/**
 * Reset (R6, D4) and device loss (T6), the driver's side: fault the ring, request the reset
 * (R_RESET_REQ = 1), and once the engine answers that it is effective (the engine halted), signal
 * what was in flight: completed jobs normally, the guilty one -ETIME, the rest -ECANCELED, or
 * run them again with resubmit.
 *
 * Contract: driver thread only; over the ring's RingProtocols. A dropped ring is left as it is.
 */
import * as L from '../core/layout.js';
import { Errno } from '../errors.js';
import type { RingProtocols } from './protocols.js';
import { traceUnfinished } from './interrupts.js';
import { pending } from './types.js';

/** The seqno of the job the engine is running, if any. */
export function runningSeqno(p: RingProtocols): number | undefined {
  return p.w.get(L.R_ENGINE) & L.EN_BUSY ? p.w.descSeqno((p.w.get(L.R_HEAD) - 1) >>> 0) : undefined;
}

/**
 * Faults the ring and requests a reset; resolves once the reset is effective and the in-flight
 * fences are signaled. `guilty` is fixed now (the timed-out job, or the one running).
 */
export function resetEngine(p: RingProtocols, reason: string, guilty = runningSeqno(p)): Promise<void> {
  if (p.w.state() === L.RS_DROPPED) return Promise.resolve();
  if (p.reset) return p.reset.promise;
  const h = p.h;
  p.setState(L.RS_FAULTED);
  p.setState(L.RS_RESETTING);
  p.boundTimer?.cancel();
  p.boundTimer = undefined;
  // The engine makes it effective after resetNs (halting) and answers in R_RESET_REQ.
  p.w.set(L.R_RESET_REQ, 1);
  p.reschedule();
  h.trace('reset-request', { ring: p.name, reason, guilty });
  const reset = (p.reset = pending());
  p.pendingReset = () => {
    if (p.reset === reset) p.reset = undefined;
    resetEffective(p, reason, guilty);
    reset.resolve();
  };
  return reset.promise;
}

/**
 * D4: the engine is halted; only now are in-flight fences signaled (R6, T3): completed jobs
 * normally, the guilty job -ETIME unless it completed meanwhile (a false alarm), the rest
 * -ECANCELED, or run again with resubmit. On a ring dropped meanwhile nothing is signaled and
 * the state stays dropped (T4).
 */
export function resetEffective(p: RingProtocols, reason: string, guilty: number | undefined): void {
  const h = p.h;
  h.trace('reset-effective', { ring: p.name, reason });
  if (p.w.state() === L.RS_DROPPED) {
    p.reschedule();
    return;
  }
  p.signalCompleted();
  traceUnfinished(p, guilty);
  const sig = p.w.get(L.R_SIG_IDX);
  if (guilty !== undefined && sig !== p.w.get(L.R_TAIL) && p.w.descSeqno(sig) === guilty) {
    const next = (sig + 1) >>> 0;
    if (((p.w.get(L.R_HEAD) - next) | 0) < 0) p.w.set(L.R_HEAD, next);
    p.w.set(L.R_RETIRED, next);
    p.w.set(L.R_SIG_IDX, next);
    h.fences.signalUpTo(p.ctx.index, guilty, -Errno.ETIME, h.sim.now);
  }
  const lost = p.device._lost;
  if (p.resubmit && reason === 'timeout' && !p.stop && !lost) {
    // R6 with resubmit: the other in-flight jobs (an aborted one included) run again.
    p.w.set(L.R_HEAD, p.w.get(L.R_RETIRED));
    p.w.set(L.R_ENGINE, 0);
    p.traced = p.w.get(L.R_RETIRED);
    p.setState(L.RS_RUNNING);
  } else {
    cancelRest(p);
    if (lost) p.w.setF(L.R_WRITEBACK, Number.MAX_SAFE_INTEGER);
    p.becomeStopped();
  }
  p.reschedule();
  p.sched?.onRecovered(reason);
}

/**
 * Signals every remaining in-flight fence -ECANCELED and empties the ring: the device said it is
 * idle (ACK, effective reset). T1 is checked all the same: a device that ACKs before its last
 * burst (writesAfterAckNs) is caught here; the driver did right, so it is recorded, never thrown.
 */
export function cancelRest(p: RingProtocols): void {
  const h = p.h;
  const tail = p.w.get(L.R_TAIL);
  if (p.w.get(L.R_SIG_IDX) !== tail && !(p.w.get(L.R_FLAGS) & L.RGF_NO_IRQ_HANDLER)) {
    const last = p.w.descSeqno((tail - 1) >>> 0);
    p.checkPremature(last, 'the device said it was idle', true);
    h.fences.signalUpTo(p.ctx.index, p.w.descSeqno((tail - 1) >>> 0), -Errno.ECANCELED, h.sim.now);
  }
  p.w.set(L.R_HEAD, tail);
  p.w.set(L.R_RETIRED, tail);
  p.w.set(L.R_SIG_IDX, tail);
  p.traced = tail;
}

/** T6: the device is lost: reset (after one under way), unless dropped. */
export function deviceLost(p: RingProtocols): Promise<void> {
  if (p.disposed || p.w.state() === L.RS_DROPPED) return Promise.resolve();
  const again = () => deviceLost(p);
  if (p.reset) return p.reset.promise.then(again, again);
  // A drop before the reset is effective rejects it: the loss leaves a dropped ring as it is.
  return resetEngine(p, 'device-lost').catch(() => {});
}
