/**
 * Ring and device core (ts backend): assembly/ring.ts in plain TypeScript over the same bytes.
 * Same contract: driver thread only, no allocation per call, identical results (the differential
 * and determinism tests compare both). Change both together.
 */
import type { Core } from './core.js';
import { TsFenceCore } from './ts-core.js';
import {
  NIL, H_MAX_FENCES, H_IN_USE, H_RINGS_OFF, H_RING_COUNT, H_RING_STRIDE, H_DEV_NOW, H_DEV_RING,
  H_NOTIFY_HEAD, H_MODE, H_IRQ_WORD, MODE_DEVICE_THREAD, H_DMA_OFF, H_DMA_MAP_OFF, H_CORR_OFF, H_CORR_COUNT, ST_CREATED,
  ST_JOBS_SUBMITTED, ST_JOBS_COMPLETED, ST_DMA_BYTES, ST_IRQS, ST_CORRUPTIONS, C_LAST_SEQNO,
  C_PENDING, C_CREATED, FS_PINNED, RING_SIZE, R_STATE, R_MASK, R_CAPACITY, R_CTX, R_TAIL,
  R_SIG_IDX, R_STOP, R_INJECT, R_TIMEOUT_NS, R_FLAGS, R_HEAD, R_RETIRED, R_IRQS, R_ENGINE, R_PRNG,
  R_WRITEBACK, R_CUR_START, R_CUR_END, R_CUR_DUR, R_CUR_WRITTEN, R_CUR_FLAGS, R_NEXT_T, R_BASE_NS,
  R_PER_BYTE_NS, R_JITTER, R_P_HANG, R_P_SLOW, R_P_LOST_IRQ, RS_RUNNING, RS_STOPPING,
  RGF_STOPPABLE, RGF_RANDOM, RGF_NO_IRQ_HANDLER, RGF_WAKE, RGF_TRACE, DR_RETIRE, EN_BUSY, EN_HALTED, JF_HANG, JF_SLOW, JF_LOST_IRQ,
  SLOW_FACTOR, DMA_CHUNKS, DR_NOTIFY, DR_TIMEOUT, DR_CORRUPTION, DESC_SIZE, D_SEQNO, D_DST, D_BYTES,
  D_PATTERN, D_ALLOC_ID, D_START, DMA_GRANULE_SHIFT, CORR_SIZE, CORR_CAP, CE_RING, CE_DST, CE_SEQNO,
  CE_EXPECTED, CE_FOUND, CE_TIME,
} from './layout.js';

/** Byte offset helpers: u32 word index and f64 index of (byte address). */
const W = (a: number) => a >> 2;
const F = (a: number) => a >> 3;

export class TsCore extends TsFenceCore implements Core {
  readonly backend = 'ts' as const;

  #ringPtr(base: number, ring: number): number {
    return base + this.u32[W(base + H_RINGS_OFF)] + ring * this.i32[W(base + H_RING_STRIDE)];
  }

  #descPtr(rp: number, index: number): number {
    return rp + RING_SIZE + ((index & this.u32[W(rp + R_MASK)]) >>> 0) * DESC_SIZE;
  }

  #draw(rp: number): number {
    let x = this.u32[W(rp + R_PRNG)];
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.u32[W(rp + R_PRNG)] = x;
    return x / 4294967296;
  }

  ringSubmit(base: number, ring: number, n: number, dst: number, bytes: number, pattern: number, allocId: number, pin: number, now: number): number {
    const { u32, i32, f64 } = this;
    const rp = this.#ringPtr(base, ring);
    const tail = u32[W(rp + R_TAIL)];
    if (((u32[W(rp + R_CAPACITY)] - ((tail - u32[W(rp + R_SIG_IDX)]) >>> 0)) | 0) < n) return -1;
    if (i32[W(base + H_MAX_FENCES)] - i32[W(base + H_IN_USE)] < n) return -2;
    this.reuseFence(base);
    const ctx = i32[W(rp + R_CTX)];
    const c = this.ctxWord(base, ctx);
    let seqno = f64[(c >> 1) + (C_LAST_SEQNO >> 3)];
    let slot = NIL;
    for (let i = 0; i < n; i++) {
      seqno += 1;
      slot = this.allocSlot(base);
      this.initFence(base, c, ctx, slot, seqno);
      const d = this.#descPtr(rp, (tail + i) >>> 0);
      f64[F(d + D_SEQNO)] = seqno;
      u32[W(d + D_DST)] = dst;
      u32[W(d + D_BYTES)] = bytes;
      u32[W(d + D_PATTERN)] = pattern;
      u32[W(d + D_ALLOC_ID)] = allocId;
      f64[F(d + D_START)] = 0;
    }
    if (pin) u32[this.slotWord(base, slot)] |= FS_PINNED;
    f64[(c >> 1) + (C_LAST_SEQNO >> 3)] = seqno;
    u32[c + (C_PENDING >> 2)] += n;
    f64[(c >> 1) + (C_CREATED >> 3)] += n;
    f64[F(base + ST_CREATED)] += n;
    f64[F(base + ST_JOBS_SUBMITTED)] += n;
    Atomics.store(u32, W(rp + R_TAIL), (tail + n) >>> 0);
    // On the virtual clock the driver steps the device: tell it to fetch now. A device thread
    // is woken by the bindings' doorbell instead, and owns R_NEXT_T.
    if (!(u32[W(base + H_MODE)] & MODE_DEVICE_THREAD) && !(u32[W(rp + R_ENGINE)] & (EN_BUSY | EN_HALTED)) && now < f64[F(rp + R_NEXT_T)]) {
      f64[F(rp + R_NEXT_T)] = now;
    }
    return pin ? slot : n;
  }

  /** The timeout handler (R6) is armed while running, and while draining (stopping with no STOP sent). */
  #timeoutArmed(base: number, rp: number): boolean {
    const u32 = this.u32;
    if (u32[W(base + H_MODE)] & MODE_DEVICE_THREAD) return false; // the driver's watchdog's job
    const state = u32[W(rp + R_STATE)];
    if (!(this.f64[F(rp + R_TIMEOUT_NS)] < Infinity)) return false;
    if (u32[W(rp + R_HEAD)] === u32[W(rp + R_SIG_IDX)]) return false;
    return state === RS_RUNNING || (state === RS_STOPPING && u32[W(rp + R_STOP)] === 0);
  }

  #timeoutDeadline(rp: number): number {
    return this.f64[F(this.#descPtr(rp, this.u32[W(rp + R_SIG_IDX)]) + D_START)] + this.f64[F(rp + R_TIMEOUT_NS)];
  }

  ringReschedule(base: number, ring: number, now: number): void {
    const rp = this.#ringPtr(base, ring);
    this.f64[F(rp + R_NEXT_T)] = this.#nextEvent(base, rp, now);
  }

  #nextEvent(base: number, rp: number, now: number): number {
    const { u32, f64 } = this;
    const engine = u32[W(rp + R_ENGINE)];
    let t = Infinity;
    if (!(engine & EN_HALTED)) {
      if (engine & EN_BUSY) {
        t = f64[F(rp + R_CUR_END)];
        const chunks = u32[W(rp + R_CUR_WRITTEN)];
        const d = this.#descPtr(rp, (u32[W(rp + R_HEAD)] - 1) >>> 0);
        if (u32[W(d + D_BYTES)] !== 0 && chunks < DMA_CHUNKS) {
          const c = f64[F(rp + R_CUR_START)] + Math.floor((f64[F(rp + R_CUR_DUR)] * (chunks + 1)) / DMA_CHUNKS);
          if (c < t) t = c;
        }
      } else if (this.#canFetch(rp)) {
        t = now;
      }
    }
    if (this.#timeoutArmed(base, rp)) {
      const dl = this.#timeoutDeadline(rp);
      if (dl < t) t = dl;
    }
    return t;
  }

  #canFetch(rp: number): boolean {
    const u32 = this.u32;
    if (u32[W(rp + R_HEAD)] === Atomics.load(u32, W(rp + R_TAIL))) return false;
    return !(u32[W(rp + R_FLAGS)] & RGF_STOPPABLE && u32[W(rp + R_STOP)]);
  }

  #fetch(rp: number, t: number): void {
    const { u32, f64 } = this;
    const head = u32[W(rp + R_HEAD)];
    const d = this.#descPtr(rp, head);
    f64[F(d + D_START)] = t;
    u32[W(rp + R_HEAD)] = (head + 1) >>> 0;
    let dur = Math.floor(f64[F(rp + R_BASE_NS)] + f64[F(rp + R_PER_BYTE_NS)] * u32[W(d + D_BYTES)]);
    let cf = u32[W(rp + R_INJECT)];
    u32[W(rp + R_INJECT)] = 0;
    if (u32[W(rp + R_FLAGS)] & RGF_RANDOM) {
      const uJitter = this.#draw(rp);
      const uHang = this.#draw(rp);
      const uSlow = this.#draw(rp);
      const uLost = this.#draw(rp);
      dur = Math.floor(dur * (1.0 + f64[F(rp + R_JITTER)] * uJitter));
      if (uHang < f64[F(rp + R_P_HANG)]) cf |= JF_HANG;
      if (uSlow < f64[F(rp + R_P_SLOW)]) cf |= JF_SLOW;
      if (uLost < f64[F(rp + R_P_LOST_IRQ)]) cf |= JF_LOST_IRQ;
    }
    if (cf & JF_SLOW) dur *= SLOW_FACTOR;
    f64[F(rp + R_CUR_START)] = t;
    f64[F(rp + R_CUR_DUR)] = dur;
    f64[F(rp + R_CUR_END)] = cf & JF_HANG ? Infinity : t + dur;
    u32[W(rp + R_CUR_WRITTEN)] = 0;
    u32[W(rp + R_CUR_FLAGS)] = cf;
    u32[W(rp + R_ENGINE)] |= EN_BUSY;
  }

  /**
   * memory.fill for the ts backend. Over a SharedArrayBuffer V8's fill costs per element, so a
   * Uint8Array fill runs at less than half its ArrayBuffer speed; filling the aligned middle as
   * 32-bit words (a quarter of the elements) gets it back. Same bytes either way.
   */
  #fill(at: number, len: number, byte: number): void {
    const u8 = this.u8;
    const end = at + len;
    let i = at;
    while (i < end && i & 3) u8[i++] = byte;
    const word = Math.imul(byte, 0x01010101) >>> 0;
    const u32 = this.u32;
    if ((end & ~3) > i) u32.fill(word, i >> 2, (end & ~3) >> 2);
    for (i = Math.max(i, end & ~3); i < end; i++) u8[i] = byte;
  }

  #writeChunk(base: number, ring: number, d: number, k: number, t: number): number {
    const { u32, i32, f64 } = this;
    const bytes = u32[W(d + D_BYTES)];
    const lo = Math.floor((bytes * k) / DMA_CHUNKS);
    const hi = Math.floor((bytes * (k + 1)) / DMA_CHUNKS);
    if (hi === lo) return 0;
    const dst = u32[W(d + D_DST)] + lo;
    const expected = u32[W(d + D_ALLOC_ID)];
    const map = base + u32[W(base + H_DMA_MAP_OFF)];
    let status = 0;
    for (let g = dst >>> DMA_GRANULE_SHIFT, end = (dst + (hi - lo) - 1) >>> DMA_GRANULE_SHIFT; g <= end; g++) {
      const found = u32[W(map) + g];
      if (found !== expected) {
        const n = i32[W(base + H_CORR_COUNT)];
        if (n < CORR_CAP) {
          const e = base + u32[W(base + H_CORR_OFF)] + n * CORR_SIZE;
          u32[W(e + CE_RING)] = ring;
          u32[W(e + CE_DST)] = g << DMA_GRANULE_SHIFT;
          f64[F(e + CE_SEQNO)] = f64[F(d + D_SEQNO)];
          u32[W(e + CE_EXPECTED)] = expected;
          u32[W(e + CE_FOUND)] = found;
          f64[F(e + CE_TIME)] = t;
          i32[W(base + H_CORR_COUNT)] = n + 1;
        }
        f64[F(base + ST_CORRUPTIONS)]++;
        status = DR_CORRUPTION;
        break;
      }
    }
    this.#fill(base + u32[W(base + H_DMA_OFF)] + dst, hi - lo, u32[W(d + D_PATTERN)] & 0xff);
    f64[F(base + ST_DMA_BYTES)] += hi - lo;
    return status;
  }

  #ringEvent(base: number, ring: number, rp: number, t: number): number {
    const { u32, i32, f64 } = this;
    let status = 0;
    const engine = u32[W(rp + R_ENGINE)];
    if (engine & EN_BUSY) {
      const d = this.#descPtr(rp, (u32[W(rp + R_HEAD)] - 1) >>> 0);
      if (u32[W(d + D_BYTES)] !== 0) {
        const start = f64[F(rp + R_CUR_START)];
        const dur = f64[F(rp + R_CUR_DUR)];
        let chunks = u32[W(rp + R_CUR_WRITTEN)];
        while (chunks < DMA_CHUNKS && start + Math.floor((dur * (chunks + 1)) / DMA_CHUNKS) <= t) {
          status |= this.#writeChunk(base, ring, d, chunks, t);
          chunks++;
        }
        u32[W(rp + R_CUR_WRITTEN)] = chunks;
      }
      if (t >= f64[F(rp + R_CUR_END)]) {
        const retired = (u32[W(rp + R_RETIRED)] + 1) >>> 0;
        const seqno = f64[F(d + D_SEQNO)];
        f64[F(rp + R_WRITEBACK)] = seqno;
        const threaded = (u32[W(base + H_MODE)] & MODE_DEVICE_THREAD) !== 0;
        // A driver thread reads the writeback after this store: publish it atomically then only.
        if (threaded) Atomics.store(u32, W(rp + R_RETIRED), retired);
        else u32[W(rp + R_RETIRED)] = retired;
        u32[W(rp + R_ENGINE)] = engine & ~EN_BUSY;
        f64[F(base + ST_JOBS_COMPLETED)]++;
        if (threaded) {
          // The interrupt handler runs on the driver's thread: raise the IRQ word and go on.
          if (!(u32[W(rp + R_CUR_FLAGS)] & JF_LOST_IRQ)) {
            u32[W(rp + R_IRQS)]++;
            Atomics.add(u32, W(base + H_IRQ_WORD), 1);
          }
        } else if (!(u32[W(rp + R_CUR_FLAGS)] & JF_LOST_IRQ)) {
          u32[W(rp + R_IRQS)]++;
          f64[F(base + ST_IRQS)]++;
          if (!(u32[W(rp + R_FLAGS)] & RGF_NO_IRQ_HANDLER)) {
            this.signalUpTo(base, i32[W(rp + R_CTX)], seqno, 0, t);
            u32[W(rp + R_SIG_IDX)] = retired;
          }
        }
        if (u32[W(rp + R_FLAGS)] & (RGF_WAKE | RGF_TRACE)) status |= DR_RETIRE;
        if (this.#canFetch(rp)) this.#fetch(rp, t);
      }
    } else if (!(engine & EN_HALTED) && this.#canFetch(rp)) {
      this.#fetch(rp, t);
    }
    if (this.#timeoutArmed(base, rp) && t >= this.#timeoutDeadline(rp)) {
      i32[W(base + H_DEV_RING)] = ring;
      status |= DR_TIMEOUT;
    }
    f64[F(rp + R_NEXT_T)] = this.#nextEvent(base, rp, t);
    if (i32[W(base + H_NOTIFY_HEAD)] !== NIL) status |= DR_NOTIFY;
    return status;
  }

  devicesRun(base: number, until: number): number {
    const { i32, u32, f64 } = this;
    const count = i32[W(base + H_RING_COUNT)];
    const rings = base + u32[W(base + H_RINGS_OFF)];
    const stride = i32[W(base + H_RING_STRIDE)];
    for (;;) {
      let best = -1;
      let bestT = Infinity;
      let second = Infinity;
      for (let r = 0; r < count; r++) {
        const t = f64[F(rings + r * stride + R_NEXT_T)];
        if (t < bestT) {
          second = bestT;
          bestT = t;
          best = r;
        } else if (t < second) {
          second = t;
        }
      }
      if (best < 0 || bestT > until) return 0;
      const limit = second < until ? second : until;
      const rp = rings + best * stride;
      for (;;) {
        const t = f64[F(rp + R_NEXT_T)];
        if (t > limit || t === Infinity) break;
        f64[F(base + H_DEV_NOW)] = t;
        const status = this.#ringEvent(base, best, rp, t);
        if (status) return status;
      }
    }
  }
}
