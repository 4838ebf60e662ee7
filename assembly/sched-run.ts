/**
 * The device engine's fast path under schedulers (virtual clock, driver thread only): a run of
 * completions of zero-byte jobs on the rings whose next event is at one instant, each followed by
 * the scheduler pass the general path runs after it, at its own completion time.
 *
 * The general path (ring.ts, devicesRun) runs one event per ring per instant in (time, ring index)
 * order, and a scheduler pass (sched.ts, schedPass) after each event that signaled: the pass
 * retires the job, signals its finished fence and may write jobs into rings at that instant. This
 * run makes the same calls in the same order: per instant, per ring of the group in index order,
 * the IRQ handler's signal of that job's ring fence (signalRun, one fence) and then schedPass at
 * that instant; the device's side of the events is written once per ring at the end (deviceSide:
 * the engine's words, counters, the next fetch), and the scan of the rings per event is saved. That is exact while nothing but the group's completions comes first:
 *
 * - every ring of the group completes a job at each instant (the first at t, then one duration
 *   `step` apart: its jobs have zero bytes, one duration, no fault or request, no deadline before
 *   a completion), the next job of each being on its ring (queued before, or written by a pass at
 *   the instant before: the general path then fetches it at that instant, as deviceSide does);
 * - no other ring has an event before the next instant (a pass that writes a job into an idle
 *   ring gives it an event at that instant: the run ends after that ring's pass);
 * - no pass or fence returns to the bindings (JS callbacks or waiters, a scheduler flagged
 *   SCF_WAKE): the run ends after that ring's pass with those bits, as the general path does.
 *
 * The ring's signaled index moves per completion (a pass's ringSubmit reads the ring's space
 * from it). test/fast-path.test.ts compares it with MODE_NO_FAST_PATH byte for byte.
 */
import {
  NIL, H_NOTIFY_HEAD, H_RING_COUNT, H_RINGS_OFF, H_RING_STRIDE, H_DEV_NOW, RING_SIZE, R_CTX,
  R_TAIL, R_STOP, R_INJECT, R_TIMEOUT_NS, R_HEAD, R_MASK, R_CUR_END, R_NEXT_T, R_BASE_NS,
  R_PER_BYTE_NS, R_SIG_IDX, R_ENGINE, EN_BUSY, DMA_CHUNKS, R_WRITEBACK, R_RETIRED, R_IRQS,
  R_CUR_START, R_CUR_DUR, R_CUR_WRITTEN, ST_JOBS_COMPLETED, ST_IRQS, JF_NO_ACK, DESC_SIZE, D_SEQNO, D_BYTES, SP_RAN,
  C_HEAD, C_TAIL, C_PENDING, C_SIGNALED_SEQNO, S_STATE, S_NEXT, CS_TIMESTAMP, FS_SIGNALED, FS_JS, FS_QUEUED, FS_PINNED,
  FS_SCHED, ST_SIGNALED, ST_SIGNAL_CALLS,
} from "../bindings/core/layout";
import { signalRun, ctxPtr, slotPtr, coldPtr, slotSeqno } from "./fence";
import { descPtr, startPtr, canFetch, fetch, endEvent } from "./ring";
import { runnable, deadlines } from "./fast-path";
import { schedPass } from "./sched";

/**
 * A ring of the group that began at t: its next event still t and its engine busy (the run leaves
 * both as they were until deviceSide; a ring a pass gives a job at t is idle).
 */
// @ts-ignore: decorator
@inline function inGroup(rp: usize, t: f64): bool {
  return load<f64>(rp + R_NEXT_T) == t && load<u32>(rp + R_ENGINE) == EN_BUSY;
}

/**
 * The IRQ handler's signal of one job's ring fence at t, as signalRun(ctx, seqno, t, 0) does it
 * when that is the context's oldest pending fence, held (by a scheduler, FS_SCHED, or a handle)
 * and without JS callbacks or waiters, and the next fence, if any, is signaled or has seqno + 1:
 * the same bytes (the slot stays: timestamp, then the state), without its setup. Any other case:
 * signalRun. Returns the fences signaled (0: this one was signaled before its job completed).
 */
// @ts-ignore: decorator
@inline function signalHeld(base: usize, ctx: i32, seqno: f64, t: f64): i32 {
  const c = ctxPtr(base, ctx);
  const head = load<i32>(c + C_HEAD);
  if (head != NIL) {
    const p = slotPtr(base, head);
    const st = load<u32>(p + S_STATE);
    if (!(st & (FS_SIGNALED | FS_JS)) && (st & (FS_PINNED | FS_SCHED)) && slotSeqno(base, head) == seqno) {
      const next = load<i32>(p + S_NEXT);
      if (next == NIL || (load<u32>(slotPtr(base, next) + S_STATE) & FS_SIGNALED) || slotSeqno(base, next) == seqno + 1) {
        store<f64>(coldPtr(base, head) + CS_TIMESTAMP, t);
        atomic.store<u32>(p + S_STATE, (st | FS_SIGNALED) & ~FS_QUEUED);
        store<i32>(c + C_HEAD, next);
        if (next == NIL) store<i32>(c + C_TAIL, NIL);
        store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) - 1);
        if (seqno > load<f64>(c + C_SIGNALED_SEQNO)) store<f64>(c + C_SIGNALED_SEQNO, seqno);
        store<f64>(base + ST_SIGNALED, load<f64>(base + ST_SIGNALED) + 1);
        store<f64>(base + ST_SIGNAL_CALLS, load<f64>(base + ST_SIGNAL_CALLS) + 1);
        return 1;
      }
    }
  }
  return signalRun(base, ctx, seqno, t, 0);
}

/**
 * The device's side of m zero-byte jobs of a ring completed at t, t + step, ...: what the general
 * path's events leave in the engine's words (the start times and write-backs were written in the
 * run), the counters, the next fetch and the ring's next event.
 */
function deviceSide(base: usize, ring: i32, rp: usize, m: i32, step: f64, t: f64): i32 {
  let start = load<f64>(rp + R_CUR_START);
  let tLast = t;
  for (let k = 1; k < m; k++) {
    start = tLast;
    tLast += step;
  }
  const retired = <u32>(load<u32>(rp + R_HEAD) - 1 + <u32>m);
  if (m > 1) {
    store<f64>(rp + R_CUR_START, start);
    store<f64>(rp + R_CUR_DUR, step);
    store<f64>(rp + R_CUR_END, tLast);
    store<u32>(rp + R_CUR_WRITTEN, 0);
  }
  store<u32>(rp + R_HEAD, retired);
  store<u32>(rp + R_RETIRED, retired);
  store<u32>(rp + R_ENGINE, 0);
  store<f64>(base + ST_JOBS_COMPLETED, load<f64>(base + ST_JOBS_COMPLETED) + <f64>m);
  store<u32>(rp + R_IRQS, load<u32>(rp + R_IRQS) + <u32>m);
  store<f64>(base + ST_IRQS, load<f64>(base + ST_IRQS) + <f64>m);
  if (canFetch(rp)) fetch(rp, tLast);
  store<f64>(base + H_DEV_NOW, tLast);
  return endEvent(base, ring, rp, tLast, 0);
}

/**
 * The run (see the header): -1 when it does not apply (the general path runs the event), else
 * the DR_* bits of its last event (0: the engine goes on).
 */
export function schedRun(base: usize, t: f64, until: f64): i32 {
  if (load<i32>(base + H_NOTIFY_HEAD) != NIL || !(t <= until)) return -1;
  const count = load<i32>(base + H_RING_COUNT);
  const rings = base + <usize>load<u32>(base + H_RINGS_OFF);
  const stride = <usize>load<i32>(base + H_RING_STRIDE);
  let other = Infinity; // the next event of a ring outside the group
  let step: f64 = -1;
  let first = -1; // the group's first ring
  for (let r = 0; r < count; r++) {
    const rp = rings + <usize>r * stride;
    const tr = load<f64>(rp + R_NEXT_T);
    if (tr != t) {
      if (tr < other) other = tr;
      continue;
    }
    if (load<f64>(rp + R_CUR_END) != t || !runnable(base, rp)) return -1;
    if (load<u32>(rp + R_STOP) != 0 || <u32>(load<u32>(rp + R_INJECT) & <u32>~JF_NO_ACK) != 0) return -1;
    const head = load<u32>(rp + R_HEAD);
    if (load<u32>(descPtr(rp, <u32>(head - 1)) + D_BYTES) != 0) return -1;
    // One duration for the group's zero-byte jobs, at least DMA_CHUNKS ns: a job with bytes
    // fetched at the run's last instant has its first chunk later (never between two rings'
    // completions at that instant).
    const dur = Math.floor(load<f64>(rp + R_BASE_NS)); // (fetch's formula for zero bytes)
    if ((step >= 0 && dur != step) || !(dur >= <f64>DMA_CHUNKS) || !(load<f64>(rp + R_PER_BYTE_NS) >= 0)) return -1;
    step = dur;
    if (first < 0) first = r;
    // R6: no deadline before a completion.
    if (deadlines(rp)) {
      const tmo = load<f64>(rp + R_TIMEOUT_NS);
      if (!(tmo >= dur) || !(load<f64>(startPtr(rp, <u32>(head - 1))) + tmo >= t)) return -1;
    }
  }
  if (step < 0 || !(t < other)) return -1;
  let e = t;
  let last = t; // the last completion's instant
  let full: i32 = 0; // instants every ring of the group ran
  let part = 0; // and the rings below this index one more
  let status = 0;
  for (;;) {
    if (full > 0) {
      // The next instant: before any other event, and a zero-byte job on every ring of the group.
      const next = e + step;
      if (!(next <= until && next < other)) break;
      let ready = true;
      for (let r = 0; r < count; r++) {
        const rp = rings + <usize>r * stride;
        if (!inGroup(rp, t)) continue;
        const i = <u32>(load<u32>(rp + R_HEAD) - 1 + <u32>full);
        if (i == atomic.load<u32>(rp + R_TAIL)) {
          ready = false;
          continue;
        }
        // Its start (the general path's fetch at e): written while its slot is its own (a pass
        // may reuse the slots of retired jobs).
        store<f64>(startPtr(rp, i), e);
        if (load<u32>(descPtr(rp, i) + D_BYTES) != 0) ready = false;
      }
      if (!ready) break;
      e = next;
    }
    let stop = false;
    for (let r = 0; r < count; r++) {
      const rp = rings + <usize>r * stride;
      if (!inGroup(rp, t)) continue;
      const i = <u32>(load<u32>(rp + R_HEAD) - 1 + <u32>full);
      if (signalHeld(base, load<i32>(rp + R_CTX), load<f64>(descPtr(rp, i) + D_SEQNO), e) == 0) {
        part = r; // a fence signaled before its job completed: the general path takes it
        stop = true;
        break;
      }
      // The IRQ's words at once (a pass may reuse the job's descriptor once the index moved).
      store<f64>(rp + R_WRITEBACK, load<f64>(descPtr(rp, i) + D_SEQNO));
      store<u32>(rp + R_SIG_IDX, <u32>(i + 1));
      last = e;
      // The pass the general path runs after this event (something signaled).
      const ran = schedPass(base, e);
      status = ran & ~SP_RAN;
      if (status != 0 || load<i32>(base + H_NOTIFY_HEAD) != NIL) {
        part = <i32>(r + 1); // back to the bindings at this job's time
        stop = true;
        break;
      }
      if (ran & SP_RAN) {
        // Jobs written into an idle ring give it an event at this instant: the run ends here.
        for (let r2 = 0; r2 < count; r2++) {
          const rp2 = rings + <usize>r2 * stride;
          const tr = load<f64>(rp2 + R_NEXT_T);
          if (!inGroup(rp2, t) && tr < other) other = tr;
        }
        if (!(other > e)) {
          part = <i32>(r + 1);
          stop = true;
          break;
        }
      }
    }
    if (stop) break;
    full++;
  }
  if (full == 0 && part <= first) return -1; // nothing ran: the group's first fence was signaled before its job (a driver bug); the general path takes it
  for (let r = 0; r < count; r++) {
    const rp = rings + <usize>r * stride;
    if (!inGroup(rp, t)) continue;
    const m = <i32>(full + (r < part ? 1 : 0));
    if (m > 0) status |= deviceSide(base, r, rp, m, step, t);
  }
  store<f64>(base + H_DEV_NOW, last);
  return status;
}
