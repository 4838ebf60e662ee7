/**
 * The device engine's fast paths (virtual clock, no scheduler, driver thread only): runs of
 * completions that are certain and unobserved, done in one pass with the arena left exactly as
 * the general path's events (ring.ts, ringEvent) would leave it, in the engine's (time, ring
 * index) order. Each fence keeps its own job's completion time (R4), signaled in order (C3),
 * with the same slot reuse, statistics and start times. test/fast-path.test.ts runs seeded
 * scenarios with and without them (MODE_NO_FAST_PATH) and compares the arenas byte for byte.
 *
 * - fastRun: one ring, from its event to the next other ring's event (a run of one ring).
 * - tiedRun (tied-run.ts): several rings whose events fall at the same instants (rings fed alike
 *   on devices alike): step after step, each ring's completion in ring index order.
 *
 * Both refuse (return -1) whatever they do not cover; the general path then runs the event.
 */
import {
  NIL, H_NOTIFY_HEAD, H_DMA_OFF, H_DEV_NOW, ST_JOBS_COMPLETED, ST_DMA_BYTES, ST_IRQS, RING_SIZE,
  R_STATE, R_MASK, R_CTX, R_TAIL, R_SIG_IDX, R_STOP, R_INJECT, R_TIMEOUT_NS, R_FLAGS, R_HEAD,
  R_RETIRED, R_IRQS, R_ENGINE, R_WRITEBACK, R_CUR_START, R_CUR_END, R_CUR_DUR, R_CUR_WRITTEN,
  R_CUR_FLAGS, R_BASE_NS, R_PER_BYTE_NS, R_ACK_AT, R_RESET_AT, RS_RUNNING, RS_STOPPING,
  RGF_STOPPABLE, RGF_RANDOM, RGF_NO_IRQ_HANDLER, RGF_WAKE, RGF_TRACE, EN_BUSY, JF_NO_ACK,
  DMA_CHUNKS, DESC_SIZE, D_SEQNO, D_DST, D_BYTES, D_PATTERN, D_ALLOC_ID, START_SIZE, C_HEAD,
  H_FREE_HEAD, H_IN_USE, ST_SIGNALED, ST_SIGNAL_CALLS, S_STATE, FS_SIGNALED, FS_JS, FS_PINNED,
  FS_SCHED, C_TAIL, C_PENDING, C_SIGNALED_SEQNO,
} from "../bindings/core/layout";
import { ctxPtr, signalRun, recyclePlain, slotSeqno, hotArray, hotAt } from "./fence";
import { descPtr, startPtr, canFetch, fetch, endEvent, owned } from "./ring";

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
 * next m - 1 jobs took `step` each: their bytes (the jobs after the first: whole; none to look
 * for unless `patterned`), start times, then what publishRun writes.
 */
export function finishRun(base: usize, ring: i32, rp: usize, m: i32, step: f64, end0: f64, patterned: bool): i32 {
  const head = load<u32>(rp + R_HEAD);
  const dma = base + <usize>load<u32>(base + H_DMA_OFF);
  let bytes: f64 = 0;
  let tLast = end0;
  let start = load<f64>(rp + R_CUR_START);
  let last = descPtr(rp, <u32>(head - 1));
  const mask = load<u32>(rp + R_MASK);
  const descs = rp + RING_SIZE;
  const starts = startPtr(rp, 0);
  if (!patterned && <u32>m > 1) {
    // No job after the first has bytes (tiedRun checked them): their start times only, in at
    // most two segments (to the ring's end, then from its start; no mask per job).
    let j = <u32>(head & mask);
    let rest = <u32>(m - 1);
    while (rest > 0) {
      let end = <u32>(mask + 1);
      if (<u32>(end - j) > rest) end = <u32>(j + rest);
      rest = <u32>(rest - <u32>(end - j));
      for (; j < end; j++) {
        store<f64>(starts + <usize>(j * START_SIZE), tLast);
        start = tLast;
        tLast += step;
      }
      j = 0;
    }
    last = descs + <usize>((<u32>(head - 2 + <u32>m) & mask) * DESC_SIZE);
    return publishRun(base, ring, rp, m, step, start, tLast, last, bytes);
  }
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
        k = zeroRun(base, c, slotBase, descs, starts, mask, <u32>head, <u32>queued, e, step, limit, incl, armed, tmo);
      }
    } else if (step == dur0 && <u32>m <= queued) {
      publishPlain(base, c, signaled, load<f64>(lastPlain + D_SEQNO), h, freeHead);
      signaled = 0;
      k = zeroRun(base, c, slotBase, descs, starts, mask, <u32>(head - 1 + <u32>m), <u32>(queued - <u32>(m - 1)), e, step, limit, incl, armed, tmo);
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
 * How many of n zero-byte jobs, the first starting at e and each `step` long, complete before
 * `limit` (at it too if `incl`) with no deadline reached (when `armed`: R6, `tmo` after each
 * start): the count fastRun's per-job checks give (with the same sums), computed once per
 * stretch so that zeroRun's loop makes none of them. When e and step are whole numbers and
 * every sum stays within 2^53, the sums are exact: the count is computed directly (and a
 * deadline at least one step away is never reached); otherwise the sums are made one by one,
 * as the run makes them.
 */
function timelyJobs(e: f64, step: f64, n: u32, limit: f64, incl: bool, armed: bool, tmo: f64): u32 {
  const whole = e >= 0 && step >= 1 && e == Math.floor(e) && step == Math.floor(step);
  if (whole && e + <f64>n * step <= 9007199254740992.0 && (!armed || tmo >= step)) {
    const last = e + <f64>n * step;
    if (last < limit || (last == limit && incl)) return n;
    // The last j in [0, n] with e + j step before the limit (an estimate, then exact steps).
    let j = Math.floor((limit - e) / step);
    if (j > <f64>n) j = <f64>n;
    if (j < 0) j = 0;
    while (j > 0 && !(e + j * step < limit || (e + j * step == limit && incl))) j -= 1;
    while (j < <f64>n && (e + (j + 1) * step < limit || (e + (j + 1) * step == limit && incl))) j += 1;
    return <u32>j;
  }
  let k: u32 = 0;
  for (; k < n; k++) {
    const en = e + step;
    if (en > limit || (en == limit && !incl)) break;
    if (armed && !(e + tmo > e && e + tmo >= en)) break;
    e = en;
  }
  return k;
}

/**
 * fastRun's stretch of n zero-byte jobs from index idx, the first starting at e (the job before
 * it ended there), each `step` long, with plain fences: their fences signaled and recycled (the
 * list heads in locals), their start times, then the counts published (publishPlain). It stops
 * before a job with bytes, a fence that is not plain, the limit or a deadline (fastRun's checks,
 * which then see that job): the last two counted once before the loop (timelyJobs), so that
 * per job the loop reads the job's size and its fence's state and does the job's writes, no
 * more. The ring's slots are walked in at most two segments (to the ring's end, then from its
 * start), with no index mask per job. A function of its own with no call in its loop, so that the
 * compiler keeps the loop's words in registers; the arrays' addresses (slots, descriptors, start
 * times) come as arguments, since V8 keeps an address computed here as its parts (the arena's
 * base, the offset from the header) and reloaded them per job. Returns how many jobs it completed.
 */
function zeroRun(base: usize, c: usize, slotBase: usize, descs: usize, starts: usize, mask: u32, idx: u32, n: u32, e: f64, step: f64, limit: f64, incl: bool, armed: bool, tmo: f64): u32 {
  const cnt = timelyJobs(e, step, n, limit, incl, armed, tmo);
  if (cnt == 0) return 0;
  let h = load<i32>(c + C_HEAD);
  let freeHead = load<i32>(base + H_FREE_HEAD);
  let k: u32 = 0;
  let i = <u32>(idx & mask);
  for (;;) {
    // One segment: from index i to the ring's end or the count.
    let end = <u32>(mask + 1);
    if (<u32>(end - i) > <u32>(cnt - k)) end = <u32>(i + cnt - k);
    let j = i;
    for (; j < end; j++) {
      if (load<u32>(descs + <usize>(j * DESC_SIZE) + D_BYTES) != 0) break;
      if (h < 0) break; // (the list's end: slots are never negative, NIL is)
      const q = hotAt(slotBase, h);
      if (<u32>(load<u32>(q + S_STATE) & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)) != 0) break;
      const cur = h;
      h = recyclePlain(q, freeHead);
      freeHead = cur;
      store<f64>(starts + <usize>(j * START_SIZE), e);
      e += step;
    }
    k = <u32>(k + <u32>(j - i));
    if (j < end || k >= cnt) break;
    i = 0;
  }
  if (k != 0) publishPlain(base, c, <i32>k, load<f64>(descs + <usize>((<u32>(idx + k - 1) & mask) * DESC_SIZE) + D_SEQNO), h, freeHead);
  return k;
}

/** The counts of n fences signaled and recycled inline (one signal call each). */
// @ts-ignore: decorator
@inline export function publishSignals(base: usize, n: i32): void {
  if (n == 0) return;
  store<i32>(base + H_IN_USE, load<i32>(base + H_IN_USE) - n);
  store<f64>(base + ST_SIGNALED, load<f64>(base + ST_SIGNALED) + <f64>n);
  store<f64>(base + ST_SIGNAL_CALLS, load<f64>(base + ST_SIGNAL_CALLS) + <f64>n);
}
