/**
 * The device engine's tied pass (virtual clock, no scheduler, driver thread only): rings whose
 * next events fall at the same instants (rings fed alike on devices alike), run step after step,
 * each instant's completions in ring index order, with the arena left exactly as the general
 * path's events would leave it (fast-path.ts has the one-ring run and what both share).
 * Each fence keeps its own job's completion time (R4), signaled in order (C3), with the same slot
 * reuse, statistics and start times; test/fast-path.test.ts compares the arenas byte for byte.
 * tiedRun refuses (returns -1) whatever it does not cover; the general path then runs the event.
 */
import {
  NIL, H_NOTIFY_HEAD, H_DMA_OFF, H_DEV_NOW, H_RING_COUNT, H_RINGS_OFF, H_RING_STRIDE, ST_DMA_BYTES,
  R_CTX, R_TAIL, R_STOP, R_INJECT, R_TIMEOUT_NS, R_HEAD, R_ENGINE, R_CUR_START, R_CUR_END, R_CUR_DUR,
  R_CUR_WRITTEN, R_NEXT_T, R_BASE_NS, R_PER_BYTE_NS, R_MASK, R_ZERO_FROM, RING_SIZE, EN_BUSY, JF_NO_ACK, DMA_CHUNKS,
  DESC_SIZE, D_SEQNO, D_DST, D_BYTES, D_PATTERN, D_ALLOC_ID, C_HEAD, C_TAIL, C_PENDING,
  C_SIGNALED_SEQNO, H_FREE_HEAD, H_CTX_OFF, CTX_SIZE, S_STATE, FS_SIGNALED, FS_JS, FS_PINNED, FS_SCHED,
} from "../bindings/core/layout";
import { ctxPtr, signalRun, recyclePlain, slotSeqno, hotArray, hotAt } from "./fence";
import { descPtr, startPtr, endEvent, writeChunk, owned } from "./ring";
import { runnable, deadlines, finishRun, publishSignals } from "./fast-path";

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
 * tiedRun's inline signaling, from ring r of instant `full`: per instant, per ring of the group
 * in index order, the job's fence when it is plain (no handle, callbacks or holder: the job's
 * own, the context's next), what signalRun does for it: signaled with its job's time and
 * recycled, the free list's head and the global counters in locals (written once, at the end);
 * the contexts' pending counts and signaled seqnos only once they are no longer deferred. It
 * stops at a fence that is not plain, and ends after instant `steps - 1` (tiedRun counted the
 * instants before `until` and the other rings' events once, so the loop makes no time check).
 * A function of its own with no call in its loop (see zeroRun), with two call sites (the
 * first pass, and the pass after each fence that is not plain). Returns the position it stopped
 * or ended at, (instant * count + ring) * 2, plus 1 if it ended.
 */
function tiedPlain(base: usize, rings: usize, stride: usize, count: i32, t: f64, full: i32, r: i32, steps: i32, deferred: bool): i32 {
  const slotBase = hotArray(base);
  const ctxBase = base + <usize>load<u32>(base + H_CTX_OFF);
  let freeHead = load<i32>(base + H_FREE_HEAD);
  let n = 0;
  let stopped = false;
  for (; full < steps; full++) {
    for (; r < count; r++) {
      const rp = rings + <usize>r * stride;
      if (load<f64>(rp + R_NEXT_T) != t) continue;
      const c = ctxBase + <usize>(load<i32>(rp + R_CTX) * CTX_SIZE);
      const h = load<i32>(c + C_HEAD);
      const q = hotAt(slotBase, h);
      // (the state word is read before the list's end is known: at NIL, a word of the arena
      // before the slots, not used; one test then covers both)
      if (<i32>(h == NIL) | <i32>(<u32>(load<u32>(q + S_STATE) & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)) != 0)) {
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
  }
  store<i32>(base + H_FREE_HEAD, freeHead);
  publishSignals(base, n);
  return <i32>(<i32>(<i32>(full * count) + r) * 2 + (stopped ? 0 : 1));
}

/**
 * tiedPlain for a group that is every ring from `lo` to `hi` (the usual one: rings fed alike),
 * from ring r of instant `full`: the same fences in the same order, with no test of each ring's
 * membership per instant, the rings walked by address, the context's tail written once at the
 * end (for the lists emptied) and the count of fences from the positions, not per job. The
 * deferred and the published loops are two copies (tiedAllLoop), so neither tests `deferred`
 * per job, and the arrays' addresses come as arguments (slotBase, ctxBase: V8 keeps an address
 * computed here as its parts, two registers or reloads). Called from two sites (see zeroRun).
 * Returns what tiedPlain returns.
 */
function tiedAll(base: usize, slotBase: usize, ctxBase: usize, rings: usize, stride: usize, count: i32, lo: i32, hi: i32, full: i32, r: i32, steps: i32, deferred: bool): i32 {
  if (deferred) return tiedAllLoop(base, slotBase, ctxBase, rings, stride, count, lo, hi, full, r, steps, true);
  return tiedAllLoop(base, slotBase, ctxBase, rings, stride, count, lo, hi, full, r, steps, false);
}

/** tiedAll's loop, `deferred` a constant in each copy. */
// @ts-ignore: decorator
@inline function tiedAllLoop(base: usize, slotBase: usize, ctxBase: usize, rings: usize, stride: usize, count: i32, lo: i32, hi: i32, full: i32, r: i32, steps: i32, deferred: bool): i32 {
  let freeHead = load<i32>(base + H_FREE_HEAD);
  const rpLo = <usize>(rings + <usize>lo * stride);
  const rpHi = <usize>(rings + <usize>hi * stride);
  let i0: i32 = 0; // (the first instant's rings before i0 ran)
  if (r > lo) i0 = r < hi ? <i32>(r - lo) : <i32>(hi - lo);
  const full0 = full;
  let rp = <usize>(rpLo + <usize>i0 * stride);
  let stopped = false;
  for (; full < steps; full++) {
    for (; rp < rpHi; rp = <usize>(rp + stride)) {
      const c = ctxBase + <usize>(load<i32>(rp + R_CTX) * CTX_SIZE);
      const h = load<i32>(c + C_HEAD);
      // The list's end, or a fence that is not plain (slots are never negative: NIL is).
      if (h < 0) {
        stopped = true;
        break;
      }
      const q = hotAt(slotBase, h);
      if (<u32>(load<u32>(q + S_STATE) & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)) != 0) {
        stopped = true;
        break;
      }
      store<i32>(c + C_HEAD, recyclePlain(q, freeHead));
      freeHead = h;
      if (!deferred) {
        store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) - 1);
        const seqno = slotSeqno(base, h);
        if (seqno > load<f64>(c + C_SIGNALED_SEQNO)) store<f64>(c + C_SIGNALED_SEQNO, seqno);
      }
    }
    if (stopped) break;
    rp = rpLo;
  }
  store<i32>(base + H_FREE_HEAD, freeHead);
  // The lists emptied: their tails (tiedPlain writes them as each list ends).
  for (let p = rpLo; p < rpHi; p = <usize>(p + stride)) {
    const c = ctxBase + <usize>(load<i32>(p + R_CTX) * CTX_SIZE);
    if (load<i32>(c + C_HEAD) == NIL) store<i32>(c + C_TAIL, NIL);
  }
  const i = <i32>(<usize>(rp - rpLo) / stride); // (0 once ended)
  publishSignals(base, <i32>(<i32>((full - full0) * <i32>(hi - lo)) + i - i0));
  return <i32>(<i32>(<i32>(full * count) + (stopped ? <i32>(lo + i) : 0)) * 2 + (stopped ? 0 : 1));
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
  let hi = 0; // and the one after its last
  let members = 0;
  for (let r = 0; r < count; r++) {
    const rp = rings + <usize>r * stride;
    const tr = load<f64>(rp + R_NEXT_T);
    if (tr != t) {
      if (tr < other) other = tr;
      continue;
    }
    hi = <i32>(r + 1);
    members++;
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
    const zeroFrom = load<u32>(rp + R_ZERO_FROM);
    const mask = load<u32>(rp + R_MASK);
    const descs = rp + RING_SIZE;
    let q: u32 = 1;
    let cDst: u32 = 0;
    let cBytes: u32 = 0;
    let cAlloc: u32 = 0;
    let next: f64 = -1; // the first event of the job that ends the ring's run, after its start
    // Zero-byte jobs that take `step` with no deadline before their completion: nothing else to
    // check of them (the loop below would find the same), so they are skipped in a tight scan.
    const dur0 = Math.floor(baseNs + perByte * 0.0); // (fetch's formula)
    let zeros = step > 0 && dur0 == step && (!armed || tmo >= dur0);
    for (; <u32>(q - 1) < queued; q++) {
      if (zeros) {
        // The jobs from R_ZERO_FROM to the tail have no bytes (ringSubmit): not read.
        if (<u32>(<u32>(head + q - 1) - zeroFrom) <= <u32>(<u32>(head + queued) - zeroFrom)) {
          q = <u32>(queued + 1);
          break;
        }
        // (in at most two segments: to the ring's end, then from its start; no mask per job)
        let j = <u32>(<u32>(head + q - 1) & mask);
        for (;;) {
          let end = <u32>(mask + 1);
          if (<u32>(end - j) > <u32>(queued - (q - 1))) end = <u32>(j + queued - (q - 1));
          const j0 = j;
          while (j < end && load<u32>(descs + <usize>(j * DESC_SIZE) + D_BYTES) == 0) j++;
          q = <u32>(q + <u32>(j - j0));
          if (j < end || <u32>(q - 1) >= queued) break;
          j = 0;
        }
        if (<u32>(q - 1) >= queued) break;
      }
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
      zeros = dur0 == step && (!armed || tmo >= dur0); // (step may have been set by this job)
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
  // The instants before `until` and the other rings' next event (the first, end0, is): counted
  // once, with the sums the pass makes.
  let x = end0;
  for (let j = 1; j < steps; j++) {
    x += step;
    if (!(x <= until && x < other)) {
      steps = j;
      break;
    }
  }
  // The instants, in order; per instant the rings in index order: the plain fences in tiedPlain,
  // any other here, through signalRun.
  let e = end0; // instant `full`'s time
  let ePrev = end0; // and the one before
  let full: i32 = 0; // instants every ring of the group ran
  let ri = 0; // and the rings of the group below this index one more
  let part = 0; // (the same, once stopped)
  let stop = false; // within an instant
  let deferred = true; // the contexts' pending counts and signaled seqnos not yet written (no signalRun yet)
  const all = members == <i32>(hi - first); // every ring from first to hi: tiedAll
  const slotBase = hotArray(base);
  const ctxBase = base + <usize>load<u32>(base + H_CTX_OFF);
  let code = all ? tiedAll(base, slotBase, ctxBase, rings, stride, count, first, hi, 0, 0, steps, true) : tiedPlain(base, rings, stride, count, t, 0, 0, steps, true);
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
    code = all ? tiedAll(base, slotBase, ctxBase, rings, stride, count, first, hi, full, ri, steps, false) : tiedPlain(base, rings, stride, count, t, full, ri, steps, false);
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
    status |= finishRun(base, r, rp, m, step, end0, patterned);
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
