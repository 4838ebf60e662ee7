/**
 * The scheduler core's fast paths (sched.ts is the general one; off with MODE_NO_FAST_PATH, and
 * test/sched-fast-path.test.ts compares the two byte for byte): pushBatch's records and fences in
 * one loop (pushRun), and the pass of the usual scheduler, one healthy entity (passSingle, with
 * its one-job submit and finish). Same contract as sched.ts: driver thread only, no allocation,
 * no mutable statics; the ts backend is generated from this file too.
 */
import {
  NIL, R_MASK, H_MAX_FENCES, H_IN_USE, ST_CREATED, C_LAST_SEQNO, C_PENDING, C_CREATED, S_STATE,
  S_ERROR, STATE_CTX_SHIFT, FS_ALLOC, FS_SIGNALED, R_STATE, RS_RUNNING, H_JOB_OFF, H_JOB_FREE,
  H_JOB_BUMP, H_JOBS_IN_USE, SC_RING, SC_FLAGS, SC_CREDIT_LIMIT, SC_CREDIT_COUNT, SC_ENT_HEAD,
  SC_RING_HEAD, SC_RING_TAIL, SC_RR_LAST, SCF_STOPPED, SCF_CANCEL, SCF_WAKE, SCF_RING_WAIT,
  SCF_DEP_WAIT, SCF_RING_FULL, ET_FLAGS, ET_SCHED_CTX, ET_FIN_CTX, ET_HEAD, ET_TAIL, ET_CURSOR,
  SC_ENT_TAIL, ETF_KILLED, ETF_GUILTY, SJ_SIZE, SJ_ENTITY, SJ_NEXT, SJ_FLAGS, SJ_CREDITS, SJ_SEQNO,
  SJ_ORDER, SJ_HW_SLOT, SJ_RING_NEXT, SJ_ERROR, SJ_DEPS, SJ_DST, SJ_BYTES, SJ_PATTERN, SJ_ALLOC_ID,
  SJ_AFTER_CTX, SJ_AFTER_SEQNO, SJF_DONE, DR_SCHED, SP_RAN, C_HEAD, C_TAIL, S_NEXT, S_ERROR,
  FS_SCHED, H_FREE_HEAD, H_MODE, MODE_NO_FAST_PATH, MODE_DEVICE_THREAD, R_TAIL, R_CAPACITY,
  R_SIG_IDX, R_CTX, R_ENGINE, R_NEXT_T, EN_BUSY, EN_HALTED, ST_JOBS_SUBMITTED, H_BUMP, CS_SEQNO,
  CS_TIMESTAMP, FS_QUEUED,
} from "../bindings/core/layout";
import { ctxPtr, slotPtr, reuseFence, fenceUnhold, hotArray, coldArray, hotAt, coldAt } from "./fence";
import { ringPtr, startPtr } from "./ring";
import { markZeroFrom, writeJob } from "./submit";

import { entPtr, jobPtr, freeJob, signalOne, headReady, finishDone, dequeue } from "./sched";

/**
 * schedPush's loop for jobs with no handles (pushBatch; the fast path's, off with
 * MODE_NO_FAST_PATH): per job its scheduled fence (if any), its finished fence and its record,
 * in that order, the same bytes as newFence and allocJob per job, with the free lists' heads,
 * the bump indices and the contexts' and entity's tails in locals, the contexts' counters and
 * last seqnos written once (as fencesCreate). One loop with no call. Returns the first record.
 */
export function pushRun(base: usize, ep: usize, ent: i32, n: i32, schedCtx: i32, finCtx: i32, seqno0: f64, order0: f64, jflags: u32, credits: u32, dst: u32, bytes: u32, pattern: u32, allocId: u32, afterCtx: i32, afterSeqno: f64): i32 {
  const hot = hotArray(base);
  const cold = coldArray(base);
  const jobs = base + <usize>load<u32>(base + H_JOB_OFF);
  const two = schedCtx != NIL;
  const sc = two ? ctxPtr(base, schedCtx) : ctxPtr(base, finCtx);
  const fc = ctxPtr(base, finCtx);
  const sState = (<u32>schedCtx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED;
  const fState = (<u32>finCtx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED;
  let freeHead = load<i32>(base + H_FREE_HEAD);
  let bump = load<i32>(base + H_BUMP);
  let sPrev = two ? load<i32>(sc + C_TAIL) : NIL;
  let fPrev = load<i32>(fc + C_TAIL);
  let jFree = load<i32>(base + H_JOB_FREE);
  let jBump = load<i32>(base + H_JOB_BUMP);
  let eTail = load<i32>(ep + ET_TAIL);
  let first = NIL;
  let seqno = seqno0;
  let order = order0;
  for (let i = 0; i < n; i++) {
    seqno += 1;
    if (two) {
      let slot = freeHead;
      if (slot != NIL) freeHead = load<i32>(hotAt(hot, slot) + S_NEXT);
      else {
        slot = bump;
        bump++;
      }
      const p = hotAt(hot, slot);
      const cp = coldAt(cold, slot);
      store<i32>(p + S_NEXT, NIL);
      store<i32>(p + S_ERROR, 0);
      store<f64>(cp + CS_SEQNO, seqno);
      store<f64>(cp + CS_TIMESTAMP, 0);
      store<u32>(p + S_STATE, sState);
      if (sPrev == NIL) store<i32>(sc + C_HEAD, slot);
      else store<i32>(hotAt(hot, sPrev) + S_NEXT, slot);
      sPrev = slot;
    }
    let slot = freeHead;
    if (slot != NIL) freeHead = load<i32>(hotAt(hot, slot) + S_NEXT);
    else {
      slot = bump;
      bump++;
    }
    const p = hotAt(hot, slot);
    const cp = coldAt(cold, slot);
    store<i32>(p + S_NEXT, NIL);
    store<i32>(p + S_ERROR, 0);
    store<f64>(cp + CS_SEQNO, seqno);
    store<f64>(cp + CS_TIMESTAMP, 0);
    store<u32>(p + S_STATE, fState);
    if (fPrev == NIL) store<i32>(fc + C_HEAD, slot);
    else store<i32>(hotAt(hot, fPrev) + S_NEXT, slot);
    fPrev = slot;
    let j = jFree;
    if (j != NIL) jFree = load<i32>(jobs + <usize>(j * SJ_SIZE) + SJ_NEXT);
    else {
      j = jBump;
      jBump++;
    }
    if (first == NIL) first = j;
    const jp = jobs + <usize>(j * SJ_SIZE);
    store<i32>(jp + SJ_ENTITY, ent);
    store<i32>(jp + SJ_NEXT, NIL);
    store<u32>(jp + SJ_FLAGS, jflags);
    store<u32>(jp + SJ_CREDITS, credits);
    store<f64>(jp + SJ_SEQNO, seqno);
    store<f64>(jp + SJ_ORDER, order);
    order += 1;
    store<i32>(jp + SJ_HW_SLOT, NIL);
    store<i32>(jp + SJ_RING_NEXT, NIL);
    store<i32>(jp + SJ_ERROR, 0);
    store<i32>(jp + SJ_DEPS, NIL);
    store<u32>(jp + SJ_DST, dst);
    store<u32>(jp + SJ_BYTES, bytes);
    store<u32>(jp + SJ_PATTERN, pattern);
    store<u32>(jp + SJ_ALLOC_ID, allocId);
    store<i32>(jp + SJ_AFTER_CTX, afterCtx);
    store<f64>(jp + SJ_AFTER_SEQNO, afterSeqno + <f64>i);
    if (eTail == NIL) store<i32>(ep + ET_HEAD, j);
    else store<i32>(jobs + <usize>(eTail * SJ_SIZE) + SJ_NEXT, j);
    eTail = j;
  }
  if (load<i32>(ep + ET_CURSOR) == NIL) store<i32>(ep + ET_CURSOR, first);
  store<i32>(ep + ET_TAIL, eTail);
  store<i32>(base + H_JOB_FREE, jFree);
  store<i32>(base + H_JOB_BUMP, jBump);
  store<i32>(base + H_JOBS_IN_USE, load<i32>(base + H_JOBS_IN_USE) + n);
  store<i32>(base + H_FREE_HEAD, freeHead);
  store<i32>(base + H_BUMP, bump);
  const fences = two ? <i32>(n * 2) : n;
  store<i32>(base + H_IN_USE, load<i32>(base + H_IN_USE) + fences);
  if (two) {
    store<i32>(sc + C_TAIL, sPrev);
    store<f64>(sc + C_LAST_SEQNO, seqno);
    store<u32>(sc + C_PENDING, load<u32>(sc + C_PENDING) + <u32>n);
    store<f64>(sc + C_CREATED, load<f64>(sc + C_CREATED) + <f64>n);
  }
  store<i32>(fc + C_TAIL, fPrev);
  store<f64>(fc + C_LAST_SEQNO, seqno);
  store<u32>(fc + C_PENDING, load<u32>(fc + C_PENDING) + <u32>n);
  store<f64>(fc + C_CREATED, load<f64>(fc + C_CREATED) + <f64>n);
  return first;
}

/**
 * ringSubmit(ring, 1, job's descriptor, pin 2) for job record jp, the same bytes in the same
 * order (its per-job path: the fence, held by the scheduler, the descriptor, the start time, the
 * counters, the tail, the ring's next event), without the batch path's setup. Returns the ring
 * fence's slot, -1 (ring full) or -2 (no fence slot), nothing changed then.
 */
// @ts-ignore: decorator
@inline function submitOne(base: usize, rp: usize, jp: usize, now: f64): i32 {
  const tail = load<u32>(rp + R_TAIL);
  if (<i32>(load<u32>(rp + R_CAPACITY) - (tail - load<u32>(rp + R_SIG_IDX))) < 1) return -1;
  if (<i32>(load<i32>(base + H_MAX_FENCES) - load<i32>(base + H_IN_USE)) < 1) return -2;
  reuseFence(base);
  const ctx = load<i32>(rp + R_CTX);
  const c = ctxPtr(base, ctx);
  const seqno = load<f64>(c + C_LAST_SEQNO) + 1;
  const bytes = load<u32>(jp + SJ_BYTES);
  const slot = writeJob(base, c, ctx, rp, startPtr(rp, 0), load<u32>(rp + R_MASK), tail, seqno, load<u32>(jp + SJ_DST), bytes, load<u32>(jp + SJ_PATTERN), load<u32>(jp + SJ_ALLOC_ID));
  markZeroFrom(rp, tail, 1, bytes);
  const p = slotPtr(base, slot);
  store<u32>(p + S_STATE, load<u32>(p + S_STATE) | FS_SCHED);
  store<f64>(c + C_LAST_SEQNO, seqno);
  store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) + 1);
  store<f64>(c + C_CREATED, load<f64>(c + C_CREATED) + 1);
  store<f64>(base + ST_CREATED, load<f64>(base + ST_CREATED) + 1);
  store<f64>(base + ST_JOBS_SUBMITTED, load<f64>(base + ST_JOBS_SUBMITTED) + 1);
  atomic.store<u32>(rp + R_TAIL, tail + 1);
  if (!(load<u32>(base + H_MODE) & MODE_DEVICE_THREAD) && !(load<u32>(rp + R_ENGINE) & (EN_BUSY | EN_HALTED)) && now < load<f64>(rp + R_NEXT_T)) {
    store<f64>(rp + R_NEXT_T, now);
  }
  return slot;
}

/**
 * finishDone for the usual case, the entity's oldest job done and the next not (or none): its
 * record freed, its finished fence signaled (signalOne), the same stores; else finishDone.
 */
// @ts-ignore: decorator
@inline function finishOne(base: usize, ep: usize, now: f64): bool {
  const head = load<i32>(ep + ET_HEAD);
  if (head == NIL) {
    store<i32>(ep + ET_TAIL, NIL);
    return false;
  }
  const jp = jobPtr(base, head);
  if (!(load<u32>(jp + SJ_FLAGS) & SJF_DONE)) return false;
  const next = load<i32>(jp + SJ_NEXT);
  if (next != NIL && (load<u32>(jobPtr(base, next) + SJ_FLAGS) & SJF_DONE)) return finishDone(base, ep, now, true);
  const err = load<i32>(jp + SJ_ERROR);
  const seqno = load<f64>(jp + SJ_SEQNO);
  freeJob(base, head);
  signalOne(base, load<i32>(ep + ET_FIN_CTX), seqno, err, now, true);
  store<i32>(ep + ET_HEAD, next);
  if (next == NIL) store<i32>(ep + ET_TAIL, NIL);
  return true;
}

/**
 * passOne for the usual scheduler (the fast path's, off with MODE_NO_FAST_PATH): one entity,
 * neither killed nor guilty, not stopped or cancelling. The same steps and stores as passOne
 * there, without its loops over entities, the waits they allow (a killed job's) and the choice
 * among entities: retire the ring jobs whose fence signaled, signal the entity's finished fences,
 * write its ready jobs while credits and ring allow, then signal their scheduled fences up to the
 * last. -1 when it does not apply (passOne runs).
 */
export function passSingle(base: usize, sp: usize, now: f64): i32 {
  const flags0 = load<u32>(sp + SC_FLAGS);
  const e = load<i32>(sp + SC_ENT_HEAD);
  if ((flags0 & (SCF_CANCEL | SCF_STOPPED)) || e == NIL || e != load<i32>(sp + SC_ENT_TAIL)) return -1;
  const ep = entPtr(base, e);
  if (load<u32>(ep + ET_FLAGS) & (ETF_KILLED | ETF_GUILTY)) return -1;
  const flags = flags0 & ~SCF_DEP_WAIT;
  store<u32>(sp + SC_FLAGS, flags);
  let changed = false;
  // S6: retire (passOne's first step; the ring is not dropped: no cancel).
  let j = load<i32>(sp + SC_RING_HEAD);
  if (j != NIL) {
    while (j != NIL) {
      const jp = jobPtr(base, j);
      const hw = load<i32>(jp + SJ_HW_SLOT);
      const hp = slotPtr(base, hw);
      if (!(load<u32>(hp + S_STATE) & FS_SIGNALED)) break;
      const err = load<i32>(hp + S_ERROR);
      fenceUnhold(base, hw);
      store<i32>(jp + SJ_HW_SLOT, NIL);
      store<u32>(sp + SC_CREDIT_COUNT, load<u32>(sp + SC_CREDIT_COUNT) - load<u32>(jp + SJ_CREDITS));
      if (load<i32>(jp + SJ_ERROR) == 0) store<i32>(jp + SJ_ERROR, err);
      store<u32>(jp + SJ_FLAGS, load<u32>(jp + SJ_FLAGS) | SJF_DONE);
      j = load<i32>(jp + SJ_RING_NEXT);
      changed = true;
    }
    store<i32>(sp + SC_RING_HEAD, j);
  }
  if (j == NIL) store<i32>(sp + SC_RING_TAIL, NIL);
  if (finishOne(base, ep, now)) changed = true;
  // S4, S5: the entity's ready jobs in order, head-of-line.
  let status = 0;
  let wait = false;
  let full = false;
  const ring = load<i32>(sp + SC_RING);
  const rp = ringPtr(base, ring);
  const schedCtx = load<i32>(ep + ET_SCHED_CTX);
  let ranCtx = NIL;
  let ranSeqno: f64 = 0;
  for (;;) {
    const cur = load<i32>(ep + ET_CURSOR);
    if (cur == NIL) break;
    if (!headReady(base, cur, true)) {
      store<u32>(sp + SC_FLAGS, load<u32>(sp + SC_FLAGS) | SCF_DEP_WAIT);
      break;
    }
    const jp = jobPtr(base, cur);
    const credits = load<u32>(jp + SJ_CREDITS);
    if (<u32>(load<u32>(sp + SC_CREDIT_COUNT) + credits) > load<u32>(sp + SC_CREDIT_LIMIT)) break;
    if (load<u32>(rp + R_STATE) != RS_RUNNING) {
      wait = true;
      break;
    }
    if (ranCtx != NIL && <i32>(load<i32>(base + H_MAX_FENCES) - load<i32>(base + H_IN_USE)) < 1) {
      signalOne(base, ranCtx, ranSeqno, 0, now, true);
      ranCtx = NIL;
    }
    const hw = submitOne(base, rp, jp, now);
    if (hw < 0) {
      wait = hw == -2;
      full = hw == -1;
      break;
    }
    store<i32>(jp + SJ_HW_SLOT, hw);
    store<u32>(sp + SC_CREDIT_COUNT, load<u32>(sp + SC_CREDIT_COUNT) + credits);
    const tail = load<i32>(sp + SC_RING_TAIL);
    if (tail == NIL) store<i32>(sp + SC_RING_HEAD, cur);
    else store<i32>(jobPtr(base, tail) + SJ_RING_NEXT, cur);
    store<i32>(sp + SC_RING_TAIL, cur);
    store<i32>(sp + SC_RR_LAST, e);
    dequeue(base, sp, ep, jp, now, true, true);
    ranCtx = schedCtx;
    ranSeqno = load<f64>(jp + SJ_SEQNO);
    status |= SP_RAN;
    changed = true;
  }
  if (ranCtx != NIL) signalOne(base, ranCtx, ranSeqno, 0, now, true);
  let f2 = load<u32>(sp + SC_FLAGS) & ~(SCF_RING_WAIT | SCF_RING_FULL);
  if (wait) f2 |= SCF_RING_WAIT;
  if (full) f2 |= SCF_RING_FULL;
  store<u32>(sp + SC_FLAGS, f2);
  if (changed && (flags & SCF_WAKE)) status |= DR_SCHED;
  return status;
}
