/**
 * RemoteFence: a fence of another thread's runtime, read through the shared arena. Reads are
 * seqlock style: generation, state, context index and seqno are read (atomically) before the
 * fields and the generation again after, and a view whose slot no longer holds its fence (a
 * generation that moved on, or wrapped, or a context or seqno that differs) never reads that slot
 * again. The owner's cores publish in the matching order (layout.ts, "Fence slot"). A slot is two
 * records, its hot words (state, generation, error) and its cold ones (seqno, timestamp): the
 * generation and state read before and after cover both.
 */
import * as L from '../core/layout.js';
import { DmaFenceError, abortReason, checkDuration, checkFunction, checkOptions } from '../errors.js';
import { parseWaitOptions } from '../dma-fence.js';
import type { WaitOptions } from '../dma-fence.js';
import { loadF64 } from './common.js';
import type { AttachedRuntime } from './attached-runtime.js';

/** A remote fence's callback: called once, on the viewing thread, when the fence is seen signaled. */
export type RemoteCallback = (fence: RemoteFence) => void;

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
  /** Word index of the slot's hot words, and of its cold words. */
  readonly #w: number;
  readonly #cw: number;
  readonly #gen: number;
  readonly #ci: number;
  readonly #context: number;
  readonly #seqno: number;
  /** Its context's emitter is the runtime's owner (not an attached thread): waitSync may sleep
   *  with no deadline (attached-runtime.ts, _waitSync). */
  readonly #owner: boolean;
  #final: Final | undefined;
  #pendingError = 0;
  /** Queued callbacks (made by the first addCallback). */
  #callbacks: RemoteCallback[] | undefined;

  /** @internal A real RemoteFence (its private fields), not an object shaped like one. */
  static _is(x: unknown): x is RemoteFence {
    return typeof x === 'object' && x !== null && #rt in x;
  }

  /** @internal Use view.fence(handle). */
  constructor(rt: AttachedRuntime, slotWord: number, coldWord: number, gen: number, ci: number, context: number, seqno: number, recycled: boolean, owner: boolean) {
    this.#rt = rt;
    this.#w = slotWord;
    this.#cw = coldWord;
    this.#gen = gen;
    this.#ci = ci;
    this.#context = context;
    this.#seqno = seqno;
    this.#owner = owner;
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
    const cw = this.#cw;
    for (;;) {
      const g1 = Atomics.load(u32, w + (L.S_GEN >> 2));
      const st = Atomics.load(u32, w + (L.S_STATE >> 2));
      const s = loadF64(u32, cw + (L.CS_SEQNO >> 2));
      // Not this fence any more (freed, reused, or a generation that wrapped): it was signaled.
      if (g1 !== this.#gen || !(st & L.FS_ALLOC) || st >>> L.STATE_CTX_SHIFT !== this.#ci || s !== this.#seqno) return (this.#final = RECYCLED);
      const error = Atomics.load(i32, w + (L.S_ERROR >> 2));
      // After the fields, the generation *and the state word* again. The owner clears a recycled
      // slot's state before it bumps the generation and writes the next fence's words (state last),
      // so a reader that sees a new generation sees the cleared state or the next fence's; a second
      // look at both catches a recycle that happened while the fields were read.
      if (!(st & L.FS_SIGNALED)) {
        if (Atomics.load(u32, w + (L.S_GEN >> 2)) !== g1 || Atomics.load(u32, w + (L.S_STATE >> 2)) !== st) continue;
        this.#pendingError = error;
        return undefined;
      }
      const timestamp = loadF64(u32, cw + (L.CS_TIMESTAMP >> 2));
      if (Atomics.load(u32, w + (L.S_GEN >> 2)) !== g1 || Atomics.load(u32, w + (L.S_STATE >> 2)) !== st) continue;
      return (this.#final = { error, timestamp });
    }
  }

  #stale(): DmaFenceError {
    return new DmaFenceError('ERR_STALE_HANDLE', `fence ${this.#context}:${this.#seqno} is signaled, but the owner released it and its slot was reused before this view read its values`);
  }

  /** The waits' test (one function per view, made by its first wait that sleeps). */
  #doneFn: (() => boolean) | undefined;
  get #done(): () => boolean {
    return (this.#doneFn ??= () => this.#look() !== undefined);
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

  /**
   * Drops this view's reference to its fence (a view of a held handle, the default of
   * `fence.share()`): its emitter may then recycle it once nobody else holds it, and this view may
   * read stale from then on. Returns false if it held nothing (or already let go): a second
   * release changes nothing. Also by Symbol.dispose, the GC, and the view's `dispose()`.
   */
  release(): boolean {
    this.#rt._check();
    return this.#rt._release(this);
  }

  /**
   * True while this view keeps its fence alive: made from a held handle (`fence.share()`) while
   * that handle was open for views, with room in the hold table, not released yet, and its lease
   * kept (its thread alive and renewing it).
   */
  get held(): boolean {
    this.#rt._check();
    return this.#rt._isHeld(this);
  }

  /** `using f = view.fence(h)`: release() at the end of the scope. */
  [Symbol.dispose](): void {
    if (!this.#rt.disposed) this.#rt._release(this);
  }

  /** @internal */
  _signaled(): boolean {
    return this.#look() !== undefined;
  }

  /** F9 across threads: true when signaled, false after timeoutNs of real time. */
  wait(opts?: WaitOptions): Promise<boolean> {
    try {
      this.#rt._check();
      if (opts === undefined) {
        // (the common call: no options to parse, nothing allocated before the first look)
        if (this.#look()) return Promise.resolve(true);
        return this.#rt._waitUntil(this.#done, Infinity);
      }
      const { timeoutNs, signal } = parseWaitOptions(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.#look()) return Promise.resolve(true);
      if (timeoutNs === 0) return Promise.resolve(false);
      return this.#rt._waitUntil(this.#done, timeoutNs, signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * F9 across threads, blocking: true when signaled, false after timeoutNs of real time. Blocks
   * this thread in Atomics.wait (a worker's fastest wake-up); ERR_WOULD_BLOCK where the thread
   * may not block (a page's main thread).
   */
  waitSync(opts?: { timeoutNs?: number }): boolean {
    this.#rt._check();
    if (opts === undefined) return this.#rt._waitSync(this.#done, Infinity, this.#owner);
    const o = checkOptions('waitSync options', opts, ['timeoutNs']);
    const timeoutNs = o.timeoutNs === undefined ? Infinity : checkDuration('timeoutNs', o.timeoutNs);
    this.#rt._check(); // again: reading the options ran the caller's code (a getter may have disposed the view)
    return this.#rt._waitSync(this.#done, timeoutNs, this.#owner);
  }

  /**
   * F6, F7, F18 across threads: false if the fence is already signaled (fn never runs); otherwise
   * fn runs exactly once on this thread after the owner signals it.
   */
  addCallback(fn: RemoteCallback): boolean {
    this.#rt._check();
    checkFunction('callback', fn);
    if (this.#look()) return false;
    (this.#callbacks ??= []).push(fn);
    this.#rt._watch(this);
    return true;
  }

  /** F8: true only if fn was still queued. */
  removeCallback(fn: RemoteCallback): boolean {
    this.#rt._check();
    const cbs = this.#callbacks;
    const i = cbs ? cbs.indexOf(fn) : -1;
    if (i < 0) return false;
    cbs!.splice(i, 1);
    if (!cbs!.length) this.#rt._unwatch(this);
    return true;
  }

  /** @internal */
  _fire(): void {
    const cbs = this.#callbacks;
    this.#callbacks = undefined;
    if (cbs === undefined) return;
    for (const fn of cbs) {
      try {
        fn(this);
      } catch (e) {
        this.#rt._callbackError(e, this); // art.on('callbackError'), else the console: never thrown
      }
    }
  }
}
