/**
 * DmaFence: the shareable, read-only handle of a fence (no signal method: C5). DriverFence: the
 * emitter's handle, the only one that signals or sets an error.
 *
 * Contract: use them on the thread that owns the Runtime. A handle pins its fence's slot until
 * `release()` (or Symbol.dispose, or garbage collection); after release every use throws
 * ERR_STALE_HANDLE. Reads are direct arena reads (no call into the core).
 */
import type { FenceCallback, FenceRecord, FenceTable } from './fence-table.js';
import { listened } from './fence-table.js';
import * as L from './core/layout.js';
import { shareFence } from './attach.js';
import type { SharedFenceHandle } from './attach.js';
import { HoldIssuer } from './remote/holds.js';
import { seqnoLater } from './core/seqno.js';
import { HANDLE_TOKEN, throwNotMadeHere } from './handle-token.js';
import {
  DmaFenceError, DmaFenceTypeError, abortReason, checkBoolean, checkDuration, checkErrno, checkFunction, checkOptions, describe,
} from './errors.js';

/** Options of DmaFence.share. */
export interface ShareOptions {
  /**
   * Default true: every view made from the handle (in any thread) keeps the fence alive until it
   * releases it or its thread ends. `false`: a plain handle, which pins nothing (keep your own
   * handle until the other thread made its view).
   */
  hold?: boolean;
}

/** Options of DmaFence.wait and Runtime.waitAny. */
export interface WaitOptions {
  /** Nanoseconds on the runtime's clock; 0 answers at once; omitted or Infinity: no timeout. */
  timeoutNs?: number;
  /** Aborting rejects the wait with the signal's reason (an AbortError); the fence is untouched. */
  signal?: AbortSignal;
}

export function checkAbortSignal(v: unknown): AbortSignal | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || typeof (v as AbortSignal).addEventListener !== 'function' || !('aborted' in v)) {
    throw new DmaFenceTypeError('ERR_INVALID_ARG', `signal must be an AbortSignal, got ${describe(v)}`);
  }
  return v as AbortSignal;
}

const WAIT_KEYS = ['timeoutNs', 'signal'] as const;

/** Parses wait options (shared by wait and waitAny). */
export function parseWaitOptions(opts: unknown): { timeoutNs: number; signal?: AbortSignal } {
  const o = checkOptions('wait options', opts, WAIT_KEYS);
  const timeoutNs = o.timeoutNs === undefined ? Infinity : checkDuration('timeoutNs', o.timeoutNs);
  return { timeoutNs, signal: checkAbortSignal(o.signal) };
}

/** Throws ERR_STALE_HANDLE (a declared function: its call needs no hole check, so `live` stays small). */
function throwStale(): never {
  throw new DmaFenceError('ERR_STALE_HANDLE', 'this fence handle was released; it no longer refers to any fence');
}

/**
 * A handle's record, after the checks every member makes: ERR_DISPOSED once the runtime is
 * disposed, then ERR_STALE_HANDLE once released. A function, not a private method: a private
 * method makes every constructor store a brand, which kept the constructors from inlining.
 */
function live(t: FenceTable, rec: FenceRecord | null): FenceRecord {
  // 27 bytes of bytecode: TurboFan inlines functions this small even once its budget is spent.
  t.life.check();
  if (rec === null) throwStale();
  return rec;
}

/**
 * The shareable, read-only handle of a fence (C5: no signal method). Reads go straight to the
 * arena. A handle pins its fence's slot until `release()` (or `Symbol.dispose`, or garbage
 * collection); after release every member throws ERR_STALE_HANDLE, and after the runtime's
 * dispose ERR_DISPOSED. Use it on the runtime's driver thread; for another thread, `share()` it.
 *
 * @example
 * ```ts
 * const f = ring.submit({});
 * f.addCallback((fence) => console.log(fence.status));   // 1, or a negative errno
 * const ok = await rt.sim.runUntilSettled(f.wait({ timeoutNs: 1e6 }));
 * f.release();
 * ```
 */
export class DmaFence {
  #t: FenceTable;
  #rec: FenceRecord | null;

  /**
   * @internal Made only by FenceTable.handleOf, which takes its reference: the constructor is a
   * token check and two stores, small enough for TurboFan to inline wherever a handle is made
   * (README Performance, the object API). No private methods either: one would add a brand store
   * here. Any other `new` gets ERR_INVALID_ARG (handle-token.ts).
   */
  constructor(token: symbol, table: FenceTable, rec: FenceRecord) {
    if (token !== HANDLE_TOKEN) throwNotMadeHere();
    this.#t = table;
    this.#rec = rec;
  }

  /** @internal */
  get _record(): FenceRecord {
    return live(this.#t, this.#rec);
  }
  /** @internal Released yet? No dispose check (for the table and DriverFence.fence). */
  static _released(f: DmaFence): boolean {
    return f.#rec === null;
  }
  /**
   * @internal The table's release of a handle it made for a callback's call: release() without
   * its rethrow of kept callback errors, which the signal that ran the callbacks reports once they
   * have all run (a rethrow here, in the middle of a notify, lost the callbacks after it). The
   * handle is a plain one (not a DriverFence's fence): released as such, or its registry entry
   * outlives it and its collection unpins the slot a second time.
   */
  static _drop(f: DmaFence): void {
    const rec = f.#rec;
    if (rec === null) return;
    f.#t.release(rec, f, false);
    f.#rec = null;
  }
  /**
   * @internal A real DmaFence handle (made by a runtime), not an object that only shares its
   * prototype: a brand check on the private field, so forged objects are refused with a code.
   */
  static _is(x: unknown): x is DmaFence {
    return typeof x === 'object' && x !== null && #t in x;
  }
  /**
   * @internal The record of `x` when it is a handle of table `t`, after the checks every member
   * makes (ERR_DISPOSED, ERR_STALE_HANDLE: thrown); undefined when `x` is not a DmaFence or is one
   * of another table (the caller throws its own coded error). One call for a scheduler
   * dependency's three checks (push's hot path).
   */
  static _recordIn(x: unknown, t: FenceTable): FenceRecord | undefined {
    if (typeof x !== 'object' || x === null || !(#t in x) || x.#t !== t) return undefined;
    return live(t, x.#rec);
  }
  /** @internal */
  get _table(): FenceTable {
    return this.#t;
  }

  /** True once released: every other use then throws ERR_STALE_HANDLE. */
  get released(): boolean {
    this.#t.life.check();
    return this.#rec === null;
  }

  /**
   * What the fence is: 'fence' (a plain fence), 'array' (rt.fenceArray, rt.merge), 'chain' (a
   * timeline point: rt.fenceChain, syncobj points) or 'stub' (context 0: rt.stubFence, merge's
   * all-signaled result).
   */
  get kind(): 'fence' | 'array' | 'chain' | 'stub' {
    const rec = live(this.#t, this.#rec);
    const c = rec.x.composite;
    return c ? c.kind : rec.ctx === 0 ? 'stub' : 'fence';
  }

  /** F1, F13: signaled yet? Polls the issuer's `signaled` hook, which may signal it now. */
  get signaled(): boolean {
    const r = this.#t.isSignaled(live(this.#t, this.#rec), this);
    this.#t.rethrowCallbackErrors();
    return r;
  }

  /** F5: 0 while pending (even with an error set), then `error || 1`. */
  get status(): number {
    const rec = live(this.#t, this.#rec);
    const signaled = this.#t.isSignaled(rec, this);
    this.#t.rethrowCallbackErrors();
    return signaled ? this.#t.arena.slotError(rec.slot) || 1 : 0;
  }

  /** 0, or the negative errno set by the emitter (F4). */
  get error(): number {
    return this.#t.arena.slotError(live(this.#t, this.#rec).slot);
  }

  /** C2: its sequence number on its context. */
  get seqno(): number {
    return this.#t.arena.slotSeqno(live(this.#t, this.#rec).slot);
  }

  /** The context id (C1). */
  get context(): number {
    return this.#t.issuers[live(this.#t, this.#rec).ctx].id;
  }

  /** F12: when it was signaled, ns on the runtime clock. Reading it while pending throws. */
  get timestamp(): number {
    const rec = live(this.#t, this.#rec);
    if (!this.#t.isSignaledRaw(rec)) throw new DmaFenceError('ERR_FENCE_PENDING', 'a pending fence has no timestamp');
    return this.#t.arena.slotTimestamp(rec.slot);
  }

  /** F14: the issuer's name while pending; "detached-driver" once signaled. */
  get driverName(): string {
    const rec = live(this.#t, this.#rec);
    if (this.#t.isSignaledRaw(rec)) return 'detached-driver';
    this.#t.reachIssuer(rec, 'get_driver_name');
    return this.#t.issuers[rec.ctx].driverName;
  }

  /** F14: the timeline's name while pending; "signaled-timeline" once signaled. */
  get timelineName(): string {
    const rec = live(this.#t, this.#rec);
    if (this.#t.isSignaledRaw(rec)) return 'signaled-timeline';
    this.#t.reachIssuer(rec, 'get_timeline_name');
    return this.#t.issuers[rec.ctx].timelineName;
  }

  /** The earliest deadline set on it (F15), or Infinity. */
  get deadline(): number {
    return live(this.#t, this.#rec).x.deadline ?? Infinity;
  }

  /**
   * F6, F7: fn(fence) runs once, synchronously, when the fence signals. Returns false if the fence
   * is already signaled: fn will then never run. Enables signaling (F13). Like every call that
   * runs callbacks, it throws `ERR_CALLBACK` (with no `callbackError` listener) for the errors of
   * callbacks run or kept meanwhile only after its own work: fn has then been added.
   */
  addCallback(fn: FenceCallback): boolean {
    const t = this.#t;
    const rec = live(t, this.#rec);
    if (typeof fn !== 'function') checkFunction('callback', fn); // throws
    const r = t.addCallback(rec, fn, this);
    if (t.callbackErrors.kept.length !== 0) t.rethrowCallbackErrors();
    return r;
  }

  /** F8: true only if fn was still queued; it will then not run. */
  removeCallback(fn: FenceCallback): boolean {
    return this.#t.removeCallback(live(this.#t, this.#rec), fn);
  }

  /**
   * F9: resolves true when signaled, false when `timeoutNs` passes on the runtime clock first
   * (timeoutNs 0 answers at once). Aborting `signal` rejects with an AbortError. Bad options
   * reject with a coded error.
   */
  wait(opts?: WaitOptions): Promise<boolean> {
    try {
      const rec = live(this.#t, this.#rec);
      const { timeoutNs, signal } = parseWaitOptions(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      const t = this.#t;
      const signaled = t.isSignaled(rec, this) || (timeoutNs !== 0 && (t.enableSignaling(rec, this), t.isSignaledRaw(rec)));
      t.rethrowCallbackErrors();
      if (signaled) return Promise.resolve(true);
      if (timeoutNs === 0) return Promise.resolve(false);
      return t.waitAny([rec], timeoutNs, signal).then((i) => i === 0);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** F13: runs the issuer's enable hook if it has not run yet. */
  enableSignaling(): void {
    this.#t.enableSignaling(live(this.#t, this.#rec), this);
    this.#t.rethrowCallbackErrors();
  }

  /** F15: a hint that the fence is wanted by tNs; ignored once signaled. */
  setDeadline(tNs: number): void {
    const rec = live(this.#t, this.#rec);
    checkDuration('tNs', tNs);
    this.#t.setDeadline(rec, tNs, this);
  }

  /**
   * A small serialisable handle for another thread (attachRuntime(rt.share()).fence(handle)).
   * Held by default: every view made from it, in any thread, counts one reference in the arena,
   * and the fence (its values) stays alive until each has let go: the view's release(), dispose
   * or GC, its runtime view's dispose(), or its thread's end (its lease expires). The handle is
   * open for new views until one of them is released, or for 10 s (HOLD_ADOPT_MS) if none comes:
   * a view made later holds nothing (`held: false`). When the arena's hold table is full the
   * handle is a plain one (no `hold`; its views read `held: false`). `{ hold: false }`: a plain
   * handle, which pins nothing (keep your own handle until the other thread made its view).
   */
  share(opts?: ShareOptions): SharedFenceHandle {
    const rec = live(this.#t, this.#rec);
    const hold = checkBoolean('hold', checkOptions('share options', opts, ['hold']).hold, true);
    // A composite signals only once enabled (X1.2): another thread's wait needs it enabled.
    if (rec.x.composite) this.#t.enableSignaling(rec, this);
    const h = shareFence(this.#t.arena, rec.slot, this.#t.arena.slotGen(rec.slot), rec.ctx, this.context, this.seqno);
    const k = hold ? HoldIssuer.of(this.#t).issue(rec) : undefined;
    if (k !== undefined) h.hold = k;
    return h;
  }

  /** Drops this handle's reference. Returns false if it was already released. */
  release(): boolean {
    const rec = this.#rec;
    const t = this.#t;
    t.life.check();
    if (rec === null) return false;
    if (rec.youngFence === this && rec.youngDriver !== undefined && rec.refs > 1) {
      // The usual (a DriverFence's `fence`, released before it): not the last reference, and this
      // handle waits on its record beside the DriverFence (FenceTable.retain), which keeps the
      // record on the young list. All FenceTable.release would do is these two stores, so no call
      // (README Performance, the object API).
      rec.youngFence = undefined;
      rec.refs--;
      this.#rec = null;
      if (t.callbackErrors.kept.length !== 0) t.rethrowCallbackErrors();
      return true;
    }
    if (rec.refs === 1 && listened(rec)) return DmaFence.#releaseListened(this, rec, t);
    t.release(rec, this, false);
    this.#rec = null;
    if (t.callbackErrors.kept.length !== 0) t.rethrowCallbackErrors();
    return true;
  }

  /**
   * The last reference of a fence with listeners (F16: the table signals it -EDEADLK, or refuses
   * under strict): the handle counts as released before the table's work, so a callback that work
   * runs gets a live handle (the table's #call), never this one half released (its release() would
   * return true a second time); a refusal puts it back.
   */
  static #releaseListened(f: DmaFence, rec: FenceRecord, t: FenceTable): boolean {
    f.#rec = null;
    try {
      t.release(rec, f, false);
    } catch (e) {
      f.#rec = rec;
      throw e;
    }
    if (t.callbackErrors.kept.length !== 0) t.rethrowCallbackErrors();
    return true;
  }

  /** `using` support: the same as `release()`. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** F11: is a later than b? Both must be of one context, else false and a violation. */
  static isLater(a: DmaFence, b: DmaFence): boolean {
    const [ra, rb, t] = pair(a, b);
    if (ra.ctx !== rb.ctx) {
      t.log.record({
        kind: 'incomparable-contexts',
        rule: 'F11',
        message: `fences of contexts ${a.context} and ${b.context} are not comparable`,
        detail: { a: a.context, b: b.context },
      });
      return false;
    }
    const seqno64 = (t.arena.ctxFlags(ra.ctx) & L.CF_SEQNO64) !== 0;
    return seqnoLater(t.arena.slotSeqno(ra.slot), t.arena.slotSeqno(rb.slot), seqno64);
  }

  /** F11: the later of a and b, or null if that one is already signaled (or they are incomparable). */
  static later(a: DmaFence, b: DmaFence): DmaFence | null {
    const l = DmaFence.isLater(a, b) ? a : a.context === b.context ? b : null;
    return l && !l.#t.isSignaledRaw(live(l.#t, l.#rec)) ? l : null;
  }

  /** F11 on bare seqnos: 32-bit wrapping comparison unless seqno64. */
  static isLaterSeqno(a: number, b: number, seqno64 = false): boolean {
    checkSeqno('a', a);
    checkSeqno('b', b);
    return seqnoLater(a, b, seqno64);
  }
}

function pair(a: unknown, b: unknown): [FenceRecord, FenceRecord, FenceTable] {
  if (!DmaFence._is(a) || !DmaFence._is(b)) {
    throw new DmaFenceTypeError('ERR_INVALID_ARG', 'isLater/later take two DmaFence handles');
  }
  if (a._table !== b._table) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', 'the two fences belong to different runtimes');
  return [a._record, b._record, a._table];
}

export function checkSeqno(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) {
    throw new DmaFenceTypeError('ERR_INVALID_SEQNO', `${name} must be an integer seqno in [0, 2^53 - 1], got ${describe(v)}`);
  }
  return v;
}

const SIGNAL_KEYS = ['timestamp'] as const;

/** The timestamp of `driverFence.signal(opts)`: opts checked (a function of its own, off the hot path). */
function signalTimestamp(opts: unknown, now: number): number {
  const o = checkOptions('signal options', opts, SIGNAL_KEYS);
  if (o.timestamp === undefined) return now;
  if (typeof o.timestamp !== 'number' || !Number.isFinite(o.timestamp)) {
    throw new DmaFenceTypeError('ERR_INVALID_ARG', `timestamp must be a finite number of ns, got ${describe(o.timestamp)}`);
  }
  return o.timestamp;
}

/** Options of `driverFence.signal()`. */
export interface SignalOptions {
  /** F12: an explicit timestamp, ns; default the runtime clock's now. */
  timestamp?: number;
}

/**
 * The emitter's handle of a fence: the only one that signals or sets an error (C5). Made by
 * `ctx.createFence()`. Release it when done; a DriverFence garbage-collected while its fence is
 * pending is a recorded `leaked-driver-fence` violation (F16).
 *
 * @example
 * ```ts
 * const df = ctx.createFence();
 * df.setError(-Errno.EIO);   // F4: only -4095..-1, only while pending
 * df.signal();               // F2, F3: callbacks run now; false if already signaled
 * df.release();
 * ```
 */
export class DriverFence {
  #t: FenceTable;
  #rec: FenceRecord | null;
  #fence: DmaFence | undefined;

  /**
   * @internal Made by FenceContext.createFence, which takes its reference (FenceTable.retain):
   * a token check and stores, so that it inlines (as DmaFence's).
   */
  constructor(token: symbol, table: FenceTable, rec: FenceRecord) {
    if (token !== HANDLE_TOKEN) throwNotMadeHere();
    this.#t = table;
    this.#rec = rec;
  }

  /** The shareable handle of this fence (one per DriverFence, made on first use). */
  get fence(): DmaFence {
    const t = this.#t;
    const rec = live(t, this.#rec);
    let f = this.#fence;
    if (f === undefined || DmaFence._released(f)) this.#fence = f = t.handleOf(rec);
    return f;
  }

  /** C2: the fence's sequence number on its context. */
  get seqno(): number {
    return this.#t.arena.slotSeqno(live(this.#t, this.#rec).slot);
  }

  /** True once this emitter handle is released: every other use then throws ERR_STALE_HANDLE. */
  get released(): boolean {
    this.#t.life.check();
    return this.#rec === null;
  }

  /**
   * F4: sets the error the fence will signal with; only -4095..-1 (ERR_INVALID_ERRNO otherwise).
   * On a signaled fence it changes nothing and records a set-error-after-signal violation.
   */
  setError(error: number): void {
    const rec = live(this.#t, this.#rec);
    checkErrno(error);
    if (this.#t.core.fenceSetError(this.#t.arena.base, rec.slot, error) !== 0) {
      this.#t.log.record({
        kind: 'set-error-after-signal',
        rule: 'F4',
        message: `setError(${error}) on signaled fence ${this.#t.issuers[rec.ctx].id}:${this.seqno}; the error stays ${this.#t.arena.slotError(rec.slot)}`,
        context: this.#t.issuers[rec.ctx].id,
        seqno: this.seqno,
      });
    }
  }

  /**
   * F2, F3: signals the fence and runs its callbacks synchronously. Returns false (and does
   * nothing) if it was already signaled. Signaling past an older pending fence of the context is
   * an ordering violation (C3), recorded.
   */
  signal(opts?: SignalOptions): boolean {
    const t = this.#t;
    const rec = live(t, this.#rec);
    const now = t.clock.now;
    const r = t.signal(rec, opts === undefined ? now : signalTimestamp(opts, now));
    if (t.callbackErrors.kept.length !== 0) t.rethrowCallbackErrors();
    return r;
  }

  /** Drops the emitter's reference. The context can still signal the fence (signalUpTo). */
  release(): boolean {
    const rec = this.#rec;
    const t = this.#t;
    t.life.check();
    if (rec === null) return false;
    t.release(rec, this, true);
    this.#rec = null;
    if (t.callbackErrors.kept.length !== 0) t.rethrowCallbackErrors();
    return true;
  }

  /** `using` support: the same as `release()`. */
  [Symbol.dispose](): void {
    this.release();
  }
}
