/**
 * FenceContext: one emitter's timeline (C1-C5). It hands out seqnos in order, creates fences,
 * and signals them in order with signalUpTo, the way hardware completion does.
 *
 * Contract: driver thread only. Reads (lastSeqno, signaledSeqno, pending) are direct arena reads
 * and exact on the driver thread.
 */
import type { FenceTable, Issuer, IssuerOps } from './fence-table.js';
import type { DmaFence } from './dma-fence.js';
import { DriverFence, checkSeqno } from './dma-fence.js';
import * as L from './core/layout.js';
import type { HwRing } from './hw-ring.js';
import { DmaFenceRangeError, DmaFenceTypeError, checkErrno, checkInteger, checkOptions } from './errors.js';

/** A module-local copy: TurboFan folds it to an immediate (an imported binding is a cell load and a hole check). */
const NIL = L.NIL;

/** Options of `rt.createContext()`: the timeline's names, its seqnos, and the issuer's hooks. */
export interface ContextOptions extends IssuerOps {
  /** Shown by fences while pending (F14). Default "dmafence". */
  driverName?: string;
  /** Shown by fences while pending (F14). Default "timeline-<id>". */
  timelineName?: string;
  /** Compare seqnos as 64-bit numbers (F11). Default false: the kernel's wrapping 32-bit rule. */
  seqno64?: boolean;
  /** The first fence's seqno (C2). Default 1. */
  startSeqno?: number;
}

/** Options of `ctx.signalUpTo()`. */
export interface SignalUpToOptions {
  /** An errno in [-4095, -1] set on every fence it signals that has no error yet. */
  error?: number;
}

/**
 * One emitter's timeline (C1-C5): it hands out seqnos in order (C2), creates fences, and signals
 * them in order with `signalUpTo` (C3), the way hardware completion does. A ring's context is
 * the ring's: its fences come from `ring.submit`. Driver thread only; reads are exact there.
 *
 * @example
 * ```ts
 * const ctx = rt.createContext({ timelineName: 'copy' });
 * const first = ctx.createFences(1024);        // batch: no handles
 * ctx.signalUpTo(first + 1023);                // oldest first; returns 1024
 * ```
 */
export class FenceContext implements Issuer {
  readonly #id: number;
  readonly #driverName: string;
  readonly #timelineName: string;
  readonly #seqno64: boolean;
  readonly #ops: IssuerOps;
  readonly #hooked: boolean;
  readonly #index: number;
  /** The f64 index of its entry's last seqno (arena.ctxLastSeqno without the call: createFence's check). */
  readonly #lastSeqnoAt: number;
  /** @internal set when nothing can signal this context any more */
  _dead = false;
  /** @internal set once its driver is unloaded (T5) */
  _unloaded = false;
  /** @internal a scheduler entity's context: the scheduler holds its pending fences (S1) */
  _held = false;
  /** The ring that owns this context, if any (for `ring`), and its signal guard (T1, T4). */
  #ring: HwRing | undefined;
  #guard: ((seqno: number) => void) | undefined;
  #t: FenceTable;

  /** @internal Made by Runtime.createContext. */
  constructor(table: FenceTable, index: number, opts: ContextOptions) {
    this.#t = table;
    this.#index = index;
    this.#id = table.arena.ctxId(index);
    this.#lastSeqnoAt = (table.arena.ctxWord(index) >> 1) + (L.C_LAST_SEQNO >> 3);
    this.#driverName = opts.driverName ?? 'dmafence';
    this.#timelineName = opts.timelineName ?? `timeline-${this.#id}`;
    this.#seqno64 = opts.seqno64 ?? false;
    this.#ops = { enableSignaling: opts.enableSignaling, signaled: opts.signaled, setDeadline: opts.setDeadline };
    this.#hooked = opts.enableSignaling !== undefined || opts.signaled !== undefined;
  }

  /**
   * @internal Made by its ring: `guard` runs before every signalUpTo by hand (it throws to refuse,
   * or records the T1 violations of signaling that early).
   */
  _bindRing(ring: HwRing, guard: (seqno: number) => void): void {
    this.#ring = ring;
    this.#guard = guard;
  }

  /** C1: the context id, from the runtime's global counter. */
  get id(): number {
    this.#t.life.check();
    return this.#id;
  }
  /** F14: what its fences report as driver name while pending. */
  get driverName(): string {
    this.#t.life.check();
    return this.#driverName;
  }
  /** F14: what its fences report as timeline name while pending. */
  get timelineName(): string {
    this.#t.life.check();
    return this.#timelineName;
  }
  /** F11: seqnos compare as 64-bit numbers (else the kernel's wrapping 32-bit rule). */
  get seqno64(): boolean {
    this.#t.life.check();
    return this.#seqno64;
  }
  /** @internal the issuer's hooks */
  get ops(): IssuerOps {
    return this.#ops;
  }
  /** @internal index in the arena's context table */
  get index(): number {
    return this.#index;
  }

  /** @internal No signaled/enableSignaling hook and its driver loaded (Issuer.quiet). */
  get quiet(): boolean {
    return !this.#hooked && !this._unloaded;
  }

  /** True once nothing can signal its fences any more (its ring dropped, or its driver unloaded: T2, T5). */
  get dead(): boolean {
    return this._dead || this._unloaded;
  }

  /** A ring holds a reference to the fences of its jobs in flight, until it drops. */
  get holdsFences(): boolean {
    return (this.#ring !== undefined || this._held) && !this.dead;
  }

  /** T5: true once its driver was unloaded (rt.unloadDriver). */
  get unloaded(): boolean {
    return this._unloaded;
  }

  /** The ring that owns this context (it creates and signals the fences), or undefined. */
  get ring(): HwRing | undefined {
    this.#t.life.check();
    return this.#ring;
  }

  #notRingOwned(): void {
    if (this.#ring) {
      throw new DmaFenceTypeError('ERR_INVALID_ARG', `context ${this.id} belongs to ring ${this.#ring.name}: submit jobs to the ring instead`);
    }
  }

  /** C4: the last seqno handed out (startSeqno - 1 before the first fence). */
  get lastSeqno(): number {
    this.#t.life.check();
    return this.#t.arena.ctxLastSeqno(this.index);
  }

  /** C4: the highest seqno signaled so far (startSeqno - 1 before any). */
  get signaledSeqno(): number {
    this.#t.life.check();
    return this.#t.arena.ctxSignaledSeqno(this.index);
  }

  /** C4: how many of its fences are pending. */
  get pending(): number {
    this.#t.life.check();
    return this.#t.arena.ctxPending(this.index);
  }

  #checkSeqnoSpace(n: number): void {
    if (this.lastSeqno + n > Number.MAX_SAFE_INTEGER) {
      throw new DmaFenceRangeError('ERR_CAPACITY', `context ${this.id}: seqnos past 2^53 - 1 cannot be represented`);
    }
  }

  #full(n: number): never {
    throw new DmaFenceRangeError(
      'ERR_CAPACITY',
      `no room for ${n} more fence(s): ${this.#t.arena.inUse() - 1} of maxFences ${this.#t.arena.layout.maxFences - 1} slots are in use (signal or release fences, or raise maxFences)`,
    );
  }

  /** C2: a new pending fence with the next seqno, and the emitter's handle to it. */
  createFence(): DriverFence {
    const t = this.#t;
    t.life.check();
    const index = this.#index;
    // One call for the two cold checks (ring-owned, seqnos exhausted), in that order: a small body inlines.
    if (this.#ring !== undefined || t.arena.f64[this.#lastSeqnoAt] >= Number.MAX_SAFE_INTEGER) this.#createChecks();
    const df = t.createForDriver(index, DriverFence);
    if (df === undefined) this.#full(1);
    return df;
  }

  #createChecks(): void {
    this.#notRingOwned();
    this.#checkSeqnoSpace(1);
  }

  /**
   * Batch form: n pending fences with consecutive seqnos and no handles, in one call into the
   * core. They are signaled by signalUpTo and recycled at once. Returns the first seqno.
   */
  createFences(n: number): number {
    this.#t.life.check();
    this.#notRingOwned();
    checkInteger('n', n, 1, 0x7fffffff);
    this.#checkSeqnoSpace(n);
    const first = this.lastSeqno + 1;
    if (this.#t.core.fencesCreate(this.#t.arena.base, this.index, n) !== n) this.#full(n);
    return first;
  }

  /**
   * C3: signals every pending fence with seqno not later than `seqno`, oldest first, in one call
   * into the core; then runs their callbacks. Returns how many it signaled.
   */
  signalUpTo(seqno: number, opts?: SignalUpToOptions): number {
    this.#t.life.check();
    checkSeqno('seqno', seqno);
    const o = checkOptions('signalUpTo options', opts, ['error']);
    const error = o.error === undefined ? 0 : checkErrno(o.error);
    this.#guard?.(seqno);
    const n = this.#t.signalUpTo(this.#index, seqno, error, this.#t.clock.now);
    this.#t.rethrowCallbackErrors();
    return n;
  }

  /** A new read-only handle to the pending fence with this seqno, or null if none is pending. */
  findFence(seqno: number): DmaFence | null {
    this.#t.life.check();
    checkSeqno('seqno', seqno);
    const slot = this.#t.arena.ctxFindPending(this.index, seqno);
    return slot === NIL ? null : this.#t.handle(slot);
  }
}
