/**
 * Cross-thread fences. `rt.share()` and `fence.share()` make small serialisable handles; another
 * thread (a worker) calls `attachRuntime(handle)` for a read-only view of the same arena and
 * `view.fence(handle)` for a RemoteFence it can poll, wait on and add callbacks to.
 *
 * Contract: a view never writes fence state (only the owning thread signals, C5); it reads slot
 * words and waits on the arena's signal epoch, which the owner bumps after signaling while a remote
 * waiter exists. Waits also poll every REMOTE_POLL_MS, so a missed wakeup delays, never loses, a
 * signal. A remote handle does not pin its slot: once the owner releases the fence and its slot
 * is recycled, `signaled` still reads true (a slot is recycled only after its fence signaled) and
 * the other reads throw ERR_STALE_HANDLE.
 */
import * as L from './core/layout.js';
import type { Arena } from './arena.js';
import { DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, abortReason, checkFunction, describe } from './errors.js';
import { parseWaitOptions } from './dma-fence.js';
import type { WaitOptions } from './dma-fence.js';

/** What `rt.share()` returns: post it to a worker. */
export interface SharedRuntimeHandle {
  kind: 'dmafence/runtime';
  memory: WebAssembly.Memory;
  base: number;
}

/** What `fence.share()` returns: post it to a thread that attached the runtime. */
export interface SharedFenceHandle {
  kind: 'dmafence/fence';
  slot: number;
  gen: number;
  context: number;
  seqno: number;
}

/** The longest a remote wait sleeps before looking again, ms. */
export const REMOTE_POLL_MS = 10;

export type RemoteCallback = (fence: RemoteFence) => void;

export class AttachedRuntime {
  readonly memory: WebAssembly.Memory;
  readonly base: number;
  /** @internal */ readonly i32: Int32Array;
  /** @internal */ readonly u32: Uint32Array;
  /** @internal */ readonly f64: Float64Array;
  readonly #slotWord0: number;
  readonly #watched = new Set<RemoteFence>();
  #watching = false;

  /** @internal Use attachRuntime. */
  constructor(h: SharedRuntimeHandle) {
    this.memory = h.memory;
    this.base = h.base;
    this.i32 = new Int32Array(h.memory.buffer);
    this.u32 = new Uint32Array(h.memory.buffer);
    this.f64 = new Float64Array(h.memory.buffer);
    if (this.i32[(h.base + L.H_MAGIC) >> 2] !== L.MAGIC || this.i32[(h.base + L.H_VERSION) >> 2] !== L.LAYOUT_VERSION) {
      throw new DmaFenceTypeError('ERR_INVALID_ARG', 'that memory holds no dmafence arena of this version');
    }
    this.#slotWord0 = (h.base + this.i32[(h.base + L.H_SLOT_OFF) >> 2]) >> 2;
  }

  /** A view of a fence shared by the owning thread. */
  fence(h: SharedFenceHandle): RemoteFence {
    if (typeof h !== 'object' || h === null || h.kind !== 'dmafence/fence') throw new DmaFenceTypeError('ERR_INVALID_ARG', `expected a shared fence handle, got ${describe(h)}`);
    const maxFences = this.i32[(this.base + L.H_MAX_FENCES) >> 2];
    const int = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
    if (!int(h.slot, maxFences - 1) || !int(h.gen, 0xffffffff) || !int(h.context, 0xffffffff) || !int(h.seqno, Number.MAX_SAFE_INTEGER)) {
      throw new DmaFenceRangeError('ERR_INVALID_ARG', 'that fence handle does not fit this arena (was it made by fence.share() on this runtime?)');
    }
    return new RemoteFence(this, { ...h });
  }

  /** @internal */
  slotWord(slot: number): number {
    return this.#slotWord0 + (slot << (L.SLOT_SHIFT - 2));
  }

  #epochIndex(): number {
    return (this.base + L.H_SIGNAL_EPOCH) >> 2;
  }

  /**
   * Waits until `done()` is true or timeoutNs passes (real time). Registers as a remote waiter
   * first, then reads the epoch, then checks: the owner bumps the epoch after any signal it makes
   * while a remote waiter exists, so the wait cannot sleep through the signal it waits for.
   */
  async _waitUntil(done: () => boolean, timeoutNs: number, signal?: AbortSignal): Promise<boolean> {
    const rw = (this.base + L.H_REMOTE_WAITERS) >> 2;
    Atomics.add(this.i32, rw, 1);
    const keep = setInterval(() => {}, 1 << 30); // a pending waitAsync alone does not keep Node alive
    try {
      const end = timeoutNs === Infinity ? Infinity : performance.now() + timeoutNs / 1e6;
      for (;;) {
        if (signal?.aborted) throw abortReason(signal);
        const epoch = Atomics.load(this.i32, this.#epochIndex());
        if (done()) return true;
        const left = end - performance.now();
        if (left <= 0) return false;
        const r = Atomics.waitAsync(this.i32, this.#epochIndex(), epoch, Math.min(left, REMOTE_POLL_MS));
        if (r.async) await r.value;
      }
    } finally {
      clearInterval(keep);
      Atomics.sub(this.i32, rw, 1);
    }
  }

  /** @internal callbacks of remote fences run on this thread, once each, when they signal */
  _watch(f: RemoteFence): void {
    this.#watched.add(f);
    if (this.#watching) return;
    this.#watching = true;
    void this._waitUntil(() => {
      for (const w of this.#watched) {
        if (w.signaled) {
          this.#watched.delete(w);
          w._fire();
        }
      }
      return this.#watched.size === 0;
    }, Infinity).finally(() => {
      this.#watching = false;
      if (this.#watched.size) this._watch([...this.#watched][0]);
    });
  }

  /** @internal */
  _unwatch(f: RemoteFence): void {
    this.#watched.delete(f);
  }
}

export class RemoteFence {
  readonly #rt: AttachedRuntime;
  readonly #h: SharedFenceHandle;
  #callbacks: RemoteCallback[] = [];

  /** @internal */
  constructor(rt: AttachedRuntime, h: SharedFenceHandle) {
    this.#rt = rt;
    this.#h = h;
  }

  get seqno(): number {
    return this.#h.seqno;
  }
  get context(): number {
    return this.#h.context;
  }

  #current(): boolean {
    return this.#rt.u32[this.#rt.slotWord(this.#h.slot) + (L.S_GEN >> 2)] === this.#h.gen;
  }

  /** Signaled yet? (A recycled slot means it was.) */
  get signaled(): boolean {
    const st = Atomics.load(this.#rt.u32, this.#rt.slotWord(this.#h.slot));
    return !this.#current() || (st & L.FS_SIGNALED) !== 0;
  }

  #live(): number {
    if (!this.#current()) throw new DmaFenceError('ERR_STALE_HANDLE', 'the fence was released by its owner and its slot reused');
    return this.#rt.slotWord(this.#h.slot);
  }

  /** F5, read across threads. */
  get status(): number {
    const w = this.#live();
    if (!(Atomics.load(this.#rt.u32, w) & L.FS_SIGNALED)) return 0;
    return this.#rt.i32[w + (L.S_ERROR >> 2)] || 1;
  }

  get error(): number {
    return this.#rt.i32[this.#live() + (L.S_ERROR >> 2)];
  }

  get timestamp(): number {
    const w = this.#live();
    if (!(Atomics.load(this.#rt.u32, w) & L.FS_SIGNALED)) throw new DmaFenceError('ERR_FENCE_PENDING', 'a pending fence has no timestamp');
    return this.#rt.f64[(w >> 1) + (L.S_TIMESTAMP >> 3)];
  }

  /** F9 across threads: true when signaled, false after timeoutNs of real time. */
  wait(opts?: WaitOptions): Promise<boolean> {
    try {
      const { timeoutNs, signal } = parseWaitOptions(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.signaled) return Promise.resolve(true);
      if (timeoutNs === 0) return Promise.resolve(false);
      return this.#rt._waitUntil(() => this.signaled, timeoutNs, signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * F6, F7, F18 across threads: false if the fence is already signaled (fn never runs); otherwise
   * fn runs exactly once on this thread after the owner signals it.
   */
  addCallback(fn: RemoteCallback): boolean {
    checkFunction('callback', fn);
    if (this.signaled) return false;
    this.#callbacks.push(fn);
    this.#rt._watch(this);
    return true;
  }

  /** F8: true only if fn was still queued. */
  removeCallback(fn: RemoteCallback): boolean {
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
  return { kind: 'dmafence/runtime', memory: arena.memory, base: arena.base };
}

/** @internal The handle fence.share() returns, for the fence in `slot` (generation `gen`). */
export function shareFence(arena: Arena, slot: number, gen: number, ctxIndex: number, ctxId: number, seqno: number): SharedFenceHandle {
  void arena;
  void ctxIndex;
  return { kind: 'dmafence/fence', slot, gen, context: ctxId, seqno };
}

/**
 * @internal After every signaling pass on the owner's thread: wakes attached threads that wait on
 * fences. Costs one atomic load when none waits.
 */
export function publishSignals(arena: Arena): void {
  const i = (arena.base + L.H_REMOTE_WAITERS) >> 2;
  if (!arena.shared || Atomics.load(arena.i32, i) === 0) return;
  Atomics.add(arena.i32, (arena.base + L.H_SIGNAL_EPOCH) >> 2, 1);
  Atomics.notify(arena.i32, (arena.base + L.H_SIGNAL_EPOCH) >> 2);
}

/** @internal At dispose: attached views see the runtime is gone (their waits reject ERR_DISPOSED). */
export function markDisposed(arena: Arena): void {
  void arena;
}

/** In another thread: a read-only view of a runtime's arena, from `rt.share()`. */
export function attachRuntime(handle: SharedRuntimeHandle): AttachedRuntime {
  if (typeof handle !== 'object' || handle === null || handle.kind !== 'dmafence/runtime') {
    throw new DmaFenceTypeError('ERR_INVALID_ARG', `expected the handle from rt.share(), got ${describe(handle)}`);
  }
  if (typeof SharedArrayBuffer !== 'function' || !(handle.memory?.buffer instanceof SharedArrayBuffer)) {
    throw new DmaFenceError('ERR_NOT_ISOLATED', 'attachRuntime needs the runtime on a SharedArrayBuffer (cross-origin isolation in browsers)');
  }
  return new AttachedRuntime(handle);
}
