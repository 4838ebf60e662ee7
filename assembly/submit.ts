/**
 * Job submission (wasm backend, and the ts backend generated from it): ringSubmit writes a batch
 * of jobs into a ring, each with its fence, and publishes them to the device with one store of
 * the ring's tail. Driver thread only. The device engine that runs them is in ring.ts.
 */
import {
  HOT_SHIFT, NIL, H_MAX_FENCES, H_IN_USE, H_MODE, MODE_DEVICE_THREAD, MODE_NO_FAST_PATH, ST_CREATED,
  ST_JOBS_SUBMITTED, C_LAST_SEQNO, C_PENDING, C_CREATED, C_HEAD, C_TAIL, FS_PINNED, FS_SCHED,
  FS_ALLOC, FS_QUEUED, STATE_CTX_SHIFT, S_STATE, S_NEXT, S_ERROR, CS_SEQNO, CS_TIMESTAMP,
  H_FREE_HEAD, H_BUMP, RING_SIZE, R_MASK, R_CAPACITY, R_CTX, R_TAIL, R_ZERO_FROM, R_SIG_IDX, R_ENGINE, R_NEXT_T,
  EN_BUSY, EN_HALTED, DESC_SIZE, D_SEQNO, D_DST, D_BYTES, D_PATTERN, D_ALLOC_ID, START_SIZE,
} from "../bindings/core/layout";
import { ctxPtr, slotPtr, allocSlot, initFence, reuseFence, hotArray, hotAt, coldArray, coldAt } from "./fence";
import { ringPtr, descPtr, startPtr } from "./ring";

/**
 * ringSubmit's batch path: what allocSlot and initFence do per job, and the job's descriptor and
 * start time, for n jobs from ring index `tail` (seqnos after `seqno`), with the free list's
 * head, the bump index and the context's tail in locals, written back once: the same bytes as
 * the per-job loop MODE_NO_FAST_PATH keeps (so test/fast-path.test.ts compares submission too).
 * Each fence's link is written once (to the next fence, NIL for the last). A function of its own
 * with no call in its loop, its slots popped from the free list in one loop and the never-used
 * ones in a second, so that the compiler keeps the loop's words in registers; the arrays'
 * addresses come as arguments (V8 kept an address computed here as its parts and recomputed the
 * start times' per job). Returns the last job's slot. (Enough room was checked by the caller.)
 */
function submitSlots(base: usize, slotBase: usize, coldBase: usize, descs: usize, starts: usize, mask: u32, c: usize, state: u32, n: i32, tail: u32, seqno: f64, dst: u32, bytes: u32, pattern: u32, allocId: u32): i32 {
  // (A job with no bytes and no buffer, as `{}`: its descriptor's words but the pattern are
  // constants in the loops, which leaves the compiler registers for the rest.)
  if (<u32>(dst | bytes | allocId) == 0) return submitInto(base, slotBase, coldBase, descs, starts, mask, c, state, n, tail, seqno, 0, 0, pattern, 0);
  return submitInto(base, slotBase, coldBase, descs, starts, mask, c, state, n, tail, seqno, dst, bytes, pattern, allocId);
}

/**
 * submitSlots' loops (inlined twice): first the fences (slots popped from the free list, then
 * the never-used ones), then the descriptors and start times (in at most two segments: to the
 * ring's end, then from its start). Two loops with few words each, kept in registers, where one
 * loop doing both spilled them.
 */
// @ts-ignore: decorator
@inline function submitInto(base: usize, slotBase: usize, coldBase: usize, descs: usize, starts: usize, mask: u32, c: usize, state: u32, n: i32, tail: u32, seqno: f64, dst: u32, bytes: u32, pattern: u32, allocId: u32): i32 {
  let freeHead = load<i32>(base + H_FREE_HEAD);
  const prev = load<i32>(c + C_TAIL);
  // Where the next fence's slot is linked: the context's head, or the last fence's link.
  const link0 = prev == NIL ? c + C_HEAD : hotAt(slotBase, prev) + S_NEXT;
  let link = link0;
  let sq = seqno;
  let left = n;
  // (The list's end tested after each pop, apart from the count: slots are never negative,
  // NIL is. Tested together in the loop's condition, they took V8 six instructions a job.)
  if (freeHead >= 0) for (; left > 0; ) {
    sq += 1;
    const slot = freeHead;
    const p = hotAt(slotBase, slot);
    freeHead = load<i32>(p + S_NEXT);
    const cp = coldAt(coldBase, slot);
    store<i32>(p + S_ERROR, 0);
    store<f64>(cp + CS_SEQNO, sq);
    store<f64>(cp + CS_TIMESTAMP, 0);
    store<u32>(p + S_STATE, state);
    store<i32>(link, slot); // (linked once written, as initFence does)
    link = p + S_NEXT;
    left--;
    if (freeHead < 0) break;
  }
  let bump = load<i32>(base + H_BUMP);
  for (; left > 0; left--) {
    sq += 1;
    const slot = bump;
    bump++;
    const p = hotAt(slotBase, slot);
    const cp = coldAt(coldBase, slot);
    store<i32>(p + S_ERROR, 0);
    store<f64>(cp + CS_SEQNO, sq);
    store<f64>(cp + CS_TIMESTAMP, 0);
    store<u32>(p + S_STATE, state);
    store<i32>(link, slot);
    link = p + S_NEXT;
  }
  // The last job's slot: the one whose link is the last written.
  let slot = NIL;
  if (n > 0) {
    slot = <i32>(link - S_NEXT - slotBase) >> HOT_SHIFT;
    store<i32>(link, NIL);
    store<i32>(c + C_TAIL, slot);
  }
  store<i32>(base + H_FREE_HEAD, freeHead);
  store<i32>(base + H_BUMP, bump);
  store<i32>(base + H_IN_USE, load<i32>(base + H_IN_USE) + n);
  // The descriptors and start times, each segment walked by address (no index multiplied per
  // job). A job with no buffer has its descriptor's words after the seqno written as two 8-byte
  // stores (the loop is bound by its stores): zeros (f64 +0 is zero bytes) for D_DST and D_BYTES,
  // and for D_PATTERN and D_ALLOC_ID the f64 whose bits are the pattern in the low word and 0 in
  // the high one: pattern x 2^-1074 (5e-324), a subnormal, exact, made once per batch.
  const pw = <f64>pattern * 5e-324;
  let k = <u32>(tail & mask);
  let rest = <u32>n;
  sq = seqno;
  while (rest > 0) {
    let end = <u32>(mask + 1);
    if (<u32>(end - k) > rest) end = <u32>(k + rest);
    rest = <u32>(rest - <u32>(end - k));
    let d = <usize>(descs + <usize>(k * DESC_SIZE));
    let s = <usize>(starts + <usize>(k * START_SIZE));
    const e = <usize>(starts + <usize>(end * START_SIZE));
    if (<u32>(dst | bytes | allocId) == 0) {
      while (s < e) {
        sq += 1;
        store<f64>(d + D_SEQNO, sq);
        store<f64>(d + D_DST, 0); // (D_DST and D_BYTES)
        store<f64>(d + D_PATTERN, pw); // (D_PATTERN and D_ALLOC_ID)
        store<f64>(s, 0);
        s = <usize>(s + START_SIZE);
        d = <usize>(d + DESC_SIZE);
      }
    } else {
      while (s < e) {
        sq += 1;
        store<f64>(d + D_SEQNO, sq);
        store<u32>(d + D_DST, dst);
        store<u32>(d + D_BYTES, bytes);
        store<u32>(d + D_PATTERN, pattern);
        store<u32>(d + D_ALLOC_ID, allocId);
        store<f64>(s, 0);
        s = <usize>(s + START_SIZE);
        d = <usize>(d + DESC_SIZE);
      }
    }
    k = 0;
  }
  return slot;
}

/**
 * One job written the per-job way: its fence (a slot from the free list, initialized on context
 * `c`), its descriptor at ring index `at` and its start time 0 ("not started"). Returns the slot.
 * ringSubmit's per-job path and the scheduler's one-job submit (sched-fast.ts submitOne) both use it.
 */
// @ts-ignore: decorator
@inline export function writeJob(base: usize, c: usize, ctx: i32, rp: usize, starts: usize, mask: u32, at: u32, seqno: f64, dst: u32, bytes: u32, pattern: u32, allocId: u32): i32 {
  const slot = allocSlot(base);
  initFence(base, c, ctx, slot, seqno);
  const d = descPtr(rp, at);
  store<f64>(d + D_SEQNO, seqno);
  store<u32>(d + D_DST, dst);
  store<u32>(d + D_BYTES, bytes);
  store<u32>(d + D_PATTERN, pattern);
  store<u32>(d + D_ALLOC_ID, allocId);
  store<f64>(starts + <usize>((at & mask) * START_SIZE), 0);
  return slot;
}

/**
 * The jobs with no bytes up to the tail (R_ZERO_FROM), for `n` jobs of `bytes` each written from
 * `tail`: a batch with bytes moves the word past itself, one without keeps it, at most capacity
 * jobs back (the counters wrap). Every path that writes descriptors calls it (ringSubmit, the
 * scheduler's one-job submit), since the tied pass skips reading the sizes it marks.
 */
// @ts-ignore: decorator
@inline export function markZeroFrom(rp: usize, tail: u32, n: u32, bytes: u32): void {
  const zeroFrom = load<u32>(rp + R_ZERO_FROM);
  if (bytes != 0) store<u32>(rp + R_ZERO_FROM, tail + n);
  else if (<u32>(tail + n - zeroFrom) > load<u32>(rp + R_CAPACITY)) store<u32>(rp + R_ZERO_FROM, <u32>(tail + n - load<u32>(rp + R_CAPACITY)));
}

/**
 * Submits n jobs that write `bytes` bytes of `pattern` at DMA offset `dst` (allocation `allocId`).
 * Each gets a fence with the ring context's next seqno (R2); the tail is published last.
 * pin = 1 (n must be 1): the fence is pinned for a handle and its slot is returned; pin = 2: held
 * by a scheduler (FS_SCHED) instead, its slot returned. Otherwise
 * returns n. -1: not enough ring space (R3); -2: not enough fence slots. Nothing changes then.
 */
export function ringSubmit(base: usize, ring: i32, n: i32, dst: u32, bytes: u32, pattern: u32, allocId: u32, pin: i32, now: f64): i32 {
  const rp = ringPtr(base, ring);
  const tail = load<u32>(rp + R_TAIL);
  if (<i32>(load<u32>(rp + R_CAPACITY) - (tail - load<u32>(rp + R_SIG_IDX))) < n) return -1;
  if (<i32>(load<i32>(base + H_MAX_FENCES) - load<i32>(base + H_IN_USE)) < n) return -2;
  reuseFence(base);
  const ctx = load<i32>(rp + R_CTX);
  const c = ctxPtr(base, ctx);
  let seqno = load<f64>(c + C_LAST_SEQNO);
  let slot = NIL;
  const mask = load<u32>(rp + R_MASK);
  const starts = startPtr(rp, 0);
  // (One job, a scheduler's: the per-job path, the same bytes without the batch's setup.)
  if (n > 1 && !(load<u32>(base + H_MODE) & MODE_NO_FAST_PATH)) {
    slot = submitSlots(base, hotArray(base), coldArray(base), rp + RING_SIZE, starts, mask, c, (<u32>ctx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED, n, tail, seqno, dst, bytes, pattern, allocId);
    seqno += <f64>n;
  } else for (let i = 0; i < n; i++) {
    seqno += 1;
    slot = writeJob(base, c, ctx, rp, starts, mask, tail + <u32>i, seqno, dst, bytes, pattern, allocId);
  }
  if (pin) {
    const p = slotPtr(base, slot);
    store<u32>(p + S_STATE, load<u32>(p + S_STATE) | (pin == 2 ? FS_SCHED : FS_PINNED));
  }
  markZeroFrom(rp, tail, <u32>n, bytes);
  store<f64>(c + C_LAST_SEQNO, seqno);
  store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) + <u32>n);
  store<f64>(c + C_CREATED, load<f64>(c + C_CREATED) + <f64>n);
  store<f64>(base + ST_CREATED, load<f64>(base + ST_CREATED) + <f64>n);
  store<f64>(base + ST_JOBS_SUBMITTED, load<f64>(base + ST_JOBS_SUBMITTED) + <f64>n);
  // Publish: the device sees the jobs only once the tail moves (one atomic store on a shared arena).
  atomic.store<u32>(rp + R_TAIL, tail + <u32>n);
  // On the virtual clock the driver steps the device: tell it to fetch now. A device thread
  // is woken by the bindings' doorbell instead, and owns R_NEXT_T.
  if (!(load<u32>(base + H_MODE) & MODE_DEVICE_THREAD) && !(load<u32>(rp + R_ENGINE) & (EN_BUSY | EN_HALTED)) && now < load<f64>(rp + R_NEXT_T)) {
    store<f64>(rp + R_NEXT_T, now);
  }
  return pin ? slot : n;
}
