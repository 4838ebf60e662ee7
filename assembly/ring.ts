/**
 * Ring and device core (wasm backend): the device engine on the virtual clock (job submission:
 * submit.ts).
 *
 * Contract: driver thread only (on the virtual clock the driver steps the device). No allocation,
 * no mutable statics: every word is in the arena (core/layout.ts draws the ring). Like fence.ts,
 * the one source of the core: the ts backend is generated from it (scripts/gen-ts-core.mjs).
 *
 * The engine runs every ring's device in global time order up to a limit: it fetches
 * descriptors in order, runs each job for its modeled duration, writes the job's bytes in
 * DMA_CHUNKS chunks (checking ownership of every granule it writes, M2), writes the writeback
 * word and raises the IRQ, whose handler runs signal_up_to (R4). It returns to the bindings only
 * when they have work: fences with JS callbacks/waiters signaled, a timeout, a corruption, an
 * ACK or an effective reset. The device's half of STOP/ACK and reset is here, for both clocks:
 * the engine notes a request when it sees it (noteRequests) and answers it as a ring event.
 */
import {
  NIL, H_RINGS_OFF, H_RING_COUNT, H_RING_STRIDE, H_DEV_NOW, H_DEV_RING, H_NOTIFY_HEAD, H_MODE,
  H_IRQ_WORD, MODE_DEVICE_THREAD, H_DMA_OFF, H_DMA_MAP_OFF, H_CORR_OFF, H_CORR_COUNT,
  ST_JOBS_COMPLETED, ST_DMA_BYTES, ST_IRQS, ST_CORRUPTIONS, RING_SIZE, R_STATE, R_MASK, R_CAPACITY,
  R_CTX, R_TAIL, R_SIG_IDX, R_STOP, R_INJECT, R_TIMEOUT_NS, R_FLAGS, R_HEAD, R_RETIRED, R_IRQS,
  R_ENGINE, R_PRNG, R_WRITEBACK, R_CUR_START, R_CUR_END, R_CUR_DUR, R_CUR_WRITTEN, R_CUR_FLAGS,
  R_NEXT_T, R_BASE_NS, R_PER_BYTE_NS, R_JITTER, R_P_HANG, R_P_SLOW, R_P_LOST_IRQ, RS_RUNNING,
  RS_STOPPING, RGF_STOPPABLE, RGF_RANDOM, RGF_NO_IRQ_HANDLER, RGF_WAKE, RGF_TRACE, DR_RETIRE,
  EN_BUSY, EN_HALTED, JF_HANG, JF_SLOW, JF_LOST_IRQ, SLOW_FACTOR, DMA_CHUNKS, DR_NOTIFY, DR_TIMEOUT,
  DR_CORRUPTION, DESC_SIZE, D_SEQNO, D_DST, D_BYTES, D_PATTERN, D_ALLOC_ID, START_SIZE,
  DMA_GRANULE_SHIFT, CORR_SIZE, CORR_CAP, CE_RING, CE_DST, CE_SEQNO, CE_EXPECTED, CE_FOUND, CE_TIME,
  R_ACK, R_ACK_AT, R_RESET_AT, R_RESET_REQ, R_ACK_NS, R_RESET_NS, R_ACK_MODE, ACK_DELAY_FACTOR,
  JF_NO_ACK, DR_ACK, DR_RESET, R_TRAIL_AT, R_TRAIL_IDX, R_STOP_MODE, R_WRITES_AFTER_ACK_NS,
  R_P_LOST_WB, EN_TRAILING, JF_LOST_WB, H_SCHED_COUNT, H_SCHED_SEEN, ST_SIGNAL_CALLS, SP_RAN,
  MODE_NO_FAST_PATH,
} from "../bindings/core/layout";
import { schedPass } from "./sched";
import { fastRun } from "./fast-path";
import { tiedRun } from "./tied-run";
import { schedRun } from "./sched-run";
import { signalUpTo } from "./fence";

// @ts-ignore: decorator
@inline export function ringPtr(base: usize, ring: i32): usize {
  return base + <usize>load<u32>(base + H_RINGS_OFF) + <usize>(ring * load<i32>(base + H_RING_STRIDE));
}

// @ts-ignore: decorator
@inline export function descPtr(rp: usize, index: u32): usize {
  return rp + RING_SIZE + <usize>((index & load<u32>(rp + R_MASK)) * DESC_SIZE);
}

/** The start time of the job at `index` (device-written, off the descriptors' cache lines). */
// @ts-ignore: decorator
@inline export function startPtr(rp: usize, index: u32): usize {
  return rp + RING_SIZE + <usize>(load<u32>(rp + R_CAPACITY) * DESC_SIZE) + <usize>((index & load<u32>(rp + R_MASK)) * START_SIZE);
}

/** xorshift32 in the ring's PRNG word: a uniform draw in [0, 1). */
// @ts-ignore: decorator
@inline function draw(rp: usize): f64 {
  let x = load<u32>(rp + R_PRNG);
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  store<u32>(rp + R_PRNG, x);
  return <f64><u32>x / 4294967296.0;
}

/** The timeout handler (R6) is armed while running, and while draining (stopping with no STOP sent). */
// @ts-ignore: decorator
@inline export function timeoutArmed(base: usize, rp: usize): bool {
  if (load<u32>(base + H_MODE) & MODE_DEVICE_THREAD) return false; // the driver's watchdog's job
  const state = load<u32>(rp + R_STATE);
  if (!(load<f64>(rp + R_TIMEOUT_NS) < Infinity)) return false;
  if (load<u32>(rp + R_HEAD) == load<u32>(rp + R_SIG_IDX)) return false;
  return state == RS_RUNNING || (state == RS_STOPPING && load<u32>(rp + R_STOP) == 0);
}

// @ts-ignore: decorator
@inline export function timeoutDeadline(rp: usize): f64 {
  return load<f64>(startPtr(rp, load<u32>(rp + R_SIG_IDX))) + load<f64>(rp + R_TIMEOUT_NS);
}

/** Recomputes when the ring's device next has something to do; `now` if it can fetch now. */
export function ringReschedule(base: usize, ring: i32, now: f64): void {
  const rp = ringPtr(base, ring);
  noteRequests(rp, now);
  store<f64>(rp + R_NEXT_T, nextEvent(base, rp, now));
}

/**
 * The device sees the driver's requests: a STOP to a stoppable engine that is not halted gets
 * its ACK due (ackNs, × ACK_DELAY_FACTOR if delayed; never with ack mode 2 or JF_NO_ACK armed,
 * which it uses up); a reset request gets its effective time (resetNs). A pending reset
 * supersedes the ACK; a STOP taken back (restart) cancels it.
 */
function noteRequests(rp: usize, now: f64): void {
  const resetReq = atomic.load<u32>(rp + R_RESET_REQ);
  if (resetReq == 1 && load<f64>(rp + R_RESET_AT) < 0) store<f64>(rp + R_RESET_AT, now + load<f64>(rp + R_RESET_NS));
  const stop = atomic.load<u32>(rp + R_STOP);
  if (resetReq != 0 || stop == 0) {
    store<f64>(rp + R_ACK_AT, -1);
    return;
  }
  if (!(load<u32>(rp + R_FLAGS) & RGF_STOPPABLE) || atomic.load<u32>(rp + R_ACK) != 0) return;
  if ((load<u32>(rp + R_ENGINE) & EN_HALTED) != 0 || load<f64>(rp + R_ACK_AT) >= 0) return;
  const mode = load<u32>(rp + R_ACK_MODE);
  const inject = atomic.load<u32>(rp + R_INJECT);
  if (inject & JF_NO_ACK) atomic.and<u32>(rp + R_INJECT, <u32>~JF_NO_ACK);
  const never = mode == 2 || (inject & JF_NO_ACK) != 0;
  store<f64>(rp + R_ACK_AT, never ? Infinity : now + load<f64>(rp + R_ACK_NS) * (mode == 1 ? <f64>ACK_DELAY_FACTOR : 1.0));
}

/**
 * The engine's answers due at t: the ACK (halts it) and the reset. STOP mode abort: the running
 * job is aborted at the ACK, and with writesAfterAckNs its remaining chunks still land that long
 * later (EN_TRAILING). Mode finish: a running job first completes (the ACK waits for its end;
 * a hung job never ends, so it never ACKs).
 */
function answerRequests(base: usize, rp: usize, t: f64): i32 {
  let status = 0;
  const ackAt = load<f64>(rp + R_ACK_AT);
  if (ackAt >= 0 && t >= ackAt) {
    const engine = load<u32>(rp + R_ENGINE);
    if ((engine & EN_BUSY) != 0 && load<u32>(rp + R_STOP_MODE) == 1) {
      // Finish: answer once the running job completed (this event, or its end).
      store<f64>(rp + R_ACK_AT, load<f64>(rp + R_CUR_END));
    } else {
      store<f64>(rp + R_ACK_AT, -1);
      const head = load<u32>(rp + R_HEAD);
      const trail = load<f64>(rp + R_WRITES_AFTER_ACK_NS);
      if ((engine & EN_BUSY) != 0 && trail > 0 && load<u32>(rp + R_CUR_WRITTEN) < <u32>DMA_CHUNKS && load<u32>(descPtr(rp, head - 1) + D_BYTES) != 0) {
        // The ACK comes before the DMA engine finished its last burst.
        store<u32>(rp + R_TRAIL_IDX, head - 1);
        store<f64>(rp + R_TRAIL_AT, t + trail);
        store<u32>(rp + R_ENGINE, EN_HALTED | EN_TRAILING);
      } else {
        store<u32>(rp + R_ENGINE, EN_HALTED);
      }
      atomic.store<u32>(rp + R_ACK, 1);
      status |= DR_ACK;
    }
  }
  const resetAt = load<f64>(rp + R_RESET_AT);
  if (resetAt >= 0 && t >= resetAt) {
    store<f64>(rp + R_RESET_AT, -1);
    store<f64>(rp + R_TRAIL_AT, -1);
    store<u32>(rp + R_ENGINE, EN_HALTED); // D4: nothing more executes or writes
    atomic.store<u32>(rp + R_RESET_REQ, 2);
    status |= DR_RESET;
  }
  if (status && (load<u32>(base + H_MODE) & MODE_DEVICE_THREAD)) atomic.add<u32>(base + H_IRQ_WORD, 1);
  return status;
}

/** writesAfterAckNs: the aborted job's remaining chunks land now (M2 checks each), then it is truly halted. */
function trailingBurst(base: usize, ring: i32, rp: usize, t: f64): i32 {
  let status = 0;
  const d = descPtr(rp, load<u32>(rp + R_TRAIL_IDX));
  for (let k = load<u32>(rp + R_CUR_WRITTEN); k < <u32>DMA_CHUNKS; k++) status |= writeChunk(base, ring, d, k, t);
  store<u32>(rp + R_CUR_WRITTEN, <u32>DMA_CHUNKS);
  store<f64>(rp + R_TRAIL_AT, -1);
  store<u32>(rp + R_ENGINE, EN_HALTED);
  // A device thread wakes the driver, which reads the corruption log on its interrupt.
  if (status && (load<u32>(base + H_MODE) & MODE_DEVICE_THREAD)) atomic.add<u32>(base + H_IRQ_WORD, 1);
  return status;
}

function nextEvent(base: usize, rp: usize, now: f64): f64 {
  const engine = load<u32>(rp + R_ENGINE);
  let t = Infinity;
  if (!(engine & EN_HALTED)) {
    if (engine & EN_BUSY) {
      t = load<f64>(rp + R_CUR_END);
      const chunks = load<u32>(rp + R_CUR_WRITTEN);
      const d = descPtr(rp, load<u32>(rp + R_HEAD) - 1);
      if (load<u32>(d + D_BYTES) != 0 && chunks < <u32>DMA_CHUNKS) {
        const c = load<f64>(rp + R_CUR_START) + Math.floor(load<f64>(rp + R_CUR_DUR) * <f64><u32>(chunks + 1) / <f64>DMA_CHUNKS);
        if (c < t) t = c;
      }
    } else if (canFetch(rp)) {
      t = now;
    }
  }
  if (timeoutArmed(base, rp)) {
    const dl = timeoutDeadline(rp);
    if (dl < t) t = dl;
  }
  const ackAt = load<f64>(rp + R_ACK_AT);
  if (ackAt >= 0 && ackAt < t) t = ackAt;
  const resetAt = load<f64>(rp + R_RESET_AT);
  if (resetAt >= 0 && resetAt < t) t = resetAt;
  if (engine & EN_TRAILING) {
    const trailAt = load<f64>(rp + R_TRAIL_AT);
    if (trailAt < t) t = trailAt;
  }
  return t;
}

// @ts-ignore: decorator
@inline export function canFetch(rp: usize): bool {
  if (load<u32>(rp + R_HEAD) == atomic.load<u32>(rp + R_TAIL)) return false;
  return !((load<u32>(rp + R_FLAGS) & RGF_STOPPABLE) && load<u32>(rp + R_STOP));
}

/** Starts the next job at time t (D1): duration from the latency model, faults drawn (D3). */
export function fetch(rp: usize, t: f64): void {
  const head = load<u32>(rp + R_HEAD);
  const d = descPtr(rp, head);
  store<f64>(startPtr(rp, head), t);
  store<u32>(rp + R_HEAD, head + 1);
  let dur = Math.floor(load<f64>(rp + R_BASE_NS) + load<f64>(rp + R_PER_BYTE_NS) * <f64>load<u32>(d + D_BYTES));
  const armed = load<u32>(rp + R_INJECT);
  // JF_NO_ACK waits for a STOP, not a job. (Written only when armed: the word is on the driver's
  // cache line of the ring, which a device thread must not take from it once per job.)
  if (armed != 0) store<u32>(rp + R_INJECT, armed & JF_NO_ACK);
  let cf = armed & <u32>~JF_NO_ACK;
  if (load<u32>(rp + R_FLAGS) & RGF_RANDOM) {
    const uJitter = draw(rp);
    const uHang = draw(rp);
    const uSlow = draw(rp);
    const uLost = draw(rp);
    dur = Math.floor(dur * (1.0 + load<f64>(rp + R_JITTER) * uJitter));
    if (uHang < load<f64>(rp + R_P_HANG)) cf |= JF_HANG;
    if (uSlow < load<f64>(rp + R_P_SLOW)) cf |= JF_SLOW;
    if (uLost < load<f64>(rp + R_P_LOST_IRQ)) cf |= JF_LOST_IRQ;
    // A fifth draw only for a device that loses write-backs: other devices keep their sequence.
    const pLostWb = load<f64>(rp + R_P_LOST_WB);
    if (pLostWb > 0 && draw(rp) < pLostWb) cf |= JF_LOST_WB;
  }
  if (cf & JF_SLOW) dur *= SLOW_FACTOR;
  store<f64>(rp + R_CUR_START, t);
  store<f64>(rp + R_CUR_DUR, dur);
  store<f64>(rp + R_CUR_END, cf & JF_HANG ? Infinity : t + dur);
  store<u32>(rp + R_CUR_WRITTEN, 0);
  store<u32>(rp + R_CUR_FLAGS, cf);
  store<u32>(rp + R_ENGINE, load<u32>(rp + R_ENGINE) | EN_BUSY);
}

/** M2 for a whole job at once: does allocation `expected` own every granule of [dst, dst + bytes)? */
export function owned(base: usize, dst: u32, bytes: u32, expected: u32): bool {
  const map = base + <usize>load<u32>(base + H_DMA_MAP_OFF);
  for (let g = dst >>> DMA_GRANULE_SHIFT, end = (dst + bytes - 1) >>> DMA_GRANULE_SHIFT; g <= end; g++) {
    if (load<u32>(map + (<usize>g << 2)) != expected) return false;
  }
  return true;
}

/** Writes chunk k of the running job (D1), checking every granule's owner first (M2). */
export function writeChunk(base: usize, ring: i32, d: usize, k: u32, t: f64): i32 {
  const bytes = load<u32>(d + D_BYTES);
  const lo = <u32>(<u64>bytes * k / DMA_CHUNKS);
  const hi = <u32>(<u64>bytes * <u32>(k + 1) / DMA_CHUNKS);
  if (hi == lo) return 0;
  const dst = load<u32>(d + D_DST) + lo;
  const expected = load<u32>(d + D_ALLOC_ID);
  const map = base + <usize>load<u32>(base + H_DMA_MAP_OFF);
  let status = 0;
  for (let g = dst >>> DMA_GRANULE_SHIFT, end = (dst + (hi - lo) - 1) >>> DMA_GRANULE_SHIFT; g <= end; g++) {
    const found = load<u32>(map + (<usize>g << 2));
    if (found != expected) {
      const n = load<i32>(base + H_CORR_COUNT);
      if (n < CORR_CAP) {
        const e = base + <usize>load<u32>(base + H_CORR_OFF) + <usize>(n * CORR_SIZE);
        store<u32>(e + CE_RING, ring);
        store<u32>(e + CE_DST, g << DMA_GRANULE_SHIFT);
        store<f64>(e + CE_SEQNO, load<f64>(d + D_SEQNO));
        store<u32>(e + CE_EXPECTED, expected);
        store<u32>(e + CE_FOUND, found);
        store<f64>(e + CE_TIME, t);
        store<i32>(base + H_CORR_COUNT, n + 1);
      }
      store<f64>(base + ST_CORRUPTIONS, load<f64>(base + ST_CORRUPTIONS) + 1);
      status = DR_CORRUPTION;
      break;
    }
  }
  memory.fill(<usize>(base + <usize>load<u32>(base + H_DMA_OFF) + dst), <u8>load<u32>(d + D_PATTERN), <usize>(hi - lo));
  store<f64>(base + ST_DMA_BYTES, load<f64>(base + ST_DMA_BYTES) + <f64><u32>(hi - lo));
  return status;
}

/**
 * The end of a ring's event at time t (one step, or a fast run ending at t): a timeout that is
 * due, the ring's next event time, and whether callbacks or waiters are queued.
 */
// @ts-ignore: decorator
@inline export function endEvent(base: usize, ring: i32, rp: usize, t: f64, status: i32): i32 {
  if (timeoutArmed(base, rp) && t >= timeoutDeadline(rp)) {
    store<i32>(base + H_DEV_RING, ring);
    status |= DR_TIMEOUT;
  }
  store<f64>(rp + R_NEXT_T, nextEvent(base, rp, t));
  // (A device thread queues no callbacks, and the list's line is the driver's: not read there.)
  if (!(load<u32>(base + H_MODE) & MODE_DEVICE_THREAD) && load<i32>(base + H_NOTIFY_HEAD) != NIL) status |= DR_NOTIFY;
  return status;
}

/** One event of one ring's device at time t. Returns DR_* bits for the bindings. */
function ringEvent(base: usize, ring: i32, rp: usize, t: f64): i32 {
  // The answers first: an ACK or a reset due at t halts the engine before its job's events at t.
  // (The answers and the late burst are rare: the hot path only tests that none is due.)
  let status = 0;
  if (load<f64>(rp + R_ACK_AT) >= 0 || load<f64>(rp + R_RESET_AT) >= 0) status = answerRequests(base, rp, t);
  let engine = load<u32>(rp + R_ENGINE);
  if ((engine & EN_TRAILING) != 0 && t >= load<f64>(rp + R_TRAIL_AT)) {
    status |= trailingBurst(base, ring, rp, t);
    engine = load<u32>(rp + R_ENGINE);
  }
  if (engine & EN_BUSY) {
    const d = descPtr(rp, load<u32>(rp + R_HEAD) - 1);
    if (load<u32>(d + D_BYTES) != 0) {
      const start = load<f64>(rp + R_CUR_START);
      const dur = load<f64>(rp + R_CUR_DUR);
      let chunks = load<u32>(rp + R_CUR_WRITTEN);
      while (chunks < <u32>DMA_CHUNKS && start + Math.floor(dur * <f64><u32>(chunks + 1) / <f64>DMA_CHUNKS) <= t) {
        status |= writeChunk(base, ring, d, chunks, t);
        chunks++;
      }
      store<u32>(rp + R_CUR_WRITTEN, chunks);
    }
    if (t >= load<f64>(rp + R_CUR_END)) {
      // Completion (R4): writeback in order, then the IRQ and its handler. Every job fetched is
      // done: a job before it whose write-back was lost (JF_LOST_WB) is covered by this one.
      const written = !(load<u32>(rp + R_CUR_FLAGS) & JF_LOST_WB);
      const irq = written && !(load<u32>(rp + R_CUR_FLAGS) & JF_LOST_IRQ);
      const retired = load<u32>(rp + R_HEAD);
      const seqno = load<f64>(d + D_SEQNO);
      const threaded = (load<u32>(base + H_MODE) & MODE_DEVICE_THREAD) != 0;
      if (written) {
        store<f64>(rp + R_WRITEBACK, seqno);
        // A driver thread reads the writeback after this store: publish it atomically then only.
        if (threaded) atomic.store<u32>(rp + R_RETIRED, retired);
        else store<u32>(rp + R_RETIRED, retired);
      }
      store<u32>(rp + R_ENGINE, engine & ~EN_BUSY);
      store<f64>(base + ST_JOBS_COMPLETED, load<f64>(base + ST_JOBS_COMPLETED) + 1);
      if (threaded) {
        // The interrupt handler runs on the driver's thread. The job's IRQ is counted here; the
        // device loop raises the IRQ word once for the IRQs of a batch (one atomic add per batch,
        // not per job): every 256 completions it returns, wakes the driver and goes on, so the
        // driver refills the ring while the device runs (not after the whole queue drained).
        if (irq) {
          store<u32>(rp + R_IRQS, load<u32>(rp + R_IRQS) + 1);
          if (!(retired & 255)) status |= DR_RETIRE;
        }
      } else if (irq) {
        store<u32>(rp + R_IRQS, load<u32>(rp + R_IRQS) + 1);
        store<f64>(base + ST_IRQS, load<f64>(base + ST_IRQS) + 1);
        if (!(load<u32>(rp + R_FLAGS) & RGF_NO_IRQ_HANDLER)) {
          signalUpTo(base, load<i32>(rp + R_CTX), seqno, 0, t);
          store<u32>(rp + R_SIG_IDX, retired);
        }
      }
      if (load<u32>(rp + R_FLAGS) & (RGF_WAKE | RGF_TRACE)) status |= DR_RETIRE;
      if (canFetch(rp)) fetch(rp, t);
    }
  } else if (!(engine & EN_HALTED) && canFetch(rp)) {
    fetch(rp, t);
  }
  return endEvent(base, ring, rp, t, status);
}

/**
 * The device thread's run (real clock, MODE_DEVICE_THREAD): from the event at t, completes in one
 * pass the ring's running job and the queued jobs after it that end by `limit`, while they are
 * clean — no fault armed or drawn (no PRNG ring), no request or answer due, no STOP held, every
 * byte written into memory its job's allocation owns (one ownership check per job), no return to
 * the bindings per job (WAKE, TRACE) — up to the next multiple of 256 completions (then DR_RETIRE:
 * the device loop wakes the driver and takes a new pass). It writes what the general path's events
 * would (start times, bytes, the write-back, the engine words) and publishes the completions with
 * one atomic store of `retired`; the driver signals them (its interrupt handler). It leaves the
 * engine idle, the next job unfetched (the next pass fetches it at its time). Returns -1 when it
 * does not apply (the general path runs the event), else the DR_* bits.
 */
function threadRun(base: usize, ring: i32, rp: usize, t: f64, limit: f64): i32 {
  const flags = load<u32>(rp + R_FLAGS);
  if (flags & (RGF_RANDOM | RGF_WAKE | RGF_TRACE)) return -1;
  if (load<f64>(rp + R_ACK_AT) >= 0 || load<f64>(rp + R_RESET_AT) >= 0) return -1;
  const engine = load<u32>(rp + R_ENGINE);
  if (engine != 0 && (engine != EN_BUSY || load<u32>(rp + R_CUR_FLAGS) != 0 || load<f64>(rp + R_CUR_END) > limit)) return -1;
  const mask = load<u32>(rp + R_MASK);
  const descs = rp + RING_SIZE;
  const starts = startPtr(rp, 0);
  const dma = base + <usize>load<u32>(base + H_DMA_OFF);
  let next = load<u32>(rp + R_HEAD); // the next job to fetch
  let m: u32 = 0; // jobs completed
  let bytes: f64 = 0;
  let last: usize = 0;
  let lastStart = t;
  let lastDur: f64 = 0;
  let tEnd = t; // the last completion: the next job starts there
  if (engine == EN_BUSY) {
    // The running job, ending by the limit: its chunks still to write, [lo0, b0).
    last = descs + <usize>((<u32>(next - 1) & mask) * DESC_SIZE);
    const b0 = load<u32>(last + D_BYTES);
    const lo0 = <u32>(<u64>b0 * load<u32>(rp + R_CUR_WRITTEN) / DMA_CHUNKS);
    if (b0 != lo0) {
      const dst0 = load<u32>(last + D_DST) + lo0;
      if (!owned(base, dst0, b0 - lo0, load<u32>(last + D_ALLOC_ID))) return -1;
      memory.fill(<usize>(dma + <usize>dst0), <u8>load<u32>(last + D_PATTERN), <usize>(b0 - lo0));
      bytes += <f64><u32>(b0 - lo0);
    }
    lastStart = load<f64>(rp + R_CUR_START);
    lastDur = load<f64>(rp + R_CUR_DUR);
    tEnd = load<f64>(rp + R_CUR_END);
    m = 1;
  }
  const baseNs = load<f64>(rp + R_BASE_NS);
  const perByte = load<f64>(rp + R_PER_BYTE_NS);
  const stoppable = (flags & RGF_STOPPABLE) != 0;
  let tail = atomic.load<u32>(rp + R_TAIL);
  let boundary = m != 0 && (next & 255) == 0;
  while (!boundary) {
    if (next == tail) {
      tail = atomic.load<u32>(rp + R_TAIL); // what the driver published meanwhile
      if (next == tail) break;
    }
    // (fetch's checks, per job: a STOP or a fault the driver armed since the pass began)
    if (stoppable && atomic.load<u32>(rp + R_STOP) != 0) break;
    if (atomic.load<u32>(rp + R_INJECT) & <u32>~JF_NO_ACK) break;
    const d = descs + <usize>((next & mask) * DESC_SIZE);
    const b = load<u32>(d + D_BYTES);
    const dur = Math.floor(baseNs + perByte * <f64>b); // (fetch's formula)
    const e = tEnd + dur;
    if (e > limit) break;
    if (b != 0) {
      const dst = load<u32>(d + D_DST);
      if (!owned(base, dst, b, load<u32>(d + D_ALLOC_ID))) break;
      memory.fill(<usize>(dma + <usize>dst), <u8>load<u32>(d + D_PATTERN), <usize>b);
      bytes += <f64>b;
    }
    store<f64>(starts + <usize>((next & mask) * START_SIZE), tEnd);
    last = d;
    lastStart = tEnd;
    lastDur = dur;
    tEnd = e;
    next++;
    m++;
    boundary = (next & 255) == 0;
  }
  if (m == 0) return -1;
  if (bytes != 0) store<f64>(base + ST_DMA_BYTES, load<f64>(base + ST_DMA_BYTES) + bytes);
  store<u32>(rp + R_HEAD, next);
  store<f64>(rp + R_CUR_START, lastStart);
  store<f64>(rp + R_CUR_DUR, lastDur);
  store<f64>(rp + R_CUR_END, tEnd);
  store<u32>(rp + R_CUR_WRITTEN, load<u32>(last + D_BYTES) != 0 ? <u32>DMA_CHUNKS : <u32>0);
  store<u32>(rp + R_ENGINE, 0);
  store<f64>(rp + R_WRITEBACK, load<f64>(last + D_SEQNO));
  // Publish (R4): the driver reads the write-back, start times and bytes after this store.
  atomic.store<u32>(rp + R_RETIRED, next);
  store<u32>(rp + R_IRQS, load<u32>(rp + R_IRQS) + m);
  store<f64>(base + ST_JOBS_COMPLETED, load<f64>(base + ST_JOBS_COMPLETED) + <f64>m);
  store<f64>(base + H_DEV_NOW, tEnd);
  return endEvent(base, ring, rp, tEnd, boundary ? DR_RETIRE : 0);
}

/**
 * Runs every ring's device, in global time order, through all events at or before `until`.
 * Events at one instant run in ring index order: the order is (time, ring index), whichever
 * path runs them. Returns 0 when none is left before `until`, or DR_* bits as soon as the
 * bindings have work; H_DEV_NOW holds the time of the last event processed.
 */
export function devicesRun(base: usize, until: f64): i32 {
  const count = load<i32>(base + H_RING_COUNT);
  const rings = base + <usize>load<u32>(base + H_RINGS_OFF);
  const stride = <usize>load<i32>(base + H_RING_STRIDE);
  // Schedulers are stepped with the devices (virtual clock only: a device thread never runs them).
  const sched = load<i32>(base + H_SCHED_COUNT) > 0 && !(load<u32>(base + H_MODE) & MODE_DEVICE_THREAD);
  // The fast path: not under schedulers (a pass is due after every completion: runs of one job,
  // which cost more than the general event), nor on a device thread.
  const fast = !sched && !(load<u32>(base + H_MODE) & (MODE_DEVICE_THREAD | MODE_NO_FAST_PATH));
  // A device thread's run: its own (the driver signals), off with the fast path's switch too.
  const threaded = (load<u32>(base + H_MODE) & MODE_DEVICE_THREAD) != 0 && !(load<u32>(base + H_MODE) & MODE_NO_FAST_PATH);
  // Under schedulers: runs of completions whose passes only retire (sched-run.ts).
  const schedFast = sched && !(load<u32>(base + H_MODE) & MODE_NO_FAST_PATH);
  for (;;) {
    let best = -1;
    let bestT = Infinity;
    let second = Infinity;
    let secondIdx = count; // the lowest index among the rings at `second` (but best)
    for (let r = 0; r < count; r++) {
      const t = load<f64>(rings + <usize>r * stride + R_NEXT_T);
      if (t < bestT) {
        second = bestT;
        secondIdx = best < 0 ? count : best;
        bestT = t;
        best = r;
      } else if (t < second) {
        second = t;
        secondIdx = r;
      }
    }
    if (best < 0 || bestT > until) return 0;
    if (schedFast) {
      const status = schedRun(base, bestT, until);
      if (status > 0) return status;
      if (status == 0) continue;
    }
    if (fast && second == bestT) {
      // Tied rings: their events at one instant, step after step, in one pass (fast-path.ts).
      const status = tiedRun(base, bestT, until);
      if (status > 0) return status;
      if (status == 0) continue;
    }
    let limit = second < until ? second : until;
    // An event at `limit` itself is this ring's to run if `limit` is `until`, or if the other
    // ring there comes later in index order.
    let incl = second > until || best < secondIdx;
    let ring = best;
    for (;;) {
      const rp = rings + <usize>ring * stride;
      // Stay on this ring while it has the earliest event: no rescan per job.
      for (;;) {
        const t = load<f64>(rp + R_NEXT_T);
        if (t > limit || (t == limit && !incl) || t == Infinity) break;
        // (limit == t: another ring has an event at this instant, a run would be one event.)
        let status = fast && limit > t ? fastRun(base, ring, rp, t, limit, incl) : threaded ? threadRun(base, ring, rp, t, limit) : -1;
        if (status < 0) {
          store<f64>(base + H_DEV_NOW, t);
          status = ringEvent(base, ring, rp, t);
        }
        if (sched && load<f64>(base + ST_SIGNAL_CALLS) != load<f64>(base + H_SCHED_SEEN)) {
          // Something signaled: the schedulers retire, finish and run jobs at this same instant.
          const ran = schedPass(base, load<f64>(base + H_DEV_NOW));
          status |= ran & ~SP_RAN;
          if (status) return status;
          if (ran & SP_RAN) break; // rings got work: rescan their next events
        }
        if (status) return status;
      }
      // Rings tied at bestT (the fast path's switch on, so no scheduler: a ring's events change
      // no other ring's next event): this one's events there are done (its next is later), so
      // the next event is the next ring's at bestT in index order, if any. It runs its events at
      // that instant with no rescan (and no tiedRun refusing once per ring of the instant).
      if (!fast || second != bestT) break;
      let next = count;
      for (let r = <i32>(ring + 1); r < count; r++) {
        if (load<f64>(rings + <usize>r * stride + R_NEXT_T) == bestT) {
          next = <i32>r;
          break;
        }
      }
      if (<i32>next == count) break;
      ring = <i32>next;
      limit = bestT;
      incl = true;
    }
  }
  return 0; // unreachable: the loop returns
}
