/**
 * Fence core (ts backend): the functions of assembly/fence.ts in plain TypeScript over the same
 * arena bytes, written as fast as TypeScript goes (typed-array views made once, no objects in the
 * loops). Same contract as the wasm core: driver thread only, no allocation per call.
 *
 * Offsets are bytes; the views index by element, so `(base + off) >> 2` for 32-bit words and
 * `>> 3` for f64 (the arena is 16-byte aligned and every f64 field is 8-byte aligned).
 *
 * The order of the stores is part of the contract, as in the wasm core (views in other threads
 * read slots seqlock style; layout.ts, "Fence slot"): error and timestamp before the SIGNALED bit
 * (Atomics.store on a slot that stays), the generation bump before the state clears, one atomic
 * read-modify-write before a call may reuse a recycled slot (reuseFence), a new state word last.
 */
import {
  NIL, H_FREE_HEAD, H_BUMP, H_IN_USE, H_MAX_FENCES, H_CTX_OFF, H_SLOT_OFF, H_NOTIFY_HEAD,
  H_NOTIFY_TAIL, H_LAST_ORDER_CTX, H_LAST_ORDER_SEQ, H_LAST_ORDER_PENDING, ST_CREATED,
  ST_SIGNALED, ST_SIGNAL_CALLS, ST_ORDERING, CTX_SIZE, C_FLAGS, C_LAST_SEQNO, C_SIGNALED_SEQNO,
  C_HEAD, C_TAIL, C_PENDING, C_CREATED, CF_SEQNO64, SLOT_SHIFT, S_STATE, S_GEN, S_NEXT, S_ERROR,
  S_SEQNO, S_TIMESTAMP, STATE_CTX_SHIFT, FS_ALLOC, FS_SIGNALED, FS_QUEUED, FS_PINNED, FS_JS,
  FS_NOTIFY, SIG_OK, SIG_ALREADY, SIG_ORDERING,
} from './layout.js';

/** F11 on numbers: 32-bit mode compares the low 32 bits with wrap-around. */
export function seqnoLater(a: number, b: number, seqno64: boolean): boolean {
  return seqno64 ? a > b : (((a >>> 0) - (b >>> 0)) | 0) > 0;
}

/** The fence half of the ts core; ts-ring.ts adds the ring and device half (TsCore). */
export class TsFenceCore {
  protected i32: Int32Array;
  protected u32: Uint32Array;
  protected f64: Float64Array;

  protected u8: Uint8Array;

  constructor(buffer: ArrayBufferLike) {
    this.u8 = new Uint8Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
  }

  isLater(a: number, b: number, seqno64: number): number {
    return seqnoLater(a, b, seqno64 !== 0) ? 1 : 0;
  }

  /** Word index of slot `slot`'s first word. */
  protected slotWord(base: number, slot: number): number {
    return (base + this.u32[(base + H_SLOT_OFF) >> 2] + (slot << SLOT_SHIFT)) >> 2;
  }

  protected ctxWord(base: number, ctx: number): number {
    return (base + this.u32[(base + H_CTX_OFF) >> 2] + ctx * CTX_SIZE) >> 2;
  }

  protected allocSlot(base: number): number {
    const i32 = this.i32;
    let slot = i32[(base + H_FREE_HEAD) >> 2];
    if (slot !== NIL) {
      i32[(base + H_FREE_HEAD) >> 2] = i32[this.slotWord(base, slot) + (S_NEXT >> 2)];
    } else {
      slot = i32[(base + H_BUMP) >> 2];
      if (slot >= i32[(base + H_MAX_FENCES) >> 2]) return NIL;
      i32[(base + H_BUMP) >> 2] = slot + 1;
    }
    i32[(base + H_IN_USE) >> 2]++;
    return slot;
  }

  /**
   * Before a call hands out recycled slots: the generation bumps of their recycling become visible
   * to other threads before any word of the new fences (an atomic read-modify-write: JS has no
   * standalone fence). Once per call, only when the free list is not empty.
   */
  protected reuseFence(base: number): void {
    if (this.i32[(base + H_FREE_HEAD) >> 2] !== NIL) Atomics.add(this.i32, (base + H_FREE_HEAD) >> 2, 0);
  }

  private freeSlot(base: number, w: number, slot: number): void {
    const i32 = this.i32;
    this.u32[w + (S_GEN >> 2)] = (this.u32[w + (S_GEN >> 2)] + 1) >>> 0;
    this.u32[w + (S_STATE >> 2)] = 0;
    i32[w + (S_NEXT >> 2)] = i32[(base + H_FREE_HEAD) >> 2];
    i32[(base + H_FREE_HEAD) >> 2] = slot;
    i32[(base + H_IN_USE) >> 2]--;
  }

  protected initFence(base: number, c: number, ctx: number, slot: number, seqno: number): void {
    const i32 = this.i32;
    const w = this.slotWord(base, slot);
    i32[w + (S_NEXT >> 2)] = NIL;
    i32[w + (S_ERROR >> 2)] = 0;
    this.f64[(w >> 1) + (S_SEQNO >> 3)] = seqno;
    this.f64[(w >> 1) + (S_TIMESTAMP >> 3)] = 0;
    this.u32[w + (S_STATE >> 2)] = ((ctx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED) >>> 0;
    const tail = i32[c + (C_TAIL >> 2)];
    if (tail === NIL) i32[c + (C_HEAD >> 2)] = slot;
    else i32[this.slotWord(base, tail) + (S_NEXT >> 2)] = slot;
    i32[c + (C_TAIL >> 2)] = slot;
  }

  fenceCreate(base: number, ctx: number): number {
    this.reuseFence(base);
    const slot = this.allocSlot(base);
    if (slot === NIL) return NIL;
    const c = this.ctxWord(base, ctx);
    const f64 = this.f64;
    const seqno = f64[(c >> 1) + (C_LAST_SEQNO >> 3)] + 1;
    this.initFence(base, c, ctx, slot, seqno);
    f64[(c >> 1) + (C_LAST_SEQNO >> 3)] = seqno; // after the fence is linked (a view's watermark, layout.ts)
    this.u32[this.slotWord(base, slot) + (S_STATE >> 2)] |= FS_PINNED;
    this.u32[c + (C_PENDING >> 2)]++;
    f64[(c >> 1) + (C_CREATED >> 3)]++;
    f64[(base + ST_CREATED) >> 3]++;
    return slot;
  }

  fencesCreate(base: number, ctx: number, n: number): number {
    const i32 = this.i32;
    if (i32[(base + H_MAX_FENCES) >> 2] - i32[(base + H_IN_USE) >> 2] < n) return 0;
    this.reuseFence(base);
    const c = this.ctxWord(base, ctx);
    const f64 = this.f64;
    let seqno = f64[(c >> 1) + (C_LAST_SEQNO >> 3)];
    for (let i = 0; i < n; i++) {
      seqno += 1;
      this.initFence(base, c, ctx, this.allocSlot(base), seqno);
    }
    f64[(c >> 1) + (C_LAST_SEQNO >> 3)] = seqno;
    this.u32[c + (C_PENDING >> 2)] += n;
    f64[(c >> 1) + (C_CREATED >> 3)] += n;
    f64[(base + ST_CREATED) >> 3] += n;
    return n;
  }

  private pushNotify(base: number, w: number, slot: number): void {
    const i32 = this.i32;
    i32[w + (S_NEXT >> 2)] = NIL;
    const tail = i32[(base + H_NOTIFY_TAIL) >> 2];
    if (tail === NIL) i32[(base + H_NOTIFY_HEAD) >> 2] = slot;
    else i32[this.slotWord(base, tail) + (S_NEXT >> 2)] = slot;
    i32[(base + H_NOTIFY_TAIL) >> 2] = slot;
  }

  private trimHead(base: number, c: number): void {
    const i32 = this.i32, u32 = this.u32;
    let head = i32[c + (C_HEAD >> 2)];
    while (head !== NIL) {
      const w = this.slotWord(base, head);
      const st = u32[w + (S_STATE >> 2)];
      if (!(st & FS_SIGNALED)) break;
      const next = i32[w + (S_NEXT >> 2)];
      if (st & FS_PINNED) u32[w + (S_STATE >> 2)] = (st & ~FS_QUEUED) >>> 0;
      else this.freeSlot(base, w, head);
      head = next;
    }
    i32[c + (C_HEAD >> 2)] = head;
    if (head === NIL) i32[c + (C_TAIL >> 2)] = NIL;
  }

  fenceSignal(base: number, slot: number, timestamp: number): number {
    const i32 = this.i32, u32 = this.u32, f64 = this.f64;
    const w = this.slotWord(base, slot);
    const st = u32[w + (S_STATE >> 2)];
    if (st & FS_SIGNALED) return SIG_ALREADY;
    const ctx = st >>> STATE_CTX_SHIFT;
    const c = this.ctxWord(base, ctx);
    this.trimHead(base, c);
    const seqno = f64[(w >> 1) + (S_SEQNO >> 3)];
    let result = SIG_OK;
    const head = i32[c + (C_HEAD >> 2)];
    if (head !== slot) {
      result = SIG_ORDERING;
      i32[(base + H_LAST_ORDER_CTX) >> 2] = ctx;
      f64[(base + H_LAST_ORDER_SEQ) >> 3] = seqno;
      f64[(base + H_LAST_ORDER_PENDING) >> 3] = f64[(this.slotWord(base, head) >> 1) + (S_SEQNO >> 3)];
      f64[(base + ST_ORDERING) >> 3]++;
    }
    // Error (set before, F4) and timestamp first, then the SIGNALED bit, published.
    f64[(w >> 1) + (S_TIMESTAMP >> 3)] = timestamp;
    Atomics.store(u32, w + (S_STATE >> 2), (st | FS_SIGNALED) >>> 0);
    u32[c + (C_PENDING >> 2)]--;
    // Seqnos are handed out as increasing numbers (C2) and never wrap as numbers: a plain max.
    if (seqno > f64[(c >> 1) + (C_SIGNALED_SEQNO >> 3)]) f64[(c >> 1) + (C_SIGNALED_SEQNO >> 3)] = seqno;
    if (result === SIG_OK) this.trimHead(base, c);
    f64[(base + ST_SIGNALED) >> 3]++;
    f64[(base + ST_SIGNAL_CALLS) >> 3]++;
    return result;
  }

  signalUpTo(base: number, ctx: number, seqno: number, error: number, timestamp: number): number {
    const i32 = this.i32, u32 = this.u32, f64 = this.f64;
    const c = this.ctxWord(base, ctx);
    const seqno64 = (u32[c + (C_FLAGS >> 2)] & CF_SEQNO64) !== 0;
    const target32 = seqno >>> 0;
    const slotBase = (base + u32[(base + H_SLOT_OFF) >> 2]) >> 2;
    let head = i32[c + (C_HEAD >> 2)];
    let count = 0;
    let last = f64[(c >> 1) + (C_SIGNALED_SEQNO >> 3)];
    let freeHead = i32[(base + H_FREE_HEAD) >> 2];
    let freed = 0;
    // Draining (the target covers the newest seqno, and by less than 2^30 in 32-bit mode, so every
    // pending seqno, at most maxFences < 2^24 older, is covered too): no per-fence compare.
    const newest = f64[(c >> 1) + (C_LAST_SEQNO >> 3)];
    const drain = seqno64 ? seqno >= newest : !seqnoLater(newest, seqno, false) && ((target32 - (newest >>> 0)) >>> 0) < 0x40000000;
    if (drain && newest > last) last = newest;
    while (head !== NIL) {
      const w = slotBase + (head << (SLOT_SHIFT - 2));
      let st = u32[w];
      const next = i32[w + (S_NEXT >> 2)];
      if (!(st & FS_SIGNALED)) {
        if (!drain) {
          const s = f64[(w >> 1) + (S_SEQNO >> 3)];
          if (seqno64 ? s > seqno : (((s >>> 0) - target32) | 0) > 0) break;
          last = s;
        }
        st |= FS_SIGNALED;
        if (error !== 0 && i32[w + (S_ERROR >> 2)] === 0) i32[w + (S_ERROR >> 2)] = error;
        f64[(w >> 1) + (S_TIMESTAMP >> 3)] = timestamp;
        count++;
        if (st & FS_JS) {
          st |= FS_NOTIFY;
          this.pushNotify(base, w, head);
        }
      }
      st &= ~FS_QUEUED;
      if (st & (FS_PINNED | FS_NOTIFY)) {
        // The slot stays: a view may capture error and timestamp once it sees SIGNALED.
        Atomics.store(u32, w, st >>> 0);
      } else {
        // Recycled at once: the generation moves first, then the state clears.
        u32[w + (S_GEN >> 2)] = (u32[w + (S_GEN >> 2)] + 1) >>> 0;
        u32[w] = 0;
        i32[w + (S_NEXT >> 2)] = freeHead;
        freeHead = head;
        freed++;
      }
      head = next;
    }
    i32[(base + H_FREE_HEAD) >> 2] = freeHead;
    i32[(base + H_IN_USE) >> 2] -= freed;
    i32[c + (C_HEAD >> 2)] = head;
    if (head === NIL) i32[c + (C_TAIL >> 2)] = NIL;
    if (count > 0) {
      u32[c + (C_PENDING >> 2)] -= count;
      if (last > f64[(c >> 1) + (C_SIGNALED_SEQNO >> 3)]) f64[(c >> 1) + (C_SIGNALED_SEQNO >> 3)] = last;
      f64[(base + ST_SIGNALED) >> 3] += count;
    }
    f64[(base + ST_SIGNAL_CALLS) >> 3]++;
    return count;
  }

  fenceSetError(base: number, slot: number, error: number): number {
    const w = this.slotWord(base, slot);
    if (this.u32[w + (S_STATE >> 2)] & FS_SIGNALED) return 1;
    this.i32[w + (S_ERROR >> 2)] = error;
    return 0;
  }

  fenceUnpin(base: number, slot: number): void {
    const w = this.slotWord(base, slot);
    const st = this.u32[w + (S_STATE >> 2)] & ~(FS_PINNED | FS_JS);
    if ((st & FS_SIGNALED) && !(st & (FS_QUEUED | FS_NOTIFY))) this.freeSlot(base, w, slot);
    else this.u32[w + (S_STATE >> 2)] = st >>> 0;
  }
}
