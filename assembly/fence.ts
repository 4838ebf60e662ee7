/**
 * Fence core (wasm backend): seqno allocation, slot alloc/recycle, signal, signal_up_to.
 *
 * Contract: called only by the thread that owns the Runtime (the driver thread). Every function
 * takes the arena base as its first argument and allocates nothing; there are no mutable statics,
 * so any number of instances may run over one shared memory. This file is the one source of the
 * core: scripts/gen-ts-core.mjs generates the ts backend (bindings/core/ts-core.gen.ts) from it at
 * build time. Write every place where u32 wrap, signedness or integer division matters with an
 * explicit cast (`<u32>`, `<i32>`): no-ops for asc, and the generator then gets JS right (its
 * --strict build fails on an implicit one).
 *
 * Stores are plain: the fence region has a single writer. Views in other threads (attachRuntime)
 * read slots seqlock style, so the order of the stores is part of the contract (layout.ts, "Fence
 * slot"): a signal writes error and timestamp before the SIGNALED bit, which is an atomic store
 * on a slot that stays (a view may capture its values); a recycle clears the state before it
 * bumps the generation; a call that may reuse a recycled slot runs one atomic read-modify-write
 * first (reuseFence); a new fence's state word is written last.
 *
 * A fence is slot i of two arrays (layout.ts): the hot words (state, generation, link, error) at
 * slotPtr, the cold ones (seqno, timestamp) at coldPtr. A fence a loop recycles at once never
 * shows SIGNALED, so its timestamp is never written (nobody can read it): the common drain
 * touches only the hot array.
 */
import {
  NIL, H_FREE_HEAD, H_BUMP, H_IN_USE, H_MAX_FENCES, H_CTX_OFF, H_SLOT_OFF, H_NOTIFY_HEAD,
  H_NOTIFY_TAIL, H_LAST_ORDER_CTX, H_LAST_ORDER_SEQ, H_LAST_ORDER_PENDING, ST_CREATED,
  ST_SIGNALED, ST_SIGNAL_CALLS, ST_ORDERING, CTX_SIZE, C_FLAGS, C_LAST_SEQNO, C_SIGNALED_SEQNO,
  C_HEAD, C_TAIL, C_PENDING, C_CREATED, CF_SEQNO64, HOT_SHIFT, S_STATE, S_GEN, S_NEXT, S_ERROR,
  H_COLD_OFF, COLD_SHIFT, CS_SEQNO, CS_TIMESTAMP, STATE_CTX_SHIFT, FS_ALLOC, FS_SIGNALED, FS_QUEUED, FS_PINNED, FS_JS,
  FS_NOTIFY, FS_SCHED, SIG_OK, SIG_ALREADY, SIG_ORDERING,
} from "../bindings/core/layout";

// @ts-ignore: decorator
@inline export function ctxPtr(base: usize, ctx: i32): usize {
  return base + <usize>load<u32>(base + H_CTX_OFF) + <usize>(<i32>ctx * CTX_SIZE);
}

/** A slot's hot words (S_*). */
// @ts-ignore: decorator
@inline export function slotPtr(base: usize, slot: i32): usize {
  return base + <usize>load<u32>(base + H_SLOT_OFF) + (<usize>slot << HOT_SHIFT);
}

/** A slot's cold words (CS_*). */
// @ts-ignore: decorator
@inline export function coldPtr(base: usize, slot: i32): usize {
  return base + <usize>load<u32>(base + H_COLD_OFF) + (<usize>slot << COLD_SHIFT);
}

/** The hot array's address (loops keep it in a local: hotAt). */
// @ts-ignore: decorator
@inline export function hotArray(base: usize): usize {
  return base + <usize>load<u32>(base + H_SLOT_OFF);
}

/** The cold array's address (loops keep it in a local: coldAt). */
// @ts-ignore: decorator
@inline export function coldArray(base: usize): usize {
  return base + <usize>load<u32>(base + H_COLD_OFF);
}

/** Slot `slot`'s hot words in the array at `hot` (hotArray). */
// @ts-ignore: decorator
@inline export function hotAt(hot: usize, slot: i32): usize {
  return hot + (<usize>slot << HOT_SHIFT);
}

/** Slot `slot`'s cold words in the array at `cold` (coldArray). */
// @ts-ignore: decorator
@inline export function coldAt(cold: usize, slot: i32): usize {
  return cold + (<usize>slot << COLD_SHIFT);
}

/** A slot's seqno (cold). */
// @ts-ignore: decorator
@inline export function slotSeqno(base: usize, slot: i32): f64 {
  return load<f64>(coldPtr(base, slot) + CS_SEQNO);
}

/** F11: is seqno a later than b? 32-bit mode wraps: (int32)(lo32(a) - lo32(b)) > 0. */
// @ts-ignore: decorator
@inline function later(a: f64, b: f64, seqno64: bool): bool {
  if (seqno64) return a > b;
  return <i32>(<u32><u64>a - <u32><u64>b) > 0;
}

export function isLater(a: f64, b: f64, seqno64: i32): i32 {
  return <i32>later(a, b, seqno64 != 0);
}

/**
 * A plain pending fence's signal (no handle, callbacks, holder or error) with its slot recycled:
 * clears the state of hot slot q, bumps its generation and links it before `freeHead` (the
 * caller's local head of the free list, which becomes this slot). Returns the fence's link (the
 * next pending one). The caller keeps the counters and list heads in locals. No timestamp: the
 * fence never shows SIGNALED (layout.ts, "Fence slot"), so its cold words are not touched.
 */
// @ts-ignore: decorator
@inline export function recyclePlain(q: usize, freeHead: i32): i32 {
  const nx = load<i32>(q + S_NEXT);
  store<u32>(q + S_STATE, 0);
  store<u32>(q + S_GEN, load<u32>(q + S_GEN) + 1);
  store<i32>(q + S_NEXT, freeHead);
  return nx;
}

/** Pops a free slot (or the next never-used one); NIL when the arena is full. */
// @ts-ignore: decorator
@inline export function allocSlot(base: usize): i32 {
  let slot = load<i32>(base + H_FREE_HEAD);
  if (slot != NIL) {
    store<i32>(base + H_FREE_HEAD, load<i32>(slotPtr(base, slot) + S_NEXT));
  } else {
    slot = load<i32>(base + H_BUMP);
    if (slot >= load<i32>(base + H_MAX_FENCES)) return NIL;
    store<i32>(base + H_BUMP, slot + 1);
  }
  store<i32>(base + H_IN_USE, load<i32>(base + H_IN_USE) + 1);
  return slot;
}

/**
 * Before a call hands out recycled slots: the generation bumps of their recycling (earlier calls)
 * become visible to other threads before any word of the new fences. One atomic read-modify-write
 * (sequentially consistent: a full barrier) per call, and only when the free list is not empty.
 * (Binaryen's validator refuses a bare atomic.fence from this compiler; the ts core does the same.)
 */
// @ts-ignore: decorator
@inline export function reuseFence(base: usize): void {
  if (load<i32>(base + H_FREE_HEAD) != NIL) atomic.add<i32>(base + H_FREE_HEAD, 0);
}

/** Recycles a slot: the generation moves on (first) so stale handles are detected. */
// @ts-ignore: decorator
@inline function freeSlot(base: usize, p: usize, slot: i32): void {
  // The state clears first, then the generation moves: a remote reader that sees the new
  // generation then sees the cleared state (or the next fence's), never the old signaled state
  // with the next fence's seqno (an ABA a reader's second look at the state cannot catch).
  store<u32>(p + S_STATE, 0);
  store<u32>(p + S_GEN, load<u32>(p + S_GEN) + 1);
  store<i32>(p + S_NEXT, load<i32>(base + H_FREE_HEAD));
  store<i32>(base + H_FREE_HEAD, slot);
  store<i32>(base + H_IN_USE, load<i32>(base + H_IN_USE) - 1);
}

/** Writes a fresh pending fence with the context's next seqno and links it at the tail (C2). */
// @ts-ignore: decorator
@inline export function initFence(base: usize, c: usize, ctx: i32, slot: i32, seqno: f64): void {
  const p = slotPtr(base, slot);
  const cp = coldPtr(base, slot);
  store<i32>(p + S_NEXT, NIL);
  store<i32>(p + S_ERROR, 0);
  store<f64>(cp + CS_SEQNO, seqno);
  store<f64>(cp + CS_TIMESTAMP, 0);
  store<u32>(p + S_STATE, (<u32>ctx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED);
  const tail = load<i32>(c + C_TAIL);
  if (tail == NIL) store<i32>(c + C_HEAD, slot);
  else store<i32>(slotPtr(base, tail) + S_NEXT, slot);
  store<i32>(c + C_TAIL, slot);
}

/** Creates one pending fence on context `ctx`, pinned for a JS handle. Returns its slot or NIL. */
export function fenceCreate(base: usize, ctx: i32): i32 {
  reuseFence(base);
  const slot = allocSlot(base);
  if (slot == NIL) return NIL;
  const c = ctxPtr(base, ctx);
  const seqno = load<f64>(c + C_LAST_SEQNO) + 1;
  initFence(base, c, ctx, slot, seqno);
  store<f64>(c + C_LAST_SEQNO, seqno); // after the fence is linked (a view's watermark, layout.ts)
  const p = slotPtr(base, slot);
  store<u32>(p + S_STATE, load<u32>(p + S_STATE) | FS_PINNED);
  store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) + 1);
  store<f64>(c + C_CREATED, load<f64>(c + C_CREATED) + 1);
  store<f64>(base + ST_CREATED, load<f64>(base + ST_CREATED) + 1);
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
export function fencesCreate(base: usize, ctx: i32, n: i32): i32 {
  if (<i32>(load<i32>(base + H_MAX_FENCES) - load<i32>(base + H_IN_USE)) < n) return 0;
  reuseFence(base);
  const c = ctxPtr(base, ctx);
  const hot = hotArray(base);
  const cold = coldArray(base);
  const state = (<u32>ctx << STATE_CTX_SHIFT) | FS_ALLOC | FS_QUEUED;
  let seqno = load<f64>(c + C_LAST_SEQNO);
  let freeHead = load<i32>(base + H_FREE_HEAD);
  let bump = load<i32>(base + H_BUMP);
  let prev = load<i32>(c + C_TAIL);
  for (let i = 0; i < n; i++) {
    seqno += 1;
    let slot = freeHead;
    if (slot != NIL) {
      freeHead = load<i32>(hotAt(hot, slot) + S_NEXT);
    } else {
      slot = bump; // enough room was checked above (inUse = bump - free slots)
      bump++;
    }
    const p = hotAt(hot, slot);
    const cp = coldAt(cold, slot);
    store<i32>(p + S_NEXT, NIL);
    store<i32>(p + S_ERROR, 0);
    store<f64>(cp + CS_SEQNO, seqno);
    store<f64>(cp + CS_TIMESTAMP, 0);
    store<u32>(p + S_STATE, state);
    if (prev == NIL) store<i32>(c + C_HEAD, slot);
    else store<i32>(hotAt(hot, prev) + S_NEXT, slot);
    prev = slot;
  }
  store<i32>(base + H_FREE_HEAD, freeHead);
  store<i32>(base + H_BUMP, bump);
  store<i32>(base + H_IN_USE, load<i32>(base + H_IN_USE) + n);
  store<i32>(c + C_TAIL, prev);
  store<f64>(c + C_LAST_SEQNO, seqno);
  store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) + <u32>n);
  store<f64>(c + C_CREATED, load<f64>(c + C_CREATED) + <f64>n);
  store<f64>(base + ST_CREATED, load<f64>(base + ST_CREATED) + <f64>n);
  return n;
}

/** Queues a signaled slot for the bindings (it has JS callbacks or waiters). */
// @ts-ignore: decorator
@inline function pushNotify(base: usize, p: usize, slot: i32): void {
  store<i32>(p + S_NEXT, NIL);
  const tail = load<i32>(base + H_NOTIFY_TAIL);
  if (tail == NIL) store<i32>(base + H_NOTIFY_HEAD, slot);
  else store<i32>(slotPtr(base, tail) + S_NEXT, slot);
  store<i32>(base + H_NOTIFY_TAIL, slot);
}

/**
 * Unlinks signaled fences from the head of a context's pending list, recycling unpinned ones.
 * Inlined into fenceSignal's two uses: a wasm call each was about a fifth of that export's work.
 */
// @ts-ignore: decorator
@inline function trimHead(base: usize, c: usize): void {
  let head = load<i32>(c + C_HEAD);
  while (head != NIL) {
    const p = slotPtr(base, head);
    const st = load<u32>(p + S_STATE);
    if (!(st & FS_SIGNALED)) break;
    const next = load<i32>(p + S_NEXT);
    if (st & (FS_PINNED | FS_SCHED)) store<u32>(p + S_STATE, st & ~FS_QUEUED);
    else freeSlot(base, p, head);
    head = next;
  }
  store<i32>(c + C_HEAD, head);
  if (head == NIL) store<i32>(c + C_TAIL, NIL);
}

/**
 * Signals one fence (F2, F3, C3). Returns SIG_ALREADY if it was signaled, SIG_ORDERING if an
 * older fence of its context is still pending (the fence is signaled all the same and the
 * violation is described in the header), else SIG_OK. Callbacks are the caller's to run.
 */
export function fenceSignal(base: usize, slot: i32, timestamp: f64): i32 {
  const p = slotPtr(base, slot);
  const st = load<u32>(p + S_STATE);
  if (st & FS_SIGNALED) return SIG_ALREADY;
  const ctx = <i32>(st >>> STATE_CTX_SHIFT);
  const c = ctxPtr(base, ctx);
  trimHead(base, c);
  const seqno = slotSeqno(base, slot);
  let result = SIG_OK;
  const head = load<i32>(c + C_HEAD);
  if (head != slot) {
    result = SIG_ORDERING;
    store<i32>(base + H_LAST_ORDER_CTX, ctx);
    store<f64>(base + H_LAST_ORDER_SEQ, seqno);
    store<f64>(base + H_LAST_ORDER_PENDING, slotSeqno(base, head));
    store<f64>(base + ST_ORDERING, load<f64>(base + ST_ORDERING) + 1);
  }
  // Error (set before, F4) and timestamp first, then the SIGNALED bit, published (F3's order as
  // other threads see it).
  store<f64>(coldPtr(base, slot) + CS_TIMESTAMP, timestamp);
  atomic.store<u32>(p + S_STATE, st | FS_SIGNALED);
  store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) - 1);
  // Seqnos are handed out as increasing numbers (C2) and never wrap as numbers: a plain max.
  if (seqno > load<f64>(c + C_SIGNALED_SEQNO)) store<f64>(c + C_SIGNALED_SEQNO, seqno);
  if (result == SIG_OK) trimHead(base, c);
  store<f64>(base + ST_SIGNALED, load<f64>(base + ST_SIGNALED) + 1);
  store<f64>(base + ST_SIGNAL_CALLS, load<f64>(base + ST_SIGNAL_CALLS) + 1);
  return result;
}

/**
 * The signaling loop (C3, R4): signals every pending fence of `ctx` whose seqno is not later than
 * `seqno`, oldest first, stamping `timestamp` and, if `error` is non-zero, setting it on fences
 * that have none. Fences with JS callbacks or waiters go on the notify list; fences without a
 * handle are recycled at once. Returns how many fences it signaled.
 */
export function signalUpTo(base: usize, ctx: i32, seqno: f64, error: i32, timestamp: f64): i32 {
  return signalLoop(base, ctx, seqno, error, timestamp, 0, false);
}

/**
 * The device engine's run of clean completions (ring.ts, fastRun): what one IRQ handler call per
 * job would do, in one pass. Signals the pending fences of `ctx` up to `seqno`, one per job, the
 * first stamped `timestamp` and each next one `step` later (accumulated, as the jobs' completion
 * times are), each counted as one signal call. Stops after a fence with JS callbacks or waiters
 * (the bindings run them at its job's time) and before one already signaled. Returns how many it
 * signaled: the jobs the run completes.
 */
export function signalRun(base: usize, ctx: i32, seqno: f64, timestamp: f64, step: f64): i32 {
  return signalLoop(base, ctx, seqno, 0, timestamp, step, true);
}

// @ts-ignore: decorator
@inline function signalLoop(base: usize, ctx: i32, seqno: f64, error: i32, timestamp: f64, step: f64, run: bool): i32 {
  const c = ctxPtr(base, ctx);
  const seqno64 = (load<u32>(c + C_FLAGS) & CF_SEQNO64) != 0;
  const slotBase = hotArray(base);
  let head = load<i32>(c + C_HEAD);
  let count = 0;
  let last = load<f64>(c + C_SIGNALED_SEQNO);
  let freeHead = load<i32>(base + H_FREE_HEAD);
  let freed = 0;
  // Draining (the target covers the newest seqno, and by less than 2^30 in 32-bit mode, so every
  // pending seqno, at most maxFences < 2^24 older, is covered too): no per-fence compare.
  const newest = load<f64>(c + C_LAST_SEQNO);
  const drain = !run && (seqno64 ? seqno >= newest : !later(newest, seqno, false) && <u32>(<u32><u64>seqno - <u32><u64>newest) < 0x40000000);
  if (drain) last = newest > last ? newest : last;
  const plain = drain && error == 0;
  while (head != NIL) {
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
        const q = hotAt(slotBase, h);
        if (load<u32>(q + S_STATE) & (FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)) break;
        const nx = recyclePlain(q, freeHead);
        freeHead = h;
        n++;
        if (nx != <i32>(h + dir)) {
          // A seam (or the end): follow the link, and guess the next run's direction.
          dir = nx == <i32>(h - 1) ? -1 : 1;
          h = nx;
          if (h == NIL) break;
        } else if (dir > 0) {
          h++;
        } else {
          h--;
          if (h == NIL) break; // slot 0 going down: its link was the end
        }
      }
      head = h;
      count = <i32>(count + n);
      freed = <i32>(freed + n);
      if (head == NIL) break;
    }
    // (the cold words through the header, not a local: one value fewer live in the loop)
    const p = hotAt(slotBase, head);
    let st = load<u32>(p + S_STATE);
    const next = load<i32>(p + S_NEXT);
    if (run && (st & FS_SIGNALED)) break;
    let stop = false;
    let stamp = false;
    if (!(st & FS_SIGNALED)) {
      if (!drain) {
        const s = slotSeqno(base, head);
        if (later(s, seqno, seqno64)) break;
        last = s;
      }
      st |= FS_SIGNALED;
      if (error != 0 && load<i32>(p + S_ERROR) == 0) store<i32>(p + S_ERROR, error);
      stamp = true;
      count++;
      if (st & FS_JS) {
        st |= FS_NOTIFY;
        pushNotify(base, p, head);
        stop = run;
      }
    }
    st &= ~FS_QUEUED;
    if (st & (FS_PINNED | FS_NOTIFY | FS_SCHED)) {
      // The slot stays: a view may capture error and timestamp once it sees SIGNALED.
      if (stamp) store<f64>(coldPtr(base, head) + CS_TIMESTAMP, timestamp);
      atomic.store<u32>(p + S_STATE, st);
    } else {
      // Recycled at once, never shown SIGNALED (so no timestamp): the state clears, then the
      // generation moves (see freeSlot).
      store<u32>(p + S_STATE, 0);
      store<u32>(p + S_GEN, load<u32>(p + S_GEN) + 1);
      store<i32>(p + S_NEXT, freeHead);
      freeHead = head;
      freed++;
    }
    if (run && stamp) timestamp += step; // the next job's completion time
    head = next;
    if (stop) break;
  }
  store<i32>(base + H_FREE_HEAD, freeHead);
  store<i32>(base + H_IN_USE, load<i32>(base + H_IN_USE) - freed);
  store<i32>(c + C_HEAD, head);
  if (head == NIL) store<i32>(c + C_TAIL, NIL);
  if (count > 0) {
    store<u32>(c + C_PENDING, load<u32>(c + C_PENDING) - <u32>count);
    if (last > load<f64>(c + C_SIGNALED_SEQNO)) store<f64>(c + C_SIGNALED_SEQNO, last);
    store<f64>(base + ST_SIGNALED, load<f64>(base + ST_SIGNALED) + <f64>count);
  }
  store<f64>(base + ST_SIGNAL_CALLS, load<f64>(base + ST_SIGNAL_CALLS) + (run ? <f64>count : 1));
  return count;
}

/** Sets a pending fence's error (F4). Returns 1 (and changes nothing) if it is signaled. */
export function fenceSetError(base: usize, slot: i32, error: i32): i32 {
  const p = slotPtr(base, slot);
  if (load<u32>(p + S_STATE) & FS_SIGNALED) return 1;
  store<i32>(p + S_ERROR, error);
  return 0;
}

/** The last JS handle is gone: unpin, and recycle the slot if nothing else holds it. */
export function fenceUnpin(base: usize, slot: i32): void {
  const p = slotPtr(base, slot);
  const st = load<u32>(p + S_STATE) & ~(FS_PINNED | FS_JS);
  if ((st & FS_SIGNALED) && !(st & (FS_QUEUED | FS_NOTIFY | FS_SCHED))) freeSlot(base, p, slot);
  else store<u32>(p + S_STATE, st);
}

/** A scheduler lets go of a ring fence it held (FS_SCHED): recycled if nothing else holds it. */
export function fenceUnhold(base: usize, slot: i32): void {
  const p = slotPtr(base, slot);
  const st = load<u32>(p + S_STATE) & ~FS_SCHED;
  if ((st & FS_SIGNALED) && !(st & (FS_QUEUED | FS_NOTIFY | FS_PINNED))) freeSlot(base, p, slot);
  else store<u32>(p + S_STATE, st);
}
