/**
 * Scheduler core (drm_sched, S1-S10; the job queue, Q1-Q4): job records, entity queues,
 * dependency references, credits and the selection loop, over the arena (layout.ts draws the
 * Scheduler, Entity, Job record and Dependency reference regions).
 *
 * Contract: driver thread only, like fence.ts; no allocation, no mutable statics; the ts backend
 * is generated from this file (scripts/gen-ts-core.mjs). The bindings create schedulers and
 * entities (cold) and set flags (kill, fini); the core does the per-job work: schedPush queues
 * jobs and creates their scheduled and finished fences, schedAddDep records a dependency, and
 * schedPass (run by devicesRun after every completion on the virtual clock, and by the bindings
 * otherwise) retires ring jobs (S6), finishes jobs in seqno order per entity, finishes the jobs
 * of killed or guilty entities without the hardware (S7, S8), and selects and writes jobs into
 * the ring (S4, S5), so a scheduled pipeline runs with no JS per job. Its fast paths (pushBatch's
 * one loop, the usual scheduler's pass) are in sched-fast.ts.
 */
import {
  NIL, H_MAX_FENCES, H_IN_USE, H_NOTIFY_HEAD, ST_CREATED, ST_SIGNAL_CALLS, C_LAST_SEQNO,
  C_SIGNALED_SEQNO, C_PENDING, C_CREATED, S_STATE, S_GEN, S_ERROR, STATE_CTX_SHIFT, FS_ALLOC,
  FS_SIGNALED, FS_PINNED, R_STATE, RS_RUNNING, RS_DROPPED, H_SCHED_OFF, H_ENT_OFF, H_JOB_OFF,
  H_DEP_OFF, H_MAX_ENTS, H_MAX_JOBS, H_MAX_DEPS, H_SCHED_COUNT, H_JOB_FREE, H_JOB_BUMP,
  H_JOBS_IN_USE, H_DEP_FREE, H_DEP_BUMP, H_DEPS_IN_USE, H_SCHED_KICK, H_SCHED_SEEN, SC_SIZE,
  SC_RING, SC_FLAGS, SC_CREDIT_LIMIT, SC_CREDIT_COUNT, SC_ENT_HEAD, SC_RING_HEAD, SC_RING_TAIL,
  SC_ORDER, SC_RR_LAST, SC_PUSHED, SC_QUEUED, SCF_LIVE, SCF_STOPPED, SCF_CANCEL, SCF_WAKE,
  SCF_RING_WAIT, SCF_DEP_WAIT, SCF_RING_FULL, ET_SIZE, ET_SCHED, ET_FLAGS, ET_PRIORITY,
  ET_SCHED_CTX, ET_FIN_CTX, ET_NEXT, ET_HEAD, ET_TAIL, ET_CURSOR, ET_SEQNO, ET_QUEUED, SC_ENT_TAIL,
  ETF_KILLED, ETF_GUILTY, SJ_SIZE, SJ_ENTITY, SJ_NEXT, SJ_FLAGS, SJ_CREDITS, SJ_SEQNO, SJ_ORDER,
  SJ_HW_SLOT, SJ_RING_NEXT, SJ_ERROR, SJ_DEPS, SJ_DST, SJ_BYTES, SJ_PATTERN, SJ_ALLOC_ID,
  SJ_AFTER_CTX, SJ_AFTER_SEQNO, SJF_DEPS_OK, SJF_DONE, DP_SIZE, DP_NEXT, DP_SLOT, DP_GEN, DP_CTX,
  DP_SEQNO, ERRNO_CANCELED, ERRNO_SRCH, DR_NOTIFY, DR_SCHED, SP_RAN, PUSH_PIN,
  PUSH_AFTER_PIPELINED, SJF_AFTER_PIPELINED, PIPELINED_SLOT, C_HEAD, C_TAIL, S_NEXT, S_ERROR,
  FS_JS, FS_SCHED, H_FREE_HEAD, ST_SIGNALED, H_MODE, MODE_NO_FAST_PATH,
} from "../bindings/core/layout";
import { ctxPtr, slotPtr, allocSlot, initFence, reuseFence, signalUpTo, fenceUnhold, slotSeqno } from "./fence";
import { ringPtr } from "./ring";
import { ringSubmit } from "./submit";
import { pushRun, passSingle } from "./sched-fast";

// @ts-ignore: decorator
@inline function schedPtr(base: usize, s: i32): usize {
  return base + <usize>load<u32>(base + H_SCHED_OFF) + <usize>(s * SC_SIZE);
}
// @ts-ignore: decorator
@inline export function entPtr(base: usize, e: i32): usize {
  return base + <usize>load<u32>(base + H_ENT_OFF) + <usize>(e * ET_SIZE);
}
// @ts-ignore: decorator
@inline export function jobPtr(base: usize, j: i32): usize {
  return base + <usize>load<u32>(base + H_JOB_OFF) + <usize>(j * SJ_SIZE);
}
// @ts-ignore: decorator
@inline function depPtr(base: usize, d: i32): usize {
  return base + <usize>load<u32>(base + H_DEP_OFF) + <usize>(d * DP_SIZE);
}

/** Pops a free job record (the caller checked that one is free). */
// @ts-ignore: decorator
@inline function allocJob(base: usize): i32 {
  let j = load<i32>(base + H_JOB_FREE);
  if (j != NIL) {
    store<i32>(base + H_JOB_FREE, load<i32>(jobPtr(base, j) + SJ_NEXT));
  } else {
    j = load<i32>(base + H_JOB_BUMP);
    store<i32>(base + H_JOB_BUMP, j + 1);
  }
  store<i32>(base + H_JOBS_IN_USE, load<i32>(base + H_JOBS_IN_USE) + 1);
  return j;
}

// @ts-ignore: decorator
@inline function freeDep(base: usize, d: i32): void {
  store<i32>(depPtr(base, d) + DP_NEXT, load<i32>(base + H_DEP_FREE));
  store<i32>(base + H_DEP_FREE, d);
  store<i32>(base + H_DEPS_IN_USE, load<i32>(base + H_DEPS_IN_USE) - 1);
}

/** A finished job's record goes back to the free list, with its unresolved dependency references. */
export function freeJob(base: usize, j: i32): void {
  const jp = jobPtr(base, j);
  let d = load<i32>(jp + SJ_DEPS);
  while (d != NIL) {
    const next = load<i32>(depPtr(base, d) + DP_NEXT);
    freeDep(base, d);
    d = next;
  }
  store<i32>(jp + SJ_DEPS, NIL);
  store<i32>(jp + SJ_NEXT, load<i32>(base + H_JOB_FREE));
  store<i32>(base + H_JOB_FREE, j);
  store<i32>(base + H_JOBS_IN_USE, load<i32>(base + H_JOBS_IN_USE) - 1);
}

/** A new pending fence with `seqno` on context `ctx` (C2: seqno is the context's next). */
// @ts-ignore: decorator
@inline function newFence(base: usize, ctx: i32, seqno: f64, pin: i32): void {
  const c = ctxPtr(base, ctx);
  const slot = allocSlot(base);
  initFence(base, c, ctx, slot, seqno);
  store<f64>(c + C_LAST_SEQNO, seqno);
  if (pin) {
    const p = slotPtr(base, slot);
    store<u32>(p + S_STATE, load<u32>(p + S_STATE) | FS_PINNED);
  }
  store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) + 1);
  store<f64>(c + C_CREATED, load<f64>(c + C_CREATED) + 1);
}

/**
 * S2: queues n jobs on entity `ent`, each with the entity's next seqno on its scheduled fence
 * (none in a job queue) and its finished fence; job i writes the given descriptor when it runs,
 * and with afterCtx != NIL depends on fence afterSeqno + i of that context. pin = 1 (n = 1): the
 * fences are pinned for handles (the bindings find them at their contexts' tails). Returns the
 * first job's record; -1: not enough job records, -2: not enough fence slots (nothing changed).
 * flags: PUSH_PIN (n = 1): the fences are pinned for handles; PUSH_AFTER_PIPELINED: afterCtx is
 * the scheduled context of a same-scheduler entity whose finished context is afterCtx + 1 (S3).
 */
export function schedPush(base: usize, ent: i32, n: i32, credits: u32, dst: u32, bytes: u32, pattern: u32, allocId: u32, afterCtx: i32, afterSeqno: f64, flags: i32): i32 {
  const pin = flags & PUSH_PIN;
  if (<i32>(load<i32>(base + H_MAX_JOBS) - load<i32>(base + H_JOBS_IN_USE)) < n) return -1;
  const ep = entPtr(base, ent);
  const schedCtx = load<i32>(ep + ET_SCHED_CTX);
  const finCtx = load<i32>(ep + ET_FIN_CTX);
  const perJob = schedCtx != NIL ? 2 : 1;
  if (<i32>(load<i32>(base + H_MAX_FENCES) - load<i32>(base + H_IN_USE)) < n * perJob) return -2;
  reuseFence(base);
  const sp = schedPtr(base, load<i32>(ep + ET_SCHED));
  let seqno = load<f64>(ep + ET_SEQNO);
  let order = load<f64>(sp + SC_PUSHED);
  let first = NIL;
  if (!pin && !(load<u32>(base + H_MODE) & MODE_NO_FAST_PATH)) {
    first = pushRun(base, ep, ent, n, schedCtx, finCtx, seqno, order, flags & PUSH_AFTER_PIPELINED ? SJF_AFTER_PIPELINED : 0, credits, dst, bytes, pattern, allocId, afterCtx, afterSeqno);
    seqno += <f64>n;
    order += <f64>n;
  } else for (let i = 0; i < n; i++) {
    seqno += 1;
    if (schedCtx != NIL) newFence(base, schedCtx, seqno, pin);
    newFence(base, finCtx, seqno, pin);
    const j = allocJob(base);
    if (first == NIL) first = j;
    const jp = jobPtr(base, j);
    store<i32>(jp + SJ_ENTITY, ent);
    store<i32>(jp + SJ_NEXT, NIL);
    store<u32>(jp + SJ_FLAGS, flags & PUSH_AFTER_PIPELINED ? SJF_AFTER_PIPELINED : 0);
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
    const tail = load<i32>(ep + ET_TAIL);
    if (tail == NIL) store<i32>(ep + ET_HEAD, j);
    else store<i32>(jobPtr(base, tail) + SJ_NEXT, j);
    store<i32>(ep + ET_TAIL, j);
    if (load<i32>(ep + ET_CURSOR) == NIL) store<i32>(ep + ET_CURSOR, j);
  }
  store<f64>(ep + ET_SEQNO, seqno);
  store<f64>(sp + SC_PUSHED, order);
  store<u32>(ep + ET_QUEUED, load<u32>(ep + ET_QUEUED) + <u32>n);
  store<u32>(sp + SC_QUEUED, load<u32>(sp + SC_QUEUED) + <u32>n);
  store<f64>(base + ST_CREATED, load<f64>(base + ST_CREATED) + <f64>(n * perJob));
  store<i32>(base + H_SCHED_KICK, 1);
  return first;
}

/**
 * signalUpTo(ctx, seqno, error) when that signals one fence, the context's oldest pending one,
 * with no handle, callbacks or holder (a scheduled or finished fence of a job pushed in a batch):
 * its seqno is `seqno` and the next fence, if any, is pending with seqno + 1 (else the context's
 * last seqno is `seqno`). The same bytes as signalLoop for that fence (error set if it has none,
 * the slot recycled at once, never shown signaled), without its setup. `fast` off
 * (MODE_NO_FAST_PATH), or any other case: signalUpTo.
 */
// @ts-ignore: decorator
@inline export function signalOne(base: usize, ctx: i32, seqno: f64, error: i32, now: f64, fast: bool): void {
  const c = ctxPtr(base, ctx);
  const head = load<i32>(c + C_HEAD);
  let done = false;
  if (fast && head != NIL) {
    const p = slotPtr(base, head);
    if (!(load<u32>(p + S_STATE) & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)) && slotSeqno(base, head) == seqno) {
      const next = load<i32>(p + S_NEXT);
      let one = false;
      if (next == NIL) one = load<f64>(c + C_LAST_SEQNO) == seqno;
      else one = !(load<u32>(slotPtr(base, next) + S_STATE) & FS_SIGNALED) && slotSeqno(base, next) == seqno + 1;
      if (one) {
        if (error != 0 && load<i32>(p + S_ERROR) == 0) store<i32>(p + S_ERROR, error);
        store<u32>(p + S_STATE, 0);
        store<u32>(p + S_GEN, load<u32>(p + S_GEN) + 1);
        store<i32>(p + S_NEXT, load<i32>(base + H_FREE_HEAD));
        store<i32>(base + H_FREE_HEAD, head);
        store<i32>(base + H_IN_USE, load<i32>(base + H_IN_USE) - 1);
        store<i32>(c + C_HEAD, next);
        if (next == NIL) store<i32>(c + C_TAIL, NIL);
        store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) - 1);
        if (seqno > load<f64>(c + C_SIGNALED_SEQNO)) store<f64>(c + C_SIGNALED_SEQNO, seqno);
        store<f64>(base + ST_SIGNALED, load<f64>(base + ST_SIGNALED) + 1);
        store<f64>(base + ST_SIGNAL_CALLS, load<f64>(base + ST_SIGNAL_CALLS) + 1);
        done = true;
      }
    }
  }
  if (!done) signalUpTo(base, ctx, seqno, error, now);
}

/**
 * S3: job `job` waits for a fence: by slot (slot, gen, ctx, seqno: a slot that moved on was
 * signaled), or with slot NIL by context (its signaledSeqno reaching seqno). 0, or -1 when no
 * dependency reference is free (nothing changed).
 */
export function schedAddDep(base: usize, job: i32, slot: i32, gen: u32, ctx: i32, seqno: f64): i32 {
  let d = load<i32>(base + H_DEP_FREE);
  if (d != NIL) {
    store<i32>(base + H_DEP_FREE, load<i32>(depPtr(base, d) + DP_NEXT));
  } else {
    d = load<i32>(base + H_DEP_BUMP);
    if (d >= load<i32>(base + H_MAX_DEPS)) return -1;
    store<i32>(base + H_DEP_BUMP, d + 1);
  }
  store<i32>(base + H_DEPS_IN_USE, load<i32>(base + H_DEPS_IN_USE) + 1);
  const jp = jobPtr(base, job);
  const dp = depPtr(base, d);
  store<i32>(dp + DP_NEXT, load<i32>(jp + SJ_DEPS));
  store<i32>(dp + DP_SLOT, slot);
  store<u32>(dp + DP_GEN, gen);
  store<i32>(dp + DP_CTX, ctx);
  store<f64>(dp + DP_SEQNO, seqno);
  store<i32>(jp + SJ_DEPS, d);
  store<u32>(jp + SJ_FLAGS, load<u32>(jp + SJ_FLAGS) & ~SJF_DEPS_OK);
  return 0;
}

/**
 * Has the fence a dependency reference names signaled? A pipelined reference (S3) is met by the
 * scheduled fence, or with `strict` (a job that will not reach the ring: S7, S8) by the finished
 * one, the next context.
 */
// @ts-ignore: decorator
@inline function depSignaled(base: usize, dp: usize, strict: bool): bool {
  const slot = load<i32>(dp + DP_SLOT);
  const ctx = load<i32>(dp + DP_CTX);
  if (slot == NIL) return load<f64>(ctxPtr(base, ctx) + C_SIGNALED_SEQNO) >= load<f64>(dp + DP_SEQNO);
  if (slot == PIPELINED_SLOT) {
    let fctx = ctx;
    if (strict) fctx = <i32>(ctx + 1);
    return load<f64>(ctxPtr(base, fctx) + C_SIGNALED_SEQNO) >= load<f64>(dp + DP_SEQNO);
  }
  const p = slotPtr(base, slot);
  const st = load<u32>(p + S_STATE);
  if (load<u32>(p + S_GEN) != load<u32>(dp + DP_GEN)) return true;
  if (!(st & FS_ALLOC) || <i32>(st >>> STATE_CTX_SHIFT) != ctx) return true;
  if (slotSeqno(base, slot) != load<f64>(dp + DP_SEQNO)) return true;
  return (st & FS_SIGNALED) != 0;
}

/**
 * S4: have all of the job's dependencies signaled? `strict` for a job finished without the ring
 * (killed, guilty: S7, S8): pipelined dependencies then wait for the finished fence, as the ring
 * order that makes the scheduled one enough does not hold for it. Met references are freed, but
 * a pipelined one only once strictly met (the job may still become killed or guilty).
 */
function depsReady(base: usize, j: i32, strict: bool): bool {
  const jp = jobPtr(base, j);
  const flags = load<u32>(jp + SJ_FLAGS);
  if (!strict && (flags & SJF_DEPS_OK)) return true;
  const after = load<i32>(jp + SJ_AFTER_CTX);
  const afterPipe = (flags & SJF_AFTER_PIPELINED) != 0;
  if (after != NIL) {
    let actx = after;
    if (strict && afterPipe) actx = <i32>(after + 1);
    if (load<f64>(ctxPtr(base, actx) + C_SIGNALED_SEQNO) < load<f64>(jp + SJ_AFTER_SEQNO)) return false;
  }
  for (let d = load<i32>(jp + SJ_DEPS); d != NIL; d = load<i32>(depPtr(base, d) + DP_NEXT)) {
    if (!depSignaled(base, depPtr(base, d), strict)) return false;
  }
  // All met: free what is met for good.
  if (after != NIL && (strict || !afterPipe)) store<i32>(jp + SJ_AFTER_CTX, NIL);
  let d = load<i32>(jp + SJ_DEPS);
  let kept = NIL;
  while (d != NIL) {
    const dp = depPtr(base, d);
    const next = load<i32>(dp + DP_NEXT);
    if (!strict && load<i32>(dp + DP_SLOT) == PIPELINED_SLOT) {
      store<i32>(dp + DP_NEXT, kept);
      kept = d;
    } else {
      freeDep(base, d);
    }
    d = next;
  }
  store<i32>(jp + SJ_DEPS, kept);
  store<u32>(jp + SJ_FLAGS, load<u32>(jp + SJ_FLAGS) | SJF_DEPS_OK);
  return true;
}

/**
 * depsReady(j, false) for a job with no dependency list: met already (SJF_DEPS_OK), or waiting
 * for its `after` fence alone (not pipelined) or for nothing, decided here with the same stores;
 * any other job (`fast` off too): depsReady.
 */
// @ts-ignore: decorator
@inline export function headReady(base: usize, j: i32, fast: bool): bool {
  const jp = jobPtr(base, j);
  const flags = load<u32>(jp + SJ_FLAGS);
  if (flags & SJF_DEPS_OK) return true;
  if (!fast || load<i32>(jp + SJ_DEPS) != NIL || (flags & SJF_AFTER_PIPELINED)) return depsReady(base, j, false);
  const after = load<i32>(jp + SJ_AFTER_CTX);
  if (after != NIL) {
    if (load<f64>(ctxPtr(base, after) + C_SIGNALED_SEQNO) < load<f64>(jp + SJ_AFTER_SEQNO)) return false;
    store<i32>(jp + SJ_AFTER_CTX, NIL);
  }
  store<i32>(jp + SJ_DEPS, NIL);
  store<u32>(jp + SJ_FLAGS, flags | SJF_DEPS_OK);
  return true;
}

/**
 * S6: the entity's finished fences signal in seqno order, each once its job is done: one
 * signalUpTo per run of done jobs with the same error (the finished context holds exactly one
 * fence per job, in seqno order, so signaling up to the run's last seqno signals just these).
 */
export function finishDone(base: usize, ep: usize, now: f64, fast: bool): bool {
  let head = load<i32>(ep + ET_HEAD);
  let any = false;
  const finCtx = load<i32>(ep + ET_FIN_CTX);
  let runErr = 0;
  let runLast: f64 = -1;
  while (head != NIL) {
    const jp = jobPtr(base, head);
    if (!(load<u32>(jp + SJ_FLAGS) & SJF_DONE)) break;
    const next = load<i32>(jp + SJ_NEXT);
    const err = load<i32>(jp + SJ_ERROR);
    if (runLast >= 0 && err != runErr) signalUpTo(base, finCtx, runLast, runErr, now);
    runErr = err;
    runLast = load<f64>(jp + SJ_SEQNO);
    freeJob(base, head);
    head = next;
    any = true;
  }
  if (runLast >= 0) signalOne(base, finCtx, runLast, runErr, now, fast);
  store<i32>(ep + ET_HEAD, head);
  if (head == NIL) store<i32>(ep + ET_TAIL, NIL);
  return any;
}

/**
 * The job at the entity's cursor leaves the queue: its scheduled fence signals (S4, S8), at once
 * unless `defer` (the caller then signals up to the last such job itself).
 */
// @ts-ignore: decorator
@inline export function dequeue(base: usize, sp: usize, ep: usize, jp: usize, now: f64, defer: bool, fast: bool): void {
  store<i32>(ep + ET_CURSOR, load<i32>(jp + SJ_NEXT));
  store<u32>(ep + ET_QUEUED, load<u32>(ep + ET_QUEUED) - 1);
  store<u32>(sp + SC_QUEUED, load<u32>(sp + SC_QUEUED) - 1);
  const schedCtx = load<i32>(ep + ET_SCHED_CTX);
  if (schedCtx != NIL && !defer) signalOne(base, schedCtx, load<f64>(jp + SJ_SEQNO), 0, now, fast);
}

/** S5: the entity whose head job runs next (highest priority, then FIFO or round robin), or NIL. */
function pick(base: usize, sp: usize, fast: bool): i32 {
  const rr = load<u32>(sp + SC_ORDER) != 0;
  const rrLast = load<i32>(sp + SC_RR_LAST);
  const maxEnts = load<i32>(base + H_MAX_ENTS);
  let best = NIL;
  let bestPrio: u32 = 4;
  let bestKey = Infinity;
  for (let e = load<i32>(sp + SC_ENT_HEAD); e != NIL; e = load<i32>(entPtr(base, e) + ET_NEXT)) {
    const ep = entPtr(base, e);
    if (load<u32>(ep + ET_FLAGS) & (ETF_KILLED | ETF_GUILTY)) continue;
    const cur = load<i32>(ep + ET_CURSOR);
    if (cur == NIL) continue;
    const prio = load<u32>(ep + ET_PRIORITY);
    if (prio > bestPrio) continue;
    let key: f64 = 0;
    if (rr) {
      const d = <i32>(e - rrLast - 1);
      key = <f64><i32>(d < 0 ? d + maxEnts : d);
    } else {
      key = load<f64>(jobPtr(base, cur) + SJ_ORDER);
    }
    if (prio == bestPrio && key >= bestKey) continue;
    if (!headReady(base, cur, fast)) {
      store<u32>(sp + SC_FLAGS, load<u32>(sp + SC_FLAGS) | SCF_DEP_WAIT);
      continue;
    }
    best = e;
    bestPrio = prio;
    bestKey = key;
  }
  return best;
}

/** One scheduler's pass: retire, finish, cancel, select. DR_SCHED (if flagged SCF_WAKE) | SP_RAN. */
function passOne(base: usize, sp: usize, now: f64): i32 {
  let changed = false;
  let status = 0;
  const fast = !(load<u32>(base + H_MODE) & MODE_NO_FAST_PATH);
  const flags = load<u32>(sp + SC_FLAGS) & ~SCF_DEP_WAIT;
  store<u32>(sp + SC_FLAGS, flags);
  const ring = load<i32>(sp + SC_RING);
  const rp = ringPtr(base, ring);
  const cancel = (flags & SCF_CANCEL) != 0;
  // S6: ring jobs whose ring fence signaled, in ring order: credits return, the error is kept.
  // A dropped ring signals nothing more (T4): under fini its jobs end -ECANCELED here.
  const dropped = cancel && load<u32>(rp + R_STATE) == RS_DROPPED;
  let j = load<i32>(sp + SC_RING_HEAD);
  while (j != NIL) {
    const jp = jobPtr(base, j);
    const hw = load<i32>(jp + SJ_HW_SLOT);
    const hp = slotPtr(base, hw);
    let err = ERRNO_CANCELED;
    if (load<u32>(hp + S_STATE) & FS_SIGNALED) err = load<i32>(hp + S_ERROR);
    else if (!dropped) break;
    fenceUnhold(base, hw);
    store<i32>(jp + SJ_HW_SLOT, NIL);
    store<u32>(sp + SC_CREDIT_COUNT, load<u32>(sp + SC_CREDIT_COUNT) - load<u32>(jp + SJ_CREDITS));
    if (load<i32>(jp + SJ_ERROR) == 0) store<i32>(jp + SJ_ERROR, err);
    store<u32>(jp + SJ_FLAGS, load<u32>(jp + SJ_FLAGS) | SJF_DONE);
    j = load<i32>(jp + SJ_RING_NEXT);
    changed = true;
  }
  store<i32>(sp + SC_RING_HEAD, j);
  if (j == NIL) store<i32>(sp + SC_RING_TAIL, NIL);
  // Finished fences in order; killed (S8), guilty (S7) and cancelled (S10) jobs finish here,
  // each once its predecessor finished (and, unless cancelled, its dependencies signaled). Again
  // if a job finished after an earlier entity's head found its dependency unmet (a killed job
  // may wait for the finished fence of a later entity's killed job: S8 in order, no stall).
  for (;;) {
    let waitAt: f64 = -1;
    for (let e = load<i32>(sp + SC_ENT_HEAD); e != NIL; e = load<i32>(entPtr(base, e) + ET_NEXT)) {
      const ep = entPtr(base, e);
      const ef = load<u32>(ep + ET_FLAGS);
      for (;;) {
        if (finishDone(base, ep, now, fast)) changed = true;
        const cur = load<i32>(ep + ET_CURSOR);
        if (cur == NIL || cur != load<i32>(ep + ET_HEAD)) break;
        if (!cancel && !(ef & (ETF_KILLED | ETF_GUILTY))) break;
        if (!cancel && !depsReady(base, cur, true)) {
          store<u32>(sp + SC_FLAGS, load<u32>(sp + SC_FLAGS) | SCF_DEP_WAIT);
          if (waitAt < 0) waitAt = load<f64>(base + ST_SIGNAL_CALLS);
          break;
        }
        const jp = jobPtr(base, cur);
        dequeue(base, sp, ep, jp, now, false, fast);
        store<i32>(jp + SJ_ERROR, cancel ? ERRNO_CANCELED : ef & ETF_KILLED ? ERRNO_SRCH : ERRNO_CANCELED);
        store<u32>(jp + SJ_FLAGS, load<u32>(jp + SJ_FLAGS) | SJF_DONE);
        changed = true;
      }
    }
    if (waitAt < 0 || load<f64>(base + ST_SIGNAL_CALLS) == waitAt) break;
  }
  // S4, S5: run ready head jobs while credits (and the ring) allow; a head that does not fit
  // blocks everything behind it (head-of-line).
  let wait = false;
  let full = false;
  // One entity: nothing in this loop reads its scheduled context (its own jobs' dependencies
  // never name it; pipelining is between entities), so its scheduled fences signal once, after
  // the loop, up to the last job written: the same fences, at the same time, in the same order.
  const single = load<i32>(sp + SC_ENT_HEAD) == load<i32>(sp + SC_ENT_TAIL);
  let ranCtx = NIL; // the scheduled context whose signal is deferred, up to ranSeqno
  let ranSeqno: f64 = 0;
  if (!(flags & SCF_STOPPED)) {
    for (;;) {
      const e = pick(base, sp, fast);
      if (e == NIL) break;
      const ep = entPtr(base, e);
      const jp = jobPtr(base, load<i32>(ep + ET_CURSOR));
      const credits = load<u32>(jp + SJ_CREDITS);
      if (<u32>(load<u32>(sp + SC_CREDIT_COUNT) + credits) > load<u32>(sp + SC_CREDIT_LIMIT)) break;
      if (load<u32>(rp + R_STATE) != RS_RUNNING) {
        wait = true;
        break;
      }
      if (ranCtx != NIL && <i32>(load<i32>(base + H_MAX_FENCES) - load<i32>(base + H_IN_USE)) < 1) {
        // Short of fence slots: the deferred signal first (it may recycle some), as without it.
        signalOne(base, ranCtx, ranSeqno, 0, now, fast);
        ranCtx = NIL;
      }
      const hw = ringSubmit(base, ring, 1, load<u32>(jp + SJ_DST), load<u32>(jp + SJ_BYTES), load<u32>(jp + SJ_PATTERN), load<u32>(jp + SJ_ALLOC_ID), 2, now);
      if (hw < 0) {
        // -1: the ring is full, a completion frees room; -2: no fence slot, a recycle does.
        wait = hw == -2;
        full = hw == -1;
        break;
      }
      store<i32>(jp + SJ_HW_SLOT, hw);
      store<u32>(sp + SC_CREDIT_COUNT, load<u32>(sp + SC_CREDIT_COUNT) + credits);
      const j2 = load<i32>(ep + ET_CURSOR);
      const tail = load<i32>(sp + SC_RING_TAIL);
      if (tail == NIL) store<i32>(sp + SC_RING_HEAD, j2);
      else store<i32>(jobPtr(base, tail) + SJ_RING_NEXT, j2);
      store<i32>(sp + SC_RING_TAIL, j2);
      store<i32>(sp + SC_RR_LAST, e);
      dequeue(base, sp, ep, jp, now, single, fast);
      if (single) {
        ranCtx = load<i32>(ep + ET_SCHED_CTX);
        ranSeqno = load<f64>(jp + SJ_SEQNO);
      }
      status |= SP_RAN;
      changed = true;
    }
  }
  if (ranCtx != NIL) signalOne(base, ranCtx, ranSeqno, 0, now, fast);
  let f2 = load<u32>(sp + SC_FLAGS) & ~(SCF_RING_WAIT | SCF_RING_FULL);
  if (wait) f2 |= SCF_RING_WAIT;
  if (full) f2 |= SCF_RING_FULL;
  store<u32>(sp + SC_FLAGS, f2);
  if (changed && (flags & SCF_WAKE)) status |= DR_SCHED;
  return status;
}

/**
 * Can a pass of this scheduler change anything, with no kick since its last one? Only when its
 * oldest ring job's fence signaled (retire: credits, finished fences), or its last pass stopped
 * on something a signal may end: a dependency (SCF_DEP_WAIT), the ring's state or a fence slot
 * (SCF_RING_WAIT), ring space (SCF_RING_FULL), or it is cancelling (SCF_CANCEL). Everything
 * else a pass does follows from these or from what the bindings kick.
 */
// @ts-ignore: decorator
@inline function passDue(base: usize, sp: usize): bool {
  if (load<u32>(sp + SC_FLAGS) & (SCF_CANCEL | SCF_DEP_WAIT | SCF_RING_WAIT | SCF_RING_FULL)) return true;
  const j = load<i32>(sp + SC_RING_HEAD);
  if (j == NIL) return false;
  return (load<u32>(slotPtr(base, load<i32>(jobPtr(base, j) + SJ_HW_SLOT)) + S_STATE) & FS_SIGNALED) != 0;
}

/**
 * Runs every scheduler at time `now` until nothing more changes (a finished fence may satisfy a
 * dependency of another scheduler's job). Returns DR_NOTIFY (fences with JS callbacks or waiters
 * signaled), DR_SCHED (a scheduler the bindings wait on changed) and SP_RAN (rings got jobs).
 */
export function schedPass(base: usize, now: f64): i32 {
  const count = load<i32>(base + H_SCHED_COUNT);
  // A kick (push, kill, restart: the bindings changed something) runs every scheduler; otherwise
  // only those passDue finds something to do for.
  const kick = load<i32>(base + H_SCHED_KICK) != 0;
  const fast = !(load<u32>(base + H_MODE) & MODE_NO_FAST_PATH);
  store<i32>(base + H_SCHED_KICK, 0);
  let status = 0;
  for (;;) {
    // Again only if something signaled after the first scheduler that found a job waiting for a
    // dependency had its turn (what signaled before, or in its own pass, it has seen).
    let blockedAt: f64 = -1;
    for (let s = 0; s < count; s++) {
      const sp = schedPtr(base, s);
      if (!(load<u32>(sp + SC_FLAGS) & SCF_LIVE)) continue;
      if (!kick && !passDue(base, sp)) continue;
      let st = fast ? passSingle(base, sp, now) : -1;
      if (st < 0) st = passOne(base, sp, now);
      status |= st;
      if (blockedAt < 0 && (load<u32>(sp + SC_FLAGS) & SCF_DEP_WAIT)) blockedAt = load<f64>(base + ST_SIGNAL_CALLS);
    }
    if (blockedAt < 0 || load<f64>(base + ST_SIGNAL_CALLS) == blockedAt) break;
  }
  store<f64>(base + H_SCHED_SEEN, load<f64>(base + ST_SIGNAL_CALLS));
  if (load<i32>(base + H_NOTIFY_HEAD) != NIL) status |= DR_NOTIFY;
  return status;
}
