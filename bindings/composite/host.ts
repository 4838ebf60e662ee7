/**
 * What composite fences (arrays, chains, sw_sync points, syncobjs) need of the fence table: contexts
 * of their own, fences at a chosen seqno, internal references, polling and enabling other fences
 * without a user's handle, and the release queue that keeps a long chain's release iterative.
 *
 * Contract: driver thread only. A composite is a fence like any other: it lives in an arena slot on
 * an arena context of its own (so other threads, the scheduler and traces see it), and the bindings
 * signal it when what it depends on signals. Internal references are `rec.refs` counts (no handle,
 * no FinalizationRegistry entry); they pin the slot exactly as a handle does.
 */
import type { CompositePart, FenceRecord, FenceTable, IssuerOps, Waiter } from '../fence-table.js';
import { DmaFence } from '../dma-fence.js';
import { FenceContext } from '../fence-context.js';
import * as L from '../core/layout.js';
import { DmaFenceRangeError, DmaFenceTypeError, describe } from '../errors.js';

/** A fence named in a trace event: its context id and seqno. */
export interface TracedFence {
  context: number;
  seqno: number;
}

export class CompositeHost {
  /** Records whose references are to be dropped (X2.7: a queue, never a recursion). */
  readonly #releases: CompositePart[] = [];
  #releasing = false;
  /** Per composite context: the lowest seqno it ever issued (a view's range check, below). */
  readonly #minSeqno = new Map<number, number>();

  constructor(readonly t: FenceTable) {}

  /**
   * Tracing (createRuntime({ trace: true })): told when a composite signals, at its timestamp, with
   * the fence whose signal completed it (if known) and, for an array, its children.
   */
  onSignaled: ((kind: 'array' | 'chain', self: TracedFence, ts: number, trigger: TracedFence | undefined, children: TracedFence[] | undefined) => void) | undefined;

  /** A fence as the trace names it (read while its record is attached), or undefined when not tracing. */
  traceRef(rec: FenceRecord | undefined): TracedFence | undefined {
    if (!this.onSignaled || !rec || this.t.records[rec.slot] !== rec) return undefined;
    return { context: this.t.issuers[rec.ctx].id, seqno: this.t.arena.slotSeqno(rec.slot) };
  }

  /** Reports a composite's signal to the trace, if tracing (call it before signaling `rec`). */
  traced(rec: FenceRecord, kind: 'array' | 'chain', ts: number, trigger?: TracedFence, children?: readonly FenceRecord[]): void {
    if (!this.onSignaled) return;
    const self = this.traceRef(rec);
    if (!self) return;
    const kids = children?.map((c) => ({ context: this.t.issuers[c.ctx].id, seqno: this.t.arena.slotSeqno(c.slot) }));
    this.onSignaled(kind, self, ts, trigger, kids);
  }

  // ── arguments ──

  /** The record behind a DmaFence argument of this runtime (coded errors otherwise). */
  rec(f: unknown, name: string): FenceRecord {
    if (!DmaFence._is(f)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name} must be a DmaFence, got ${describe(f)}`);
    if (f._table !== this.t) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', `${name} belongs to another runtime`);
    return f._record;
  }

  // ── contexts and fences ──

  /** A context of a composite's own: an arena entry, and an issuer whose ops are the composite's. */
  context(driverName: string, timelineName: string | undefined, seqno64: boolean, ops: IssuerOps): FenceContext {
    const { arena, issuers } = this.t;
    const index = arena.createContext(seqno64, 1);
    if (index < 0) throw new DmaFenceRangeError('ERR_CAPACITY', `all ${arena.layout.maxContexts - 1} contexts are in use (each array, fresh chain context and sw_sync timeline takes one: raise maxContexts)`);
    const ctx = new FenceContext(this.t, index, { driverName, timelineName, seqno64, ...ops });
    issuers[index] = ctx; // by index: attached emitter threads take entries of the table too
    return ctx;
  }

  /** Throws ERR_CAPACITY unless n more fences fit (checked before anything changes). */
  room(n: number): void {
    const { arena } = this.t;
    if (arena.inUse() + n > arena.layout.maxFences) {
      throw new DmaFenceRangeError('ERR_CAPACITY', `no room for ${n} more fence(s): ${arena.inUse() - 1} of maxFences ${arena.layout.maxFences - 1} slots are in use`);
    }
  }

  /** Throws ERR_CAPACITY unless n more contexts fit. */
  contextRoom(n: number): void {
    const { arena } = this.t;
    if (arena.header(L.H_CTX_COUNT) + n > arena.layout.maxContexts) {
      throw new DmaFenceRangeError('ERR_CAPACITY', `all ${arena.layout.maxContexts - 1} contexts are in use (each array, fresh chain context and sw_sync timeline takes one: raise maxContexts)`);
    }
  }

  /**
   * A pending fence on context index `ci` with this seqno (not necessarily the next one: chain
   * points have gaps, sw_sync points come in any order), its record with no reference yet.
   * The context's lastSeqno and created count are kept so that a view in another thread accepts
   * every seqno it issued (its check is first = last - created + 1 <= seqno <= last).
   */
  fenceAt(ci: number, seqno: number, goesBefore?: (other: number) => boolean): FenceRecord {
    const { arena, core } = this.t;
    const last = arena.ctxLastSeqno(ci);
    const oldTail = arena.i32[arena.ctxWord(ci) + (L.C_TAIL >> 2)];
    const slot = core.fenceCreate(arena.base, ci);
    if (slot === L.NIL) this.room(1);
    if (goesBefore && oldTail !== L.NIL && goesBefore(arena.slotSeqno(oldTail))) this.#reorder(ci, slot, goesBefore);
    // The new slot cannot be shared yet, so its seqno may be written after its state word.
    arena.f64[(arena.coldWord(slot) >> 1) + (L.CS_SEQNO >> 3)] = seqno;
    const cw = arena.ctxWord(ci);
    const newLast = Math.max(last, seqno);
    arena.f64[(cw >> 1) + (L.C_LAST_SEQNO >> 3)] = newLast;
    const min = Math.min(this.#minSeqno.get(ci) ?? seqno, seqno);
    this.#minSeqno.set(ci, min);
    const created = arena.f64[(cw >> 1) + (L.C_CREATED >> 3)];
    if (newLast - min + 1 > created) arena.f64[(cw >> 1) + (L.C_CREATED >> 3)] = newLast - min + 1;
    return this.t.record(slot);
  }

  /**
   * Moves a new fence (at the tail of its context's pending list) to its place in signal order:
   * before the first fence it `goesBefore`, so that signaling in that order is in list order (C3).
   * Driver thread; a view reads the list only through its head (layout.ts), written last.
   */
  #reorder(ci: number, slot: number, goesBefore: (other: number) => boolean): void {
    const { arena } = this.t;
    const i32 = arena.i32;
    const cw = arena.ctxWord(ci);
    const next = (s: number) => arena.slotWord(s) + (L.S_NEXT >> 2);
    let prev = L.NIL;
    let p = i32[cw + (L.C_HEAD >> 2)];
    while (p !== slot && !goesBefore(arena.slotSeqno(p))) {
      prev = p;
      p = i32[next(p)];
    }
    if (p === slot) return;
    let q = p;
    while (i32[next(q)] !== slot) q = i32[next(q)];
    i32[next(q)] = L.NIL;
    i32[cw + (L.C_TAIL >> 2)] = q;
    i32[next(slot)] = p;
    if (prev === L.NIL) i32[cw + (L.C_HEAD >> 2)] = slot;
    else i32[next(prev)] = slot;
  }

  /** A new signaled stub (context 0, seqno 0) stamped `ts` (dma_fence_allocate_private_stub). */
  stub(ts: number): FenceRecord {
    const rec = this.fenceAt(0, 0);
    rec.refs++;
    this.t.signal(rec, ts);
    rec.refs--;
    return rec;
  }

  /** A new handle (the caller's reference) on a record. */
  handle(rec: FenceRecord): DmaFence {
    return this.t.handleOf(rec);
  }

  // ── references ──

  ref(rec: FenceRecord): FenceRecord {
    rec.refs++;
    return rec;
  }

  unref(rec: FenceRecord): void {
    this.t.unref(rec);
  }

  /**
   * A composite's record lost its last reference: its own references are dropped from a queue,
   * so releasing a chain of 10^6 links takes constant stack (X2.7).
   */
  release(part: CompositePart): void {
    this.#releases.push(part);
    if (this.#releasing) return;
    this.#releasing = true;
    try {
      let p: CompositePart | undefined;
      while ((p = this.#releases.pop())) (p as unknown as { dropRefs(): void }).dropRefs();
    } finally {
      this.#releasing = false;
    }
  }

  /**
   * A composite's record went (its last reference): pending fences at the head of its context that
   * nothing references any more are signaled without callbacks, oldest first, so their slots are
   * recycled. Nothing can observe them (a fence shared with another thread is enabled, and an
   * enabled composite references itself until it signals).
   */
  forget(rec: FenceRecord): void {
    const { arena, core, records } = this.t;
    const head = arena.ctxWord(rec.ctx) + (L.C_HEAD >> 2);
    let s: number;
    let n = 0;
    while ((s = arena.i32[head]) !== L.NIL && !(arena.slotState(s) & L.FS_SIGNALED) && records[s] === undefined) {
      core.fenceSignal(arena.base, s, this.t.clock.now);
      n++;
    }
    if (n) this.t.publish();
  }

  // ── state of other fences, without a user's handle ──

  signaledRaw(rec: FenceRecord): boolean {
    return this.t.isSignaledRaw(rec);
  }

  /** dma_fence_is_signaled: the flag, or the issuer's `signaled` hook (which then signals it). */
  polled(rec: FenceRecord): boolean {
    const t = this.t;
    if (t.isSignaledRaw(rec)) return true;
    if (!t.issuers[rec.ctx].ops.signaled) return false;
    const h = t.handleOf(rec);
    try {
      return t.isSignaled(rec, h);
    } finally {
      h.release();
    }
  }

  /** F13 on a fence without a user's handle: the issuer's enable hook at most once. */
  enable(rec: FenceRecord): void {
    const t = this.t;
    if (t.arena.slotFlags(rec.slot) & (L.FS_ENABLED | L.FS_SIGNALED) || t.records[rec.slot] !== rec) return;
    const h = t.handleOf(rec);
    try {
      t.enableSignaling(rec, h);
    } finally {
      h.release();
    }
  }

  /** F15 on a fence without a user's handle. */
  setDeadline(rec: FenceRecord, tNs: number): void {
    const t = this.t;
    if (t.isSignaledRaw(rec) || tNs >= (rec.x.deadline ?? Infinity)) return;
    const h = t.handleOf(rec);
    try {
      t.setDeadline(rec, tNs, h);
    } finally {
      h.release();
    }
  }

  /**
   * Calls `fn` once when rec signals (after its callbacks: a waiter), having enabled it (F13).
   * Returns the waiter to remove, or undefined if rec is already signaled (fn is not called).
   */
  onSignal(rec: FenceRecord, fn: () => void): Waiter | undefined {
    if (this.polled(rec)) return undefined;
    this.enable(rec);
    if (this.t.isSignaledRaw(rec)) return undefined;
    const w: Waiter = { unbounded: false, wake: fn };
    this.t.addWaiter(rec, w);
    return w;
  }

  removeWaiter(rec: FenceRecord, w: Waiter): void {
    if (this.t.records[rec.slot] === rec) this.t.removeWaiter(rec, w);
  }

  /** Runs fn in the runtime's next drain, after the signal call that queued it has returned (X1.3). */
  defer(fn: () => void): void {
    this.t.defer(fn);
  }

  error(rec: FenceRecord): number {
    return this.t.records[rec.slot] === rec ? this.t.arena.slotError(rec.slot) : 0;
  }

  timestamp(rec: FenceRecord): number {
    return this.t.records[rec.slot] === rec ? this.t.arena.slotTimestamp(rec.slot) : 0;
  }

  seqno(rec: FenceRecord): number {
    return this.t.arena.slotSeqno(rec.slot);
  }

  contextId(rec: FenceRecord): number {
    return this.t.issuers[rec.ctx].id;
  }

  seqno64(rec: FenceRecord): boolean {
    return (this.t.arena.ctxFlags(rec.ctx) & L.CF_SEQNO64) !== 0;
  }

  /** Sets the error a pending composite will signal with (0: none). */
  setError(rec: FenceRecord, error: number): void {
    if (error !== 0) this.t.core.fenceSetError(this.t.arena.base, rec.slot, error);
  }

  /**
   * Signals a composite's own fence (its callbacks run now). `unordered`: it may overtake an older
   * pending fence of its context on purpose (a sw_sync point, a forked chain): no C3 violation.
   */
  signal(rec: FenceRecord, ts: number, unordered = false): boolean {
    const t = this.t;
    if (t.isSignaledRaw(rec)) return false;
    if (unordered && t.arena.ctxOldestPending(rec.ctx) !== t.arena.slotSeqno(rec.slot)) t.arena.setSlotFlag(rec.slot, L.FS_FORCED, true);
    return t.signal(rec, ts);
  }
}

/** The composite part of a record, if it is of this kind. */
export function partOf<T extends CompositePart>(rec: FenceRecord | null | undefined, kind: T['kind']): T | undefined {
  const c = rec?.x.composite;
  return c && c.kind === kind ? (c as T) : undefined;
}
