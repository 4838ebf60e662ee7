/**
 * AttachedRuntime: another thread's read-only view of a runtime's arena (attachRuntime). It checks
 * fence handles against the arena, makes RemoteFences, and waits on the arena's signal epoch
 * (registered as a remote waiter while it does), running remote callbacks on this thread.
 *
 * A fence handle whose slot no longer holds its fence is accepted only if the fence it names is
 * provably signaled (older than the oldest fence its context still has pending, and not past the
 * context's highest signaled seqno): it then reads signaled, with no values (stale). Anything
 * else is ERR_STALE_HANDLE.
 */
import * as L from '../core/layout.js';
import type { ArenaViews } from '../arena.js';
import { DmaFenceError, DmaFenceRangeError, abortReason, checkEnum, checkFunction, checkOptions } from '../errors.js';
import { ORIGIN_MS, REMOTE_POLL_MS, disposed, loadF64, monoMs, wallMs } from './common.js';
import type { ContextOptions } from '../fence-context.js';
import type { FenceContext } from '../fence-context.js';
import type { DmaFence } from '../dma-fence.js';
import type { Violation } from '../violations.js';
import { ThreadEmitter, reclaimEmitters } from './emitter.js';
import { ArenaReader } from './arena-reader.js';
import { parseContextOptions } from '../runtime-options.js';
import { reclaimWaiters } from './owner.js';
import { adoptHold, holdProbed, parseHold, releaseHold, renewHold, stillHeld } from './holds.js';
import type { HeldRef } from './holds.js';
import type { SharedFenceHandle, SharedRuntimeHandle } from './common.js';
import { checkRuntimeHandle, parseFenceHandle } from './handles.js';
import { RemoteFence } from './remote-fence.js';
import { WaiterRegistration } from './waiters.js';

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
  readonly #reader: ArenaReader;
  readonly #disposedIndex: number;
  readonly #epochIndex: number;
  readonly #watched = new Set<RemoteFence>();
  #watching = false;
  /** This view's registration in the remote waiter table. */
  readonly #waiters: WaiterRegistration;
  readonly #wasm: WebAssembly.Module | null;
  readonly #backend: 'wasm' | 'ts' | undefined;
  /** The emitter side, claimed by the first createContext. */
  #emitter: ThreadEmitter | undefined;
  /** art.dispose() was called. */
  #detached = false;
  readonly #callbackListeners = new Set<AttachedCallbackErrorListener>();

  /** @internal Use attachRuntime. */
  constructor(views: ArenaViews, id: number, wasm: WebAssembly.Module | null = null, backend?: 'wasm' | 'ts') {
    this.#wasm = wasm;
    this.#backend = backend;
    this.#views = views;
    this.#memory = views.memory;
    this.#base = views.base;
    this.#id = id;
    this.#i32 = views.i32;
    this.#u32 = views.u32;
    const h = (off: number) => views.word(off);
    this.#reader = new ArenaReader(views);
    this.#timeBase = loadF64(this.u32, h(L.H_TIME_BASE));
    this.#disposedIndex = h(L.H_DISPOSED);
    this.#epochIndex = h(L.H_SIGNAL_EPOCH);
    this.#waiters = new WaiterRegistration(views, this.#timeBase, () => Atomics.notify(this.#i32, this.#epochIndex));
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

  /** The references this runtime's views hold (view -> its view entry), and the GC's safety net. */
  readonly #held = new Map<RemoteFence | number, HeldRef>();
  readonly #heldBy = new WeakMap<RemoteFence, HeldRef>();
  readonly #heldRegistry = new FinalizationRegistry<HeldRef>((h) => this.#letGo(h));

  #adopt(f: RemoteFence, h: HeldRef): void {
    this.#held.set(h.v, h);
    this.#heldBy.set(f, h);
    this.#heldRegistry.register(f, h, f);
    this.#ensureTicker(); // the ticker renews the lease (it keeps nothing alive for that)
  }

  /** @internal view.release(): drops that view's reference, once. False if it held none. */
  _release(f: RemoteFence): boolean {
    const h = this.#heldBy.get(f);
    if (!h) return false;
    this.#heldBy.delete(f);
    this.#heldRegistry.unregister(f);
    this.#letGo(h);
    return true;
  }

  /** @internal view.held: it holds a reference, still its own (its lease did not expire). */
  _isHeld(f: RemoteFence): boolean {
    const h = this.#heldBy.get(f);
    return h !== undefined && this.#held.get(h.v) === h && stillHeld(this.#views, h);
  }

  #letGo(h: HeldRef): void {
    if (this.#held.get(h.v) !== h) return;
    this.#held.delete(h.v);
    if (Atomics.load(this.i32, this.#disposedIndex) === 0) releaseHold(this.#views, h);
  }

  /** @internal Throws ERR_DISPOSED once the owner disposed the runtime, or this view was disposed. */
  _check(): void {
    if (Atomics.load(this.i32, this.#disposedIndex) !== 0) {
      this.#emitter?.life.end(); // its contexts' waits reject, its handles throw
      throw disposed();
    }
    if (this.#detached) throw new DmaFenceError('ERR_DISPOSED', 'this attached runtime was disposed (art.dispose()): its objects can no longer be used');
  }

  /** True once this view was disposed, or the owner disposed the runtime. */
  get disposed(): boolean {
    return this.#detached || Atomics.load(this.i32, this.#disposedIndex) !== 0;
  }

  /**
   * A new fence context whose emitter is this thread (C1: the next id of the runtime's one
   * counter; C5: only this thread creates and signals its fences). The options are those of
   * `rt.createContext`. The first call claims one of the runtime's emitter headers
   * (ERR_CAPACITY when `maxEmitterThreads` threads hold one).
   */
  createContext(opts?: ContextOptions): FenceContext {
    this._check();
    const parsed = parseContextOptions(opts); // before the claim: bad options change nothing
    this.#emitter ??= ThreadEmitter.claim(this.#views, this.#wasm, this.#backend, (e, f) => this.#reportCallbackError(e, f));
    return this.#emitter.createContext(parsed);
  }

  /** The core this thread's contexts run on ('wasm' or 'ts'), or undefined before createContext. */
  get backend(): 'wasm' | 'ts' | undefined {
    this._check();
    return this.#emitter?.core.backend;
  }

  /** Rule breaks recorded on this thread's contexts (F16, C3), oldest first. */
  get violations(): readonly Violation[] {
    this._check();
    return this.#emitter?.violations ?? [];
  }

  /**
   * `on('callbackError', fn)`: fn gets what a callback run on this thread threw (a remote fence's,
   * or a fence of this thread's contexts), and the fence. Without a listener the error is written
   * to the console (console.error) and this thread goes on: a callback never kills its thread.
   */
  on(event: 'callbackError', fn: AttachedCallbackErrorListener): this {
    this._check();
    checkEnum('event', event, ['callbackError'] as const);
    checkFunction('listener', fn);
    this.#callbackListeners.add(fn);
    return this;
  }

  /** Removes a listener added with on(). */
  off(event: 'callbackError', fn: AttachedCallbackErrorListener): this {
    this._check();
    checkEnum('event', event, ['callbackError'] as const);
    checkFunction('listener', fn);
    this.#callbackListeners.delete(fn);
    return this;
  }

  /** @internal A callback run on this thread threw. */
  _callbackError(e: unknown, fence: RemoteFence): void {
    this.#reportCallbackError(e, fence);
  }

  #reportCallbackError(e: unknown, fence: RemoteFence | DmaFence): void {
    if (this.#callbackListeners.size === 0) {
      console.error('dmafence: a fence callback threw (add art.on("callbackError", fn) to handle it):', e);
      return;
    }
    for (const l of [...this.#callbackListeners]) {
      try {
        l(e, fence);
      } catch (e2) {
        console.error('dmafence: a callbackError listener threw:', e2);
      }
    }
  }

  /**
   * Detaches this thread: its contexts' pending fences signal -ECANCELED (T2), its handles and
   * remote fences throw ERR_DISPOSED and their pending waits reject with it, and its emitter
   * header and slots are free for another thread. Idempotent; also after the owner's dispose.
   */
  dispose(): void {
    if (this.#detached) return;
    const ownerGone = Atomics.load(this.i32, this.#disposedIndex) !== 0;
    if (!ownerGone) this.#emitter?.dispose();
    else this.#emitter?.life.end();
    for (const h of [...this.#held.values()]) this.#letGo(h);
    this.#detached = true;
    this.#watched.clear();
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    // Wake this thread's own waits (they see the flag and reject); other threads' waits on the
    // same word just look again and sleep.
    Atomics.notify(this.i32, this.#epochIndex);
  }

  /** `using art = attachRuntime(h)`: dispose() at the end of the scope. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * A view of a fence shared by the owning thread. The handle must be this runtime's
   * (ERR_FOREIGN_HANDLE), well formed and name a fence the runtime issued (ERR_INVALID_ARG), and
   * its slot must still hold that fence, or the fence must be provably signaled (then the view
   * reads signaled and its values are stale); otherwise ERR_STALE_HANDLE.
   */
  fence(h: SharedFenceHandle): RemoteFence {
    this._check();
    const r = this.#reader;
    const { slot, gen, context, seqno, hold } = parseFenceHandle(h, this.#id, r.maxFences);
    const ci = r.ctxIndexOf(context);
    if (ci < 0) throw new DmaFenceRangeError('ERR_INVALID_ARG', `this runtime has no context with id ${context}: that handle names no fence it issued`);
    const cw = r.ctxWord(ci);
    const last = r.stableF64(cw + (L.C_LAST_SEQNO >> 2));
    const first = last - r.stableF64(cw + (L.C_CREATED >> 2)) + 1;
    if (seqno > last || seqno < first) {
      throw new DmaFenceRangeError('ERR_INVALID_ARG', `context ${context} never issued seqno ${seqno} (it issued ${first > last ? 'none' : `${first}..${last}`}): that handle names no fence`);
    }
    // A held handle: take this view's reference first (the issuer's then stays until we let go).
    const ph = parseHold(hold);
    const ref = ph ? adoptHold(this.#views, ph.k, ph.word) : undefined;
    const owner = ((Atomics.load(r.u32, cw + (L.C_FLAGS >> 2)) >>> L.CF_EMITTER_SHIFT) & 0xff) === 0;
    if (r.holds(slot, gen, ci, seqno)) {
      const f = new RemoteFence(this, r.slotWord(slot), r.coldWord(slot), gen, ci, context, seqno, false, owner);
      if (ref) this.#adopt(f, ref);
      return f;
    }
    if (ref) releaseHold(this.#views, ref);
    if (r.provablySignaled(ci, seqno)) return new RemoteFence(this, r.slotWord(slot), r.coldWord(slot), gen, ci, context, seqno, true, owner);
    throw new DmaFenceError(
      'ERR_STALE_HANDLE',
      `slot ${slot} no longer holds fence ${context}:${seqno} (generation ${gen}) and that fence cannot be shown to be signaled: ` +
        'the owner released it, or the handle was not made by fence.share() (keep the owner\'s handle until the other thread has called view.fence(h))',
    );
  }

  /**
   * One timer per view, while waits are in progress: every REMOTE_POLL_MS it renews this view's
   * lease and looks after threads that ended (#lookAfterOthers), so no wait needs a timeout of its
   * own for that; in Node it also keeps the process alive while a wait sleeps (a pending
   * waitAsync alone does not). Made once; referenced by the first wait that sleeps while it is
   * not, and unreferenced by the tick that finds no wait sleeping (not at every wait's end: back
   * to back waits would pay a ref and an unref each), so a process may stay up to REMOTE_POLL_MS
   * after its last wait ended. Where timers have no ref() (browsers) it just keeps running until
   * dispose.
   */
  #keepCount = 0;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #refed = false;
  #ticks = 0;
  #ensureTicker(): { ref?(): unknown; unref?(): unknown } {
    if (this.#ticker === undefined) {
      this.#ticker = setInterval(() => this.#tick(), REMOTE_POLL_MS);
      (this.#ticker as { unref?(): unknown }).unref?.();
    }
    return this.#ticker as { ref?(): unknown; unref?(): unknown };
  }
  /** A wait starts to sleep: count it; keep the process alive. */
  #hold(): void {
    this.#keepCount++;
    if (this.#refed) return;
    this.#refed = true;
    this.#ensureTicker().ref?.();
  }
  #tick(): void {
    if (this.disposed) {
      // Nothing left to renew, and nothing may keep the process alive any more.
      clearInterval(this.#ticker);
      this.#ticker = undefined;
      this.#refed = false;
      return;
    }
    if (this.#held.size) {
      const now = (wallMs() - this.#timeBase) | 0;
      for (const h of this.#held.values()) renewHold(this.#views, h, now);
    }
    // Renews the lease, or gives the entry back when no wait is in progress. A registration
    // freed meanwhile (this thread was taken for dead: its event loop stood still past the lease
    // and a probe's answer) may have let signals pass without a notify: sync then makes the waits
    // look again (as begin() and end() do, when one of them finds it first).
    if (this.#waiters.registered || this.#waiters.waits > 0) this.#waiters.sync((wallMs() - this.#timeBase) | 0);
    if (this.#keepCount === 0) {
      if (this.#refed) {
        this.#refed = false;
        this.#ensureTicker().unref?.();
      }
      return;
    }
    if (++this.#ticks % 4 === 0) this.#lookAfterOthers();
  }

  /** ms since the arena's time base (wraps as an i32) at this thread's monotonic `t` (monoMs()). */
  #rel(t: number): number {
    return (ORIGIN_MS + t - this.#timeBase) | 0;
  }

  /*
   * The futex protocol (DESIGN.md, "Wake-ups"), the waiter's half. A wait that found its fence
   * pending (1) counts itself (WaiterRegistration.begin: a compareExchange on its entry, an add on
   * the total), (2) reads the epoch, (3) looks at the fence again, (4) sleeps on the epoch with the
   * value read in (2). The signaler (publishSignals) (a) stores the SIGNALED bit, (b) loads the
   * total, (c) if it is not zero, adds 1 to the epoch and notifies it. Every step is a
   * sequentially consistent atomic, so all of them sit in one total order:
   *   - (b) before (1): then (a) before (3), and the look sees the bit; no sleep.
   *   - (1) before (b): the signaler sees the count and does (c). If (c)'s add comes before (2),
   *     then (a) before (3): the look sees the bit. If it comes after (2), the epoch is no longer
   *     the value (4) sleeps on: Atomics.wait returns at once ('not-equal'), or (c)'s notify,
   *     which follows the add, wakes the sleep.
   * So a wait never sleeps through the signal it waits for: no lost wake-up, and no poll needed.
   * The common async wait (no deadline, no abort signal) arms its sleep first: (2), (4), (1), (3).
   * The argument holds as well (the sleep is in the host's waiter list before (1), so a notify
   * that follows (b) after (1) wakes it), and the host's waitAsync call comes right after the
   * first look: on the heels of the signal this thread just made, before the woken thread makes
   * its own futex calls (the host takes one lock for every wait and notify of the process). A
   * second look that finds the fence signaled leaves that sleep armed: a notify ends it.
   * Counting only after the first look (the fast check in wait()/waitSync()) keeps a fence that
   * is already signaled at one look, with no shared write. Breaking the order, e.g. looking
   * before counting and arming, loses wake-ups: test/remote-wake-race.test.ts catches it.
   */

  /**
   * @internal
   * Waits until `done()` is true or timeoutNs passes (real time), with the protocol above; sleeps
   * with no timeout but its own (the view's ticker renews the lease), or REMOTE_POLL_MS at most
   * while the waiter table is full (then it polls). Rejects ERR_DISPOSED once the owner disposed
   * the runtime (or this view was disposed). One promise per wait (plus the host's per sleep).
   */
  _waitUntil(done: () => boolean, timeoutNs: number, signal?: AbortSignal): Promise<boolean> {
    const i32 = this.#i32;
    const ei = this.#epochIndex;
    let armed: { async: boolean; value: unknown } | undefined;
    let epoch: number;
    let registered: boolean;
    if (timeoutNs === Infinity && signal === undefined) {
      epoch = Atomics.load(i32, ei); // (2)
      armed = Atomics.waitAsync(i32, ei, epoch); // (4), armed
      registered = this.#waiters.begin(); // (1)
    } else {
      registered = this.#waiters.begin(); // (1)
      epoch = Atomics.load(i32, ei); // (2)
    }
    try {
      this._check(); // after the epoch read: dispose sets the flag, then bumps the epoch
      if (signal?.aborted) throw abortReason(signal);
      if (done()) {
        // (3) signaled meanwhile: no sleep (an armed one ends at a notify: this one)
        this.#waiters.end();
        if (armed?.async) Atomics.notify(i32, ei);
        return Promise.resolve(true);
      }
    } catch (e) {
      this.#waiters.end();
      if (armed?.async) Atomics.notify(i32, ei);
      return Promise.reject(e);
    }
    if (!registered && armed) {
      // The table is full: this wait polls (the armed sleep has no deadline: end it).
      if (armed.async) Atomics.notify(i32, ei);
      armed = undefined;
    }
    this.#hold();
    return this.#sleep(done, epoch, armed, timeoutNs === Infinity ? Infinity : monoMs() + timeoutNs / 1e6, registered, signal);
  }

  /** _waitUntil's sleeps (4): counted and held until it settles. */
  async #sleep(done: () => boolean, epoch: number, armed: { async: boolean; value: unknown } | undefined, end: number, registered: boolean, signal?: AbortSignal): Promise<boolean> {
    const i32 = this.#i32;
    const ei = this.#epochIndex;
    const kick = signal && (() => Atomics.notify(i32, ei));
    if (kick) signal.addEventListener('abort', kick, { once: true });
    try {
      for (;;) {
        let r = armed;
        armed = undefined;
        if (r === undefined) {
          let left: number | undefined;
          if (end !== Infinity) {
            left = end - monoMs();
            if (left <= 0) return false;
          }
          if (!registered) left = Math.min(left ?? REMOTE_POLL_MS, REMOTE_POLL_MS);
          r = Atomics.waitAsync(i32, ei, epoch, left);
        }
        if (r.async) await r.value;
        if (signal?.aborted) throw abortReason(signal);
        epoch = Atomics.load(i32, ei);
        this._check();
        if (done()) return true;
        registered ||= this.#waiters.registered; // the ticker registers it once there is room
      }
    } finally {
      if (kick) signal.removeEventListener('abort', kick);
      this.#keepCount--;
      this.#waiters.end();
    }
  }

  /** Did a reclaimer probe this view's leases (its waiter registration's, its emitter header's:
   *  odd)? Two atomic loads. */
  #probed(): boolean {
    if (this.#waiters.probed) return true;
    const e = this.#emitter;
    if (e !== undefined && (Atomics.load(this.#i32, e.arena.word(L.EH_LEASE)) & 1) !== 0) return true;
    if (this.#held.size === 0) return false;
    for (const h of this.#held.values()) if (holdProbed(this.#views, h)) return true;
    return false;
  }

  /** Renews this view's leases (waiter registration, emitter header, held fences): even, a probe answered. */
  #renewLeases(now: number): void {
    this.#waiters.sync(now);
    this.#emitter?.renew(now & ~1);
    for (const h of this.#held.values()) renewHold(this.#views, h, now);
  }

  /**
   * @internal The same wait, blocking this thread (Atomics.wait): for workers, where it is the
   * fastest wake there is. ERR_WOULD_BLOCK where the thread may not block (a page's main thread).
   * The caller (RemoteFence.waitSync) made the disposed check. This thread's event loop does not
   * run while it sleeps, so its leases are not renewed by its timers: it sleeps with no deadline
   * (but the caller's), and a reclaimer that finds one of its leases expired probes it first
   * (owner.ts, lapsed: the lease marked odd, then the epoch bumped and notified). The probe check
   * comes after the epoch read (2): a probe made before that read is seen by the check, one made
   * after it changed the epoch the sleep compares with, so its notify is never slept through. A
   * wake answers a probe before its look, so one that finds the fence signaled leaves none. On a fence of an attached emitter (`owner`
   * false) it sleeps REMOTE_POLL_MS at most at a time and looks after threads that ended at each
   * timeout, so that the emitter's death cancels the fence (T2) even if no other thread looks.
   */
  _waitSync(done: () => boolean, timeoutNs: number, owner: boolean): boolean {
    if (done()) return true;
    if (timeoutNs === 0) return false;
    const i32 = this.#i32;
    const ei = this.#epochIndex;
    const end = timeoutNs === Infinity ? Infinity : monoMs() + timeoutNs / 1e6;
    this.#waiters.begin(); // (1)
    try {
      let timedOut = false;
      let answered = false;
      for (;;) {
        if (timedOut) {
          // Before (2): a registration taken meanwhile is made afresh, then looked past.
          this.#renewLeases(this.#rel(monoMs()));
          this.#lookAfterOthers();
        }
        const epoch = Atomics.load(i32, ei); // (2)
        this._check();
        if (done()) return true; // (3): the common wake ends here, with no clock read
        if (!answered && this.#probed()) {
          // A probe answered, then (2) again; once per sleep: a lease this thread cannot renew
          // any more (its emitter header reclaimed) stays odd, and must not make it spin.
          this.#renewLeases(this.#rel(monoMs()));
          answered = true;
          continue;
        }
        let left = Infinity;
        if (end !== Infinity) {
          left = end - monoMs();
          if (left <= 0) return false;
        }
        if (!owner || !this.#waiters.registered) left = Math.min(left, REMOTE_POLL_MS);
        let r: string;
        try {
          r = left === Infinity ? Atomics.wait(i32, ei, epoch) : Atomics.wait(i32, ei, epoch, left); // (4)
        } catch (e) {
          throw new DmaFenceError('ERR_WOULD_BLOCK', `this thread may not block (Atomics.wait: ${(e as Error)?.message}): use wait() instead of waitSync()`);
        }
        timedOut = r === 'timed-out';
        answered = false;
        if (!timedOut && this.#probed()) {
          // Woken or the epoch moved, perhaps by a probe made after the check above: answered
          // here, before the look, so that a wake that finds the fence signaled and returns
          // leaves no probe unanswered.
          this.#renewLeases(this.#rel(monoMs()));
          answered = true;
        }
      }
    } finally {
      this.#waiters.end();
    }
  }

  /**
   * A view's ticker (every fourth tick while waits sleep) and a waitSync's timeouts look after
   * threads that ended: emitter headers whose lease lapsed (expired, probed, not answered) are
   * reclaimed (their pending fences signal -ECANCELED, T2), and so are waiter
   * registrations (so signalers stop paying a notify for them).
   */
  #lookAfterOthers(): void {
    reclaimEmitters(this.#views, this.#emitter?.core);
    reclaimWaiters(this.#views, (wallMs() - this.#timeBase) | 0);
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
export function attachRuntime(handle: SharedRuntimeHandle, opts?: AttachOptions): AttachedRuntime {
  const o = checkOptions('attachRuntime options', opts, ['backend']);
  const backend = o.backend === undefined ? undefined : checkEnum('backend', o.backend, ['wasm', 'ts'] as const);
  const { views, id, wasm } = checkRuntimeHandle(handle);
  return new AttachedRuntime(views, id, wasm, backend);
}

/** attachRuntime's options. */
export interface AttachOptions {
  /**
   * The core this thread's own contexts run on: 'wasm' (the runtime's module, instantiated
   * synchronously: ERR_WASM where the thread refuses that, or for a ts runtime), 'ts' (the same
   * core in TypeScript). Default: wasm when the runtime shared its module and this thread can
   * instantiate it, else ts.
   */
  backend?: 'wasm' | 'ts';
}

/** A listener of art.on('callbackError'): what a callback run on this thread threw, and the fence. */
export type AttachedCallbackErrorListener = (error: unknown, fence: RemoteFence | DmaFence) => void;
