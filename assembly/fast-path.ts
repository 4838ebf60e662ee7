/**
 * The device engine's fast paths (virtual clock, no scheduler, driver thread only): runs of
 * completions that are certain and unobserved, done in one pass with the arena left exactly as
 * the general path's events (ring.ts, ringEvent) would leave it, in the engine's (time, ring
 * index) order. Each fence keeps its own job's completion time (R4), signaled in order (C3),
 * with the same slot reuse, statistics and start times. test/fast-path.test.ts runs seeded
 * scenarios with and without them (MODE_NO_FAST_PATH) and compares the arenas byte for byte.
 *
 * - fastRun: one ring, from its event to the next other ring's event (a run of one ring).
 * - tiedRun: several rings whose events fall at the same instants (rings fed alike on devices
 *   alike): step after step, each ring's completion in ring index order.
 *
 * Both refuse (return -1) whatever they do not cover; the general path then runs the event.
 */
import {
  NIL, H_NOTIFY_HEAD, H_DMA_OFF, H_DEV_NOW, H_RING_COUNT, H_RINGS_OFF, H_RING_STRIDE,
  ST_JOBS_COMPLETED, ST_DMA_BYTES, ST_IRQS, RING_SIZE, R_STATE, R_MASK, R_CTX, R_TAIL, R_SIG_IDX,
  R_STOP, R_INJECT, R_TIMEOUT_NS, R_FLAGS, R_HEAD, R_RETIRED, R_IRQS, R_ENGINE, R_WRITEBACK,
  R_CUR_START, R_CUR_END, R_CUR_DUR, R_CUR_WRITTEN, R_CUR_FLAGS, R_NEXT_T, R_BASE_NS, R_PER_BYTE_NS,
  R_ACK_AT, R_RESET_AT, RS_RUNNING, RS_STOPPING, RGF_STOPPABLE, RGF_RANDOM, RGF_NO_IRQ_HANDLER,
  RGF_WAKE, RGF_TRACE, EN_BUSY, JF_NO_ACK, DMA_CHUNKS, DESC_SIZE, D_SEQNO, D_DST, D_BYTES, D_PATTERN,
  D_ALLOC_ID, START_SIZE, C_HEAD, H_FREE_HEAD, H_IN_USE,
  ST_SIGNALED, ST_SIGNAL_CALLS, S_STATE, S_GEN, S_NEXT, FS_SIGNALED, FS_JS,
  FS_PINNED, FS_SCHED, C_TAIL, C_PENDING, C_SIGNALED_SEQNO, H_CTX_OFF, CTX_SIZE,
} from "../bindings/core/layout";
import { ctxPtr, slotPtr, signalRun, recyclePlain, slotSeqno, hotArray, hotAt } from "./fence";
import { descPtr, startPtr, canFetch, fetch, endEvent, writeChunk, owned } from "./ring";

/**
 * What both runs need of a ring at its event: the running job completes at that event with
 * nothing armed or due (no fault drawn or injected, no request, no JS return per job), and the
 * context's oldest pending fence is the running job's (none left behind by a lost IRQ).
 */
// @ts-ignore: decorator
@inline export function runnable(base: usize, rp: usize): bool {
  if (load<u32>(rp + R_FLAGS) & (RGF_RANDOM | RGF_NO_IRQ_HANDLER | RGF_WAKE | RGF_TRACE)) return false;
  if (load<u32>(rp + R_ENGINE) != EN_BUSY || load<u32>(rp + R_CUR_FLAGS) != 0) return false;
  if (load<f64>(rp + R_ACK_AT) >= 0 || load<f64>(rp + R_RESET_AT) >= 0) return false;
  const head = load<u32>(rp + R_HEAD);
  if (load<u32>(rp + R_SIG_IDX) != <u32>(head - 1)) return false;
  const first = load<i32>(ctxPtr(base, load<i32>(rp + R_CTX)) + C_HEAD);
  return first != NIL && slotSeqno(base, first) == load<f64>(descPtr(rp, <u32>(head - 1)) + D_SEQNO);
}

/** R6 is armed on this ring (a deadline per job): running, or draining with no STOP sent. */
// @ts-ignore: decorator
@inline export function deadlines(rp: usize): bool {
  const state = load<u32>(rp + R_STATE);
  return load<f64>(rp + R_TIMEOUT_NS) < Infinity && (state == RS_RUNNING || (state == RS_STOPPING && load<u32>(rp + R_STOP) == 0));
}

/**
 * The device's side of m completed jobs of a ring whose running job ended at end0 and whose
 * next m - 1 jobs took `step` each: their bytes (the jobs after the first: whole), start times,
 * then what publishRun writes.
 */
function finishRun(base: usize, ring: i32, rp: usize, m: i32, step: f64, end0: f64): i32 {
  const head = load<u32>(rp + R_HEAD);
  const dma = base + <usize>load<u32>(base + H_DMA_OFF);
  let bytes: f64 = 0;
  let tLast = end0;
  let start = load<f64>(rp + R_CUR_START);
  let last = descPtr(rp, <u32>(head - 1));
  const mask = load<u32>(rp + R_MASK);
  const descs = rp + RING_SIZE;
  const starts = startPtr(rp, 0);
  for (let k: u32 = 1; k < <u32>m; k++) {
    const i = <u32>(head - 1 + k) & mask;
    last = descs + <usize>(i * DESC_SIZE);
    store<f64>(starts + <usize>(i * START_SIZE), tLast);
    const b = load<u32>(last + D_BYTES);
    if (b != 0) {
      memory.fill(<usize>(dma + <usize>load<u32>(last + D_DST)), <u8>load<u32>(last + D_PATTERN), <usize>b);
      bytes += <f64>b;
    }
    start = tLast;
    tLast += step;
  }
  return publishRun(base, ring, rp, m, step, start, tLast, last, bytes);
}

/**
 * The end of a ring's run of m jobs (the jobs after the first took `step` each; the last one,
 * at descriptor `last`, started at `start` and ended at tLast; `bytes` written by the jobs after
 * the first): the last job's write-back, the engine words, IRQ and job counts, the next fetch
 * and the ring's next event.
 */
// @ts-ignore: decorator
@inline function publishRun(base: usize, ring: i32, rp: usize, m: i32, step: f64, start: f64, tLast: f64, last: usize, bytes: f64): i32 {
  const retired = <u32>(load<u32>(rp + R_HEAD) - 1 + <u32>m);
  if (bytes != 0) store<f64>(base + ST_DMA_BYTES, load<f64>(base + ST_DMA_BYTES) + bytes);
  if (<i32>m > 1) {
    store<f64>(rp + R_CUR_START, start);
    store<f64>(rp + R_CUR_DUR, step);
    store<f64>(rp + R_CUR_END, tLast);
    store<u32>(rp + R_CUR_WRITTEN, 0);
  }
  if (load<u32>(last + D_BYTES) != 0) store<u32>(rp + R_CUR_WRITTEN, <u32>DMA_CHUNKS);
  store<u32>(rp + R_HEAD, retired);
  store<f64>(rp + R_WRITEBACK, load<f64>(last + D_SEQNO));
  store<u32>(rp + R_RETIRED, retired);
  store<u32>(rp + R_ENGINE, 0);
  store<f64>(base + ST_JOBS_COMPLETED, load<f64>(base + ST_JOBS_COMPLETED) + <f64><i32>m);
  store<u32>(rp + R_IRQS, load<u32>(rp + R_IRQS) + <u32>m);
  store<f64>(base + ST_IRQS, load<f64>(base + ST_IRQS) + <f64><i32>m);
  store<u32>(rp + R_SIG_IDX, retired);
  if (canFetch(rp)) fetch(rp, tLast);
  store<f64>(base + H_DEV_NOW, tLast);
  return endEvent(base, ring, rp, tLast, 0);
}

/**
 * The counts of n plain fences of context c signaled and recycled inline (one signal call each),
 * the last one's seqno `seqno`, with the free list's head and the context's list head: what
 * signalRun would have written for them.
 */
// @ts-ignore: decorator
@inline function publishPlain(base: usize, c: usize, n: i32, seqno: f64, head: i32, freeHead: i32): void {
  store<i32>(base + H_FREE_HEAD, freeHead);
  store<i32>(c + C_HEAD, head);
  if (head == NIL) store<i32>(c + C_TAIL, NIL);
  if (n == 0) return;
  store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) - <u32>n);
  if (seqno > load<f64>(c + C_SIGNALED_SEQNO)) store<f64>(c + C_SIGNALED_SEQNO, seqno);
  publishSignals(base, n);
}

/**
 * The run-length fast path: from the event at t, completes in one pass the running job and the
 * queued jobs after it whose events are all certain and unobserved before `limit` (at `limit`
 * too if `incl`: the ring comes first in index order there) — no fault armed or drawn (no PRNG
 * ring), no request, no timeout due, every byte written into memory its job's allocation owns
 * (one ownership check per job), no return to the bindings per job (WAKE, TRACE) — and stops
 * after a fence with JS callbacks or waiters, and before a fence already signaled. The jobs
 * after the first have one duration: the stamps are accumulated steps, as the general path's
 * times are. One loop per job: its plan (time, deadline, ownership), the IRQ handler's signaling
 * of its fence (a plain one inline, with the list heads and the counters in locals, published
 * once; any other through signalRun, one fence, what is pending published first), its start
 * time and bytes; a stretch of zero-byte jobs with plain fences goes to zeroRun. Returns -1 when
 * it does not apply (the general path runs the event), else the DR_* bits of its last event.
 */
export function fastRun(base: usize, ring: i32, rp: usize, t: f64, limit: f64, incl: bool): i32 {
  // First the cheapest refusal: the running job does not complete before the limit (a chunk event
  // of rings whose events interleave).
  const end0 = load<f64>(rp + R_CUR_END);
  if (end0 > limit || (end0 == limit && !incl)) return -1;
  if (load<i32>(base + H_NOTIFY_HEAD) != NIL || !runnable(base, rp)) return -1;
  const flags = load<u32>(rp + R_FLAGS);
  const head = load<u32>(rp + R_HEAD);
  const mask = load<u32>(rp + R_MASK);
  const descs = rp + RING_SIZE;
  const d0 = descs + <usize>((<u32>(head - 1) & mask) * DESC_SIZE);
  // R6: no deadline before a completion, and none reached at a fetch.
  const tmo = load<f64>(rp + R_TIMEOUT_NS);
  const armed = deadlines(rp);
  if (armed && !(load<f64>(startPtr(rp, <u32>(head - 1))) + tmo >= end0)) return -1;
  let cDst = load<u32>(d0 + D_DST);
  let cBytes = load<u32>(d0 + D_BYTES);
  let cAlloc = load<u32>(d0 + D_ALLOC_ID);
  const bytes0 = cBytes;
  // The running job's chunks still to write: [lo0, bytes0).
  const lo0 = <u32>(<u64>bytes0 * load<u32>(rp + R_CUR_WRITTEN) / DMA_CHUNKS);
  if (bytes0 != lo0 && !owned(base, cDst + lo0, bytes0 - lo0, cAlloc)) return -1;
  if (lo0 != 0) cBytes = 0; // (only the rest was checked: a job like it checks its own)
  // The jobs queued behind it (none while a STOP or a fault is armed: fetch would see it).
  const queued = !((flags & RGF_STOPPABLE) && load<u32>(rp + R_STOP)) && !(load<u32>(rp + R_INJECT) & <u32>~JF_NO_ACK)
    ? <u32>(atomic.load<u32>(rp + R_TAIL) - head) : <u32>0;
  const baseNs = load<f64>(rp + R_BASE_NS);
  const perByte = load<f64>(rp + R_PER_BYTE_NS);
  const dur0 = Math.floor(baseNs + perByte * 0.0); // a zero-byte job's (fetch's formula)
  const starts = startPtr(rp, 0);
  const dma = base + <usize>load<u32>(base + H_DMA_OFF);
  const ctx = load<i32>(rp + R_CTX);
  const c = ctxPtr(base, ctx);
  const slotBase = hotArray(base);
  // The locals: the context's list head, the free list's head, the plain fences signaled inline
  // (not yet counted in the arena) and the last one's job.
  let h = load<i32>(c + C_HEAD);
  let freeHead = load<i32>(base + H_FREE_HEAD);
  let signaled = 0;
  let lastPlain = d0;
  let m = 0; // jobs completed
  let step: f64 = 0; // the duration of the jobs after the first
  let lastB: u32 = 0;
  let bytes: f64 = 0; // written in the run
  let e = end0; // this job's completion
  let start = load<f64>(rp + R_CUR_START); // and its start
  let d = d0;
  let lastD = d0; // the job before it: its descriptor, start and end
  let lastStart = start;
  let lastEnd = e;
  for (;;) {
    // The IRQ handler's signaling of this job's fence.
    const q = hotAt(slotBase, h);
    let stop = false;
    if (h != NIL && !(load<u32>(q + S_STATE) & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED))) {
      // The common fence (no handle, callbacks or holder: the job's own, the context's next).
      const cur = h;
      h = recyclePlain(q, freeHead);
      freeHead = cur;
      signaled++;
      lastPlain = d;
    } else {
      // Any other: signalRun for this job, with the locals published first.
      publishPlain(base, c, signaled, load<f64>(lastPlain + D_SEQNO), h, freeHead);
      signaled = 0;
      const got = signalRun(base, ctx, load<f64>(d + D_SEQNO), e, 0);
      h = load<i32>(c + C_HEAD);
      freeHead = load<i32>(base + H_FREE_HEAD);
      if (got == 0) {
        // Signaled before its job completed: the general path takes the job; the run ends with
        // the job before it.
        d = lastD;
        start = lastStart;
        e = lastEnd;
        break;
      }
      stop = load<i32>(base + H_NOTIFY_HEAD) != NIL; // JS callbacks or waiters: back to the bindings
    }
    // The job completes: the device's side, its start time and bytes (the running job's: the
    // chunks it still had to write).
    if (m > 0) {
      store<f64>(starts + <usize>((<u32>(head - 1 + <u32>m) & mask) * START_SIZE), start);
      const b = load<u32>(d + D_BYTES);
      if (b != 0) {
        memory.fill(<usize>(dma + <usize>load<u32>(d + D_DST)), <u8>load<u32>(d + D_PATTERN), <usize>b);
        bytes += <f64>b;
      }
    } else if (bytes0 != lo0) {
      memory.fill(<usize>(dma + <usize>(load<u32>(d0 + D_DST) + lo0)), <u8>load<u32>(d0 + D_PATTERN), <usize>(bytes0 - lo0));
      bytes += <f64><u32>(bytes0 - lo0);
    }
    m = <i32>(m + 1);
    if (stop) break;
    // A stretch of zero-byte jobs with plain fences: zeroRun, with the locals published first.
    // (Two call sites: a function called once is inlined by the optimizer, and its loop then
    // shares the registers of this one's words, which V8 spills.)
    let k: u32 = 0;
    if (m == 1) {
      if (queued == 0) break;
      // The duration of the jobs after the first: the next one's.
      lastB = load<u32>(descs + <usize>((head & mask) * DESC_SIZE) + D_BYTES);
      step = Math.floor(baseNs + perByte * <f64>lastB); // (fetch's formula)
      if (step == dur0) {
        publishPlain(base, c, signaled, load<f64>(lastPlain + D_SEQNO), h, freeHead);
        signaled = 0;
        k = zeroRun(base, rp, c, <u32>head, <u32>queued, e, step, limit, incl, armed, tmo);
      }
    } else if (step == dur0 && <u32>m <= queued) {
      publishPlain(base, c, signaled, load<f64>(lastPlain + D_SEQNO), h, freeHead);
      signaled = 0;
      k = zeroRun(base, rp, c, <u32>(head - 1 + <u32>m), <u32>(queued - <u32>(m - 1)), e, step, limit, incl, armed, tmo);
    }
    if (k != 0) {
      h = load<i32>(c + C_HEAD);
      freeHead = load<i32>(base + H_FREE_HEAD);
      m = <i32>(m + <i32>k);
      // Its last job: started at its start time, ended one step later (as it computed it).
      d = descs + <usize>((<u32>(head - 2 + <u32>m) & mask) * DESC_SIZE);
      start = load<f64>(starts + <usize>((<u32>(head - 2 + <u32>m) & mask) * START_SIZE));
      e = start + step;
    }
    // The next queued job: its plan (one duration after the first, the limit, R6, M2).
    if (<u32>(m - 1) >= queued) break;
    const dn = descs + <usize>((<u32>(head - 1 + <u32>m) & mask) * DESC_SIZE);
    const b = load<u32>(dn + D_BYTES);
    if (b != lastB) {
      if (Math.floor(baseNs + perByte * <f64>b) != step) break; // (the same duration for the same size)
      lastB = b;
    }
    const en = e + step;
    if (en > limit || (en == limit && !incl)) break;
    if (armed && !(e + tmo > e && e + tmo >= en)) break;
    if (b != 0) {
      const dst = load<u32>(dn + D_DST);
      const id = load<u32>(dn + D_ALLOC_ID);
      if (dst != cDst || b != cBytes || id != cAlloc) {
        if (!owned(base, dst, b, id)) break;
        cDst = dst;
        cBytes = b;
        cAlloc = id;
      }
    }
    lastD = d;
    lastStart = start;
    lastEnd = e;
    start = e;
    e = en;
    d = dn;
  }
  publishPlain(base, c, signaled, load<f64>(lastPlain + D_SEQNO), h, freeHead);
  if (m == 0) return -1; // (the running job's fence was signaled before it completed)
  return publishRun(base, ring, rp, m, step, start, e, d, bytes);
}

/**
 * fastRun's stretch of n zero-byte jobs from index idx, the first starting at e (the job before
 * it ended there), each `step` long, with plain fences: their fences signaled and recycled (the
 * list heads in locals), their start times, then the counts published (publishPlain). It stops
 * before a job with bytes, a fence that is not plain, the limit or a deadline (fastRun's checks,
 * which then see that job). A function of its own with no call in its loop, so that the
 * compiler keeps the loop's words in registers. Returns how many jobs it completed.
 */
function zeroRun(base: usize, rp: usize, c: usize, idx: u32, n: u32, e: f64, step: f64, limit: f64, incl: bool, armed: bool, tmo: f64): u32 {
  const mask = load<u32>(rp + R_MASK);
  const descs = rp + RING_SIZE;
  const starts = startPtr(rp, 0);
  const slotBase = hotArray(base);
  let h = load<i32>(c + C_HEAD);
  let freeHead = load<i32>(base + H_FREE_HEAD);
  let k: u32 = 0;
  for (; k < n; k++) {
    const i = <u32>(idx + k) & mask;
    if (load<u32>(descs + <usize>(i * DESC_SIZE) + D_BYTES) != 0) break;
    const en = e + step;
    if (en > limit || (en == limit && !incl)) break;
    if (armed && !(e + tmo > e && e + tmo >= en)) break;
    const q = hotAt(slotBase, h);
    if (h == NIL || (load<u32>(q + S_STATE) & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED))) break;
    const cur = h;
    h = recyclePlain(q, freeHead);
    freeHead = cur;
    store<f64>(starts + <usize>(i * START_SIZE), e);
    e = en;
  }
  if (k != 0) publishPlain(base, c, <i32>k, load<f64>(descs + <usize>((<u32>(idx + k - 1) & mask) * DESC_SIZE) + D_SEQNO), h, freeHead);
  return k;
}

/**
 * The running job's chunks due before t (the general path's chunk events before that instant),
 * then the ring's next event. Its bytes are its allocation's (checked by the caller).
 */
function chunksBefore(base: usize, ring: i32, rp: usize, t: f64): i32 {
  const d = descPtr(rp, <u32>(load<u32>(rp + R_HEAD) - 1));
  if (load<u32>(d + D_BYTES) == 0) return 0;
  const start = load<f64>(rp + R_CUR_START);
  const dur = load<f64>(rp + R_CUR_DUR);
  let chunks = load<u32>(rp + R_CUR_WRITTEN);
  let tc: f64 = -1;
  let status = 0;
  while (chunks < <u32>DMA_CHUNKS) {
    const at = start + Math.floor(dur * <f64><u32>(chunks + 1) / <f64>DMA_CHUNKS);
    if (!(at < t)) break;
    status |= writeChunk(base, ring, d, chunks, at);
    tc = at;
    chunks++;
  }
  store<u32>(rp + R_CUR_WRITTEN, chunks);
  return tc >= 0 ? endEvent(base, ring, rp, tc, status) : status;
}

/** The counts of n fences the tied pass signaled and recycled inline (one signal call each). */
// @ts-ignore: decorator
@inline function publishSignals(base: usize, n: i32): void {
  if (n == 0) return;
  store<i32>(base + H_IN_USE, load<i32>(base + H_IN_USE) - n);
  store<f64>(base + ST_SIGNALED, load<f64>(base + ST_SIGNALED) + <f64>n);
  store<f64>(base + ST_SIGNAL_CALLS, load<f64>(base + ST_SIGNAL_CALLS) + <f64>n);
}

/**
 * The context words of the tied pass's inline fences, per ring of the group: `full` fences each,
 * one more for the rings below `below`, the job's fences in order (so the signaled seqno is the
 * last one's): the pending count and the signaled seqno, as signalRun would have left them.
 */
function publishContexts(base: usize, rings: usize, stride: usize, count: i32, t: f64, full: i32, below: i32): void {
  for (let r = 0; r < count; r++) {
    const rp = rings + <usize>r * stride;
    if (load<f64>(rp + R_NEXT_T) != t) continue;
    const k = <u32>(full + (r < below ? 1 : 0));
    if (k == 0) continue;
    const c = ctxPtr(base, load<i32>(rp + R_CTX));
    store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) - k);
    const seqno = load<f64>(descPtr(rp, <u32>(load<u32>(rp + R_HEAD) - 2 + k)) + D_SEQNO);
    if (seqno > load<f64>(c + C_SIGNALED_SEQNO)) store<f64>(c + C_SIGNALED_SEQNO, seqno);
  }
}

/**
 * tiedRun's inline signaling, from ring r of instant `full` (at time e): per instant, per ring of
 * the group in index order, the job's fence when it is plain (no handle, callbacks or holder: the
 * job's own, the context's next), what signalRun does for it: signaled with its job's time and
 * recycled, the free list's head and the global counters in locals (written once, at the end);
 * the contexts' pending counts and signaled seqnos only once they are no longer deferred. It
 * stops at a fence that is not plain, and ends after `steps` instants or before one that is not
 * before `until` and `other`. A function of its own with no call in its loop (see zeroRun).
 * Returns the position it stopped or ended at, (instant * count + ring) * 2, plus 1 if it ended.
 */
function tiedPlain(base: usize, rings: usize, stride: usize, count: i32, t: f64, full: i32, r: i32, e: f64, step: f64, steps: i32, until: f64, other: f64, deferred: bool): i32 {
  const slotBase = hotArray(base);
  const ctxBase = base + <usize>load<u32>(base + H_CTX_OFF);
  let freeHead = load<i32>(base + H_FREE_HEAD);
  let n = 0;
  let stopped = false;
  for (;;) {
    for (; r < count; r++) {
      const rp = rings + <usize>r * stride;
      if (load<f64>(rp + R_NEXT_T) != t) continue;
      const c = ctxBase + <usize>(load<i32>(rp + R_CTX) * CTX_SIZE);
      const h = load<i32>(c + C_HEAD);
      const q = hotAt(slotBase, h);
      if (h == NIL || (load<u32>(q + S_STATE) & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED))) {
        stopped = true;
        break;
      }
      const nx = recyclePlain(q, freeHead);
      freeHead = h;
      store<i32>(c + C_HEAD, nx);
      if (nx == NIL) store<i32>(c + C_TAIL, NIL);
      if (!deferred) {
        store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) - 1);
        const seqno = slotSeqno(base, h);
        if (seqno > load<f64>(c + C_SIGNALED_SEQNO)) store<f64>(c + C_SIGNALED_SEQNO, seqno);
      }
      n++;
    }
    if (stopped) break;
    r = 0;
    full++;
    if (full >= steps) break;
    e += step;
    if (!(e <= until && e < other)) break;
  }
  store<i32>(base + H_FREE_HEAD, freeHead);
  publishSignals(base, n);
  return <i32>(<i32>(<i32>(full * count) + r) * 2 + (stopped ? 0 : 1));
}

/**
 * Tied rings: the rings whose next event is at t all complete their running job at one instant
 * end0, have more queued behind it, and their devices take one duration (`step`) per job: their
 * completions fall at the same instants end0, end0 + step, ... until another ring's event or
 * `until`. The general path runs them in (time, ring index) order, one scan of every ring per
 * event (and per DMA chunk); this pass runs the completions in the same order without the scans
 * and the per-event bookkeeping: per instant, per ring, the IRQ handler's signaling of that job's
 * fence (slots are recycled in the general path's order; a plain fence inline, with the free
 * list's head, the global counters and, until the first other fence, the contexts' pending
 * counts and signaled seqnos published once per pass; any other through signalRun, one fence,
 * all of those published first), then once per
 * ring the device's side of its run (finishRun). Jobs with bytes are covered when every byte of
 * the pass is one pattern written into memory its job's allocation owns: the order of the writes
 * then changes no byte, so each job is written whole. It stops after a fence with JS callbacks or
 * waiters, and before a fence already signaled, as the general path would return there. Returns
 * -1 when it does not apply, else the DR_* bits (0: the engine goes on).
 */
export function tiedRun(base: usize, t: f64, until: f64): i32 {
  if (load<i32>(base + H_NOTIFY_HEAD) != NIL) return -1;
  const count = load<i32>(base + H_RING_COUNT);
  const rings = base + <usize>load<u32>(base + H_RINGS_OFF);
  const stride = <usize>load<i32>(base + H_RING_STRIDE);
  let other = Infinity; // the next event of a ring outside the group
  let end0: f64 = -1; // the group's first completion
  let step: f64 = -1;
  let patterned = false; // the pass writes bytes, all of one pattern:
  let pattern: u32 = 0;
  let steps: i32 = 0x7fffffff; // instants every ring of the group has a clean completion at
  let first = 0; // the group's first ring
  for (let r = 0; r < count; r++) {
    const rp = rings + <usize>r * stride;
    const tr = load<f64>(rp + R_NEXT_T);
    if (tr != t) {
      if (tr < other) other = tr;
      continue;
    }
    const end = load<f64>(rp + R_CUR_END);
    if ((end0 >= 0 && end != end0) || !(end <= until) || !runnable(base, rp)) return -1;
    if (end0 < 0) first = r;
    end0 = end;
    if (load<u32>(rp + R_STOP) != 0 || <u32>(load<u32>(rp + R_INJECT) & <u32>~JF_NO_ACK) != 0) return -1;
    const head = load<u32>(rp + R_HEAD);
    // The running job's chunks still to write: [lo0, bytes0).
    const d0 = descPtr(rp, <u32>(head - 1));
    const bytes0 = load<u32>(d0 + D_BYTES);
    const lo0 = <u32>(<u64>bytes0 * load<u32>(rp + R_CUR_WRITTEN) / DMA_CHUNKS);
    if (bytes0 != lo0) {
      const p = load<u32>(d0 + D_PATTERN);
      if ((patterned && p != pattern) || !owned(base, load<u32>(d0 + D_DST) + lo0, bytes0 - lo0, load<u32>(d0 + D_ALLOC_ID))) return -1;
      pattern = p;
      patterned = true;
    }
    const tmo = load<f64>(rp + R_TIMEOUT_NS);
    const armed = deadlines(rp);
    if (armed && !(load<f64>(startPtr(rp, <u32>(head - 1))) + tmo >= end)) return -1;
    // The jobs queued behind it that take `step` each (the first one sets it for the group).
    const baseNs = load<f64>(rp + R_BASE_NS);
    const perByte = load<f64>(rp + R_PER_BYTE_NS);
    const queued = <u32>(atomic.load<u32>(rp + R_TAIL) - head);
    const mask = load<u32>(rp + R_MASK);
    const descs = rp + RING_SIZE;
    let q: u32 = 1;
    let cDst: u32 = 0;
    let cBytes: u32 = 0;
    let cAlloc: u32 = 0;
    let next: f64 = -1; // the first event of the job that ends the ring's run, after its start
    for (; <u32>(q - 1) < queued; q++) {
      const d = descs + <usize>((<u32>(head + q - 1) & mask) * DESC_SIZE);
      const b = load<u32>(d + D_BYTES);
      const dur = Math.floor(baseNs + perByte * <f64>b); // (fetch's formula)
      next = b != 0 ? Math.floor(dur / <f64>DMA_CHUNKS) : dur;
      if (step < 0 && dur > 0) step = dur;
      if (dur != step) break;
      if (armed && !(tmo >= dur)) break; // R6: no deadline before a completion
      if (b != 0) {
        if (patterned && load<u32>(d + D_PATTERN) != pattern) break;
        const dst = load<u32>(d + D_DST);
        const id = load<u32>(d + D_ALLOC_ID);
        if (dst != cDst || b != cBytes || id != cAlloc) {
          if (!owned(base, dst, b, id)) break;
          cDst = dst;
          cBytes = b;
          cAlloc = id;
        }
        pattern = load<u32>(d + D_PATTERN);
        patterned = true;
      }
      next = -1;
    }
    // The job after the run starts at the run's last instant: its first event must come later
    // (a chunk or a completion at that instant is the general path's before the next ring's).
    if (next >= 0 && !(next >= 1)) q--;
    if (<i32>q < steps) steps = <i32>q;
  }
  // Every event of the pass (its chunks too) comes before any other ring's.
  if (step <= 0 || steps == 0 || !(end0 < other)) return -1;
  // With bytes: no chunk lands at the instant its job starts (it would run between two rings'
  // completions there, which matters if the bindings look at that instant).
  if (patterned && !(Math.floor(step / <f64>DMA_CHUNKS) >= 1)) return -1;
  // The instants, in order; per instant the rings in index order: the plain fences in tiedPlain,
  // any other here, through signalRun.
  let e = end0; // instant `full`'s time
  let ePrev = end0; // and the one before
  let full: i32 = 0; // instants every ring of the group ran
  let ri = 0; // and the rings of the group below this index one more
  let part = 0; // (the same, once stopped)
  let stop = false; // within an instant
  let deferred = true; // the contexts' pending counts and signaled seqnos not yet written (no signalRun yet)
  // (Two call sites, the first and the one after each other fence: see zeroRun.)
  let code = tiedPlain(base, rings, stride, count, t, 0, 0, end0, step, steps, until, other, true);
  for (;;) {
    const pos = code >> 1;
    const nf = <i32>(pos / count);
    ri = <i32>(pos - nf * count);
    for (; full < nf; full++) {
      // (tiedPlain's times, the same sums)
      ePrev = e;
      e += step;
    }
    if (code & 1) break; // the pass ended: its instants ran, or the next one comes too late
    // Ring ri's fence at this instant is not plain: signalRun, the contexts' words written first.
    if (deferred) {
      // Until now every fence was inline: each ring below ri signaled full + 1, the others full.
      publishContexts(base, rings, stride, count, t, full, ri);
      deferred = false;
    }
    const rp = rings + <usize>ri * stride;
    const seqno = load<f64>(descPtr(rp, <u32>(load<u32>(rp + R_HEAD) - 1 + <u32>full)) + D_SEQNO);
    if (signalRun(base, load<i32>(rp + R_CTX), seqno, e, 0) == 0) {
      part = ri; // a fence signaled before its job completed: the general path takes it
      stop = true;
      break;
    }
    if (load<i32>(base + H_NOTIFY_HEAD) != NIL) {
      part = <i32>(ri + 1); // JS callbacks or waiters: back to the bindings at this job's time
      stop = true;
      break;
    }
    ri++; // (past the last ring: tiedPlain goes on with the next instant)
    code = tiedPlain(base, rings, stride, count, t, full, ri, e, step, steps, until, other, false);
  }
  if (deferred) publishContexts(base, rings, stride, count, t, full, 0); // no stop: full each
  // Nothing ran: stopped at the group's first fence of the first instant.
  if (full == 0 && !(stop && part > first)) return -1;
  const last = stop && part > first ? e : ePrev; // the last completion's time
  let status = 0;
  for (let r = 0; r < count; r++) {
    const rp = rings + <usize>r * stride;
    if (load<f64>(rp + R_NEXT_T) != t) continue;
    const m = <i32>(full + (r < part ? 1 : 0));
    if (m == 0) continue;
    // The running job's remaining chunks (the others' bytes: finishRun).
    const d0 = descPtr(rp, <u32>(load<u32>(rp + R_HEAD) - 1));
    const bytes0 = load<u32>(d0 + D_BYTES);
    const lo0 = <u32>(<u64>bytes0 * load<u32>(rp + R_CUR_WRITTEN) / DMA_CHUNKS);
    if (bytes0 != lo0) {
      const dma = base + <usize>load<u32>(base + H_DMA_OFF);
      memory.fill(<usize>(dma + <usize>(load<u32>(d0 + D_DST) + lo0)), <u8>load<u32>(d0 + D_PATTERN), <usize>(bytes0 - lo0));
      store<f64>(base + ST_DMA_BYTES, load<f64>(base + ST_DMA_BYTES) + <f64><u32>(bytes0 - lo0));
    }
    status |= finishRun(base, r, rp, m, step, end0);
  }
  // Stopped within an instant: the rings after the stop have not completed their job there, but
  // the general path wrote its chunks due before that instant.
  if (stop) {
    for (let r = part; r < count; r++) {
      const rp = rings + <usize>r * stride;
      if (load<f64>(rp + R_NEXT_T) <= last && load<u32>(rp + R_ENGINE) == EN_BUSY) status |= chunksBefore(base, r, rp, last);
    }
  }
  store<f64>(base + H_DEV_NOW, last);
  return status;
}
