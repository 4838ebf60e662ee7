/**
 * Cross-thread fences. `rt.share()` and `fence.share()` make small serialisable handles; another
 * thread (a worker) calls `attachRuntime(handle)` for a read-only view of the same arena and
 * `view.fence(handle)` for a RemoteFence it can poll, wait on and add callbacks to.
 *
 * Contract: a view never writes fence state (only the owning thread signals, C5); it reads slot
 * words and waits on the arena's signal epoch, which the owner bumps after signaling while a remote
 * waiter exists. Waits also poll every REMOTE_POLL_MS, so a missed wakeup delays, never loses, a
 * signal. A remote handle does not pin its slot.
 *
 * Handles prove where they come from. Every share handle carries the runtime's identity (a random
 * id drawn when the arena is created, kept just below its header); a fence handle names its
 * slot, the slot's generation, the context id and the seqno, and `view.fence(h)` checks them all
 * against the arena: another runtime's handle is ERR_FOREIGN_HANDLE, a malformed one or one naming
 * a fence that was never issued (unknown context, seqno outside what the context handed out) is
 * ERR_INVALID_ARG. A handle whose slot no longer holds its fence is accepted only if the fence it
 * names is provably signaled (older than the oldest fence its context still has pending, and not
 * past the context's highest signaled seqno): it then reads signaled, with no values (stale).
 * Anything else is ERR_STALE_HANDLE.
 *
 * Reads are seqlock style: generation, state, context index and seqno are read (atomically) before
 * the fields and the generation again after, and a view whose slot no longer holds its fence (a
 * generation that moved on, or wrapped, or a context or seqno that differs) never reads that slot
 * again. The owner's cores publish in the matching order (layout.ts, "Fence slot").
 *
 * Remote waiters are accounted per attached view in a small table in the arena header (a count and
 * a lease the view renews every time it wakes); the owner's fast path reads one total word, and the
 * owner frees, now and then, the registrations of views whose lease expired long ago (a thread that
 * died waiting), so it stops paying a notify per signaling pass for them.
 */
import * as L from './core/layout.js';
import { ArenaViews } from './arena.js';
import type { Arena } from './arena.js';
import { DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, abortReason, checkFunction, checkInteger, checkOptions, describe } from './errors.js';
import { parseWaitOptions } from './dma-fence.js';
import type { WaitOptions } from './dma-fence.js';

/** What `rt.share()` returns: post it to a worker. */
export interface SharedRuntimeHandle {
  kind: 'dmafence/runtime';
  memory: WebAssembly.Memory;
  /** The arena's byte offset in `memory`. */
  base: number;
  /** The runtime's identity: a random integer in [1, 2^53), also in every fence handle it shares. */
  runtime: number;
}

/** What `fence.share()` returns: post it to a thread that attached the runtime. */
export interface SharedFenceHandle {
  kind: 'dmafence/fence';
  /** The identity of the runtime that shared it (SharedRuntimeHandle.runtime). */
  runtime: number;
  /** The fence's slot in the arena and that slot's generation when the handle was made. */
  slot: number;
  gen: number;
  /** The fence's context id (fence.context) and seqno. */
  context: number;
  seqno: number;
}

/** The longest a remote wait sleeps before looking again, ms. */
export const REMOTE_POLL_MS = 10;
/** @internal A waiting view promises to look again within this many ms (it renews at every wake,
 *  at least every REMOTE_POLL_MS). */
export const REMOTE_LEASE_MS = 500;
/** @internal The owner frees a registration whose lease expired this many ms ago. */
export const REMOTE_RECLAIM_AFTER_MS = 500;
/** @internal The owner looks for expired registrations at most this often, and only while the
 *  total is not zero (while it notifies anyway). */
export const REMOTE_SCAN_EVERY_MS = 100;

const RUNTIME_KEYS = ['kind', 'memory', 'base', 'runtime'] as const;
const FENCE_KEYS = ['kind', 'runtime', 'slot', 'gen', 'context', 'seqno'] as const;
const MAX_ID = 2 ** 53 - 1;

/** Wall-clock ms, comparable across threads (each thread has its own timeOrigin). */
const wallMs = () => performance.timeOrigin + performance.now();

/** f64 from two atomic u32 loads (little-endian, as the arena is): a read that never tears per
 *  half; the seqlock around it catches a value written between the halves. */
const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
function loadF64(u32: Uint32Array, word: number): number {
  scratchU32[0] = Atomics.load(u32, word);
  scratchU32[1] = Atomics.load(u32, word + 1);
  return scratchF64[0];
}

/**
 * A handle's fields, read once each (a getter or a proxy answers only once): a plain object with
 * exactly `keys` (no extra, none missing: the callers type-check each) and the right kind.
 */
function parseHandle(name: string, from: string, h: unknown, keys: readonly string[], kind: string): Record<string, unknown> {
  const bad = () => new DmaFenceTypeError('ERR_INVALID_ARG', `expected ${name} (from ${from}), got ${describe(h)}`);
  if (h === null || typeof h !== 'object' || Array.isArray(h)) throw bad();
  let o: Record<string, unknown>;
  try {
    checkOptions(name, h, keys);
    o = {};
    for (const k of keys) o[k] = (h as Record<string, unknown>)[k];
  } catch (e) {
    if (e instanceof DmaFenceTypeError) throw e;
    throw bad();
  }
  if (o.kind !== kind) throw new DmaFenceTypeError('ERR_INVALID_ARG', `expected ${name} (from ${from}), got kind ${describe(o.kind)}`);
  return o;
}

const disposed = () => new DmaFenceError('ERR_DISPOSED', 'the owner disposed this runtime: its remote views can no longer be used');

export type RemoteCallback = (fence: RemoteFence) => void;

/**
 * A view of another thread's runtime, from `attachRuntime(rt.share())`. It reads fence state
 * only; while it waits it writes its own entry of the arena's remote waiter table. Every member
 * throws ERR_DISPOSED once the owner disposed the runtime.
 *
 * @example
 * ```ts
 * // in a worker, given rt.share() and fence.share() posted by the owner thread
 * const view = attachRuntime(runtimeHandle);
 * const f = view.fence(fenceHandle);
 * if (await f.wait({ timeoutNs: 1e9 })) console.log(f.status);
 * ```
 */
export class AttachedRuntime {
  readonly #views: ArenaViews;
  readonly #memory: WebAssembly.Memory;
  readonly #base: number;
  readonly #i32: Int32Array;
  readonly #u32: Uint32Array;
  readonly #id: number;
  readonly #timeBase: number;
  readonly #maxFences: number;
  readonly #maxContexts: number;
  readonly #slotWord0: number;
  readonly #ctxWord0: number;
  readonly #disposedIndex: number;
  readonly #epochIndex: number;
  readonly #totalIndex: number;
  /** Context id -> index, filled as contexts are seen (entries never change once published). */
  readonly #ctxIndex = new Map<number, number>();
  #ctxScanned = 0;
  readonly #watched = new Set<RemoteFence>();
  #watching = false;
  // This view's registration in the remote waiter table: entry, tag, and its waits in progress.
  #reg = -1;
  #tag = 0;
  #waits = 0;
  readonly #hint = Math.floor(Math.random() * L.RW_ENTRIES);

  /** @internal Use attachRuntime. */
  constructor(views: ArenaViews, id: number) {
    this.#views = views;
    this.#memory = views.memory;
    this.#base = views.base;
    this.#id = id;
    this.#i32 = views.i32;
    this.#u32 = views.u32;
    const h = (off: number) => views.word(off);
    this.#maxFences = views.header(L.H_MAX_FENCES);
    this.#maxContexts = views.header(L.H_MAX_CONTEXTS);
    this.#slotWord0 = views.word(views.header(L.H_SLOT_OFF));
    this.#ctxWord0 = views.word(views.header(L.H_CTX_OFF));
    this.#timeBase = loadF64(this.u32, h(L.H_TIME_BASE));
    this.#disposedIndex = h(L.H_DISPOSED);
    this.#epochIndex = h(L.H_SIGNAL_EPOCH);
    this.#totalIndex = h(L.H_REMOTE_WAITERS);
  }

  /** @internal views of the memory (getters: a view's words cannot be swapped from outside) */
  get i32(): Int32Array {
    return this.#i32;
  }
  /** @internal */
  get u32(): Uint32Array {
    return this.#u32;
  }

  /** The runtime's memory (shared). */
  get memory(): WebAssembly.Memory {
    this._check();
    return this.#memory;
  }
  /** The arena's byte offset in memory. */
  get base(): number {
    this._check();
    return this.#base;
  }

  /** @internal Throws ERR_DISPOSED once the owner disposed the runtime. */
  _check(): void {
    if (Atomics.load(this.i32, this.#disposedIndex) !== 0) throw disposed();
  }

  /**
   * A view of a fence shared by the owning thread. The handle must be this runtime's
   * (ERR_FOREIGN_HANDLE), well formed and name a fence the runtime issued (ERR_INVALID_ARG), and
   * its slot must still hold that fence, or the fence must be provably signaled (then the view
   * reads signaled and its values are stale); otherwise ERR_STALE_HANDLE.
   */
  fence(h: SharedFenceHandle): RemoteFence {
    this._check();
    const o = parseHandle('a shared fence handle', 'fence.share()', h, FENCE_KEYS, 'dmafence/fence');
    const runtime = checkInteger('handle.runtime', o.runtime, 0, MAX_ID);
    if (runtime !== this.#id) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', 'that fence handle was shared by another runtime, not the one this view is attached to');
    const slot = checkInteger('handle.slot', o.slot, 0, this.#maxFences - 1);
    const gen = checkInteger('handle.gen', o.gen, 0, 0xffffffff);
    const context = checkInteger('handle.context', o.context, 0, 0xffffffff);
    const seqno = checkInteger('handle.seqno', o.seqno, 0, Number.MAX_SAFE_INTEGER);
    const ci = this.#ctxIndexOf(context);
    if (ci < 0) throw new DmaFenceRangeError('ERR_INVALID_ARG', `this runtime has no context with id ${context}: that handle names no fence it issued`);
    const cw = this.#ctxWord(ci);
    const last = this.#stableF64(cw + (L.C_LAST_SEQNO >> 2));
    const first = last - this.#stableF64(cw + (L.C_CREATED >> 2)) + 1;
    if (seqno > last || seqno < first) {
      throw new DmaFenceRangeError('ERR_INVALID_ARG', `context ${context} never issued seqno ${seqno} (it issued ${first > last ? 'none' : `${first}..${last}`}): that handle names no fence`);
    }
    if (this.#holds(slot, gen, ci, seqno)) return new RemoteFence(this, this.#slotWord(slot), gen, ci, context, seqno, false);
    if (this.#provablySignaled(ci, seqno)) return new RemoteFence(this, this.#slotWord(slot), gen, ci, context, seqno, true);
    throw new DmaFenceError(
      'ERR_STALE_HANDLE',
      `slot ${slot} no longer holds fence ${context}:${seqno} (generation ${gen}) and that fence cannot be shown to be signaled: ` +
        'the owner released it, or the handle was not made by fence.share() (keep the owner\'s handle until the other thread has called view.fence(h))',
    );
  }

  /** @internal Word index of a slot's first word. */
  #slotWord(slot: number): number {
    return this.#slotWord0 + (slot << (L.SLOT_SHIFT - 2));
  }

  #ctxWord(ci: number): number {
    return this.#ctxWord0 + ci * (L.CTX_SIZE >> 2);
  }

  /** An f64 the owner may be changing (a context's counters): two equal reads in a row. */
  #stableF64(word: number): number {
    let a = loadF64(this.u32, word);
    for (let i = 0; i < 100; i++) {
      const b = loadF64(this.u32, word);
      if (a === b) return a;
      a = b;
    }
    return a;
  }

  /** The context table index of a context id, or -1. The owner publishes an entry (id first)
   *  before it counts it, so a scan never caches a half-written entry. */
  #ctxIndexOf(id: number): number {
    const known = this.#ctxIndex.get(id);
    if (known !== undefined) return known;
    const count = Math.min(Atomics.load(this.i32, this.#views.word(L.H_CTX_COUNT)), this.#maxContexts);
    for (; this.#ctxScanned < count; this.#ctxScanned++) {
      const j = this.#ctxScanned;
      const cid = Atomics.load(this.u32, this.#ctxWord(j) + (L.C_ID >> 2));
      if (!this.#ctxIndex.has(cid)) this.#ctxIndex.set(cid, j);
    }
    return this.#ctxIndex.get(id) ?? -1;
  }

  /** Does the slot hold fence (ctx index ci, seqno) at generation gen? A consistent read. */
  #holds(slot: number, gen: number, ci: number, seqno: number): boolean {
    const w = this.#slotWord(slot);
    const u32 = this.u32;
    for (let i = 0; i < 100; i++) {
      const g1 = Atomics.load(u32, w + (L.S_GEN >> 2));
      const st = Atomics.load(u32, w + (L.S_STATE >> 2));
      const s = loadF64(u32, w + (L.S_SEQNO >> 2));
      if (Atomics.load(u32, w + (L.S_GEN >> 2)) !== g1) continue; // recycled meanwhile: look again
      return g1 === gen && (st & L.FS_ALLOC) !== 0 && st >>> L.STATE_CTX_SHIFT === ci && s === seqno;
    }
    return false;
  }

  /**
   * Is fence (ci, seqno) signaled, whatever slot it had? Yes if no later than the context's highest
   * signaled seqno and older than the oldest fence the context still has pending (its pending list's
   * head, read consistently), or if nothing is pending. A fence signaled out of order, ahead of an
   * older pending one, cannot be proven so: no.
   */
  #provablySignaled(ci: number, seqno: number): boolean {
    const cw = this.#ctxWord(ci);
    if (seqno > this.#stableF64(cw + (L.C_SIGNALED_SEQNO >> 2))) return false;
    const u32 = this.u32;
    for (let i = 0; i < 1000; i++) {
      const hd = Atomics.load(this.i32, cw + (L.C_HEAD >> 2));
      if (hd === L.NIL) return true;
      if (hd < 0 || hd >= this.#maxFences) return false;
      const w = this.#slotWord(hd);
      const g = Atomics.load(u32, w + (L.S_GEN >> 2));
      const st = Atomics.load(u32, w + (L.S_STATE >> 2));
      const s = loadF64(u32, w + (L.S_SEQNO >> 2));
      if (Atomics.load(this.i32, cw + (L.C_HEAD >> 2)) !== hd || Atomics.load(u32, w + (L.S_GEN >> 2)) !== g) continue;
      if (!(st & L.FS_ALLOC) || st >>> L.STATE_CTX_SHIFT !== ci) continue;
      return seqno < s;
    }
    return false;
  }

  // ── remote waiters: this view's registration ──

  #claimWord(entry: number): number {
    return this.#views.remoteClaimWord(entry);
  }

  /** ms since the arena's time base (wraps as an i32). */
  #now(): number {
    return (wallMs() - this.#timeBase) | 0;
  }

  /**
   * Makes this view's entry in the remote waiter table hold min(waits, RW_COUNT_MAX) and renews
   * its lease: claims an entry when waits start, frees it when they end. Every change of an entry
   * is a compareExchange, and the total moves by exactly what the exchange changed, so a
   * registration the owner freed meanwhile (expired lease) is never subtracted twice.
   */
  #sync(): void {
    const i32 = this.i32;
    const want = Math.min(this.#waits, L.RW_COUNT_MAX);
    for (let tries = 0; tries < 16; tries++) {
      if (this.#reg >= 0) {
        const cw = this.#claimWord(this.#reg);
        const cur = Atomics.load(i32, cw);
        if (cur & L.RW_CLAIMED && cur >>> L.RW_TAG_SHIFT === this.#tag) {
          const have = cur & L.RW_COUNT_MAX;
          if (want > 0) Atomics.store(i32, cw + 1, (this.#now() + REMOTE_LEASE_MS) | 0);
          if (have === want) return;
          const next = want === 0 ? this.#tag << L.RW_TAG_SHIFT : (this.#tag << L.RW_TAG_SHIFT) | L.RW_CLAIMED | want;
          if (Atomics.compareExchange(i32, cw, cur, next) === cur) {
            Atomics.add(i32, this.#totalIndex, want - have);
            if (want === 0) this.#reg = -1;
            return;
          }
          continue; // the owner freed it meanwhile: look again
        }
        this.#reg = -1; // freed by the owner (it subtracted our count): register afresh
      }
      if (want === 0) return;
      const now = this.#now();
      for (let k = 0; k < L.RW_ENTRIES; k++) {
        const e = (this.#hint + k) % L.RW_ENTRIES;
        const cw = this.#claimWord(e);
        const cur = Atomics.load(i32, cw);
        if (cur & L.RW_CLAIMED) continue;
        const tag = ((cur >>> L.RW_TAG_SHIFT) + 1) & 0xffff || 1;
        Atomics.store(i32, cw + 1, (now + REMOTE_LEASE_MS) | 0);
        if (Atomics.compareExchange(i32, cw, cur, (tag << L.RW_TAG_SHIFT) | L.RW_CLAIMED | want) === cur) {
          Atomics.add(i32, this.#totalIndex, want);
          this.#reg = e;
          this.#tag = tag;
          return;
        }
      }
      return; // the table is full: this view's waits poll (every REMOTE_POLL_MS) unregistered
    }
  }

  /**
   * @internal
   * Waits until `done()` is true or timeoutNs passes (real time). Registers as a remote waiter
   * first, then reads the epoch, then checks: the owner bumps the epoch after any signal it makes
   * while a remote waiter exists (and at dispose), so the wait cannot sleep through the signal it
   * waits for. Sleeps at most REMOTE_POLL_MS and renews its registration's lease at every wake.
   * Rejects ERR_DISPOSED once the owner disposed the runtime.
   */
  async _waitUntil(done: () => boolean, timeoutNs: number, signal?: AbortSignal): Promise<boolean> {
    this._check();
    this.#waits++;
    this.#sync();
    const keep = setInterval(() => {}, 1 << 30); // a pending waitAsync alone does not keep Node alive
    try {
      const end = timeoutNs === Infinity ? Infinity : performance.now() + timeoutNs / 1e6;
      for (;;) {
        if (signal?.aborted) throw abortReason(signal);
        const epoch = Atomics.load(this.i32, this.#epochIndex);
        this._check(); // after the epoch read: dispose sets the flag, then bumps the epoch
        if (done()) return true;
        const left = end - performance.now();
        if (left <= 0) return false;
        const r = Atomics.waitAsync(this.i32, this.#epochIndex, epoch, Math.min(left, REMOTE_POLL_MS));
        if (r.async) await r.value;
        this.#sync();
      }
    } finally {
      clearInterval(keep);
      this.#waits--;
      this.#sync();
    }
  }

  /** @internal callbacks of remote fences run on this thread, once each, when they signal */
  _watch(f: RemoteFence): void {
    this.#watched.add(f);
    if (this.#watching) return;
    this.#watching = true;
    this._waitUntil(() => {
      for (const w of this.#watched) {
        if (w._signaled()) {
          this.#watched.delete(w);
          w._fire();
        }
      }
      return this.#watched.size === 0;
    }, Infinity).then(
      () => {
        this.#watching = false;
        if (this.#watched.size) this._watch([...this.#watched][0]);
      },
      () => {
        // Disposed: the owner will signal nothing more; the callbacks never run.
        this.#watching = false;
        this.#watched.clear();
      },
    );
  }

  /** @internal */
  _unwatch(f: RemoteFence): void {
    this.#watched.delete(f);
  }
}

/** What a view knows once its fence is signaled: the values it read (kept), or that the slot
 *  moved on before it could read them. */
interface Final {
  readonly error: number;
  readonly timestamp: number;
}
const RECYCLED: Final = Object.freeze({ error: 0, timestamp: 0 });

/**
 * A fence of another thread's runtime, read through the shared arena (`view.fence(handle)`).
 *
 * Every read is consistent (seqlock: never a mix of two fences, or of a fence and its slot's next
 * occupant) and can be late on the reader side: the owner signals on its own thread, and a read
 * sees a signal only once the owner's stores reach this thread (usually well under a microsecond;
 * no bound is promised). What each member guarantees:
 *
 * - `signaled`: `false` can be late (the fence may have signaled since); `true` is final and stays
 *   true (a slot is recycled only after its fence signaled).
 * - `status`: `0` can be late; a non-zero status is final (F5: error, or 1).
 * - `error`: while pending, the error set so far, which can be late (a `setError` the owner made
 *   since may not show yet); once signaled, final.
 * - `timestamp`: ERR_FENCE_PENDING while pending (can be late); once signaled, final.
 * - Values are captured the first time a read sees the fence signaled in its slot and kept from
 *   then on. If the owner released the fence and its slot was recycled before this view read it
 *   signaled, `signaled` is true and `status`, `error` and `timestamp` throw ERR_STALE_HANDLE:
 *   never a value of another fence.
 * - `wait()` resolves true at most REMOTE_POLL_MS after the signal is visible here (at once when
 *   the owner's epoch notify reaches this thread); callbacks likewise run on this thread.
 * - Once the owner disposed the runtime, every member throws (or rejects) ERR_DISPOSED, and pending
 *   waits reject with it; callbacks still queued never run.
 */
export class RemoteFence {
  readonly #rt: AttachedRuntime;
  /** Word index of the slot. */
  readonly #w: number;
  readonly #gen: number;
  readonly #ci: number;
  readonly #context: number;
  readonly #seqno: number;
  #final: Final | undefined;
  #pendingError = 0;
  #callbacks: RemoteCallback[] = [];

  /** @internal Use view.fence(handle). */
  constructor(rt: AttachedRuntime, slotWord: number, gen: number, ci: number, context: number, seqno: number, recycled: boolean) {
    this.#rt = rt;
    this.#w = slotWord;
    this.#gen = gen;
    this.#ci = ci;
    this.#context = context;
    this.#seqno = seqno;
    if (recycled) this.#final = RECYCLED;
  }

  /** The fence's seqno (C2). Throws ERR_DISPOSED once the owner disposed the runtime. */
  get seqno(): number {
    this.#rt._check();
    return this.#seqno;
  }
  /** The fence's context id (C1). Throws ERR_DISPOSED once the owner disposed the runtime. */
  get context(): number {
    this.#rt._check();
    return this.#context;
  }

  /**
   * Reads the slot, seqlock style: undefined while pending (#pendingError set), else the final
   * answer, kept. Generation, state, context and seqno first; the fields; the generation again.
   * At most two rounds: a generation that moved between the two reads shows as recycled next.
   */
  #look(): Final | undefined {
    if (this.#final) return this.#final;
    const { u32, i32 } = this.#rt;
    const w = this.#w;
    for (;;) {
      const g1 = Atomics.load(u32, w + (L.S_GEN >> 2));
      const st = Atomics.load(u32, w + (L.S_STATE >> 2));
      const s = loadF64(u32, w + (L.S_SEQNO >> 2));
      // Not this fence any more (freed, reused, or a generation that wrapped): it was signaled.
      if (g1 !== this.#gen || !(st & L.FS_ALLOC) || st >>> L.STATE_CTX_SHIFT !== this.#ci || s !== this.#seqno) return (this.#final = RECYCLED);
      const error = Atomics.load(i32, w + (L.S_ERROR >> 2));
      if (!(st & L.FS_SIGNALED)) {
        if (Atomics.load(u32, w + (L.S_GEN >> 2)) !== g1) continue;
        this.#pendingError = error;
        return undefined;
      }
      const timestamp = loadF64(u32, w + (L.S_TIMESTAMP >> 2));
      if (Atomics.load(u32, w + (L.S_GEN >> 2)) !== g1) continue;
      return (this.#final = { error, timestamp });
    }
  }

  #stale(): DmaFenceError {
    return new DmaFenceError('ERR_STALE_HANDLE', `fence ${this.#context}:${this.#seqno} is signaled, but the owner released it and its slot was reused before this view read its values`);
  }

  /** Signaled yet? `false` can be late; `true` is final. */
  get signaled(): boolean {
    this.#rt._check();
    return this.#look() !== undefined;
  }

  /** F5 across threads: 0 while pending (can be late), then error || 1 (final). */
  get status(): number {
    this.#rt._check();
    const f = this.#look();
    if (f === undefined) return 0;
    if (f === RECYCLED) throw this.#stale();
    return f.error || 1;
  }

  /** The fence's error: while pending the error set so far (can be late); once signaled, final. */
  get error(): number {
    this.#rt._check();
    const f = this.#look();
    if (f === undefined) return this.#pendingError;
    if (f === RECYCLED) throw this.#stale();
    return f.error;
  }

  /** F12 across threads: ERR_FENCE_PENDING while pending (can be late); once signaled, final. */
  get timestamp(): number {
    this.#rt._check();
    const f = this.#look();
    if (f === undefined) throw new DmaFenceError('ERR_FENCE_PENDING', 'a pending fence has no timestamp');
    if (f === RECYCLED) throw this.#stale();
    return f.timestamp;
  }

  /** @internal */
  _signaled(): boolean {
    return this.#look() !== undefined;
  }

  /** F9 across threads: true when signaled, false after timeoutNs of real time. */
  wait(opts?: WaitOptions): Promise<boolean> {
    try {
      this.#rt._check();
      const { timeoutNs, signal } = parseWaitOptions(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.#look()) return Promise.resolve(true);
      if (timeoutNs === 0) return Promise.resolve(false);
      return this.#rt._waitUntil(() => this.#look() !== undefined, timeoutNs, signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * F6, F7, F18 across threads: false if the fence is already signaled (fn never runs); otherwise
   * fn runs exactly once on this thread after the owner signals it.
   */
  addCallback(fn: RemoteCallback): boolean {
    this.#rt._check();
    checkFunction('callback', fn);
    if (this.#look()) return false;
    this.#callbacks.push(fn);
    this.#rt._watch(this);
    return true;
  }

  /** F8: true only if fn was still queued. */
  removeCallback(fn: RemoteCallback): boolean {
    this.#rt._check();
    const i = this.#callbacks.indexOf(fn);
    if (i < 0) return false;
    this.#callbacks.splice(i, 1);
    if (!this.#callbacks.length) this.#rt._unwatch(this);
    return true;
  }

  /** @internal */
  _fire(): void {
    const cbs = this.#callbacks;
    this.#callbacks = [];
    for (const fn of cbs) {
      try {
        fn(this);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}

// ── The owner's side (the thread that created the Runtime) ──

/** @internal The handle rt.share() returns. */
export function shareRuntime(arena: Arena): SharedRuntimeHandle {
  return { kind: 'dmafence/runtime', memory: arena.memory, base: arena.base, runtime: arena.id };
}

/** @internal The handle fence.share() returns, for the fence in `slot` (generation `gen`). */
export function shareFence(arena: Arena, slot: number, gen: number, ctxIndex: number, ctxId: number, seqno: number): SharedFenceHandle {
  void ctxIndex;
  return { kind: 'dmafence/fence', runtime: arena.id, slot, gen, context: ctxId, seqno };
}

/**
 * @internal After every signaling pass on the owner's thread: wakes attached threads that wait on
 * fences. Costs one atomic load when none waits. While some do, at most every
 * REMOTE_SCAN_EVERY_MS it also frees registrations whose lease expired REMOTE_RECLAIM_AFTER_MS ago
 * (their thread died or stopped looking): compareExchange, so a late update by a live view fails
 * and that view registers afresh, never subtracting twice.
 */
export function publishSignals(arena: Arena): void {
  const i = arena.word(L.H_REMOTE_WAITERS);
  if (!arena.shared || Atomics.load(arena.i32, i) === 0) return;
  const e = arena.word(L.H_SIGNAL_EPOCH);
  Atomics.add(arena.i32, e, 1);
  Atomics.notify(arena.i32, e);
  const wall = wallMs();
  if (wall < arena.remoteScanAt) return;
  arena.remoteScanAt = wall + REMOTE_SCAN_EVERY_MS;
  const now = (wall - arena.timeBase) | 0;
  for (let k = 0; k < L.RW_ENTRIES; k++) {
    const cw = arena.remoteClaimWord(k);
    const cur = Atomics.load(arena.i32, cw);
    if (!(cur & L.RW_CLAIMED)) continue;
    if (((now - Atomics.load(arena.i32, cw + 1)) | 0) <= REMOTE_RECLAIM_AFTER_MS) continue;
    if (Atomics.compareExchange(arena.i32, cw, cur, cur & ~0xffff) === cur) Atomics.sub(arena.i32, i, cur & L.RW_COUNT_MAX);
  }
}

/** @internal At dispose: attached views see the runtime is gone (their waits reject ERR_DISPOSED). */
export function markDisposed(arena: Arena): void {
  Atomics.store(arena.i32, arena.word(L.H_DISPOSED), 1);
  const e = arena.word(L.H_SIGNAL_EPOCH);
  Atomics.add(arena.i32, e, 1);
  if (arena.shared) Atomics.notify(arena.i32, e);
}

/**
 * In another thread: a read-only view of a runtime's arena, from `rt.share()`. The handle must be
 * well formed (ERR_INVALID_ARG), on shared memory (ERR_NOT_ISOLATED), this runtime's own
 * (ERR_FOREIGN_HANDLE: its id must be the one in the arena) and the runtime not disposed
 * (ERR_DISPOSED).
 *
 * @example
 * ```ts
 * // owner thread
 * worker.postMessage({ rt: rt.share(), fence: ring.submit({}).share() });
 * // worker thread
 * const view = attachRuntime(msg.rt);
 * view.fence(msg.fence).addCallback((f) => console.log('signaled', f.status));
 * ```
 */
export function attachRuntime(handle: SharedRuntimeHandle): AttachedRuntime {
  const o = parseHandle('a shared runtime handle', 'rt.share()', handle, RUNTIME_KEYS, 'dmafence/runtime');
  if (typeof SharedArrayBuffer !== 'function') {
    throw new DmaFenceError('ERR_NOT_ISOLATED', 'attachRuntime needs the runtime on a SharedArrayBuffer (cross-origin isolation in browsers)');
  }
  const memory = o.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `handle.memory must be the runtime's WebAssembly.Memory, got ${describe(memory)}`);
  const buffer: ArrayBufferLike = memory.buffer;
  const size = buffer.byteLength;
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new DmaFenceError('ERR_NOT_ISOLATED', 'attachRuntime needs the runtime on a SharedArrayBuffer (cross-origin isolation in browsers)');
  }
  const base = checkInteger('handle.base', o.base, L.IDENTITY_SIZE, size - L.HEADER_SIZE);
  if (base % L.ALIGN) throw new DmaFenceRangeError('ERR_INVALID_ARG', `handle.base must be a multiple of ${L.ALIGN}, got ${base}`);
  const runtime = checkInteger('handle.runtime', o.runtime, 0, MAX_ID);
  const views = new ArenaViews(memory, base);
  if (!views.holdsArena()) {
    throw new DmaFenceRangeError('ERR_INVALID_ARG', 'that memory holds no dmafence arena of this version at handle.base');
  }
  const id = views.id;
  if (id !== runtime) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', 'that handle names another runtime than the one in its memory (it was not made by rt.share())');
  if (Atomics.load(views.i32, views.word(L.H_DISPOSED)) !== 0) throw disposed();
  return new AttachedRuntime(views, id);
}
