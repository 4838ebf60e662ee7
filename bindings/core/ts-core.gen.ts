/**
 * generated from assembly/ by scripts/gen-ts-core.mjs; do not edit.
 *
 * The ts backend: the core of assembly/ (fence.ts, sched-fast.ts, sched.ts, fast-path.ts, tied-run.ts, sched-run.ts, ring.ts, submit.ts), its one source, translated to
 * plain TypeScript over the same arena bytes, function by function: typed-array views made once,
 * no allocation per call. `npm run gen:core` writes this file (build:ts runs it before tsc) and
 * test/gen-core.test.ts fails when it differs from what the generator makes.
 *
 * Translation: load<T>(p) / store<T>(p, v) index a view by (p) >>> log2(width) (every access is
 * proved aligned by the generator); atomic.* are Atomics.*; a 32-bit integer is carried as a JS
 * integer congruent to it modulo 2^32 and made exact (| 0 for i32, >>> 0 for u32) where its value
 * matters; >> on an unsigned type is >>>; integer * is Math.imul unless a constant is small;
 * integer / truncates; memory.fill is memoryFill (32-bit words).
 * Assumptions: ++ and -- on an integer local never wrap; u64 values stay below 2^53; callers
 * pass in-range arguments (as to the wasm exports); the arena base and the region offsets in the
 * header are ALIGN-aligned (arena.ts).
 */
import type { Core } from './core.js';
import {
  NIL, H_MAX_FENCES, H_CTX_OFF, H_SLOT_OFF, H_FREE_HEAD, H_BUMP, H_IN_USE, H_NOTIFY_HEAD,
  H_NOTIFY_TAIL, H_RINGS_OFF, H_DMA_OFF, H_LAST_ORDER_CTX, H_LAST_ORDER_SEQ, H_LAST_ORDER_PENDING,
  H_RING_COUNT, H_RING_STRIDE, H_DEV_NOW, H_MODE, MODE_DEVICE_THREAD, MODE_NO_FAST_PATH,
  H_CORR_COUNT, H_DMA_MAP_OFF, H_CORR_OFF, H_DEV_RING, H_IRQ_WORD, ST_CREATED, ST_SIGNALED,
  ST_SIGNAL_CALLS, ST_ORDERING, ST_JOBS_SUBMITTED, ST_JOBS_COMPLETED, ST_DMA_BYTES, ST_IRQS,
  ST_CORRUPTIONS, H_COLD_OFF, H_SCHED_OFF, H_ENT_OFF, H_JOB_OFF, H_DEP_OFF, H_MAX_ENTS, H_MAX_JOBS,
  H_MAX_DEPS, H_SCHED_COUNT, H_JOB_FREE, H_JOB_BUMP, H_JOBS_IN_USE, H_DEP_FREE, H_DEP_BUMP,
  H_DEPS_IN_USE, H_SCHED_KICK, H_SCHED_SEEN, CTX_SIZE, C_FLAGS, C_LAST_SEQNO, C_SIGNALED_SEQNO,
  C_HEAD, C_TAIL, C_PENDING, C_CREATED, CF_SEQNO64, HOT_SHIFT, S_STATE, S_GEN, S_NEXT, S_ERROR,
  COLD_SHIFT, CS_SEQNO, CS_TIMESTAMP, STATE_CTX_SHIFT, FS_ALLOC, FS_SIGNALED, FS_QUEUED, FS_PINNED,
  FS_JS, FS_NOTIFY, FS_SCHED, RING_SIZE, R_STATE, R_CAPACITY, R_MASK, R_CTX, R_TAIL, R_SIG_IDX,
  R_STOP, R_INJECT, R_TIMEOUT_NS, R_FLAGS, R_ZERO_FROM, R_HEAD, R_RETIRED, R_IRQS, R_ACK, R_ENGINE,
  R_PRNG, R_WRITEBACK, R_CUR_START, R_CUR_END, R_CUR_DUR, R_CUR_WRITTEN, R_CUR_FLAGS, R_NEXT_T,
  R_ACK_AT, R_RESET_AT, R_TRAIL_AT, R_BASE_NS, R_PER_BYTE_NS, R_JITTER, R_P_HANG, R_P_SLOW,
  R_P_LOST_IRQ, R_ACK_NS, R_RESET_NS, R_ACK_MODE, R_RESET_REQ, R_STOP_MODE, R_TRAIL_IDX,
  R_WRITES_AFTER_ACK_NS, R_P_LOST_WB, ACK_DELAY_FACTOR, RS_RUNNING, RS_STOPPING, RS_DROPPED,
  RGF_STOPPABLE, RGF_RANDOM, RGF_NO_IRQ_HANDLER, RGF_WAKE, RGF_TRACE, EN_BUSY, EN_HALTED,
  EN_TRAILING, JF_HANG, JF_SLOW, JF_LOST_IRQ, JF_NO_ACK, JF_LOST_WB, SLOW_FACTOR, DMA_CHUNKS,
  DESC_SIZE, D_SEQNO, D_DST, D_BYTES, D_PATTERN, D_ALLOC_ID, START_SIZE, DMA_GRANULE_SHIFT,
  CORR_CAP, CORR_SIZE, CE_RING, CE_DST, CE_SEQNO, CE_EXPECTED, CE_FOUND, CE_TIME, SC_SIZE, SC_RING,
  SC_FLAGS, SC_CREDIT_LIMIT, SC_CREDIT_COUNT, SC_ENT_HEAD, SC_ENT_TAIL, SC_RING_HEAD, SC_RING_TAIL,
  SC_ORDER, SC_RR_LAST, SC_PUSHED, SC_QUEUED, SCF_LIVE, SCF_STOPPED, SCF_CANCEL, SCF_WAKE,
  SCF_RING_WAIT, SCF_DEP_WAIT, SCF_RING_FULL, ET_SIZE, ET_SCHED, ET_FLAGS, ET_PRIORITY,
  ET_SCHED_CTX, ET_FIN_CTX, ET_NEXT, ET_HEAD, ET_TAIL, ET_CURSOR, ET_SEQNO, ET_QUEUED, ETF_KILLED,
  ETF_GUILTY, SJ_SIZE, SJ_ENTITY, SJ_NEXT, SJ_FLAGS, SJ_CREDITS, SJ_SEQNO, SJ_ORDER, SJ_HW_SLOT,
  SJ_RING_NEXT, SJ_ERROR, SJ_DEPS, SJ_DST, SJ_BYTES, SJ_PATTERN, SJ_ALLOC_ID, SJ_AFTER_CTX,
  SJ_AFTER_SEQNO, SJF_DEPS_OK, SJF_DONE, SJF_AFTER_PIPELINED, DP_SIZE, DP_NEXT, DP_SLOT, DP_GEN,
  DP_CTX, DP_SEQNO, PIPELINED_SLOT, PUSH_PIN, PUSH_AFTER_PIPELINED, ERRNO_CANCELED, ERRNO_SRCH,
  DR_NOTIFY, DR_TIMEOUT, DR_CORRUPTION, DR_RETIRE, DR_ACK, DR_RESET, DR_SCHED, SP_RAN, SIG_OK,
  SIG_ALREADY, SIG_ORDERING,
} from './layout.js';

export class TsCore implements Core {
  readonly backend = 'ts' as const;
  private readonly u8: Uint8Array;
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;
  private readonly f64: Float64Array;

  constructor(buffer: ArrayBufferLike) {
    this.u8 = new Uint8Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
  }

  // ── assembly/fence.ts ──────────────────────────────────────────────────────────────────────────

  private ctxPtr(base: number, ctx: number): number {
    const u32 = this.u32;
    return base + u32[(base + H_CTX_OFF) >>> 2] + ((ctx | 0) * CTX_SIZE);
  }

  /** A slot's hot words (S_*). */
  private slotPtr(base: number, slot: number): number {
    const u32 = this.u32;
    return base + u32[(base + H_SLOT_OFF) >>> 2] + (slot << HOT_SHIFT);
  }

  /** A slot's cold words (CS_*). */
  private coldPtr(base: number, slot: number): number {
    const u32 = this.u32;
    return base + u32[(base + H_COLD_OFF) >>> 2] + (slot << COLD_SHIFT);
  }

  /** The hot array's address (loops keep it in a local: hotAt). */
  private hotArray(base: number): number {
    const u32 = this.u32;
    return base + u32[(base + H_SLOT_OFF) >>> 2];
  }

  /** The cold array's address (loops keep it in a local: coldAt). */
  private coldArray(base: number): number {
    const u32 = this.u32;
    return base + u32[(base + H_COLD_OFF) >>> 2];
  }

  /** Slot `slot`'s hot words in the array at `hot` (hotArray). */
  private hotAt(hot: number, slot: number): number {
    return hot + (slot << HOT_SHIFT);
  }

  /** Slot `slot`'s cold words in the array at `cold` (coldArray). */
  private coldAt(cold: number, slot: number): number {
    return cold + (slot << COLD_SHIFT);
  }

  /** A slot's seqno (cold). */
  private slotSeqno(base: number, slot: number): number {
    const f64 = this.f64;
    return f64[(this.coldPtr(base, slot) + CS_SEQNO) >>> 3];
  }

  /** F11: is seqno a later than b? 32-bit mode wraps: (int32)(lo32(a) - lo32(b)) > 0. */
  private later(a: number, b: number, seqno64: boolean): boolean {
    if (seqno64) return a > b;
    return (((a >>> 0) - (b >>> 0)) | 0) > 0;
  }

  isLater(a: number, b: number, seqno64: number): number {
    return (this.later(a, b, seqno64 !== 0) ? 1 : 0);
  }

  /**
   * A plain pending fence's signal (no handle, callbacks, holder or error) with its slot recycled:
   * clears the state of hot slot q, bumps its generation and links it before `freeHead` (the
   * caller's local head of the free list, which becomes this slot). Returns the fence's link (the
   * next pending one). The caller keeps the counters and list heads in locals. No timestamp: the
   * fence never shows SIGNALED (layout.ts, "Fence slot"), so its cold words are not touched.
   */
  private recyclePlain(q: number, freeHead: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const nx = i32[(q + S_NEXT) >>> 2];
    u32[(q + S_STATE) >>> 2] = 0;
    u32[(q + S_GEN) >>> 2]++;
    i32[(q + S_NEXT) >>> 2] = freeHead;
    return nx;
  }

  /** Pops a free slot (or the next never-used one); NIL when the arena is full. */
  private allocSlot(base: number): number {
    const i32 = this.i32;
    let slot = i32[(base + H_FREE_HEAD) >>> 2];
    if (slot !== NIL) {
      i32[(base + H_FREE_HEAD) >>> 2] = i32[(this.slotPtr(base, slot) + S_NEXT) >>> 2];
    } else {
      slot = i32[(base + H_BUMP) >>> 2];
      if (slot >= i32[(base + H_MAX_FENCES) >>> 2]) return NIL;
      i32[(base + H_BUMP) >>> 2] = slot + 1;
    }
    i32[(base + H_IN_USE) >>> 2]++;
    return slot;
  }

  /**
   * Before a call hands out recycled slots: the generation bumps of their recycling (earlier calls)
   * become visible to other threads before any word of the new fences. One atomic read-modify-write
   * (sequentially consistent: a full barrier) per call, and only when the free list is not empty.
   * (Binaryen's validator refuses a bare atomic.fence from this compiler; the ts core does the same.)
   */
  private reuseFence(base: number): void {
    const i32 = this.i32;
    if (i32[(base + H_FREE_HEAD) >>> 2] !== NIL) Atomics.add(i32, (base + H_FREE_HEAD) >>> 2, 0);
  }

  /** Recycles a slot: the generation moves on (first) so stale handles are detected. */
  private freeSlot(base: number, p: number, slot: number): void {
    const i32 = this.i32;
    const u32 = this.u32;
    // The state clears first, then the generation moves: a remote reader that sees the new
    // generation then sees the cleared state (or the next fence's), never the old signaled state
    // with the next fence's seqno (an ABA a reader's second look at the state cannot catch).
    u32[(p + S_STATE) >>> 2] = 0;
    u32[(p + S_GEN) >>> 2]++;
    i32[(p + S_NEXT) >>> 2] = i32[(base + H_FREE_HEAD) >>> 2];
    i32[(base + H_FREE_HEAD) >>> 2] = slot;
    i32[(base + H_IN_USE) >>> 2]--;
  }

  /** Writes a fresh pending fence with the context's next seqno and links it at the tail (C2). */
  private initFence(base: number, c: number, ctx: number, slot: number, seqno: number): void {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const p = this.slotPtr(base, slot);
    const cp = this.coldPtr(base, slot);
    i32[(p + S_NEXT) >>> 2] = NIL;
    i32[(p + S_ERROR) >>> 2] = 0;
    f64[(cp + CS_SEQNO) >>> 3] = seqno;
    f64[(cp + CS_TIMESTAMP) >>> 3] = 0;
    u32[(p + S_STATE) >>> 2] = (ctx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED;
    const tail = i32[(c + C_TAIL) >>> 2];
    if (tail === NIL)
      i32[(c + C_HEAD) >>> 2] = slot;
    else
      i32[(this.slotPtr(base, tail) + S_NEXT) >>> 2] = slot;
    i32[(c + C_TAIL) >>> 2] = slot;
  }

  /** Creates one pending fence on context `ctx`, pinned for a JS handle. Returns its slot or NIL. */
  fenceCreate(base: number, ctx: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    this.reuseFence(base);
    const slot = this.allocSlot(base);
    if (slot === NIL) return NIL;
    const c = this.ctxPtr(base, ctx);
    const seqno = f64[(c + C_LAST_SEQNO) >>> 3] + 1;
    this.initFence(base, c, ctx, slot, seqno);
    f64[(c + C_LAST_SEQNO) >>> 3] = seqno; // after the fence is linked (a view's watermark, layout.ts)
    const p = this.slotPtr(base, slot);
    u32[(p + S_STATE) >>> 2] |= FS_PINNED;
    u32[(c + C_PENDING) >>> 2]++;
    f64[(c + C_CREATED) >>> 3]++;
    f64[(base + ST_CREATED) >>> 3]++;
    return slot;
  }

  /**
   * Creates n pending fences without handles (batch form). All or nothing: returns n, or 0 when
   * fewer than n slots are free. The fences are recycled as soon as they are signaled.
   * What allocSlot and initFence do per fence, with the free list's head, the bump index, the
   * context's tail and both slot arrays in locals, written back once (the same bytes). The five
   * stores of a fresh fence are written out here, not shared with initFence through an @inline
   * helper: the generated ts core turns that helper into a method call, and the ts create+signal
   * loop ran 0.966–0.972 of this in same-run A/Bs (bench/compare-builds.mjs, four runs).
   */
  fencesCreate(base: number, ctx: number, n: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    if (((i32[(base + H_MAX_FENCES) >>> 2] - i32[(base + H_IN_USE) >>> 2]) | 0) < n) return 0;
    this.reuseFence(base);
    const c = this.ctxPtr(base, ctx);
    const hot = this.hotArray(base);
    const cold = this.coldArray(base);
    const state = (ctx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED;
    let seqno = f64[(c + C_LAST_SEQNO) >>> 3];
    let freeHead = i32[(base + H_FREE_HEAD) >>> 2];
    let bump = i32[(base + H_BUMP) >>> 2];
    let prev = i32[(c + C_TAIL) >>> 2];
    for (let i = 0; i < n; i++) {
      seqno += 1;
      let slot = freeHead;
      if (slot !== NIL) {
        freeHead = i32[(this.hotAt(hot, slot) + S_NEXT) >>> 2];
      } else {
        slot = bump; // enough room was checked above (inUse = bump - free slots)
        bump++;
      }
      const p = this.hotAt(hot, slot);
      const cp = this.coldAt(cold, slot);
      i32[(p + S_NEXT) >>> 2] = NIL;
      i32[(p + S_ERROR) >>> 2] = 0;
      f64[(cp + CS_SEQNO) >>> 3] = seqno;
      f64[(cp + CS_TIMESTAMP) >>> 3] = 0;
      u32[(p + S_STATE) >>> 2] = state;
      if (prev === NIL)
        i32[(c + C_HEAD) >>> 2] = slot;
      else
        i32[(this.hotAt(hot, prev) + S_NEXT) >>> 2] = slot;
      prev = slot;
    }
    i32[(base + H_FREE_HEAD) >>> 2] = freeHead;
    i32[(base + H_BUMP) >>> 2] = bump;
    i32[(base + H_IN_USE) >>> 2] += n;
    i32[(c + C_TAIL) >>> 2] = prev;
    f64[(c + C_LAST_SEQNO) >>> 3] = seqno;
    u32[(c + C_PENDING) >>> 2] += n;
    f64[(c + C_CREATED) >>> 3] += n;
    f64[(base + ST_CREATED) >>> 3] += n;
    return n;
  }

  /** Queues a signaled slot for the bindings (it has JS callbacks or waiters). */
  private pushNotify(base: number, p: number, slot: number): void {
    const i32 = this.i32;
    i32[(p + S_NEXT) >>> 2] = NIL;
    const tail = i32[(base + H_NOTIFY_TAIL) >>> 2];
    if (tail === NIL)
      i32[(base + H_NOTIFY_HEAD) >>> 2] = slot;
    else
      i32[(this.slotPtr(base, tail) + S_NEXT) >>> 2] = slot;
    i32[(base + H_NOTIFY_TAIL) >>> 2] = slot;
  }

  /**
   * Unlinks signaled fences from the head of a context's pending list, recycling unpinned ones.
   * Inlined into fenceSignal's two uses: a wasm call each was about a fifth of that export's work.
   */
  private trimHead(base: number, c: number): void {
    const i32 = this.i32;
    const u32 = this.u32;
    let head = i32[(c + C_HEAD) >>> 2];
    while (head !== NIL) {
      const p = this.slotPtr(base, head);
      const st = u32[(p + S_STATE) >>> 2];
      if (!(st & FS_SIGNALED)) break;
      const next = i32[(p + S_NEXT) >>> 2];
      if (st & (FS_PINNED | FS_SCHED))
        u32[(p + S_STATE) >>> 2] = st & ~FS_QUEUED;
      else
        this.freeSlot(base, p, head);
      head = next;
    }
    i32[(c + C_HEAD) >>> 2] = head;
    if (head === NIL) i32[(c + C_TAIL) >>> 2] = NIL;
  }

  /**
   * Signals one fence (F2, F3, C3). Returns SIG_ALREADY if it was signaled, SIG_ORDERING if an
   * older fence of its context is still pending (the fence is signaled all the same and the
   * violation is described in the header), else SIG_OK. Callbacks are the caller's to run.
   */
  fenceSignal(base: number, slot: number, timestamp: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const p = this.slotPtr(base, slot);
    const st = u32[(p + S_STATE) >>> 2];
    if (st & FS_SIGNALED) return SIG_ALREADY;
    const ctx = (st >>> STATE_CTX_SHIFT);
    const c = this.ctxPtr(base, ctx);
    this.trimHead(base, c);
    const seqno = this.slotSeqno(base, slot);
    let result = SIG_OK;
    const head = i32[(c + C_HEAD) >>> 2];
    if (head !== slot) {
      result = SIG_ORDERING;
      i32[(base + H_LAST_ORDER_CTX) >>> 2] = ctx;
      f64[(base + H_LAST_ORDER_SEQ) >>> 3] = seqno;
      f64[(base + H_LAST_ORDER_PENDING) >>> 3] = this.slotSeqno(base, head);
      f64[(base + ST_ORDERING) >>> 3]++;
    }
    // Error (set before, F4) and timestamp first, then the SIGNALED bit, published (F3's order as
    // other threads see it).
    f64[(this.coldPtr(base, slot) + CS_TIMESTAMP) >>> 3] = timestamp;
    Atomics.store(u32, (p + S_STATE) >>> 2, st | FS_SIGNALED);
    u32[(c + C_PENDING) >>> 2]--;
    // Seqnos are handed out as increasing numbers (C2) and never wrap as numbers: a plain max.
    if (seqno > f64[(c + C_SIGNALED_SEQNO) >>> 3]) f64[(c + C_SIGNALED_SEQNO) >>> 3] = seqno;
    if (result === SIG_OK) this.trimHead(base, c);
    f64[(base + ST_SIGNALED) >>> 3]++;
    f64[(base + ST_SIGNAL_CALLS) >>> 3]++;
    return result;
  }

  /**
   * The signaling loop (C3, R4): signals every pending fence of `ctx` whose seqno is not later than
   * `seqno`, oldest first, stamping `timestamp` and, if `error` is non-zero, setting it on fences
   * that have none. Fences with JS callbacks or waiters go on the notify list; fences without a
   * handle are recycled at once. Returns how many fences it signaled.
   */
  signalUpTo(base: number, ctx: number, seqno: number, error: number, timestamp: number): number {
    return this.signalLoop(base, ctx, seqno, error, timestamp, 0, false) | 0;
  }

  /**
   * The device engine's run of clean completions (ring.ts, fastRun): what one IRQ handler call per
   * job would do, in one pass. Signals the pending fences of `ctx` up to `seqno`, one per job, the
   * first stamped `timestamp` and each next one `step` later (accumulated, as the jobs' completion
   * times are), each counted as one signal call. Stops after a fence with JS callbacks or waiters
   * (the bindings run them at its job's time) and before one already signaled. Returns how many it
   * signaled: the jobs the run completes.
   */
  private signalRun(base: number, ctx: number, seqno: number, timestamp: number, step: number): number {
    return this.signalLoop(base, ctx, seqno, 0, timestamp, step, true);
  }

  private signalLoop(base: number, ctx: number, seqno: number, error: number, timestamp: number, step: number, run: boolean): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const c = this.ctxPtr(base, ctx);
    const seqno64 = (u32[(c + C_FLAGS) >>> 2] & CF_SEQNO64) !== 0;
    const slotBase = this.hotArray(base);
    let head = i32[(c + C_HEAD) >>> 2];
    let count = 0;
    let last = f64[(c + C_SIGNALED_SEQNO) >>> 3];
    let freeHead = i32[(base + H_FREE_HEAD) >>> 2];
    let freed = 0;
    // Draining (the target covers the newest seqno, and by less than 2^30 in 32-bit mode, so every
    // pending seqno, at most maxFences < 2^24 older, is covered too): no per-fence compare.
    const newest = f64[(c + C_LAST_SEQNO) >>> 3];
    const drain = !run && (seqno64 ? seqno >= newest : !this.later(newest, seqno, false) && (((seqno >>> 0) - (newest >>> 0)) >>> 0) < 0x40000000);
    if (drain) last = newest > last ? newest : last;
    const plain = drain && error === 0;
    while (head !== NIL) {
      if (plain) {
        // The common run: fences with no handle, callbacks or holder, recycled as they signal
        // (hot words only: such a fence never shows SIGNALED, so it gets no timestamp).
        // A batch's slots are consecutive, in one direction or the other (the free list is LIFO,
        // so a recycled batch comes back reversed): while the loaded link says the next slot is
        // h + dir, the loop goes there by address, a branch the processor predicts, and the next
        // fence's loads do not wait for this one's link (no dependent load per fence).
        let h = head;
        let dir = 1;
        let n = 0;
        while (true) {
          const q = this.hotAt(slotBase, h);
          if (u32[(q + S_STATE) >>> 2] & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)) break;
          const nx = this.recyclePlain(q, freeHead);
          freeHead = h;
          n++;
          if (nx !== ((h + dir) | 0)) {
            // A seam (or the end): follow the link, and guess the next run's direction.
            dir = nx === ((h - 1) | 0) ? -1 : 1;
            h = nx;
            if (h === NIL) break;
          } else if (dir > 0) {
            h++;
          } else {
            h--;
            if (h === NIL) break; // slot 0 going down: its link was the end
          }
        }
        head = h;
        count = ((count | 0) + n);
        freed = ((freed | 0) + n);
        if (head === NIL) break;
      }
      // (the cold words through the header, not a local: one value fewer live in the loop)
      const p = this.hotAt(slotBase, head);
      let st = u32[(p + S_STATE) >>> 2];
      const next = i32[(p + S_NEXT) >>> 2];
      if (run && (st & FS_SIGNALED)) break;
      let stop = false;
      let stamp = false;
      if (!(st & FS_SIGNALED)) {
        if (!drain) {
          const s = this.slotSeqno(base, head);
          if (this.later(s, seqno, seqno64)) break;
          last = s;
        }
        st |= FS_SIGNALED;
        if (error !== 0 && i32[(p + S_ERROR) >>> 2] === 0) i32[(p + S_ERROR) >>> 2] = error;
        stamp = true;
        count++;
        if (st & FS_JS) {
          st |= FS_NOTIFY;
          this.pushNotify(base, p, head);
          stop = run;
        }
      }
      st &= ~FS_QUEUED;
      if (st & (FS_PINNED | FS_NOTIFY | FS_SCHED)) {
        // The slot stays: a view may capture error and timestamp once it sees SIGNALED.
        if (stamp) f64[(this.coldPtr(base, head) + CS_TIMESTAMP) >>> 3] = timestamp;
        Atomics.store(u32, (p + S_STATE) >>> 2, st);
      } else {
        // Recycled at once, never shown SIGNALED (so no timestamp): the state clears, then the
        // generation moves (see freeSlot).
        u32[(p + S_STATE) >>> 2] = 0;
        u32[(p + S_GEN) >>> 2]++;
        i32[(p + S_NEXT) >>> 2] = freeHead;
        freeHead = head;
        freed++;
      }
      if (run && stamp) timestamp += step; // the next job's completion time
      head = next;
      if (stop) break;
    }
    i32[(base + H_FREE_HEAD) >>> 2] = freeHead;
    i32[(base + H_IN_USE) >>> 2] -= (freed | 0);
    i32[(c + C_HEAD) >>> 2] = head;
    if (head === NIL) i32[(c + C_TAIL) >>> 2] = NIL;
    if ((count | 0) > 0) {
      u32[(c + C_PENDING) >>> 2] -= (count >>> 0);
      if (last > f64[(c + C_SIGNALED_SEQNO) >>> 3]) f64[(c + C_SIGNALED_SEQNO) >>> 3] = last;
      f64[(base + ST_SIGNALED) >>> 3] += (count | 0);
    }
    f64[(base + ST_SIGNAL_CALLS) >>> 3] += (run ? count | 0 : 1);
    return count;
  }

  /** Sets a pending fence's error (F4). Returns 1 (and changes nothing) if it is signaled. */
  fenceSetError(base: number, slot: number, error: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const p = this.slotPtr(base, slot);
    if (u32[(p + S_STATE) >>> 2] & FS_SIGNALED) return 1;
    i32[(p + S_ERROR) >>> 2] = error;
    return 0;
  }

  /** The last JS handle is gone: unpin, and recycle the slot if nothing else holds it. */
  fenceUnpin(base: number, slot: number): void {
    const u32 = this.u32;
    const p = this.slotPtr(base, slot);
    const st = u32[(p + S_STATE) >>> 2] & ~(FS_PINNED | FS_JS);
    if ((st & FS_SIGNALED) && !(st & (FS_QUEUED | FS_NOTIFY | FS_SCHED)))
      this.freeSlot(base, p, slot);
    else
      u32[(p + S_STATE) >>> 2] = st;
  }

  /** A scheduler lets go of a ring fence it held (FS_SCHED): recycled if nothing else holds it. */
  fenceUnhold(base: number, slot: number): void {
    const u32 = this.u32;
    const p = this.slotPtr(base, slot);
    const st = u32[(p + S_STATE) >>> 2] & ~FS_SCHED;
    if ((st & FS_SIGNALED) && !(st & (FS_QUEUED | FS_NOTIFY | FS_PINNED)))
      this.freeSlot(base, p, slot);
    else
      u32[(p + S_STATE) >>> 2] = st;
  }

  // ── assembly/sched-fast.ts ─────────────────────────────────────────────────────────────────────

  /**
   * schedPush's loop for jobs with no handles (pushBatch; the fast path's, off with
   * MODE_NO_FAST_PATH): per job its scheduled fence (if any), its finished fence and its record,
   * in that order, the same bytes as newFence and allocJob per job, with the free lists' heads,
   * the bump indices and the contexts' and entity's tails in locals, the contexts' counters and
   * last seqnos written once (as fencesCreate). One loop with no call. Returns the first record.
   */
  private pushRun(base: number, ep: number, ent: number, n: number, schedCtx: number, finCtx: number, seqno0: number, order0: number, jflags: number, credits: number, dst: number, bytes: number, pattern: number, allocId: number, afterCtx: number, afterSeqno: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const hot = this.hotArray(base);
    const cold = this.coldArray(base);
    const jobs = base + u32[(base + H_JOB_OFF) >>> 2];
    const two = schedCtx !== NIL;
    const sc = two ? this.ctxPtr(base, schedCtx) : this.ctxPtr(base, finCtx);
    const fc = this.ctxPtr(base, finCtx);
    const sState = (schedCtx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED;
    const fState = (finCtx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED;
    let freeHead = i32[(base + H_FREE_HEAD) >>> 2];
    let bump = i32[(base + H_BUMP) >>> 2];
    let sPrev = two ? i32[(sc + C_TAIL) >>> 2] : NIL;
    let fPrev = i32[(fc + C_TAIL) >>> 2];
    let jFree = i32[(base + H_JOB_FREE) >>> 2];
    let jBump = i32[(base + H_JOB_BUMP) >>> 2];
    let eTail = i32[(ep + ET_TAIL) >>> 2];
    let first = NIL;
    let seqno = seqno0;
    let order = order0;
    for (let i = 0; i < n; i++) {
      seqno += 1;
      if (two) {
        let slot = freeHead;
        if (slot !== NIL)
          freeHead = i32[(this.hotAt(hot, slot) + S_NEXT) >>> 2];
        else {
          slot = bump;
          bump++;
        }
        const p = this.hotAt(hot, slot);
        const cp = this.coldAt(cold, slot);
        i32[(p + S_NEXT) >>> 2] = NIL;
        i32[(p + S_ERROR) >>> 2] = 0;
        f64[(cp + CS_SEQNO) >>> 3] = seqno;
        f64[(cp + CS_TIMESTAMP) >>> 3] = 0;
        u32[(p + S_STATE) >>> 2] = sState;
        if (sPrev === NIL)
          i32[(sc + C_HEAD) >>> 2] = slot;
        else
          i32[(this.hotAt(hot, sPrev) + S_NEXT) >>> 2] = slot;
        sPrev = slot;
      }
      let slot = freeHead;
      if (slot !== NIL)
        freeHead = i32[(this.hotAt(hot, slot) + S_NEXT) >>> 2];
      else {
        slot = bump;
        bump++;
      }
      const p = this.hotAt(hot, slot);
      const cp = this.coldAt(cold, slot);
      i32[(p + S_NEXT) >>> 2] = NIL;
      i32[(p + S_ERROR) >>> 2] = 0;
      f64[(cp + CS_SEQNO) >>> 3] = seqno;
      f64[(cp + CS_TIMESTAMP) >>> 3] = 0;
      u32[(p + S_STATE) >>> 2] = fState;
      if (fPrev === NIL)
        i32[(fc + C_HEAD) >>> 2] = slot;
      else
        i32[(this.hotAt(hot, fPrev) + S_NEXT) >>> 2] = slot;
      fPrev = slot;
      let j = jFree;
      if (j !== NIL)
        jFree = i32[(jobs + (j * SJ_SIZE) + SJ_NEXT) >>> 2];
      else {
        j = jBump;
        jBump++;
      }
      if (first === NIL) first = j;
      const jp = jobs + (j * SJ_SIZE);
      i32[(jp + SJ_ENTITY) >>> 2] = ent;
      i32[(jp + SJ_NEXT) >>> 2] = NIL;
      u32[(jp + SJ_FLAGS) >>> 2] = jflags;
      u32[(jp + SJ_CREDITS) >>> 2] = credits;
      f64[(jp + SJ_SEQNO) >>> 3] = seqno;
      f64[(jp + SJ_ORDER) >>> 3] = order;
      order += 1;
      i32[(jp + SJ_HW_SLOT) >>> 2] = NIL;
      i32[(jp + SJ_RING_NEXT) >>> 2] = NIL;
      i32[(jp + SJ_ERROR) >>> 2] = 0;
      i32[(jp + SJ_DEPS) >>> 2] = NIL;
      u32[(jp + SJ_DST) >>> 2] = dst;
      u32[(jp + SJ_BYTES) >>> 2] = bytes;
      u32[(jp + SJ_PATTERN) >>> 2] = pattern;
      u32[(jp + SJ_ALLOC_ID) >>> 2] = allocId;
      i32[(jp + SJ_AFTER_CTX) >>> 2] = afterCtx;
      f64[(jp + SJ_AFTER_SEQNO) >>> 3] = afterSeqno + i;
      if (eTail === NIL)
        i32[(ep + ET_HEAD) >>> 2] = j;
      else
        i32[(jobs + (eTail * SJ_SIZE) + SJ_NEXT) >>> 2] = j;
      eTail = j;
    }
    if (i32[(ep + ET_CURSOR) >>> 2] === NIL) i32[(ep + ET_CURSOR) >>> 2] = first;
    i32[(ep + ET_TAIL) >>> 2] = eTail;
    i32[(base + H_JOB_FREE) >>> 2] = jFree;
    i32[(base + H_JOB_BUMP) >>> 2] = jBump;
    i32[(base + H_JOBS_IN_USE) >>> 2] += n;
    i32[(base + H_FREE_HEAD) >>> 2] = freeHead;
    i32[(base + H_BUMP) >>> 2] = bump;
    const fences = two ? (n * 2) : n;
    i32[(base + H_IN_USE) >>> 2] += fences;
    if (two) {
      i32[(sc + C_TAIL) >>> 2] = sPrev;
      f64[(sc + C_LAST_SEQNO) >>> 3] = seqno;
      u32[(sc + C_PENDING) >>> 2] += n;
      f64[(sc + C_CREATED) >>> 3] += n;
    }
    i32[(fc + C_TAIL) >>> 2] = fPrev;
    f64[(fc + C_LAST_SEQNO) >>> 3] = seqno;
    u32[(fc + C_PENDING) >>> 2] += n;
    f64[(fc + C_CREATED) >>> 3] += n;
    return first;
  }

  /**
   * ringSubmit(ring, 1, job's descriptor, pin 2) for job record jp, the same bytes in the same
   * order (its per-job path: the fence, held by the scheduler, the descriptor, the start time, the
   * counters, the tail, the ring's next event), without the batch path's setup. Returns the ring
   * fence's slot, -1 (ring full) or -2 (no fence slot), nothing changed then.
   */
  private submitOne(base: number, rp: number, jp: number, now: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const tail = u32[(rp + R_TAIL) >>> 2];
    if (((u32[(rp + R_CAPACITY) >>> 2] - (tail - u32[(rp + R_SIG_IDX) >>> 2])) | 0) < 1) return -1;
    if (((i32[(base + H_MAX_FENCES) >>> 2] - i32[(base + H_IN_USE) >>> 2]) | 0) < 1) return -2;
    this.reuseFence(base);
    const ctx = i32[(rp + R_CTX) >>> 2];
    const c = this.ctxPtr(base, ctx);
    const seqno = f64[(c + C_LAST_SEQNO) >>> 3] + 1;
    const bytes = u32[(jp + SJ_BYTES) >>> 2];
    const slot = this.writeJob(base, c, ctx, rp, this.startPtr(rp, 0), u32[(rp + R_MASK) >>> 2], tail, seqno, u32[(jp + SJ_DST) >>> 2], bytes, u32[(jp + SJ_PATTERN) >>> 2], u32[(jp + SJ_ALLOC_ID) >>> 2]);
    this.markZeroFrom(rp, tail, 1, bytes);
    const p = this.slotPtr(base, slot);
    u32[(p + S_STATE) >>> 2] |= FS_SCHED;
    f64[(c + C_LAST_SEQNO) >>> 3] = seqno;
    u32[(c + C_PENDING) >>> 2]++;
    f64[(c + C_CREATED) >>> 3]++;
    f64[(base + ST_CREATED) >>> 3]++;
    f64[(base + ST_JOBS_SUBMITTED) >>> 3]++;
    Atomics.store(u32, (rp + R_TAIL) >>> 2, tail + 1);
    if (!(u32[(base + H_MODE) >>> 2] & MODE_DEVICE_THREAD) && !(u32[(rp + R_ENGINE) >>> 2] & (EN_BUSY | EN_HALTED)) && now < f64[(rp + R_NEXT_T) >>> 3]) {
      f64[(rp + R_NEXT_T) >>> 3] = now;
    }
    return slot;
  }

  /**
   * finishDone for the usual case, the entity's oldest job done and the next not (or none): its
   * record freed, its finished fence signaled (signalOne), the same stores; else finishDone.
   */
  private finishOne(base: number, ep: number, now: number): boolean {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const head = i32[(ep + ET_HEAD) >>> 2];
    if (head === NIL) {
      i32[(ep + ET_TAIL) >>> 2] = NIL;
      return false;
    }
    const jp = this.jobPtr(base, head);
    if (!(u32[(jp + SJ_FLAGS) >>> 2] & SJF_DONE)) return false;
    const next = i32[(jp + SJ_NEXT) >>> 2];
    if (next !== NIL && (u32[(this.jobPtr(base, next) + SJ_FLAGS) >>> 2] & SJF_DONE)) return this.finishDone(base, ep, now, true);
    const err = i32[(jp + SJ_ERROR) >>> 2];
    const seqno = f64[(jp + SJ_SEQNO) >>> 3];
    this.freeJob(base, head);
    this.signalOne(base, i32[(ep + ET_FIN_CTX) >>> 2], seqno, err, now, true);
    i32[(ep + ET_HEAD) >>> 2] = next;
    if (next === NIL) i32[(ep + ET_TAIL) >>> 2] = NIL;
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
  private passSingle(base: number, sp: number, now: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const flags0 = u32[(sp + SC_FLAGS) >>> 2];
    const e = i32[(sp + SC_ENT_HEAD) >>> 2];
    if ((flags0 & (SCF_CANCEL | SCF_STOPPED)) || e === NIL || e !== i32[(sp + SC_ENT_TAIL) >>> 2]) return -1;
    const ep = this.entPtr(base, e);
    if (u32[(ep + ET_FLAGS) >>> 2] & (ETF_KILLED | ETF_GUILTY)) return -1;
    const flags = flags0 & ~SCF_DEP_WAIT;
    u32[(sp + SC_FLAGS) >>> 2] = flags;
    let changed = false;
    // S6: retire (passOne's first step; the ring is not dropped: no cancel).
    let j = i32[(sp + SC_RING_HEAD) >>> 2];
    if (j !== NIL) {
      while (j !== NIL) {
        const jp = this.jobPtr(base, j);
        const hw = i32[(jp + SJ_HW_SLOT) >>> 2];
        const hp = this.slotPtr(base, hw);
        if (!(u32[(hp + S_STATE) >>> 2] & FS_SIGNALED)) break;
        const err = i32[(hp + S_ERROR) >>> 2];
        this.fenceUnhold(base, hw);
        i32[(jp + SJ_HW_SLOT) >>> 2] = NIL;
        u32[(sp + SC_CREDIT_COUNT) >>> 2] -= u32[(jp + SJ_CREDITS) >>> 2];
        if (i32[(jp + SJ_ERROR) >>> 2] === 0) i32[(jp + SJ_ERROR) >>> 2] = err;
        u32[(jp + SJ_FLAGS) >>> 2] |= SJF_DONE;
        j = i32[(jp + SJ_RING_NEXT) >>> 2];
        changed = true;
      }
      i32[(sp + SC_RING_HEAD) >>> 2] = j;
    }
    if (j === NIL) i32[(sp + SC_RING_TAIL) >>> 2] = NIL;
    if (this.finishOne(base, ep, now)) changed = true;
    // S4, S5: the entity's ready jobs in order, head-of-line.
    let status = 0;
    let wait = false;
    let full = false;
    const ring = i32[(sp + SC_RING) >>> 2];
    const rp = this.ringPtr(base, ring);
    const schedCtx = i32[(ep + ET_SCHED_CTX) >>> 2];
    let ranCtx = NIL;
    let ranSeqno = 0;
    for (;;) {
      const cur = i32[(ep + ET_CURSOR) >>> 2];
      if (cur === NIL) break;
      if (!this.headReady(base, cur, true)) {
        u32[(sp + SC_FLAGS) >>> 2] |= SCF_DEP_WAIT;
        break;
      }
      const jp = this.jobPtr(base, cur);
      const credits = u32[(jp + SJ_CREDITS) >>> 2];
      if (((u32[(sp + SC_CREDIT_COUNT) >>> 2] + credits) >>> 0) > u32[(sp + SC_CREDIT_LIMIT) >>> 2]) break;
      if (u32[(rp + R_STATE) >>> 2] !== RS_RUNNING) {
        wait = true;
        break;
      }
      if (ranCtx !== NIL && ((i32[(base + H_MAX_FENCES) >>> 2] - i32[(base + H_IN_USE) >>> 2]) | 0) < 1) {
        this.signalOne(base, ranCtx, ranSeqno, 0, now, true);
        ranCtx = NIL;
      }
      const hw = this.submitOne(base, rp, jp, now);
      if (hw < 0) {
        wait = hw === -2;
        full = hw === -1;
        break;
      }
      i32[(jp + SJ_HW_SLOT) >>> 2] = hw;
      u32[(sp + SC_CREDIT_COUNT) >>> 2] += credits;
      const tail = i32[(sp + SC_RING_TAIL) >>> 2];
      if (tail === NIL)
        i32[(sp + SC_RING_HEAD) >>> 2] = cur;
      else
        i32[(this.jobPtr(base, tail) + SJ_RING_NEXT) >>> 2] = cur;
      i32[(sp + SC_RING_TAIL) >>> 2] = cur;
      i32[(sp + SC_RR_LAST) >>> 2] = e;
      this.dequeue(base, sp, ep, jp, now, true, true);
      ranCtx = schedCtx;
      ranSeqno = f64[(jp + SJ_SEQNO) >>> 3];
      status |= SP_RAN;
      changed = true;
    }
    if (ranCtx !== NIL) this.signalOne(base, ranCtx, ranSeqno, 0, now, true);
    let f2 = u32[(sp + SC_FLAGS) >>> 2] & ~(SCF_RING_WAIT | SCF_RING_FULL);
    if (wait) f2 |= SCF_RING_WAIT;
    if (full) f2 |= SCF_RING_FULL;
    u32[(sp + SC_FLAGS) >>> 2] = f2;
    if (changed && (flags & SCF_WAKE)) status |= DR_SCHED;
    return status;
  }

  // ── assembly/sched.ts ──────────────────────────────────────────────────────────────────────────

  private schedPtr(base: number, s: number): number {
    const u32 = this.u32;
    return base + u32[(base + H_SCHED_OFF) >>> 2] + (s * SC_SIZE);
  }

  private entPtr(base: number, e: number): number {
    const u32 = this.u32;
    return base + u32[(base + H_ENT_OFF) >>> 2] + (e * ET_SIZE);
  }

  private jobPtr(base: number, j: number): number {
    const u32 = this.u32;
    return base + u32[(base + H_JOB_OFF) >>> 2] + (j * SJ_SIZE);
  }

  private depPtr(base: number, d: number): number {
    const u32 = this.u32;
    return base + u32[(base + H_DEP_OFF) >>> 2] + (d * DP_SIZE);
  }

  /** Pops a free job record (the caller checked that one is free). */
  private allocJob(base: number): number {
    const i32 = this.i32;
    let j = i32[(base + H_JOB_FREE) >>> 2];
    if (j !== NIL) {
      i32[(base + H_JOB_FREE) >>> 2] = i32[(this.jobPtr(base, j) + SJ_NEXT) >>> 2];
    } else {
      j = i32[(base + H_JOB_BUMP) >>> 2];
      i32[(base + H_JOB_BUMP) >>> 2] = j + 1;
    }
    i32[(base + H_JOBS_IN_USE) >>> 2]++;
    return j;
  }

  private freeDep(base: number, d: number): void {
    const i32 = this.i32;
    i32[(this.depPtr(base, d) + DP_NEXT) >>> 2] = i32[(base + H_DEP_FREE) >>> 2];
    i32[(base + H_DEP_FREE) >>> 2] = d;
    i32[(base + H_DEPS_IN_USE) >>> 2]--;
  }

  /** A finished job's record goes back to the free list, with its unresolved dependency references. */
  private freeJob(base: number, j: number): void {
    const i32 = this.i32;
    const jp = this.jobPtr(base, j);
    let d = i32[(jp + SJ_DEPS) >>> 2];
    while (d !== NIL) {
      const next = i32[(this.depPtr(base, d) + DP_NEXT) >>> 2];
      this.freeDep(base, d);
      d = next;
    }
    i32[(jp + SJ_DEPS) >>> 2] = NIL;
    i32[(jp + SJ_NEXT) >>> 2] = i32[(base + H_JOB_FREE) >>> 2];
    i32[(base + H_JOB_FREE) >>> 2] = j;
    i32[(base + H_JOBS_IN_USE) >>> 2]--;
  }

  /** A new pending fence with `seqno` on context `ctx` (C2: seqno is the context's next). */
  private newFence(base: number, ctx: number, seqno: number, pin: number): void {
    const u32 = this.u32;
    const f64 = this.f64;
    const c = this.ctxPtr(base, ctx);
    const slot = this.allocSlot(base);
    this.initFence(base, c, ctx, slot, seqno);
    f64[(c + C_LAST_SEQNO) >>> 3] = seqno;
    if (pin) {
      const p = this.slotPtr(base, slot);
      u32[(p + S_STATE) >>> 2] |= FS_PINNED;
    }
    u32[(c + C_PENDING) >>> 2]++;
    f64[(c + C_CREATED) >>> 3]++;
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
  schedPush(base: number, ent: number, n: number, credits: number, dst: number, bytes: number, pattern: number, allocId: number, afterCtx: number, afterSeqno: number, flags: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const pin = flags & PUSH_PIN;
    if (((i32[(base + H_MAX_JOBS) >>> 2] - i32[(base + H_JOBS_IN_USE) >>> 2]) | 0) < n) return -1;
    const ep = this.entPtr(base, ent);
    const schedCtx = i32[(ep + ET_SCHED_CTX) >>> 2];
    const finCtx = i32[(ep + ET_FIN_CTX) >>> 2];
    const perJob = schedCtx !== NIL ? 2 : 1;
    if (((i32[(base + H_MAX_FENCES) >>> 2] - i32[(base + H_IN_USE) >>> 2]) | 0) < Math.imul(n, perJob)) return -2;
    this.reuseFence(base);
    const sp = this.schedPtr(base, i32[(ep + ET_SCHED) >>> 2]);
    let seqno = f64[(ep + ET_SEQNO) >>> 3];
    let order = f64[(sp + SC_PUSHED) >>> 3];
    let first = NIL;
    if (!pin && !(u32[(base + H_MODE) >>> 2] & MODE_NO_FAST_PATH)) {
      first = this.pushRun(base, ep, ent, n, schedCtx, finCtx, seqno, order, flags & PUSH_AFTER_PIPELINED ? SJF_AFTER_PIPELINED : 0, credits, dst, bytes, pattern, allocId, afterCtx, afterSeqno);
      seqno += n;
      order += n;
    } else for (let i = 0; i < n; i++) {
      seqno += 1;
      if (schedCtx !== NIL) this.newFence(base, schedCtx, seqno, pin);
      this.newFence(base, finCtx, seqno, pin);
      const j = this.allocJob(base);
      if (first === NIL) first = j;
      const jp = this.jobPtr(base, j);
      i32[(jp + SJ_ENTITY) >>> 2] = ent;
      i32[(jp + SJ_NEXT) >>> 2] = NIL;
      u32[(jp + SJ_FLAGS) >>> 2] = flags & PUSH_AFTER_PIPELINED ? SJF_AFTER_PIPELINED : 0;
      u32[(jp + SJ_CREDITS) >>> 2] = credits;
      f64[(jp + SJ_SEQNO) >>> 3] = seqno;
      f64[(jp + SJ_ORDER) >>> 3] = order;
      order += 1;
      i32[(jp + SJ_HW_SLOT) >>> 2] = NIL;
      i32[(jp + SJ_RING_NEXT) >>> 2] = NIL;
      i32[(jp + SJ_ERROR) >>> 2] = 0;
      i32[(jp + SJ_DEPS) >>> 2] = NIL;
      u32[(jp + SJ_DST) >>> 2] = dst;
      u32[(jp + SJ_BYTES) >>> 2] = bytes;
      u32[(jp + SJ_PATTERN) >>> 2] = pattern;
      u32[(jp + SJ_ALLOC_ID) >>> 2] = allocId;
      i32[(jp + SJ_AFTER_CTX) >>> 2] = afterCtx;
      f64[(jp + SJ_AFTER_SEQNO) >>> 3] = afterSeqno + i;
      const tail = i32[(ep + ET_TAIL) >>> 2];
      if (tail === NIL)
        i32[(ep + ET_HEAD) >>> 2] = j;
      else
        i32[(this.jobPtr(base, tail) + SJ_NEXT) >>> 2] = j;
      i32[(ep + ET_TAIL) >>> 2] = j;
      if (i32[(ep + ET_CURSOR) >>> 2] === NIL) i32[(ep + ET_CURSOR) >>> 2] = j;
    }
    f64[(ep + ET_SEQNO) >>> 3] = seqno;
    f64[(sp + SC_PUSHED) >>> 3] = order;
    u32[(ep + ET_QUEUED) >>> 2] += n;
    u32[(sp + SC_QUEUED) >>> 2] += n;
    f64[(base + ST_CREATED) >>> 3] += Math.imul(n, perJob);
    i32[(base + H_SCHED_KICK) >>> 2] = 1;
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
  private signalOne(base: number, ctx: number, seqno: number, error: number, now: number, fast: boolean): void {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const c = this.ctxPtr(base, ctx);
    const head = i32[(c + C_HEAD) >>> 2];
    let done = false;
    if (fast && head !== NIL) {
      const p = this.slotPtr(base, head);
      if (!(u32[(p + S_STATE) >>> 2] & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)) && this.slotSeqno(base, head) === seqno) {
        const next = i32[(p + S_NEXT) >>> 2];
        let one = false;
        if (next === NIL)
          one = f64[(c + C_LAST_SEQNO) >>> 3] === seqno;
        else
          one = !(u32[(this.slotPtr(base, next) + S_STATE) >>> 2] & FS_SIGNALED) && this.slotSeqno(base, next) === seqno + 1;
        if (one) {
          if (error !== 0 && i32[(p + S_ERROR) >>> 2] === 0) i32[(p + S_ERROR) >>> 2] = error;
          u32[(p + S_STATE) >>> 2] = 0;
          u32[(p + S_GEN) >>> 2]++;
          i32[(p + S_NEXT) >>> 2] = i32[(base + H_FREE_HEAD) >>> 2];
          i32[(base + H_FREE_HEAD) >>> 2] = head;
          i32[(base + H_IN_USE) >>> 2]--;
          i32[(c + C_HEAD) >>> 2] = next;
          if (next === NIL) i32[(c + C_TAIL) >>> 2] = NIL;
          u32[(c + C_PENDING) >>> 2]--;
          if (seqno > f64[(c + C_SIGNALED_SEQNO) >>> 3]) f64[(c + C_SIGNALED_SEQNO) >>> 3] = seqno;
          f64[(base + ST_SIGNALED) >>> 3]++;
          f64[(base + ST_SIGNAL_CALLS) >>> 3]++;
          done = true;
        }
      }
    }
    if (!done) this.signalUpTo(base, ctx, seqno, error, now);
  }

  /**
   * S3: job `job` waits for a fence: by slot (slot, gen, ctx, seqno: a slot that moved on was
   * signaled), or with slot NIL by context (its signaledSeqno reaching seqno). 0, or -1 when no
   * dependency reference is free (nothing changed).
   */
  schedAddDep(base: number, job: number, slot: number, gen: number, ctx: number, seqno: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    let d = i32[(base + H_DEP_FREE) >>> 2];
    if (d !== NIL) {
      i32[(base + H_DEP_FREE) >>> 2] = i32[(this.depPtr(base, d) + DP_NEXT) >>> 2];
    } else {
      d = i32[(base + H_DEP_BUMP) >>> 2];
      if (d >= i32[(base + H_MAX_DEPS) >>> 2]) return -1;
      i32[(base + H_DEP_BUMP) >>> 2] = d + 1;
    }
    i32[(base + H_DEPS_IN_USE) >>> 2]++;
    const jp = this.jobPtr(base, job);
    const dp = this.depPtr(base, d);
    i32[(dp + DP_NEXT) >>> 2] = i32[(jp + SJ_DEPS) >>> 2];
    i32[(dp + DP_SLOT) >>> 2] = slot;
    u32[(dp + DP_GEN) >>> 2] = gen;
    i32[(dp + DP_CTX) >>> 2] = ctx;
    f64[(dp + DP_SEQNO) >>> 3] = seqno;
    i32[(jp + SJ_DEPS) >>> 2] = d;
    u32[(jp + SJ_FLAGS) >>> 2] &= ~SJF_DEPS_OK;
    return 0;
  }

  /**
   * Has the fence a dependency reference names signaled? A pipelined reference (S3) is met by the
   * scheduled fence, or with `strict` (a job that will not reach the ring: S7, S8) by the finished
   * one, the next context.
   */
  private depSignaled(base: number, dp: number, strict: boolean): boolean {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const slot = i32[(dp + DP_SLOT) >>> 2];
    const ctx = i32[(dp + DP_CTX) >>> 2];
    if (slot === NIL) return f64[(this.ctxPtr(base, ctx) + C_SIGNALED_SEQNO) >>> 3] >= f64[(dp + DP_SEQNO) >>> 3];
    if (slot === PIPELINED_SLOT) {
      let fctx = ctx;
      if (strict) fctx = (ctx + 1);
      return f64[(this.ctxPtr(base, fctx) + C_SIGNALED_SEQNO) >>> 3] >= f64[(dp + DP_SEQNO) >>> 3];
    }
    const p = this.slotPtr(base, slot);
    const st = u32[(p + S_STATE) >>> 2];
    if (u32[(p + S_GEN) >>> 2] !== u32[(dp + DP_GEN) >>> 2]) return true;
    if (!(st & FS_ALLOC) || ((st >>> STATE_CTX_SHIFT) | 0) !== ctx) return true;
    if (this.slotSeqno(base, slot) !== f64[(dp + DP_SEQNO) >>> 3]) return true;
    return (st & FS_SIGNALED) !== 0;
  }

  /**
   * S4: have all of the job's dependencies signaled? `strict` for a job finished without the ring
   * (killed, guilty: S7, S8): pipelined dependencies then wait for the finished fence, as the ring
   * order that makes the scheduled one enough does not hold for it. Met references are freed, but
   * a pipelined one only once strictly met (the job may still become killed or guilty).
   */
  private depsReady(base: number, j: number, strict: boolean): boolean {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const jp = this.jobPtr(base, j);
    const flags = u32[(jp + SJ_FLAGS) >>> 2];
    if (!strict && (flags & SJF_DEPS_OK)) return true;
    const after = i32[(jp + SJ_AFTER_CTX) >>> 2];
    const afterPipe = (flags & SJF_AFTER_PIPELINED) !== 0;
    if (after !== NIL) {
      let actx = after;
      if (strict && afterPipe) actx = (after + 1);
      if (f64[(this.ctxPtr(base, actx) + C_SIGNALED_SEQNO) >>> 3] < f64[(jp + SJ_AFTER_SEQNO) >>> 3]) return false;
    }
    for (let d = i32[(jp + SJ_DEPS) >>> 2]; d !== NIL; d = i32[(this.depPtr(base, d) + DP_NEXT) >>> 2]) {
      if (!this.depSignaled(base, this.depPtr(base, d), strict)) return false;
    }
    // All met: free what is met for good.
    if (after !== NIL && (strict || !afterPipe)) i32[(jp + SJ_AFTER_CTX) >>> 2] = NIL;
    let d = i32[(jp + SJ_DEPS) >>> 2];
    let kept = NIL;
    while (d !== NIL) {
      const dp = this.depPtr(base, d);
      const next = i32[(dp + DP_NEXT) >>> 2];
      if (!strict && i32[(dp + DP_SLOT) >>> 2] === PIPELINED_SLOT) {
        i32[(dp + DP_NEXT) >>> 2] = kept;
        kept = d;
      } else {
        this.freeDep(base, d);
      }
      d = next;
    }
    i32[(jp + SJ_DEPS) >>> 2] = kept;
    u32[(jp + SJ_FLAGS) >>> 2] |= SJF_DEPS_OK;
    return true;
  }

  /**
   * depsReady(j, false) for a job with no dependency list: met already (SJF_DEPS_OK), or waiting
   * for its `after` fence alone (not pipelined) or for nothing, decided here with the same stores;
   * any other job (`fast` off too): depsReady.
   */
  private headReady(base: number, j: number, fast: boolean): boolean {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const jp = this.jobPtr(base, j);
    const flags = u32[(jp + SJ_FLAGS) >>> 2];
    if (flags & SJF_DEPS_OK) return true;
    if (!fast || i32[(jp + SJ_DEPS) >>> 2] !== NIL || (flags & SJF_AFTER_PIPELINED)) return this.depsReady(base, j, false);
    const after = i32[(jp + SJ_AFTER_CTX) >>> 2];
    if (after !== NIL) {
      if (f64[(this.ctxPtr(base, after) + C_SIGNALED_SEQNO) >>> 3] < f64[(jp + SJ_AFTER_SEQNO) >>> 3]) return false;
      i32[(jp + SJ_AFTER_CTX) >>> 2] = NIL;
    }
    i32[(jp + SJ_DEPS) >>> 2] = NIL;
    u32[(jp + SJ_FLAGS) >>> 2] = flags | SJF_DEPS_OK;
    return true;
  }

  /**
   * S6: the entity's finished fences signal in seqno order, each once its job is done: one
   * signalUpTo per run of done jobs with the same error (the finished context holds exactly one
   * fence per job, in seqno order, so signaling up to the run's last seqno signals just these).
   */
  private finishDone(base: number, ep: number, now: number, fast: boolean): boolean {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    let head = i32[(ep + ET_HEAD) >>> 2];
    let any = false;
    const finCtx = i32[(ep + ET_FIN_CTX) >>> 2];
    let runErr = 0;
    let runLast = -1;
    while (head !== NIL) {
      const jp = this.jobPtr(base, head);
      if (!(u32[(jp + SJ_FLAGS) >>> 2] & SJF_DONE)) break;
      const next = i32[(jp + SJ_NEXT) >>> 2];
      const err = i32[(jp + SJ_ERROR) >>> 2];
      if (runLast >= 0 && err !== runErr) this.signalUpTo(base, finCtx, runLast, runErr, now);
      runErr = err;
      runLast = f64[(jp + SJ_SEQNO) >>> 3];
      this.freeJob(base, head);
      head = next;
      any = true;
    }
    if (runLast >= 0) this.signalOne(base, finCtx, runLast, runErr, now, fast);
    i32[(ep + ET_HEAD) >>> 2] = head;
    if (head === NIL) i32[(ep + ET_TAIL) >>> 2] = NIL;
    return any;
  }

  /**
   * The job at the entity's cursor leaves the queue: its scheduled fence signals (S4, S8), at once
   * unless `defer` (the caller then signals up to the last such job itself).
   */
  private dequeue(base: number, sp: number, ep: number, jp: number, now: number, defer: boolean, fast: boolean): void {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    i32[(ep + ET_CURSOR) >>> 2] = i32[(jp + SJ_NEXT) >>> 2];
    u32[(ep + ET_QUEUED) >>> 2]--;
    u32[(sp + SC_QUEUED) >>> 2]--;
    const schedCtx = i32[(ep + ET_SCHED_CTX) >>> 2];
    if (schedCtx !== NIL && !defer) this.signalOne(base, schedCtx, f64[(jp + SJ_SEQNO) >>> 3], 0, now, fast);
  }

  /** S5: the entity whose head job runs next (highest priority, then FIFO or round robin), or NIL. */
  private pick(base: number, sp: number, fast: boolean): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const rr = u32[(sp + SC_ORDER) >>> 2] !== 0;
    const rrLast = i32[(sp + SC_RR_LAST) >>> 2];
    const maxEnts = i32[(base + H_MAX_ENTS) >>> 2];
    let best = NIL;
    let bestPrio = 4;
    let bestKey = Infinity;
    for (let e = i32[(sp + SC_ENT_HEAD) >>> 2]; e !== NIL; e = i32[(this.entPtr(base, e) + ET_NEXT) >>> 2]) {
      const ep = this.entPtr(base, e);
      if (u32[(ep + ET_FLAGS) >>> 2] & (ETF_KILLED | ETF_GUILTY)) continue;
      const cur = i32[(ep + ET_CURSOR) >>> 2];
      if (cur === NIL) continue;
      const prio = u32[(ep + ET_PRIORITY) >>> 2];
      if (prio > bestPrio) continue;
      let key = 0;
      if (rr) {
        const d = (e - rrLast - 1) | 0;
        key = (d < 0 ? d + maxEnts : d) | 0;
      } else {
        key = f64[(this.jobPtr(base, cur) + SJ_ORDER) >>> 3];
      }
      if (prio === bestPrio && key >= bestKey) continue;
      if (!this.headReady(base, cur, fast)) {
        u32[(sp + SC_FLAGS) >>> 2] |= SCF_DEP_WAIT;
        continue;
      }
      best = e;
      bestPrio = prio;
      bestKey = key;
    }
    return best;
  }

  /** One scheduler's pass: retire, finish, cancel, select. DR_SCHED (if flagged SCF_WAKE) | SP_RAN. */
  private passOne(base: number, sp: number, now: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    let changed = false;
    let status = 0;
    const fast = !(u32[(base + H_MODE) >>> 2] & MODE_NO_FAST_PATH);
    const flags = u32[(sp + SC_FLAGS) >>> 2] & ~SCF_DEP_WAIT;
    u32[(sp + SC_FLAGS) >>> 2] = flags;
    const ring = i32[(sp + SC_RING) >>> 2];
    const rp = this.ringPtr(base, ring);
    const cancel = (flags & SCF_CANCEL) !== 0;
    // S6: ring jobs whose ring fence signaled, in ring order: credits return, the error is kept.
    // A dropped ring signals nothing more (T4): under fini its jobs end -ECANCELED here.
    const dropped = cancel && u32[(rp + R_STATE) >>> 2] === RS_DROPPED;
    let j = i32[(sp + SC_RING_HEAD) >>> 2];
    while (j !== NIL) {
      const jp = this.jobPtr(base, j);
      const hw = i32[(jp + SJ_HW_SLOT) >>> 2];
      const hp = this.slotPtr(base, hw);
      let err = ERRNO_CANCELED;
      if (u32[(hp + S_STATE) >>> 2] & FS_SIGNALED)
        err = i32[(hp + S_ERROR) >>> 2];
      else if (!dropped) break;
      this.fenceUnhold(base, hw);
      i32[(jp + SJ_HW_SLOT) >>> 2] = NIL;
      u32[(sp + SC_CREDIT_COUNT) >>> 2] -= u32[(jp + SJ_CREDITS) >>> 2];
      if (i32[(jp + SJ_ERROR) >>> 2] === 0) i32[(jp + SJ_ERROR) >>> 2] = err;
      u32[(jp + SJ_FLAGS) >>> 2] |= SJF_DONE;
      j = i32[(jp + SJ_RING_NEXT) >>> 2];
      changed = true;
    }
    i32[(sp + SC_RING_HEAD) >>> 2] = j;
    if (j === NIL) i32[(sp + SC_RING_TAIL) >>> 2] = NIL;
    // Finished fences in order; killed (S8), guilty (S7) and cancelled (S10) jobs finish here,
    // each once its predecessor finished (and, unless cancelled, its dependencies signaled). Again
    // if a job finished after an earlier entity's head found its dependency unmet (a killed job
    // may wait for the finished fence of a later entity's killed job: S8 in order, no stall).
    for (;;) {
      let waitAt = -1;
      for (let e = i32[(sp + SC_ENT_HEAD) >>> 2]; e !== NIL; e = i32[(this.entPtr(base, e) + ET_NEXT) >>> 2]) {
        const ep = this.entPtr(base, e);
        const ef = u32[(ep + ET_FLAGS) >>> 2];
        for (;;) {
          if (this.finishDone(base, ep, now, fast)) changed = true;
          const cur = i32[(ep + ET_CURSOR) >>> 2];
          if (cur === NIL || cur !== i32[(ep + ET_HEAD) >>> 2]) break;
          if (!cancel && !(ef & (ETF_KILLED | ETF_GUILTY))) break;
          if (!cancel && !this.depsReady(base, cur, true)) {
            u32[(sp + SC_FLAGS) >>> 2] |= SCF_DEP_WAIT;
            if (waitAt < 0) waitAt = f64[(base + ST_SIGNAL_CALLS) >>> 3];
            break;
          }
          const jp = this.jobPtr(base, cur);
          this.dequeue(base, sp, ep, jp, now, false, fast);
          i32[(jp + SJ_ERROR) >>> 2] = cancel ? ERRNO_CANCELED : ef & ETF_KILLED ? ERRNO_SRCH : ERRNO_CANCELED;
          u32[(jp + SJ_FLAGS) >>> 2] |= SJF_DONE;
          changed = true;
        }
      }
      if (waitAt < 0 || f64[(base + ST_SIGNAL_CALLS) >>> 3] === waitAt) break;
    }
    // S4, S5: run ready head jobs while credits (and the ring) allow; a head that does not fit
    // blocks everything behind it (head-of-line).
    let wait = false;
    let full = false;
    // One entity: nothing in this loop reads its scheduled context (its own jobs' dependencies
    // never name it; pipelining is between entities), so its scheduled fences signal once, after
    // the loop, up to the last job written: the same fences, at the same time, in the same order.
    const single = i32[(sp + SC_ENT_HEAD) >>> 2] === i32[(sp + SC_ENT_TAIL) >>> 2];
    let ranCtx = NIL; // the scheduled context whose signal is deferred, up to ranSeqno
    let ranSeqno = 0;
    if (!(flags & SCF_STOPPED)) {
      for (;;) {
        const e = this.pick(base, sp, fast);
        if (e === NIL) break;
        const ep = this.entPtr(base, e);
        const jp = this.jobPtr(base, i32[(ep + ET_CURSOR) >>> 2]);
        const credits = u32[(jp + SJ_CREDITS) >>> 2];
        if (((u32[(sp + SC_CREDIT_COUNT) >>> 2] + credits) >>> 0) > u32[(sp + SC_CREDIT_LIMIT) >>> 2]) break;
        if (u32[(rp + R_STATE) >>> 2] !== RS_RUNNING) {
          wait = true;
          break;
        }
        if (ranCtx !== NIL && ((i32[(base + H_MAX_FENCES) >>> 2] - i32[(base + H_IN_USE) >>> 2]) | 0) < 1) {
          // Short of fence slots: the deferred signal first (it may recycle some), as without it.
          this.signalOne(base, ranCtx, ranSeqno, 0, now, fast);
          ranCtx = NIL;
        }
        const hw = this.ringSubmit(base, ring, 1, u32[(jp + SJ_DST) >>> 2], u32[(jp + SJ_BYTES) >>> 2], u32[(jp + SJ_PATTERN) >>> 2], u32[(jp + SJ_ALLOC_ID) >>> 2], 2, now);
        if (hw < 0) {
          // -1: the ring is full, a completion frees room; -2: no fence slot, a recycle does.
          wait = hw === -2;
          full = hw === -1;
          break;
        }
        i32[(jp + SJ_HW_SLOT) >>> 2] = hw;
        u32[(sp + SC_CREDIT_COUNT) >>> 2] += credits;
        const j2 = i32[(ep + ET_CURSOR) >>> 2];
        const tail = i32[(sp + SC_RING_TAIL) >>> 2];
        if (tail === NIL)
          i32[(sp + SC_RING_HEAD) >>> 2] = j2;
        else
          i32[(this.jobPtr(base, tail) + SJ_RING_NEXT) >>> 2] = j2;
        i32[(sp + SC_RING_TAIL) >>> 2] = j2;
        i32[(sp + SC_RR_LAST) >>> 2] = e;
        this.dequeue(base, sp, ep, jp, now, single, fast);
        if (single) {
          ranCtx = i32[(ep + ET_SCHED_CTX) >>> 2];
          ranSeqno = f64[(jp + SJ_SEQNO) >>> 3];
        }
        status |= SP_RAN;
        changed = true;
      }
    }
    if (ranCtx !== NIL) this.signalOne(base, ranCtx, ranSeqno, 0, now, fast);
    let f2 = u32[(sp + SC_FLAGS) >>> 2] & ~(SCF_RING_WAIT | SCF_RING_FULL);
    if (wait) f2 |= SCF_RING_WAIT;
    if (full) f2 |= SCF_RING_FULL;
    u32[(sp + SC_FLAGS) >>> 2] = f2;
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
  private passDue(base: number, sp: number): boolean {
    const i32 = this.i32;
    const u32 = this.u32;
    if (u32[(sp + SC_FLAGS) >>> 2] & (SCF_CANCEL | SCF_DEP_WAIT | SCF_RING_WAIT | SCF_RING_FULL)) return true;
    const j = i32[(sp + SC_RING_HEAD) >>> 2];
    if (j === NIL) return false;
    return (u32[(this.slotPtr(base, i32[(this.jobPtr(base, j) + SJ_HW_SLOT) >>> 2]) + S_STATE) >>> 2] & FS_SIGNALED) !== 0;
  }

  /**
   * Runs every scheduler at time `now` until nothing more changes (a finished fence may satisfy a
   * dependency of another scheduler's job). Returns DR_NOTIFY (fences with JS callbacks or waiters
   * signaled), DR_SCHED (a scheduler the bindings wait on changed) and SP_RAN (rings got jobs).
   */
  schedPass(base: number, now: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const count = i32[(base + H_SCHED_COUNT) >>> 2];
    // A kick (push, kill, restart: the bindings changed something) runs every scheduler; otherwise
    // only those passDue finds something to do for.
    const kick = i32[(base + H_SCHED_KICK) >>> 2] !== 0;
    const fast = !(u32[(base + H_MODE) >>> 2] & MODE_NO_FAST_PATH);
    i32[(base + H_SCHED_KICK) >>> 2] = 0;
    let status = 0;
    for (;;) {
      // Again only if something signaled after the first scheduler that found a job waiting for a
      // dependency had its turn (what signaled before, or in its own pass, it has seen).
      let blockedAt = -1;
      for (let s = 0; s < count; s++) {
        const sp = this.schedPtr(base, s);
        if (!(u32[(sp + SC_FLAGS) >>> 2] & SCF_LIVE)) continue;
        if (!kick && !this.passDue(base, sp)) continue;
        let st = fast ? this.passSingle(base, sp, now) : -1;
        if (st < 0) st = this.passOne(base, sp, now);
        status |= st;
        if (blockedAt < 0 && (u32[(sp + SC_FLAGS) >>> 2] & SCF_DEP_WAIT)) blockedAt = f64[(base + ST_SIGNAL_CALLS) >>> 3];
      }
      if (blockedAt < 0 || f64[(base + ST_SIGNAL_CALLS) >>> 3] === blockedAt) break;
    }
    f64[(base + H_SCHED_SEEN) >>> 3] = f64[(base + ST_SIGNAL_CALLS) >>> 3];
    if (i32[(base + H_NOTIFY_HEAD) >>> 2] !== NIL) status |= DR_NOTIFY;
    return status;
  }

  // ── assembly/fast-path.ts ──────────────────────────────────────────────────────────────────────

  /**
   * What both runs need of a ring at its event: the running job completes at that event with
   * nothing armed or due (no fault drawn or injected, no request, no JS return per job), and the
   * context's oldest pending fence is the running job's (none left behind by a lost IRQ).
   */
  private runnable(base: number, rp: number): boolean {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    if (u32[(rp + R_FLAGS) >>> 2] & (RGF_RANDOM | RGF_NO_IRQ_HANDLER | RGF_WAKE | RGF_TRACE)) return false;
    if (u32[(rp + R_ENGINE) >>> 2] !== EN_BUSY || u32[(rp + R_CUR_FLAGS) >>> 2] !== 0) return false;
    if (f64[(rp + R_ACK_AT) >>> 3] >= 0 || f64[(rp + R_RESET_AT) >>> 3] >= 0) return false;
    const head = u32[(rp + R_HEAD) >>> 2];
    if (u32[(rp + R_SIG_IDX) >>> 2] !== ((head - 1) >>> 0)) return false;
    const first = i32[(this.ctxPtr(base, i32[(rp + R_CTX) >>> 2]) + C_HEAD) >>> 2];
    return first !== NIL && this.slotSeqno(base, first) === f64[(this.descPtr(rp, (head - 1)) + D_SEQNO) >>> 3];
  }

  /** R6 is armed on this ring (a deadline per job): running, or draining with no STOP sent. */
  private deadlines(rp: number): boolean {
    const u32 = this.u32;
    const f64 = this.f64;
    const state = u32[(rp + R_STATE) >>> 2];
    return f64[(rp + R_TIMEOUT_NS) >>> 3] < Infinity && (state === RS_RUNNING || (state === RS_STOPPING && u32[(rp + R_STOP) >>> 2] === 0));
  }

  /**
   * The device's side of m completed jobs of a ring whose running job ended at end0 and whose
   * next m - 1 jobs took `step` each: their bytes (the jobs after the first: whole; none to look
   * for unless `patterned`), start times, then what publishRun writes.
   */
  private finishRun(base: number, ring: number, rp: number, m: number, step: number, end0: number, patterned: boolean): number {
    const u32 = this.u32;
    const f64 = this.f64;
    const head = u32[(rp + R_HEAD) >>> 2];
    const dma = base + u32[(base + H_DMA_OFF) >>> 2];
    let bytes = 0;
    let tLast = end0;
    let start = f64[(rp + R_CUR_START) >>> 3];
    let last = this.descPtr(rp, (head - 1));
    const mask = u32[(rp + R_MASK) >>> 2];
    const descs = rp + RING_SIZE;
    const starts = this.startPtr(rp, 0);
    if (!patterned && (m >>> 0) > 1) {
      // No job after the first has bytes (tiedRun checked them): their start times only, in at
      // most two segments (to the ring's end, then from its start; no mask per job).
      let j = (head & mask);
      let rest = (m - 1);
      while ((rest >>> 0) > 0) {
        let end = (mask + 1);
        if ((((end >>> 0) - j) >>> 0) > (rest >>> 0)) end = (j + (rest >>> 0));
        rest = ((rest >>> 0) - ((end >>> 0) - j));
        for (; (j >>> 0) < (end >>> 0); j++) {
          f64[(starts + (j * START_SIZE)) >>> 3] = tLast;
          start = tLast;
          tLast += step;
        }
        j = 0;
      }
      last = descs + (((head - 2 + m) & mask) * DESC_SIZE);
      return this.publishRun(base, ring, rp, m, step, start, tLast, last, bytes);
    }
    for (let k = 1; k < (m >>> 0); k++) {
      const i = (head - 1 + k) & mask;
      last = descs + (i * DESC_SIZE);
      f64[(starts + (i * START_SIZE)) >>> 3] = tLast;
      const b = u32[(last + D_BYTES) >>> 2];
      if (b !== 0) {
        this.memoryFill((dma + u32[(last + D_DST) >>> 2]) >>> 0, u32[(last + D_PATTERN) >>> 2] & 255, b);
        bytes += b;
      }
      start = tLast;
      tLast += step;
    }
    return this.publishRun(base, ring, rp, m, step, start, tLast, last, bytes);
  }

  /**
   * The end of a ring's run of m jobs (the jobs after the first took `step` each; the last one,
   * at descriptor `last`, started at `start` and ended at tLast; `bytes` written by the jobs after
   * the first): the last job's write-back, the engine words, IRQ and job counts, the next fetch
   * and the ring's next event.
   */
  private publishRun(base: number, ring: number, rp: number, m: number, step: number, start: number, tLast: number, last: number, bytes: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    const retired = (u32[(rp + R_HEAD) >>> 2] - 1 + (m >>> 0));
    if (bytes !== 0) f64[(base + ST_DMA_BYTES) >>> 3] += bytes;
    if ((m | 0) > 1) {
      f64[(rp + R_CUR_START) >>> 3] = start;
      f64[(rp + R_CUR_DUR) >>> 3] = step;
      f64[(rp + R_CUR_END) >>> 3] = tLast;
      u32[(rp + R_CUR_WRITTEN) >>> 2] = 0;
    }
    if (u32[(last + D_BYTES) >>> 2] !== 0) u32[(rp + R_CUR_WRITTEN) >>> 2] = DMA_CHUNKS;
    u32[(rp + R_HEAD) >>> 2] = retired;
    f64[(rp + R_WRITEBACK) >>> 3] = f64[(last + D_SEQNO) >>> 3];
    u32[(rp + R_RETIRED) >>> 2] = retired;
    u32[(rp + R_ENGINE) >>> 2] = 0;
    f64[(base + ST_JOBS_COMPLETED) >>> 3] += (m | 0);
    u32[(rp + R_IRQS) >>> 2] += (m >>> 0);
    f64[(base + ST_IRQS) >>> 3] += (m | 0);
    u32[(rp + R_SIG_IDX) >>> 2] = retired;
    if (this.canFetch(rp)) this.fetch(rp, tLast);
    f64[(base + H_DEV_NOW) >>> 3] = tLast;
    return this.endEvent(base, ring, rp, tLast, 0);
  }

  /**
   * The counts of n plain fences of context c signaled and recycled inline (one signal call each),
   * the last one's seqno `seqno`, with the free list's head and the context's list head: what
   * signalRun would have written for them.
   */
  private publishPlain(base: number, c: number, n: number, seqno: number, head: number, freeHead: number): void {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    i32[(base + H_FREE_HEAD) >>> 2] = freeHead;
    i32[(c + C_HEAD) >>> 2] = head;
    if (head === NIL) i32[(c + C_TAIL) >>> 2] = NIL;
    if ((n | 0) === 0) return;
    u32[(c + C_PENDING) >>> 2] -= (n >>> 0);
    if (seqno > f64[(c + C_SIGNALED_SEQNO) >>> 3]) f64[(c + C_SIGNALED_SEQNO) >>> 3] = seqno;
    this.publishSignals(base, n);
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
  private fastRun(base: number, ring: number, rp: number, t: number, limit: number, incl: boolean): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    // First the cheapest refusal: the running job does not complete before the limit (a chunk event
    // of rings whose events interleave).
    const end0 = f64[(rp + R_CUR_END) >>> 3];
    if (end0 > limit || (end0 === limit && !incl)) return -1;
    if (i32[(base + H_NOTIFY_HEAD) >>> 2] !== NIL || !this.runnable(base, rp)) return -1;
    const flags = u32[(rp + R_FLAGS) >>> 2];
    const head = u32[(rp + R_HEAD) >>> 2];
    const mask = u32[(rp + R_MASK) >>> 2];
    const descs = rp + RING_SIZE;
    const d0 = descs + (((head - 1) & mask) * DESC_SIZE);
    // R6: no deadline before a completion, and none reached at a fetch.
    const tmo = f64[(rp + R_TIMEOUT_NS) >>> 3];
    const armed = this.deadlines(rp);
    if (armed && !(f64[this.startPtr(rp, (head - 1)) >>> 3] + tmo >= end0)) return -1;
    let cDst = u32[(d0 + D_DST) >>> 2];
    let cBytes = u32[(d0 + D_BYTES) >>> 2];
    let cAlloc = u32[(d0 + D_ALLOC_ID) >>> 2];
    const bytes0 = cBytes;
    // The running job's chunks still to write: [lo0, bytes0).
    const lo0 = Math.floor(bytes0 * u32[(rp + R_CUR_WRITTEN) >>> 2] / DMA_CHUNKS) >>> 0;
    if (bytes0 !== lo0 && !this.owned(base, cDst + lo0, bytes0 - lo0, cAlloc)) return -1;
    if (lo0 !== 0) cBytes = 0; // (only the rest was checked: a job like it checks its own)
    // The jobs queued behind it (none while a STOP or a fault is armed: fetch would see it).
    const queued = (!((flags & RGF_STOPPABLE) && u32[(rp + R_STOP) >>> 2]) && !(u32[(rp + R_INJECT) >>> 2] & ~JF_NO_ACK) ? (Atomics.load(u32, (rp + R_TAIL) >>> 2) - head) : 0) >>> 0;
    const baseNs = f64[(rp + R_BASE_NS) >>> 3];
    const perByte = f64[(rp + R_PER_BYTE_NS) >>> 3];
    const dur0 = Math.floor(baseNs + perByte * 0.0); // a zero-byte job's (fetch's formula)
    const starts = this.startPtr(rp, 0);
    const dma = base + u32[(base + H_DMA_OFF) >>> 2];
    const ctx = i32[(rp + R_CTX) >>> 2];
    const c = this.ctxPtr(base, ctx);
    const slotBase = this.hotArray(base);
    // The locals: the context's list head, the free list's head, the plain fences signaled inline
    // (not yet counted in the arena) and the last one's job.
    let h = i32[(c + C_HEAD) >>> 2];
    let freeHead = i32[(base + H_FREE_HEAD) >>> 2];
    let signaled = 0;
    let lastPlain = d0;
    let m = 0; // jobs completed
    let step = 0; // the duration of the jobs after the first
    let lastB = 0;
    let bytes = 0; // written in the run
    let e = end0; // this job's completion
    let start = f64[(rp + R_CUR_START) >>> 3]; // and its start
    let d = d0;
    let lastD = d0; // the job before it: its descriptor, start and end
    let lastStart = start;
    let lastEnd = e;
    for (;;) {
      // The IRQ handler's signaling of this job's fence.
      const q = this.hotAt(slotBase, h);
      let stop = false;
      if (h !== NIL && !(u32[(q + S_STATE) >>> 2] & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED))) {
        // The common fence (no handle, callbacks or holder: the job's own, the context's next).
        const cur = h;
        h = this.recyclePlain(q, freeHead);
        freeHead = cur;
        signaled++;
        lastPlain = d;
      } else {
        // Any other: signalRun for this job, with the locals published first.
        this.publishPlain(base, c, signaled, f64[(lastPlain + D_SEQNO) >>> 3], h, freeHead);
        signaled = 0;
        const got = this.signalRun(base, ctx, f64[(d + D_SEQNO) >>> 3], e, 0) | 0;
        h = i32[(c + C_HEAD) >>> 2];
        freeHead = i32[(base + H_FREE_HEAD) >>> 2];
        if (got === 0) {
          // Signaled before its job completed: the general path takes the job; the run ends with
          // the job before it.
          d = lastD;
          start = lastStart;
          e = lastEnd;
          break;
        }
        stop = i32[(base + H_NOTIFY_HEAD) >>> 2] !== NIL; // JS callbacks or waiters: back to the bindings
      }
      // The job completes: the device's side, its start time and bytes (the running job's: the
      // chunks it still had to write).
      if ((m | 0) > 0) {
        f64[(starts + (((head - 1 + (m >>> 0)) & mask) * START_SIZE)) >>> 3] = start;
        const b = u32[(d + D_BYTES) >>> 2];
        if (b !== 0) {
          this.memoryFill((dma + u32[(d + D_DST) >>> 2]) >>> 0, u32[(d + D_PATTERN) >>> 2] & 255, b);
          bytes += b;
        }
      } else if (bytes0 !== lo0) {
        this.memoryFill((dma + (u32[(d0 + D_DST) >>> 2] + lo0)) >>> 0, u32[(d0 + D_PATTERN) >>> 2] & 255, (bytes0 - lo0) >>> 0);
        bytes += ((bytes0 - lo0) >>> 0);
      }
      m = ((m | 0) + 1);
      if (stop) break;
      // A stretch of zero-byte jobs with plain fences: zeroRun, with the locals published first.
      // (Two call sites: a function called once is inlined by the optimizer, and its loop then
      // shares the registers of this one's words, which V8 spills.)
      let k = 0;
      if ((m | 0) === 1) {
        if (queued === 0) break;
        // The duration of the jobs after the first: the next one's.
        lastB = u32[(descs + ((head & mask) * DESC_SIZE) + D_BYTES) >>> 2];
        step = Math.floor(baseNs + perByte * lastB); // (fetch's formula)
        if (step === dur0) {
          this.publishPlain(base, c, signaled, f64[(lastPlain + D_SEQNO) >>> 3], h, freeHead);
          signaled = 0;
          k = this.zeroRun(base, c, slotBase, descs, starts, mask, head, queued, e, step, limit, incl, armed, tmo);
        }
      } else if (step === dur0 && (m >>> 0) <= queued) {
        this.publishPlain(base, c, signaled, f64[(lastPlain + D_SEQNO) >>> 3], h, freeHead);
        signaled = 0;
        k = this.zeroRun(base, c, slotBase, descs, starts, mask, (head - 1 + (m >>> 0)), (queued - ((m | 0) - 1)), e, step, limit, incl, armed, tmo);
      }
      if ((k >>> 0) !== 0) {
        h = i32[(c + C_HEAD) >>> 2];
        freeHead = i32[(base + H_FREE_HEAD) >>> 2];
        m = ((m | 0) + (k | 0));
        // Its last job: started at its start time, ended one step later (as it computed it).
        d = descs + (((head - 2 + (m >>> 0)) & mask) * DESC_SIZE);
        start = f64[(starts + (((head - 2 + (m >>> 0)) & mask) * START_SIZE)) >>> 3];
        e = start + step;
      }
      // The next queued job: its plan (one duration after the first, the limit, R6, M2).
      if ((((m | 0) - 1) >>> 0) >= queued) break;
      const dn = descs + (((head - 1 + (m >>> 0)) & mask) * DESC_SIZE);
      const b = u32[(dn + D_BYTES) >>> 2];
      if (b !== lastB) {
        if (Math.floor(baseNs + perByte * b) !== step) break; // (the same duration for the same size)
        lastB = b;
      }
      const en = e + step;
      if (en > limit || (en === limit && !incl)) break;
      if (armed && !(e + tmo > e && e + tmo >= en)) break;
      if (b !== 0) {
        const dst = u32[(dn + D_DST) >>> 2];
        const id = u32[(dn + D_ALLOC_ID) >>> 2];
        if (dst !== cDst || b !== cBytes || id !== cAlloc) {
          if (!this.owned(base, dst, b, id)) break;
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
    this.publishPlain(base, c, signaled, f64[(lastPlain + D_SEQNO) >>> 3], h, freeHead);
    if ((m | 0) === 0) return -1; // (the running job's fence was signaled before it completed)
    return this.publishRun(base, ring, rp, m, step, start, e, d, bytes);
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
  private timelyJobs(e: number, step: number, n: number, limit: number, incl: boolean, armed: boolean, tmo: number): number {
    const whole = e >= 0 && step >= 1 && e === Math.floor(e) && step === Math.floor(step);
    if (whole && e + (n >>> 0) * step <= 9007199254740992.0 && (!armed || tmo >= step)) {
      const last = e + (n >>> 0) * step;
      if (last < limit || (last === limit && incl)) return n;
      // The last j in [0, n] with e + j step before the limit (an estimate, then exact steps).
      let j = Math.floor((limit - e) / step);
      if (j > (n >>> 0)) j = n >>> 0;
      if (j < 0) j = 0;
      while (j > 0 && !(e + j * step < limit || (e + j * step === limit && incl)))
        j -= 1;
      while (j < (n >>> 0) && (e + (j + 1) * step < limit || (e + (j + 1) * step === limit && incl)))
        j += 1;
      return j >>> 0;
    }
    let k = 0;
    for (; k < (n >>> 0); k++) {
      const en = e + step;
      if (en > limit || (en === limit && !incl)) break;
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
  private zeroRun(base: number, c: number, slotBase: number, descs: number, starts: number, mask: number, idx: number, n: number, e: number, step: number, limit: number, incl: boolean, armed: boolean, tmo: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const cnt = this.timelyJobs(e, step, n, limit, incl, armed, tmo) >>> 0;
    if (cnt === 0) return 0;
    let h = i32[(c + C_HEAD) >>> 2];
    let freeHead = i32[(base + H_FREE_HEAD) >>> 2];
    let k = 0;
    let i = (idx & mask);
    for (;;) {
      // One segment: from index i to the ring's end or the count.
      let end = (mask + 1);
      if ((((end >>> 0) - i) >>> 0) > ((cnt - (k >>> 0)) >>> 0)) end = (i + cnt - (k >>> 0));
      let j = i;
      for (; (j >>> 0) < (end >>> 0); j++) {
        if (u32[(descs + (j * DESC_SIZE) + D_BYTES) >>> 2] !== 0) break;
        if (h < 0) break; // (the list's end: slots are never negative, NIL is)
        const q = this.hotAt(slotBase, h);
        if (((u32[(q + S_STATE) >>> 2] & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)) >>> 0) !== 0) break;
        const cur = h;
        h = this.recyclePlain(q, freeHead);
        freeHead = cur;
        f64[(starts + (j * START_SIZE)) >>> 3] = e;
        e += step;
      }
      k = ((k >>> 0) + (j - i));
      if ((j >>> 0) < (end >>> 0) || (k >>> 0) >= cnt) break;
      i = 0;
    }
    if ((k >>> 0) !== 0) this.publishPlain(base, c, k, f64[(descs + ((((idx >>> 0) + (k >>> 0) - 1) & mask) * DESC_SIZE) + D_SEQNO) >>> 3], h, freeHead);
    return k;
  }

  /** The counts of n fences signaled and recycled inline (one signal call each). */
  private publishSignals(base: number, n: number): void {
    const i32 = this.i32;
    const f64 = this.f64;
    if ((n | 0) === 0) return;
    i32[(base + H_IN_USE) >>> 2] -= (n | 0);
    f64[(base + ST_SIGNALED) >>> 3] += (n | 0);
    f64[(base + ST_SIGNAL_CALLS) >>> 3] += (n | 0);
  }

  // ── assembly/tied-run.ts ───────────────────────────────────────────────────────────────────────

  /**
   * The running job's chunks due before t (the general path's chunk events before that instant),
   * then the ring's next event. Its bytes are its allocation's (checked by the caller).
   */
  private chunksBefore(base: number, ring: number, rp: number, t: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    const d = this.descPtr(rp, (u32[(rp + R_HEAD) >>> 2] - 1));
    if (u32[(d + D_BYTES) >>> 2] === 0) return 0;
    const start = f64[(rp + R_CUR_START) >>> 3];
    const dur = f64[(rp + R_CUR_DUR) >>> 3];
    let chunks = u32[(rp + R_CUR_WRITTEN) >>> 2];
    let tc = -1;
    let status = 0;
    while (chunks < DMA_CHUNKS) {
      const at = start + Math.floor(dur * ((chunks + 1) >>> 0) / DMA_CHUNKS);
      if (!(at < t)) break;
      status |= this.writeChunk(base, ring, d, chunks, at);
      tc = at;
      chunks++;
    }
    u32[(rp + R_CUR_WRITTEN) >>> 2] = chunks;
    return tc >= 0 ? this.endEvent(base, ring, rp, tc, status) : status;
  }

  /**
   * The context words of the tied pass's inline fences, per ring of the group: `full` fences each,
   * one more for the rings below `below`, the job's fences in order (so the signaled seqno is the
   * last one's): the pending count and the signaled seqno, as signalRun would have left them.
   */
  private publishContexts(base: number, rings: number, stride: number, count: number, t: number, full: number, below: number): void {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    for (let r = 0; r < count; r++) {
      const rp = rings + Math.imul(r, stride);
      if (f64[(rp + R_NEXT_T) >>> 3] !== t) continue;
      const k = (full + (r < (below | 0) ? 1 : 0)) >>> 0;
      if (k === 0) continue;
      const c = this.ctxPtr(base, i32[(rp + R_CTX) >>> 2]);
      u32[(c + C_PENDING) >>> 2] -= k;
      const seqno = f64[(this.descPtr(rp, (u32[(rp + R_HEAD) >>> 2] - 2 + k)) + D_SEQNO) >>> 3];
      if (seqno > f64[(c + C_SIGNALED_SEQNO) >>> 3]) f64[(c + C_SIGNALED_SEQNO) >>> 3] = seqno;
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
  private tiedPlain(base: number, rings: number, stride: number, count: number, t: number, full: number, r: number, steps: number, deferred: boolean): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const slotBase = this.hotArray(base);
    const ctxBase = base + u32[(base + H_CTX_OFF) >>> 2];
    let freeHead = i32[(base + H_FREE_HEAD) >>> 2];
    let n = 0;
    let stopped = false;
    for (; full < (steps | 0); full++) {
      for (; (r | 0) < count; r++) {
        const rp = rings + Math.imul(r, stride);
        if (f64[(rp + R_NEXT_T) >>> 3] !== t) continue;
        const c = ctxBase + (i32[(rp + R_CTX) >>> 2] * CTX_SIZE);
        const h = i32[(c + C_HEAD) >>> 2];
        const q = this.hotAt(slotBase, h);
        // (the state word is read before the list's end is known: at NIL, a word of the arena
        // before the slots, not used; one test then covers both)
        if (((h === NIL) ? 1 : 0) | ((((u32[(q + S_STATE) >>> 2] & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)) >>> 0) !== 0) ? 1 : 0)) {
          stopped = true;
          break;
        }
        const nx = this.recyclePlain(q, freeHead);
        freeHead = h;
        i32[(c + C_HEAD) >>> 2] = nx;
        if (nx === NIL) i32[(c + C_TAIL) >>> 2] = NIL;
        if (!deferred) {
          u32[(c + C_PENDING) >>> 2]--;
          const seqno = this.slotSeqno(base, h);
          if (seqno > f64[(c + C_SIGNALED_SEQNO) >>> 3]) f64[(c + C_SIGNALED_SEQNO) >>> 3] = seqno;
        }
        n++;
      }
      if (stopped) break;
      r = 0;
    }
    i32[(base + H_FREE_HEAD) >>> 2] = freeHead;
    this.publishSignals(base, n);
    return (((Math.imul(full, count) + r) | 0) * 2 + (stopped ? 0 : 1));
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
  private tiedAll(base: number, slotBase: number, ctxBase: number, rings: number, stride: number, count: number, lo: number, hi: number, full: number, r: number, steps: number, deferred: boolean): number {
    if (deferred) return this.tiedAllLoop(base, slotBase, ctxBase, rings, stride, count, lo, hi, full, r, steps, true);
    return this.tiedAllLoop(base, slotBase, ctxBase, rings, stride, count, lo, hi, full, r, steps, false);
  }

  /** tiedAll's loop, `deferred` a constant in each copy. */
  private tiedAllLoop(base: number, slotBase: number, ctxBase: number, rings: number, stride: number, count: number, lo: number, hi: number, full: number, r: number, steps: number, deferred: boolean): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    let freeHead = i32[(base + H_FREE_HEAD) >>> 2];
    const rpLo = (rings + Math.imul(lo, stride));
    const rpHi = (rings + Math.imul(hi, stride)) >>> 0;
    let i0 = 0; // (the first instant's rings before i0 ran)
    if ((r | 0) > lo) i0 = (r | 0) < (hi | 0) ? (r - lo) : (hi - lo);
    const full0 = full;
    let rp = (rpLo + Math.imul(i0, stride));
    let stopped = false;
    for (; full < (steps | 0); full++) {
      for (; (rp >>> 0) < rpHi; rp = ((rp >>> 0) + stride)) {
        const c = ctxBase + (i32[((rp >>> 0) + R_CTX) >>> 2] * CTX_SIZE);
        const h = i32[(c + C_HEAD) >>> 2];
        // The list's end, or a fence that is not plain (slots are never negative: NIL is).
        if (h < 0) {
          stopped = true;
          break;
        }
        const q = this.hotAt(slotBase, h);
        if (((u32[(q + S_STATE) >>> 2] & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)) >>> 0) !== 0) {
          stopped = true;
          break;
        }
        i32[(c + C_HEAD) >>> 2] = this.recyclePlain(q, freeHead);
        freeHead = h;
        if (!deferred) {
          u32[(c + C_PENDING) >>> 2]--;
          const seqno = this.slotSeqno(base, h);
          if (seqno > f64[(c + C_SIGNALED_SEQNO) >>> 3]) f64[(c + C_SIGNALED_SEQNO) >>> 3] = seqno;
        }
      }
      if (stopped) break;
      rp = rpLo;
    }
    i32[(base + H_FREE_HEAD) >>> 2] = freeHead;
    // The lists emptied: their tails (tiedPlain writes them as each list ends).
    for (let p = rpLo; (p >>> 0) < rpHi; p = ((p >>> 0) + stride)) {
      const c = ctxBase + (i32[((p >>> 0) + R_CTX) >>> 2] * CTX_SIZE);
      if (i32[(c + C_HEAD) >>> 2] === NIL) i32[(c + C_TAIL) >>> 2] = NIL;
    }
    const i = (((((rp >>> 0) - rpLo) >>> 0) / (stride >>> 0)) >>> 0); // (0 once ended)
    this.publishSignals(base, (Math.imul((full - full0), (hi - lo)) + i - i0));
    return (((Math.imul(full, count) + (stopped ? (lo + i) : 0)) | 0) * 2 + (stopped ? 0 : 1));
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
  private tiedRun(base: number, t: number, until: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    if (i32[(base + H_NOTIFY_HEAD) >>> 2] !== NIL) return -1;
    const count = i32[(base + H_RING_COUNT) >>> 2];
    const rings = base + u32[(base + H_RINGS_OFF) >>> 2];
    const stride = i32[(base + H_RING_STRIDE) >>> 2];
    let other = Infinity; // the next event of a ring outside the group
    let end0 = -1; // the group's first completion
    let step = -1;
    let patterned = false; // the pass writes bytes, all of one pattern:
    let pattern = 0;
    let steps = 0x7fffffff; // instants every ring of the group has a clean completion at
    let first = 0; // the group's first ring
    let hi = 0; // and the one after its last
    let members = 0;
    for (let r = 0; r < count; r++) {
      const rp = rings + Math.imul(r, stride);
      const tr = f64[(rp + R_NEXT_T) >>> 3];
      if (tr !== t) {
        if (tr < other) other = tr;
        continue;
      }
      hi = (r + 1);
      members++;
      const end = f64[(rp + R_CUR_END) >>> 3];
      if ((end0 >= 0 && end !== end0) || !(end <= until) || !this.runnable(base, rp)) return -1;
      if (end0 < 0) first = r;
      end0 = end;
      if (u32[(rp + R_STOP) >>> 2] !== 0 || ((u32[(rp + R_INJECT) >>> 2] & ~JF_NO_ACK) >>> 0) !== 0) return -1;
      const head = u32[(rp + R_HEAD) >>> 2];
      // The running job's chunks still to write: [lo0, bytes0).
      const d0 = this.descPtr(rp, (head - 1));
      const bytes0 = u32[(d0 + D_BYTES) >>> 2];
      const lo0 = Math.floor(bytes0 * u32[(rp + R_CUR_WRITTEN) >>> 2] / DMA_CHUNKS) >>> 0;
      if (bytes0 !== lo0) {
        const p = u32[(d0 + D_PATTERN) >>> 2];
        if ((patterned && p !== pattern) || !this.owned(base, u32[(d0 + D_DST) >>> 2] + lo0, bytes0 - lo0, u32[(d0 + D_ALLOC_ID) >>> 2])) return -1;
        pattern = p;
        patterned = true;
      }
      const tmo = f64[(rp + R_TIMEOUT_NS) >>> 3];
      const armed = this.deadlines(rp);
      if (armed && !(f64[this.startPtr(rp, (head - 1)) >>> 3] + tmo >= end)) return -1;
      // The jobs queued behind it that take `step` each (the first one sets it for the group).
      const baseNs = f64[(rp + R_BASE_NS) >>> 3];
      const perByte = f64[(rp + R_PER_BYTE_NS) >>> 3];
      const queued = (Atomics.load(u32, (rp + R_TAIL) >>> 2) - head) >>> 0;
      const zeroFrom = u32[(rp + R_ZERO_FROM) >>> 2];
      const mask = u32[(rp + R_MASK) >>> 2];
      const descs = rp + RING_SIZE;
      let q = 1;
      let cDst = 0;
      let cBytes = 0;
      let cAlloc = 0;
      let next = -1; // the first event of the job that ends the ring's run, after its start
      // Zero-byte jobs that take `step` with no deadline before their completion: nothing else to
      // check of them (the loop below would find the same), so they are skipped in a tight scan.
      const dur0 = Math.floor(baseNs + perByte * 0.0); // (fetch's formula)
      let zeros = step > 0 && dur0 === step && (!armed || tmo >= dur0);
      for (; (((q >>> 0) - 1) >>> 0) < queued; q++) {
        if (zeros) {
          // The jobs from R_ZERO_FROM to the tail have no bytes (ringSubmit): not read.
          if ((((head + (q >>> 0) - 1) - zeroFrom) >>> 0) <= (((head + queued) - zeroFrom) >>> 0)) {
            q = (queued + 1);
            break;
          }
          // (in at most two segments: to the ring's end, then from its start; no mask per job)
          let j = ((head + (q >>> 0) - 1) & mask);
          for (;;) {
            let end = (mask + 1);
            if ((((end >>> 0) - j) >>> 0) > ((queued - ((q >>> 0) - 1)) >>> 0)) end = (j + queued - ((q >>> 0) - 1));
            const j0 = j;
            while ((j >>> 0) < (end >>> 0) && u32[(descs + (j * DESC_SIZE) + D_BYTES) >>> 2] === 0)
              j++;
            q = ((q >>> 0) + (j - j0));
            if ((j >>> 0) < (end >>> 0) || (((q >>> 0) - 1) >>> 0) >= queued) break;
            j = 0;
          }
          if ((((q >>> 0) - 1) >>> 0) >= queued) break;
        }
        const d = descs + (((head + (q >>> 0) - 1) & mask) * DESC_SIZE);
        const b = u32[(d + D_BYTES) >>> 2];
        const dur = Math.floor(baseNs + perByte * b); // (fetch's formula)
        next = b !== 0 ? Math.floor(dur / DMA_CHUNKS) : dur;
        if (step < 0 && dur > 0) step = dur;
        if (dur !== step) break;
        if (armed && !(tmo >= dur)) break; // R6: no deadline before a completion
        if (b !== 0) {
          if (patterned && u32[(d + D_PATTERN) >>> 2] !== pattern) break;
          const dst = u32[(d + D_DST) >>> 2];
          const id = u32[(d + D_ALLOC_ID) >>> 2];
          if (dst !== cDst || b !== cBytes || id !== cAlloc) {
            if (!this.owned(base, dst, b, id)) break;
            cDst = dst;
            cBytes = b;
            cAlloc = id;
          }
          pattern = u32[(d + D_PATTERN) >>> 2];
          patterned = true;
        }
        next = -1;
        zeros = dur0 === step && (!armed || tmo >= dur0); // (step may have been set by this job)
      }
      // The job after the run starts at the run's last instant: its first event must come later
      // (a chunk or a completion at that instant is the general path's before the next ring's).
      if (next >= 0 && !(next >= 1)) q--;
      if ((q | 0) < (steps | 0)) steps = q;
    }
    // Every event of the pass (its chunks too) comes before any other ring's.
    if (step <= 0 || (steps | 0) === 0 || !(end0 < other)) return -1;
    // With bytes: no chunk lands at the instant its job starts (it would run between two rings'
    // completions there, which matters if the bindings look at that instant).
    if (patterned && !(Math.floor(step / DMA_CHUNKS) >= 1)) return -1;
    // The instants before `until` and the other rings' next event (the first, end0, is): counted
    // once, with the sums the pass makes.
    let x = end0;
    for (let j = 1; j < (steps | 0); j++) {
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
    let full = 0; // instants every ring of the group ran
    let ri = 0; // and the rings of the group below this index one more
    let part = 0; // (the same, once stopped)
    let stop = false; // within an instant
    let deferred = true; // the contexts' pending counts and signaled seqnos not yet written (no signalRun yet)
    const all = members === ((hi - first) | 0); // every ring from first to hi: tiedAll
    const slotBase = this.hotArray(base);
    const ctxBase = base + u32[(base + H_CTX_OFF) >>> 2];
    let code = all ? this.tiedAll(base, slotBase, ctxBase, rings, stride, count, first, hi, 0, 0, steps, true) : this.tiedPlain(base, rings, stride, count, t, 0, 0, steps, true);
    for (;;) {
      const pos = code >> 1;
      const nf = ((pos / count) | 0);
      ri = (pos - Math.imul(nf, count));
      for (; full < nf; full++) {
        // (tiedPlain's times, the same sums)
        ePrev = e;
        e += step;
      }
      if (code & 1) break; // the pass ended: its instants ran, or the next one comes too late
      // Ring ri's fence at this instant is not plain: signalRun, the contexts' words written first.
      if (deferred) {
        // Until now every fence was inline: each ring below ri signaled full + 1, the others full.
        this.publishContexts(base, rings, stride, count, t, full, ri);
        deferred = false;
      }
      const rp = rings + Math.imul(ri, stride);
      const seqno = f64[(this.descPtr(rp, (u32[(rp + R_HEAD) >>> 2] - 1 + full)) + D_SEQNO) >>> 3];
      if ((this.signalRun(base, i32[(rp + R_CTX) >>> 2], seqno, e, 0) | 0) === 0) {
        part = ri; // a fence signaled before its job completed: the general path takes it
        stop = true;
        break;
      }
      if (i32[(base + H_NOTIFY_HEAD) >>> 2] !== NIL) {
        part = (ri + 1); // JS callbacks or waiters: back to the bindings at this job's time
        stop = true;
        break;
      }
      ri++; // (past the last ring: tiedPlain goes on with the next instant)
      code = all ? this.tiedAll(base, slotBase, ctxBase, rings, stride, count, first, hi, full, ri, steps, false) : this.tiedPlain(base, rings, stride, count, t, full, ri, steps, false);
    }
    if (deferred) this.publishContexts(base, rings, stride, count, t, full, 0); // no stop: full each
    // Nothing ran: stopped at the group's first fence of the first instant.
    if (full === 0 && !(stop && (part | 0) > first)) return -1;
    const last = stop && (part | 0) > first ? e : ePrev; // the last completion's time
    let status = 0;
    for (let r = 0; r < count; r++) {
      const rp = rings + Math.imul(r, stride);
      if (f64[(rp + R_NEXT_T) >>> 3] !== t) continue;
      const m = (full + (r < (part | 0) ? 1 : 0)) | 0;
      if (m === 0) continue;
      // The running job's remaining chunks (the others' bytes: finishRun).
      const d0 = this.descPtr(rp, (u32[(rp + R_HEAD) >>> 2] - 1));
      const bytes0 = u32[(d0 + D_BYTES) >>> 2];
      const lo0 = Math.floor(bytes0 * u32[(rp + R_CUR_WRITTEN) >>> 2] / DMA_CHUNKS) >>> 0;
      if (bytes0 !== lo0) {
        const dma = base + u32[(base + H_DMA_OFF) >>> 2];
        this.memoryFill((dma + (u32[(d0 + D_DST) >>> 2] + lo0)) >>> 0, u32[(d0 + D_PATTERN) >>> 2] & 255, (bytes0 - lo0) >>> 0);
        f64[(base + ST_DMA_BYTES) >>> 3] += ((bytes0 - lo0) >>> 0);
      }
      status |= this.finishRun(base, r, rp, m, step, end0, patterned);
    }
    // Stopped within an instant: the rings after the stop have not completed their job there, but
    // the general path wrote its chunks due before that instant.
    if (stop) {
      for (let r = part; (r | 0) < count; r++) {
        const rp = rings + Math.imul(r, stride);
        if (f64[(rp + R_NEXT_T) >>> 3] <= last && u32[(rp + R_ENGINE) >>> 2] === EN_BUSY) status |= this.chunksBefore(base, r, rp, last);
      }
    }
    f64[(base + H_DEV_NOW) >>> 3] = last;
    return status;
  }

  // ── assembly/sched-run.ts ──────────────────────────────────────────────────────────────────────

  /**
   * A ring of the group that began at t: its next event still t and its engine busy (the run leaves
   * both as they were until deviceSide; a ring a pass gives a job at t is idle).
   */
  private inGroup(rp: number, t: number): boolean {
    const u32 = this.u32;
    const f64 = this.f64;
    return f64[(rp + R_NEXT_T) >>> 3] === t && u32[(rp + R_ENGINE) >>> 2] === EN_BUSY;
  }

  /**
   * The IRQ handler's signal of one job's ring fence at t, as signalRun(ctx, seqno, t, 0) does it
   * when that is the context's oldest pending fence, held (by a scheduler, FS_SCHED, or a handle)
   * and without JS callbacks or waiters, and the next fence, if any, is signaled or has seqno + 1:
   * the same bytes (the slot stays: timestamp, then the state), without its setup. Any other case:
   * signalRun. Returns the fences signaled (0: this one was signaled before its job completed).
   */
  private signalHeld(base: number, ctx: number, seqno: number, t: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const c = this.ctxPtr(base, ctx);
    const head = i32[(c + C_HEAD) >>> 2];
    if (head !== NIL) {
      const p = this.slotPtr(base, head);
      const st = u32[(p + S_STATE) >>> 2];
      if (!(st & (FS_SIGNALED | FS_JS)) && (st & (FS_PINNED | FS_SCHED)) && this.slotSeqno(base, head) === seqno) {
        const next = i32[(p + S_NEXT) >>> 2];
        if (next === NIL || (u32[(this.slotPtr(base, next) + S_STATE) >>> 2] & FS_SIGNALED) || this.slotSeqno(base, next) === seqno + 1) {
          f64[(this.coldPtr(base, head) + CS_TIMESTAMP) >>> 3] = t;
          Atomics.store(u32, (p + S_STATE) >>> 2, (st | FS_SIGNALED) & ~FS_QUEUED);
          i32[(c + C_HEAD) >>> 2] = next;
          if (next === NIL) i32[(c + C_TAIL) >>> 2] = NIL;
          u32[(c + C_PENDING) >>> 2]--;
          if (seqno > f64[(c + C_SIGNALED_SEQNO) >>> 3]) f64[(c + C_SIGNALED_SEQNO) >>> 3] = seqno;
          f64[(base + ST_SIGNALED) >>> 3]++;
          f64[(base + ST_SIGNAL_CALLS) >>> 3]++;
          return 1;
        }
      }
    }
    return this.signalRun(base, ctx, seqno, t, 0);
  }

  /**
   * The device's side of m zero-byte jobs of a ring completed at t, t + step, ...: what the general
   * path's events leave in the engine's words (the start times and write-backs were written in the
   * run), the counters, the next fetch and the ring's next event.
   */
  private deviceSide(base: number, ring: number, rp: number, m: number, step: number, t: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    let start = f64[(rp + R_CUR_START) >>> 3];
    let tLast = t;
    for (let k = 1; k < m; k++) {
      start = tLast;
      tLast += step;
    }
    const retired = (u32[(rp + R_HEAD) >>> 2] - 1 + m);
    if (m > 1) {
      f64[(rp + R_CUR_START) >>> 3] = start;
      f64[(rp + R_CUR_DUR) >>> 3] = step;
      f64[(rp + R_CUR_END) >>> 3] = tLast;
      u32[(rp + R_CUR_WRITTEN) >>> 2] = 0;
    }
    u32[(rp + R_HEAD) >>> 2] = retired;
    u32[(rp + R_RETIRED) >>> 2] = retired;
    u32[(rp + R_ENGINE) >>> 2] = 0;
    f64[(base + ST_JOBS_COMPLETED) >>> 3] += m;
    u32[(rp + R_IRQS) >>> 2] += m;
    f64[(base + ST_IRQS) >>> 3] += m;
    if (this.canFetch(rp)) this.fetch(rp, tLast);
    f64[(base + H_DEV_NOW) >>> 3] = tLast;
    return this.endEvent(base, ring, rp, tLast, 0);
  }

  /**
   * The run (see the header): -1 when it does not apply (the general path runs the event), else
   * the DR_* bits of its last event (0: the engine goes on).
   */
  private schedRun(base: number, t: number, until: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    if (i32[(base + H_NOTIFY_HEAD) >>> 2] !== NIL || !(t <= until)) return -1;
    const count = i32[(base + H_RING_COUNT) >>> 2];
    const rings = base + u32[(base + H_RINGS_OFF) >>> 2];
    const stride = i32[(base + H_RING_STRIDE) >>> 2];
    let other = Infinity; // the next event of a ring outside the group
    let step = -1;
    let first = -1; // the group's first ring
    for (let r = 0; r < count; r++) {
      const rp = rings + Math.imul(r, stride);
      const tr = f64[(rp + R_NEXT_T) >>> 3];
      if (tr !== t) {
        if (tr < other) other = tr;
        continue;
      }
      if (f64[(rp + R_CUR_END) >>> 3] !== t || !this.runnable(base, rp)) return -1;
      if (u32[(rp + R_STOP) >>> 2] !== 0 || ((u32[(rp + R_INJECT) >>> 2] & ~JF_NO_ACK) >>> 0) !== 0) return -1;
      const head = u32[(rp + R_HEAD) >>> 2];
      if (u32[(this.descPtr(rp, (head - 1)) + D_BYTES) >>> 2] !== 0) return -1;
      // One duration for the group's zero-byte jobs, at least DMA_CHUNKS ns: a job with bytes
      // fetched at the run's last instant has its first chunk later (never between two rings'
      // completions at that instant).
      const dur = Math.floor(f64[(rp + R_BASE_NS) >>> 3]); // (fetch's formula for zero bytes)
      if ((step >= 0 && dur !== step) || !(dur >= DMA_CHUNKS) || !(f64[(rp + R_PER_BYTE_NS) >>> 3] >= 0)) return -1;
      step = dur;
      if (first < 0) first = r;
      // R6: no deadline before a completion.
      if (this.deadlines(rp)) {
        const tmo = f64[(rp + R_TIMEOUT_NS) >>> 3];
        if (!(tmo >= dur) || !(f64[this.startPtr(rp, (head - 1)) >>> 3] + tmo >= t)) return -1;
      }
    }
    if (step < 0 || !(t < other)) return -1;
    let e = t;
    let last = t; // the last completion's instant
    let full = 0; // instants every ring of the group ran
    let part = 0; // and the rings below this index one more
    let status = 0;
    for (;;) {
      if (full > 0) {
        // The next instant: before any other event, and a zero-byte job on every ring of the group.
        const next = e + step;
        if (!(next <= until && next < other)) break;
        let ready = true;
        for (let r = 0; r < count; r++) {
          const rp = rings + Math.imul(r, stride);
          if (!this.inGroup(rp, t)) continue;
          const i = (u32[(rp + R_HEAD) >>> 2] - 1 + full) >>> 0;
          if (i === Atomics.load(u32, (rp + R_TAIL) >>> 2)) {
            ready = false;
            continue;
          }
          // Its start (the general path's fetch at e): written while its slot is its own (a pass
          // may reuse the slots of retired jobs).
          f64[this.startPtr(rp, i) >>> 3] = e;
          if (u32[(this.descPtr(rp, i) + D_BYTES) >>> 2] !== 0) ready = false;
        }
        if (!ready) break;
        e = next;
      }
      let stop = false;
      for (let r = 0; r < count; r++) {
        const rp = rings + Math.imul(r, stride);
        if (!this.inGroup(rp, t)) continue;
        const i = (u32[(rp + R_HEAD) >>> 2] - 1 + full);
        if ((this.signalHeld(base, i32[(rp + R_CTX) >>> 2], f64[(this.descPtr(rp, i) + D_SEQNO) >>> 3], e) | 0) === 0) {
          part = r; // a fence signaled before its job completed: the general path takes it
          stop = true;
          break;
        }
        // The IRQ's words at once (a pass may reuse the job's descriptor once the index moved).
        f64[(rp + R_WRITEBACK) >>> 3] = f64[(this.descPtr(rp, i) + D_SEQNO) >>> 3];
        u32[(rp + R_SIG_IDX) >>> 2] = (i + 1);
        last = e;
        // The pass the general path runs after this event (something signaled).
        const ran = this.schedPass(base, e);
        status = ran & ~SP_RAN;
        if (status !== 0 || i32[(base + H_NOTIFY_HEAD) >>> 2] !== NIL) {
          part = (r + 1); // back to the bindings at this job's time
          stop = true;
          break;
        }
        if (ran & SP_RAN) {
          // Jobs written into an idle ring give it an event at this instant: the run ends here.
          for (let r2 = 0; r2 < count; r2++) {
            const rp2 = rings + Math.imul(r2, stride);
            const tr = f64[(rp2 + R_NEXT_T) >>> 3];
            if (!this.inGroup(rp2, t) && tr < other) other = tr;
          }
          if (!(other > e)) {
            part = (r + 1);
            stop = true;
            break;
          }
        }
      }
      if (stop) break;
      full++;
    }
    if (full === 0 && (part | 0) <= first) return -1; // nothing ran: the group's first fence was signaled before its job (a driver bug); the general path takes it
    for (let r = 0; r < count; r++) {
      const rp = rings + Math.imul(r, stride);
      if (!this.inGroup(rp, t)) continue;
      const m = (full + (r < (part | 0) ? 1 : 0)) | 0;
      if (m > 0) status |= this.deviceSide(base, r, rp, m, step, t);
    }
    f64[(base + H_DEV_NOW) >>> 3] = last;
    return status;
  }

  // ── assembly/ring.ts ───────────────────────────────────────────────────────────────────────────

  private ringPtr(base: number, ring: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    return base + u32[(base + H_RINGS_OFF) >>> 2] + Math.imul(ring, i32[(base + H_RING_STRIDE) >>> 2]);
  }

  private descPtr(rp: number, index: number): number {
    const u32 = this.u32;
    return rp + RING_SIZE + ((index & u32[(rp + R_MASK) >>> 2]) * DESC_SIZE);
  }

  /** The start time of the job at `index` (device-written, off the descriptors' cache lines). */
  private startPtr(rp: number, index: number): number {
    const u32 = this.u32;
    return rp + RING_SIZE + (u32[(rp + R_CAPACITY) >>> 2] * DESC_SIZE) + ((index & u32[(rp + R_MASK) >>> 2]) * START_SIZE);
  }

  /** xorshift32 in the ring's PRNG word: a uniform draw in [0, 1). */
  private draw(rp: number): number {
    const u32 = this.u32;
    let x = u32[(rp + R_PRNG) >>> 2];
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u32[(rp + R_PRNG) >>> 2] = x;
    return (x >>> 0) / 4294967296.0;
  }

  /** The timeout handler (R6) is armed while running, and while draining (stopping with no STOP sent). */
  private timeoutArmed(base: number, rp: number): boolean {
    const u32 = this.u32;
    const f64 = this.f64;
    if (u32[(base + H_MODE) >>> 2] & MODE_DEVICE_THREAD) return false; // the driver's watchdog's job
    const state = u32[(rp + R_STATE) >>> 2];
    if (!(f64[(rp + R_TIMEOUT_NS) >>> 3] < Infinity)) return false;
    if (u32[(rp + R_HEAD) >>> 2] === u32[(rp + R_SIG_IDX) >>> 2]) return false;
    return state === RS_RUNNING || (state === RS_STOPPING && u32[(rp + R_STOP) >>> 2] === 0);
  }

  private timeoutDeadline(rp: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    return f64[this.startPtr(rp, u32[(rp + R_SIG_IDX) >>> 2]) >>> 3] + f64[(rp + R_TIMEOUT_NS) >>> 3];
  }

  /** Recomputes when the ring's device next has something to do; `now` if it can fetch now. */
  ringReschedule(base: number, ring: number, now: number): void {
    const f64 = this.f64;
    const rp = this.ringPtr(base, ring);
    this.noteRequests(rp, now);
    f64[(rp + R_NEXT_T) >>> 3] = this.nextEvent(base, rp, now);
  }

  /**
   * The device sees the driver's requests: a STOP to a stoppable engine that is not halted gets
   * its ACK due (ackNs, × ACK_DELAY_FACTOR if delayed; never with ack mode 2 or JF_NO_ACK armed,
   * which it uses up); a reset request gets its effective time (resetNs). A pending reset
   * supersedes the ACK; a STOP taken back (restart) cancels it.
   */
  private noteRequests(rp: number, now: number): void {
    const u32 = this.u32;
    const f64 = this.f64;
    const resetReq = Atomics.load(u32, (rp + R_RESET_REQ) >>> 2);
    if (resetReq === 1 && f64[(rp + R_RESET_AT) >>> 3] < 0) f64[(rp + R_RESET_AT) >>> 3] = now + f64[(rp + R_RESET_NS) >>> 3];
    const stop = Atomics.load(u32, (rp + R_STOP) >>> 2);
    if (resetReq !== 0 || stop === 0) {
      f64[(rp + R_ACK_AT) >>> 3] = -1;
      return;
    }
    if (!(u32[(rp + R_FLAGS) >>> 2] & RGF_STOPPABLE) || Atomics.load(u32, (rp + R_ACK) >>> 2) !== 0) return;
    if ((u32[(rp + R_ENGINE) >>> 2] & EN_HALTED) !== 0 || f64[(rp + R_ACK_AT) >>> 3] >= 0) return;
    const mode = u32[(rp + R_ACK_MODE) >>> 2];
    const inject = Atomics.load(u32, (rp + R_INJECT) >>> 2);
    if (inject & JF_NO_ACK) Atomics.and(u32, (rp + R_INJECT) >>> 2, ~JF_NO_ACK);
    const never = mode === 2 || (inject & JF_NO_ACK) !== 0;
    f64[(rp + R_ACK_AT) >>> 3] = never ? Infinity : now + f64[(rp + R_ACK_NS) >>> 3] * (mode === 1 ? ACK_DELAY_FACTOR : 1.0);
  }

  /**
   * The engine's answers due at t: the ACK (halts it) and the reset. STOP mode abort: the running
   * job is aborted at the ACK, and with writesAfterAckNs its remaining chunks still land that long
   * later (EN_TRAILING). Mode finish: a running job first completes (the ACK waits for its end;
   * a hung job never ends, so it never ACKs).
   */
  private answerRequests(base: number, rp: number, t: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    let status = 0;
    const ackAt = f64[(rp + R_ACK_AT) >>> 3];
    if (ackAt >= 0 && t >= ackAt) {
      const engine = u32[(rp + R_ENGINE) >>> 2];
      if ((engine & EN_BUSY) !== 0 && u32[(rp + R_STOP_MODE) >>> 2] === 1) {
        // Finish: answer once the running job completed (this event, or its end).
        f64[(rp + R_ACK_AT) >>> 3] = f64[(rp + R_CUR_END) >>> 3];
      } else {
        f64[(rp + R_ACK_AT) >>> 3] = -1;
        const head = u32[(rp + R_HEAD) >>> 2];
        const trail = f64[(rp + R_WRITES_AFTER_ACK_NS) >>> 3];
        if ((engine & EN_BUSY) !== 0 && trail > 0 && u32[(rp + R_CUR_WRITTEN) >>> 2] < DMA_CHUNKS && u32[(this.descPtr(rp, head - 1) + D_BYTES) >>> 2] !== 0) {
          // The ACK comes before the DMA engine finished its last burst.
          u32[(rp + R_TRAIL_IDX) >>> 2] = head - 1;
          f64[(rp + R_TRAIL_AT) >>> 3] = t + trail;
          u32[(rp + R_ENGINE) >>> 2] = EN_HALTED | EN_TRAILING;
        } else {
          u32[(rp + R_ENGINE) >>> 2] = EN_HALTED;
        }
        Atomics.store(u32, (rp + R_ACK) >>> 2, 1);
        status |= DR_ACK;
      }
    }
    const resetAt = f64[(rp + R_RESET_AT) >>> 3];
    if (resetAt >= 0 && t >= resetAt) {
      f64[(rp + R_RESET_AT) >>> 3] = -1;
      f64[(rp + R_TRAIL_AT) >>> 3] = -1;
      u32[(rp + R_ENGINE) >>> 2] = EN_HALTED; // D4: nothing more executes or writes
      Atomics.store(u32, (rp + R_RESET_REQ) >>> 2, 2);
      status |= DR_RESET;
    }
    if (status && (u32[(base + H_MODE) >>> 2] & MODE_DEVICE_THREAD)) Atomics.add(u32, (base + H_IRQ_WORD) >>> 2, 1);
    return status;
  }

  /** writesAfterAckNs: the aborted job's remaining chunks land now (M2 checks each), then it is truly halted. */
  private trailingBurst(base: number, ring: number, rp: number, t: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    let status = 0;
    const d = this.descPtr(rp, u32[(rp + R_TRAIL_IDX) >>> 2]);
    for (let k = u32[(rp + R_CUR_WRITTEN) >>> 2]; k < DMA_CHUNKS; k++)
      status |= this.writeChunk(base, ring, d, k, t);
    u32[(rp + R_CUR_WRITTEN) >>> 2] = DMA_CHUNKS;
    f64[(rp + R_TRAIL_AT) >>> 3] = -1;
    u32[(rp + R_ENGINE) >>> 2] = EN_HALTED;
    // A device thread wakes the driver, which reads the corruption log on its interrupt.
    if (status && (u32[(base + H_MODE) >>> 2] & MODE_DEVICE_THREAD)) Atomics.add(u32, (base + H_IRQ_WORD) >>> 2, 1);
    return status;
  }

  private nextEvent(base: number, rp: number, now: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    const engine = u32[(rp + R_ENGINE) >>> 2];
    let t = Infinity;
    if (!(engine & EN_HALTED)) {
      if (engine & EN_BUSY) {
        t = f64[(rp + R_CUR_END) >>> 3];
        const chunks = u32[(rp + R_CUR_WRITTEN) >>> 2];
        const d = this.descPtr(rp, u32[(rp + R_HEAD) >>> 2] - 1);
        if (u32[(d + D_BYTES) >>> 2] !== 0 && chunks < DMA_CHUNKS) {
          const c = f64[(rp + R_CUR_START) >>> 3] + Math.floor(f64[(rp + R_CUR_DUR) >>> 3] * ((chunks + 1) >>> 0) / DMA_CHUNKS);
          if (c < t) t = c;
        }
      } else if (this.canFetch(rp)) {
        t = now;
      }
    }
    if (this.timeoutArmed(base, rp)) {
      const dl = this.timeoutDeadline(rp);
      if (dl < t) t = dl;
    }
    const ackAt = f64[(rp + R_ACK_AT) >>> 3];
    if (ackAt >= 0 && ackAt < t) t = ackAt;
    const resetAt = f64[(rp + R_RESET_AT) >>> 3];
    if (resetAt >= 0 && resetAt < t) t = resetAt;
    if (engine & EN_TRAILING) {
      const trailAt = f64[(rp + R_TRAIL_AT) >>> 3];
      if (trailAt < t) t = trailAt;
    }
    return t;
  }

  private canFetch(rp: number): boolean {
    const u32 = this.u32;
    if (u32[(rp + R_HEAD) >>> 2] === Atomics.load(u32, (rp + R_TAIL) >>> 2)) return false;
    return !((u32[(rp + R_FLAGS) >>> 2] & RGF_STOPPABLE) && u32[(rp + R_STOP) >>> 2]);
  }

  /** Starts the next job at time t (D1): duration from the latency model, faults drawn (D3). */
  private fetch(rp: number, t: number): void {
    const u32 = this.u32;
    const f64 = this.f64;
    const head = u32[(rp + R_HEAD) >>> 2];
    const d = this.descPtr(rp, head);
    f64[this.startPtr(rp, head) >>> 3] = t;
    u32[(rp + R_HEAD) >>> 2] = head + 1;
    let dur = Math.floor(f64[(rp + R_BASE_NS) >>> 3] + f64[(rp + R_PER_BYTE_NS) >>> 3] * u32[(d + D_BYTES) >>> 2]);
    const armed = u32[(rp + R_INJECT) >>> 2];
    // JF_NO_ACK waits for a STOP, not a job. (Written only when armed: the word is on the driver's
    // cache line of the ring, which a device thread must not take from it once per job.)
    if (armed !== 0) u32[(rp + R_INJECT) >>> 2] = armed & JF_NO_ACK;
    let cf = armed & ~JF_NO_ACK;
    if (u32[(rp + R_FLAGS) >>> 2] & RGF_RANDOM) {
      const uJitter = this.draw(rp);
      const uHang = this.draw(rp);
      const uSlow = this.draw(rp);
      const uLost = this.draw(rp);
      dur = Math.floor(dur * (1.0 + f64[(rp + R_JITTER) >>> 3] * uJitter));
      if (uHang < f64[(rp + R_P_HANG) >>> 3]) cf |= JF_HANG;
      if (uSlow < f64[(rp + R_P_SLOW) >>> 3]) cf |= JF_SLOW;
      if (uLost < f64[(rp + R_P_LOST_IRQ) >>> 3]) cf |= JF_LOST_IRQ;
      // A fifth draw only for a device that loses write-backs: other devices keep their sequence.
      const pLostWb = f64[(rp + R_P_LOST_WB) >>> 3];
      if (pLostWb > 0 && this.draw(rp) < pLostWb) cf |= JF_LOST_WB;
    }
    if (cf & JF_SLOW) dur *= SLOW_FACTOR;
    f64[(rp + R_CUR_START) >>> 3] = t;
    f64[(rp + R_CUR_DUR) >>> 3] = dur;
    f64[(rp + R_CUR_END) >>> 3] = cf & JF_HANG ? Infinity : t + dur;
    u32[(rp + R_CUR_WRITTEN) >>> 2] = 0;
    u32[(rp + R_CUR_FLAGS) >>> 2] = cf;
    u32[(rp + R_ENGINE) >>> 2] |= EN_BUSY;
  }

  /** M2 for a whole job at once: does allocation `expected` own every granule of [dst, dst + bytes)? */
  private owned(base: number, dst: number, bytes: number, expected: number): boolean {
    const u32 = this.u32;
    const map = base + u32[(base + H_DMA_MAP_OFF) >>> 2];
    for (let g = dst >>> DMA_GRANULE_SHIFT, end = (dst + bytes - 1) >>> DMA_GRANULE_SHIFT; g <= end; g++) {
      if (u32[(map + (g << 2)) >>> 2] !== expected) return false;
    }
    return true;
  }

  /** Writes chunk k of the running job (D1), checking every granule's owner first (M2). */
  private writeChunk(base: number, ring: number, d: number, k: number, t: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const bytes = u32[(d + D_BYTES) >>> 2];
    const lo = Math.floor(bytes * k / DMA_CHUNKS) >>> 0;
    const hi = Math.floor(bytes * ((k + 1) >>> 0) / DMA_CHUNKS) >>> 0;
    if (hi === lo) return 0;
    const dst = u32[(d + D_DST) >>> 2] + lo;
    const expected = u32[(d + D_ALLOC_ID) >>> 2];
    const map = base + u32[(base + H_DMA_MAP_OFF) >>> 2];
    let status = 0;
    for (let g = dst >>> DMA_GRANULE_SHIFT, end = (dst + (hi - lo) - 1) >>> DMA_GRANULE_SHIFT; g <= end; g++) {
      const found = u32[(map + (g << 2)) >>> 2];
      if (found !== expected) {
        const n = i32[(base + H_CORR_COUNT) >>> 2];
        if (n < CORR_CAP) {
          const e = base + u32[(base + H_CORR_OFF) >>> 2] + (n * CORR_SIZE);
          u32[(e + CE_RING) >>> 2] = ring;
          u32[(e + CE_DST) >>> 2] = g << DMA_GRANULE_SHIFT;
          f64[(e + CE_SEQNO) >>> 3] = f64[(d + D_SEQNO) >>> 3];
          u32[(e + CE_EXPECTED) >>> 2] = expected;
          u32[(e + CE_FOUND) >>> 2] = found;
          f64[(e + CE_TIME) >>> 3] = t;
          i32[(base + H_CORR_COUNT) >>> 2] = n + 1;
        }
        f64[(base + ST_CORRUPTIONS) >>> 3]++;
        status = DR_CORRUPTION;
        break;
      }
    }
    this.memoryFill((base + u32[(base + H_DMA_OFF) >>> 2] + dst) >>> 0, u32[(d + D_PATTERN) >>> 2] & 255, (hi - lo) >>> 0);
    f64[(base + ST_DMA_BYTES) >>> 3] += ((hi - lo) >>> 0);
    return status;
  }

  /**
   * The end of a ring's event at time t (one step, or a fast run ending at t): a timeout that is
   * due, the ring's next event time, and whether callbacks or waiters are queued.
   */
  private endEvent(base: number, ring: number, rp: number, t: number, status: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    if (this.timeoutArmed(base, rp) && t >= this.timeoutDeadline(rp)) {
      i32[(base + H_DEV_RING) >>> 2] = ring;
      status |= DR_TIMEOUT;
    }
    f64[(rp + R_NEXT_T) >>> 3] = this.nextEvent(base, rp, t);
    // (A device thread queues no callbacks, and the list's line is the driver's: not read there.)
    if (!(u32[(base + H_MODE) >>> 2] & MODE_DEVICE_THREAD) && i32[(base + H_NOTIFY_HEAD) >>> 2] !== NIL) status |= DR_NOTIFY;
    return status;
  }

  /** One event of one ring's device at time t. Returns DR_* bits for the bindings. */
  private ringEvent(base: number, ring: number, rp: number, t: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    // The answers first: an ACK or a reset due at t halts the engine before its job's events at t.
    // (The answers and the late burst are rare: the hot path only tests that none is due.)
    let status = 0;
    if (f64[(rp + R_ACK_AT) >>> 3] >= 0 || f64[(rp + R_RESET_AT) >>> 3] >= 0) status = this.answerRequests(base, rp, t);
    let engine = u32[(rp + R_ENGINE) >>> 2];
    if ((engine & EN_TRAILING) !== 0 && t >= f64[(rp + R_TRAIL_AT) >>> 3]) {
      status |= this.trailingBurst(base, ring, rp, t);
      engine = u32[(rp + R_ENGINE) >>> 2];
    }
    if (engine & EN_BUSY) {
      const d = this.descPtr(rp, u32[(rp + R_HEAD) >>> 2] - 1);
      if (u32[(d + D_BYTES) >>> 2] !== 0) {
        const start = f64[(rp + R_CUR_START) >>> 3];
        const dur = f64[(rp + R_CUR_DUR) >>> 3];
        let chunks = u32[(rp + R_CUR_WRITTEN) >>> 2];
        while (chunks < DMA_CHUNKS && start + Math.floor(dur * ((chunks + 1) >>> 0) / DMA_CHUNKS) <= t) {
          status |= this.writeChunk(base, ring, d, chunks, t);
          chunks++;
        }
        u32[(rp + R_CUR_WRITTEN) >>> 2] = chunks;
      }
      if (t >= f64[(rp + R_CUR_END) >>> 3]) {
        // Completion (R4): writeback in order, then the IRQ and its handler. Every job fetched is
        // done: a job before it whose write-back was lost (JF_LOST_WB) is covered by this one.
        const written = !(u32[(rp + R_CUR_FLAGS) >>> 2] & JF_LOST_WB);
        const irq = written && !(u32[(rp + R_CUR_FLAGS) >>> 2] & JF_LOST_IRQ);
        const retired = u32[(rp + R_HEAD) >>> 2];
        const seqno = f64[(d + D_SEQNO) >>> 3];
        const threaded = (u32[(base + H_MODE) >>> 2] & MODE_DEVICE_THREAD) !== 0;
        if (written) {
          f64[(rp + R_WRITEBACK) >>> 3] = seqno;
          // A driver thread reads the writeback after this store: publish it atomically then only.
          if (threaded)
            Atomics.store(u32, (rp + R_RETIRED) >>> 2, retired);
          else
            u32[(rp + R_RETIRED) >>> 2] = retired;
        }
        u32[(rp + R_ENGINE) >>> 2] = engine & ~EN_BUSY;
        f64[(base + ST_JOBS_COMPLETED) >>> 3]++;
        if (threaded) {
          // The interrupt handler runs on the driver's thread. The job's IRQ is counted here; the
          // device loop raises the IRQ word once for the IRQs of a batch (one atomic add per batch,
          // not per job): every 256 completions it returns, wakes the driver and goes on, so the
          // driver refills the ring while the device runs (not after the whole queue drained).
          if (irq) {
            u32[(rp + R_IRQS) >>> 2]++;
            if (!(retired & 255)) status |= DR_RETIRE;
          }
        } else if (irq) {
          u32[(rp + R_IRQS) >>> 2]++;
          f64[(base + ST_IRQS) >>> 3]++;
          if (!(u32[(rp + R_FLAGS) >>> 2] & RGF_NO_IRQ_HANDLER)) {
            this.signalUpTo(base, i32[(rp + R_CTX) >>> 2], seqno, 0, t);
            u32[(rp + R_SIG_IDX) >>> 2] = retired;
          }
        }
        if (u32[(rp + R_FLAGS) >>> 2] & (RGF_WAKE | RGF_TRACE)) status |= DR_RETIRE;
        if (this.canFetch(rp)) this.fetch(rp, t);
      }
    } else if (!(engine & EN_HALTED) && this.canFetch(rp)) {
      this.fetch(rp, t);
    }
    return this.endEvent(base, ring, rp, t, status);
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
  private threadRun(base: number, ring: number, rp: number, t: number, limit: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    const flags = u32[(rp + R_FLAGS) >>> 2];
    if (flags & (RGF_RANDOM | RGF_WAKE | RGF_TRACE)) return -1;
    if (f64[(rp + R_ACK_AT) >>> 3] >= 0 || f64[(rp + R_RESET_AT) >>> 3] >= 0) return -1;
    const engine = u32[(rp + R_ENGINE) >>> 2];
    if (engine !== 0 && (engine !== EN_BUSY || u32[(rp + R_CUR_FLAGS) >>> 2] !== 0 || f64[(rp + R_CUR_END) >>> 3] > limit)) return -1;
    const mask = u32[(rp + R_MASK) >>> 2];
    const descs = rp + RING_SIZE;
    const starts = this.startPtr(rp, 0);
    const dma = base + u32[(base + H_DMA_OFF) >>> 2];
    let next = u32[(rp + R_HEAD) >>> 2]; // the next job to fetch
    let m = 0; // jobs completed
    let bytes = 0;
    let last = 0;
    let lastStart = t;
    let lastDur = 0;
    let tEnd = t; // the last completion: the next job starts there
    if (engine === EN_BUSY) {
      // The running job, ending by the limit: its chunks still to write, [lo0, b0).
      last = descs + (((next - 1) & mask) * DESC_SIZE);
      const b0 = u32[(last + D_BYTES) >>> 2];
      const lo0 = Math.floor(b0 * u32[(rp + R_CUR_WRITTEN) >>> 2] / DMA_CHUNKS) >>> 0;
      if (b0 !== lo0) {
        const dst0 = u32[(last + D_DST) >>> 2] + lo0;
        if (!this.owned(base, dst0, b0 - lo0, u32[(last + D_ALLOC_ID) >>> 2])) return -1;
        this.memoryFill((dma + dst0) >>> 0, u32[(last + D_PATTERN) >>> 2] & 255, (b0 - lo0) >>> 0);
        bytes += ((b0 - lo0) >>> 0);
      }
      lastStart = f64[(rp + R_CUR_START) >>> 3];
      lastDur = f64[(rp + R_CUR_DUR) >>> 3];
      tEnd = f64[(rp + R_CUR_END) >>> 3];
      m = 1;
    }
    const baseNs = f64[(rp + R_BASE_NS) >>> 3];
    const perByte = f64[(rp + R_PER_BYTE_NS) >>> 3];
    const stoppable = (flags & RGF_STOPPABLE) !== 0;
    let tail = Atomics.load(u32, (rp + R_TAIL) >>> 2);
    let boundary = m !== 0 && (next & 255) === 0;
    while (!boundary) {
      if (next === tail) {
        tail = Atomics.load(u32, (rp + R_TAIL) >>> 2); // what the driver published meanwhile
        if (next === tail) break;
      }
      // (fetch's checks, per job: a STOP or a fault the driver armed since the pass began)
      if (stoppable && Atomics.load(u32, (rp + R_STOP) >>> 2) !== 0) break;
      if (Atomics.load(u32, (rp + R_INJECT) >>> 2) & ~JF_NO_ACK) break;
      const d = descs + ((next & mask) * DESC_SIZE);
      const b = u32[(d + D_BYTES) >>> 2];
      const dur = Math.floor(baseNs + perByte * b); // (fetch's formula)
      const e = tEnd + dur;
      if (e > limit) break;
      if (b !== 0) {
        const dst = u32[(d + D_DST) >>> 2];
        if (!this.owned(base, dst, b, u32[(d + D_ALLOC_ID) >>> 2])) break;
        this.memoryFill((dma + dst) >>> 0, u32[(d + D_PATTERN) >>> 2] & 255, b);
        bytes += b;
      }
      f64[(starts + ((next & mask) * START_SIZE)) >>> 3] = tEnd;
      last = d;
      lastStart = tEnd;
      lastDur = dur;
      tEnd = e;
      next++;
      m++;
      boundary = (next & 255) === 0;
    }
    if (m === 0) return -1;
    if (bytes !== 0) f64[(base + ST_DMA_BYTES) >>> 3] += bytes;
    u32[(rp + R_HEAD) >>> 2] = next;
    f64[(rp + R_CUR_START) >>> 3] = lastStart;
    f64[(rp + R_CUR_DUR) >>> 3] = lastDur;
    f64[(rp + R_CUR_END) >>> 3] = tEnd;
    u32[(rp + R_CUR_WRITTEN) >>> 2] = u32[(last + D_BYTES) >>> 2] !== 0 ? DMA_CHUNKS : 0;
    u32[(rp + R_ENGINE) >>> 2] = 0;
    f64[(rp + R_WRITEBACK) >>> 3] = f64[(last + D_SEQNO) >>> 3];
    // Publish (R4): the driver reads the write-back, start times and bytes after this store.
    Atomics.store(u32, (rp + R_RETIRED) >>> 2, next);
    u32[(rp + R_IRQS) >>> 2] += m;
    f64[(base + ST_JOBS_COMPLETED) >>> 3] += m;
    f64[(base + H_DEV_NOW) >>> 3] = tEnd;
    return this.endEvent(base, ring, rp, tEnd, boundary ? DR_RETIRE : 0);
  }

  /**
   * Runs every ring's device, in global time order, through all events at or before `until`.
   * Events at one instant run in ring index order: the order is (time, ring index), whichever
   * path runs them. Returns 0 when none is left before `until`, or DR_* bits as soon as the
   * bindings have work; H_DEV_NOW holds the time of the last event processed.
   */
  devicesRun(base: number, until: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const count = i32[(base + H_RING_COUNT) >>> 2];
    const rings = base + u32[(base + H_RINGS_OFF) >>> 2];
    const stride = i32[(base + H_RING_STRIDE) >>> 2];
    // Schedulers are stepped with the devices (virtual clock only: a device thread never runs them).
    const sched = i32[(base + H_SCHED_COUNT) >>> 2] > 0 && !(u32[(base + H_MODE) >>> 2] & MODE_DEVICE_THREAD);
    // The fast path: not under schedulers (a pass is due after every completion: runs of one job,
    // which cost more than the general event), nor on a device thread.
    const fast = !sched && !(u32[(base + H_MODE) >>> 2] & (MODE_DEVICE_THREAD | MODE_NO_FAST_PATH));
    // A device thread's run: its own (the driver signals), off with the fast path's switch too.
    const threaded = (u32[(base + H_MODE) >>> 2] & MODE_DEVICE_THREAD) !== 0 && !(u32[(base + H_MODE) >>> 2] & MODE_NO_FAST_PATH);
    // Under schedulers: runs of completions whose passes only retire (sched-run.ts).
    const schedFast = sched && !(u32[(base + H_MODE) >>> 2] & MODE_NO_FAST_PATH);
    for (;;) {
      let best = -1;
      let bestT = Infinity;
      let second = Infinity;
      let secondIdx = count; // the lowest index among the rings at `second` (but best)
      for (let r = 0; r < count; r++) {
        const t = f64[(rings + Math.imul(r, stride) + R_NEXT_T) >>> 3];
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
        const status = this.schedRun(base, bestT, until);
        if (status > 0) return status;
        if (status === 0) continue;
      }
      if (fast && second === bestT) {
        // Tied rings: their events at one instant, step after step, in one pass (fast-path.ts).
        const status = this.tiedRun(base, bestT, until);
        if (status > 0) return status;
        if (status === 0) continue;
      }
      let limit = second < until ? second : until;
      // An event at `limit` itself is this ring's to run if `limit` is `until`, or if the other
      // ring there comes later in index order.
      let incl = second > until || best < secondIdx;
      let ring = best;
      for (;;) {
        const rp = rings + Math.imul(ring, stride);
        // Stay on this ring while it has the earliest event: no rescan per job.
        for (;;) {
          const t = f64[(rp + R_NEXT_T) >>> 3];
          if (t > limit || (t === limit && !incl) || t === Infinity) break;
          // (limit == t: another ring has an event at this instant, a run would be one event.)
          let status = fast && limit > t ? this.fastRun(base, ring, rp, t, limit, incl) : threaded ? this.threadRun(base, ring, rp, t, limit) : -1;
          if (status < 0) {
            f64[(base + H_DEV_NOW) >>> 3] = t;
            status = this.ringEvent(base, ring, rp, t);
          }
          if (sched && f64[(base + ST_SIGNAL_CALLS) >>> 3] !== f64[(base + H_SCHED_SEEN) >>> 3]) {
            // Something signaled: the schedulers retire, finish and run jobs at this same instant.
            const ran = this.schedPass(base, f64[(base + H_DEV_NOW) >>> 3]);
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
        if (!fast || second !== bestT) break;
        let next = count;
        for (let r = ((ring | 0) + 1); (r | 0) < count; r++) {
          if (f64[(rings + Math.imul(r, stride) + R_NEXT_T) >>> 3] === bestT) {
            next = r;
            break;
          }
        }
        if ((next | 0) === count) break;
        ring = next;
        limit = bestT;
        incl = true;
      }
    }
    return 0; // unreachable: the loop returns
  }

  // ── assembly/submit.ts ─────────────────────────────────────────────────────────────────────────

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
  private submitSlots(base: number, slotBase: number, coldBase: number, descs: number, starts: number, mask: number, c: number, state: number, n: number, tail: number, seqno: number, dst: number, bytes: number, pattern: number, allocId: number): number {
    // (A job with no bytes and no buffer, as `{}`: its descriptor's words but the pattern are
    // constants in the loops, which leaves the compiler registers for the rest.)
    if (((dst | bytes | allocId) >>> 0) === 0) return this.submitInto(base, slotBase, coldBase, descs, starts, mask, c, state, n, tail, seqno, 0, 0, pattern, 0);
    return this.submitInto(base, slotBase, coldBase, descs, starts, mask, c, state, n, tail, seqno, dst, bytes, pattern, allocId);
  }

  /**
   * submitSlots' loops (inlined twice): first the fences (slots popped from the free list, then
   * the never-used ones), then the descriptors and start times (in at most two segments: to the
   * ring's end, then from its start). Two loops with few words each, kept in registers, where one
   * loop doing both spilled them.
   */
  private submitInto(base: number, slotBase: number, coldBase: number, descs: number, starts: number, mask: number, c: number, state: number, n: number, tail: number, seqno: number, dst: number, bytes: number, pattern: number, allocId: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    let freeHead = i32[(base + H_FREE_HEAD) >>> 2];
    const prev = i32[(c + C_TAIL) >>> 2];
    // Where the next fence's slot is linked: the context's head, or the last fence's link.
    const link0 = prev === NIL ? c + C_HEAD : this.hotAt(slotBase, prev) + S_NEXT;
    let link = link0;
    let sq = seqno;
    let left = n;
    // (The list's end tested after each pop, apart from the count: slots are never negative,
    // NIL is. Tested together in the loop's condition, they took V8 six instructions a job.)
    if (freeHead >= 0) for (; left > 0;) {
      sq += 1;
      const slot = freeHead;
      const p = this.hotAt(slotBase, slot);
      freeHead = i32[(p + S_NEXT) >>> 2];
      const cp = this.coldAt(coldBase, slot);
      i32[(p + S_ERROR) >>> 2] = 0;
      f64[(cp + CS_SEQNO) >>> 3] = sq;
      f64[(cp + CS_TIMESTAMP) >>> 3] = 0;
      u32[(p + S_STATE) >>> 2] = state;
      i32[link >>> 2] = slot; // (linked once written, as initFence does)
      link = p + S_NEXT;
      left--;
      if (freeHead < 0) break;
    }
    let bump = i32[(base + H_BUMP) >>> 2];
    for (; left > 0; left--) {
      sq += 1;
      const slot = bump;
      bump++;
      const p = this.hotAt(slotBase, slot);
      const cp = this.coldAt(coldBase, slot);
      i32[(p + S_ERROR) >>> 2] = 0;
      f64[(cp + CS_SEQNO) >>> 3] = sq;
      f64[(cp + CS_TIMESTAMP) >>> 3] = 0;
      u32[(p + S_STATE) >>> 2] = state;
      i32[link >>> 2] = slot;
      link = p + S_NEXT;
    }
    // The last job's slot: the one whose link is the last written.
    let slot = NIL;
    if (n > 0) {
      slot = (link - S_NEXT - slotBase) >> HOT_SHIFT;
      i32[link >>> 2] = NIL;
      i32[(c + C_TAIL) >>> 2] = slot;
    }
    i32[(base + H_FREE_HEAD) >>> 2] = freeHead;
    i32[(base + H_BUMP) >>> 2] = bump;
    i32[(base + H_IN_USE) >>> 2] += n;
    // The descriptors and start times, each segment walked by address (no index multiplied per
    // job). A job with no buffer has its descriptor's words after the seqno written as two 8-byte
    // stores (the loop is bound by its stores): zeros (f64 +0 is zero bytes) for D_DST and D_BYTES,
    // and for D_PATTERN and D_ALLOC_ID the f64 whose bits are the pattern in the low word and 0 in
    // the high one: pattern x 2^-1074 (5e-324), a subnormal, exact, made once per batch.
    const pw = pattern * 5e-324;
    let k = (tail & mask);
    let rest = n;
    sq = seqno;
    while ((rest >>> 0) > 0) {
      let end = (mask + 1);
      if ((((end >>> 0) - k) >>> 0) > (rest >>> 0)) end = (k + (rest >>> 0));
      rest = ((rest >>> 0) - ((end >>> 0) - k));
      let d = (descs + (k * DESC_SIZE));
      let s = (starts + (k * START_SIZE));
      const e = (starts + ((end >>> 0) * START_SIZE)) >>> 0;
      if (((dst | bytes | allocId) >>> 0) === 0) {
        while ((s >>> 0) < e) {
          sq += 1;
          f64[((d >>> 0) + D_SEQNO) >>> 3] = sq;
          f64[((d >>> 0) + D_DST) >>> 3] = 0; // (D_DST and D_BYTES)
          f64[((d >>> 0) + D_PATTERN) >>> 3] = pw; // (D_PATTERN and D_ALLOC_ID)
          f64[s >>> 3] = 0;
          s = ((s >>> 0) + START_SIZE);
          d = ((d >>> 0) + DESC_SIZE);
        }
      } else {
        while ((s >>> 0) < e) {
          sq += 1;
          f64[((d >>> 0) + D_SEQNO) >>> 3] = sq;
          u32[((d >>> 0) + D_DST) >>> 2] = dst;
          u32[((d >>> 0) + D_BYTES) >>> 2] = bytes;
          u32[((d >>> 0) + D_PATTERN) >>> 2] = pattern;
          u32[((d >>> 0) + D_ALLOC_ID) >>> 2] = allocId;
          f64[s >>> 3] = 0;
          s = ((s >>> 0) + START_SIZE);
          d = ((d >>> 0) + DESC_SIZE);
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
  private writeJob(base: number, c: number, ctx: number, rp: number, starts: number, mask: number, at: number, seqno: number, dst: number, bytes: number, pattern: number, allocId: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    const slot = this.allocSlot(base);
    this.initFence(base, c, ctx, slot, seqno);
    const d = this.descPtr(rp, at);
    f64[(d + D_SEQNO) >>> 3] = seqno;
    u32[(d + D_DST) >>> 2] = dst;
    u32[(d + D_BYTES) >>> 2] = bytes;
    u32[(d + D_PATTERN) >>> 2] = pattern;
    u32[(d + D_ALLOC_ID) >>> 2] = allocId;
    f64[(starts + ((at & mask) * START_SIZE)) >>> 3] = 0;
    return slot;
  }

  /**
   * The jobs with no bytes up to the tail (R_ZERO_FROM), for `n` jobs of `bytes` each written from
   * `tail`: a batch with bytes moves the word past itself, one without keeps it, at most capacity
   * jobs back (the counters wrap). Every path that writes descriptors calls it (ringSubmit, the
   * scheduler's one-job submit), since the tied pass skips reading the sizes it marks.
   */
  private markZeroFrom(rp: number, tail: number, n: number, bytes: number): void {
    const u32 = this.u32;
    const zeroFrom = u32[(rp + R_ZERO_FROM) >>> 2];
    if (bytes !== 0)
      u32[(rp + R_ZERO_FROM) >>> 2] = tail + n;
    else if (((tail + n - zeroFrom) >>> 0) > u32[(rp + R_CAPACITY) >>> 2]) u32[(rp + R_ZERO_FROM) >>> 2] = (tail + n - u32[(rp + R_CAPACITY) >>> 2]);
  }

  /**
   * Submits n jobs that write `bytes` bytes of `pattern` at DMA offset `dst` (allocation `allocId`).
   * Each gets a fence with the ring context's next seqno (R2); the tail is published last.
   * pin = 1 (n must be 1): the fence is pinned for a handle and its slot is returned; pin = 2: held
   * by a scheduler (FS_SCHED) instead, its slot returned. Otherwise
   * returns n. -1: not enough ring space (R3); -2: not enough fence slots. Nothing changes then.
   */
  ringSubmit(base: number, ring: number, n: number, dst: number, bytes: number, pattern: number, allocId: number, pin: number, now: number): number {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const rp = this.ringPtr(base, ring);
    const tail = u32[(rp + R_TAIL) >>> 2];
    if (((u32[(rp + R_CAPACITY) >>> 2] - (tail - u32[(rp + R_SIG_IDX) >>> 2])) | 0) < n) return -1;
    if (((i32[(base + H_MAX_FENCES) >>> 2] - i32[(base + H_IN_USE) >>> 2]) | 0) < n) return -2;
    this.reuseFence(base);
    const ctx = i32[(rp + R_CTX) >>> 2];
    const c = this.ctxPtr(base, ctx);
    let seqno = f64[(c + C_LAST_SEQNO) >>> 3];
    let slot = NIL;
    const mask = u32[(rp + R_MASK) >>> 2];
    const starts = this.startPtr(rp, 0);
    // (One job, a scheduler's: the per-job path, the same bytes without the batch's setup.)
    if (n > 1 && !(u32[(base + H_MODE) >>> 2] & MODE_NO_FAST_PATH)) {
      slot = this.submitSlots(base, this.hotArray(base), this.coldArray(base), rp + RING_SIZE, starts, mask, c, (ctx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED, n, tail, seqno, dst, bytes, pattern, allocId);
      seqno += n;
    } else for (let i = 0; i < n; i++) {
      seqno += 1;
      slot = this.writeJob(base, c, ctx, rp, starts, mask, tail + i, seqno, dst, bytes, pattern, allocId);
    }
    if (pin) {
      const p = this.slotPtr(base, slot);
      u32[(p + S_STATE) >>> 2] |= (pin === 2 ? FS_SCHED : FS_PINNED);
    }
    this.markZeroFrom(rp, tail, n, bytes);
    f64[(c + C_LAST_SEQNO) >>> 3] = seqno;
    u32[(c + C_PENDING) >>> 2] += n;
    f64[(c + C_CREATED) >>> 3] += n;
    f64[(base + ST_CREATED) >>> 3] += n;
    f64[(base + ST_JOBS_SUBMITTED) >>> 3] += n;
    // Publish: the device sees the jobs only once the tail moves (one atomic store on a shared arena).
    Atomics.store(u32, (rp + R_TAIL) >>> 2, tail + n);
    // On the virtual clock the driver steps the device: tell it to fetch now. A device thread
    // is woken by the bindings' doorbell instead, and owns R_NEXT_T.
    if (!(u32[(base + H_MODE) >>> 2] & MODE_DEVICE_THREAD) && !(u32[(rp + R_ENGINE) >>> 2] & (EN_BUSY | EN_HALTED)) && now < f64[(rp + R_NEXT_T) >>> 3]) {
      f64[(rp + R_NEXT_T) >>> 3] = now;
    }
    return pin ? slot : n;
  }

  // ── support (not from assembly/) ───────────────────────────────────────────────────────────────

  /**
   * memory.fill(at, byte, len) over the arena (support code of the generator, not from assembly/):
   * the unaligned head and tail byte by byte, the aligned middle as 32-bit words (V8's
   * TypedArray.prototype.fill costs per element on a SharedArrayBuffer, so a quarter of the
   * elements is the speed). Same bytes as a byte fill.
   */
  private memoryFill(at: number, byte: number, len: number): void {
    const u8 = this.u8;
    const end = at + len;
    let i = at;
    while (i < end && i & 3) u8[i++] = byte;
    const last = end - (end & 3); // not end & ~3: exact above 2^31 too
    if (last > i) {
      this.u32.fill(Math.imul(byte, 0x01010101) >>> 0, i >>> 2, last >>> 2);
      i = last;
    }
    while (i < end) u8[i++] = byte;
  }
}
