/**
 * Syncobj (Y, drm_syncobj.c): a container of one fence, used as a binary semaphore (replace, reset,
 * signal) or as a timeline of chain links (addPoint, timelineSignal, find, query, transfer): what a
 * Vulkan timeline semaphore is built on.
 *
 * Contract: driver thread only. The syncobj holds a reference to its current fence. Adding a point
 * walks one step of the chain behind it, so signaled links are collected as points are added
 * (amortized O(1) per point; the kernel walks the whole chain each time).
 */
import type { FenceRecord } from '../fence-table.js';
import type { DmaFence } from '../dma-fence.js';
import { checkSeqno } from '../dma-fence.js';
import { DmaFenceRangeError, DmaFenceTypeError, checkBoolean, checkOptions, describe } from '../errors.js';
import type { Lifetime } from '../lifetime.js';
import { partOf } from './host.js';
import type { CompositeHost } from './host.js';
import type { ChainLink, Chains } from './chain.js';
import type { Merger } from './merge.js';

/** Options of `rt.createSyncobj()` (Y1). */
export interface SyncobjOptions {
  /** Created holding a signaled stub (DRM_SYNCOBJ_CREATE_SIGNALED). Default false: empty. */
  signaled?: boolean;
}

/** Options of `syncobj.query()`. */
export interface QueryOptions {
  /** The newest point submitted, instead of the last signaled one. Default false. */
  lastSubmitted?: boolean;
}

/** Something waiting for a point to be submitted (syncobj-wait.ts). */
export interface SubmitWatch {
  point: number;
  fn(): void;
}

/**
 * A syncobj. Binary: `replace(fence)`, `reset()`, `signal()`. Timeline: `addPoint(point, fence)`,
 * `timelineSignal(point)`, `find(point)`, `query()`, `transfer(dst, dstPoint, srcPoint)`; wait with
 * `rt.syncobjWait`.
 *
 * @example
 * ```ts
 * const so = rt.createSyncobj();
 * so.addPoint(1, jobFence);            // the job signals point 1
 * so.timelineSignal(2);                // the host signals point 2 (done once point 1 is)
 * await rt.syncobjWait([{ syncobj: so, point: 2 }], { timeoutNs: 1e6 });
 * so.query();                          // 2 once both are signaled
 * ```
 */
export class Syncobj {
  readonly #host: CompositeHost;
  readonly #chains: Chains;
  readonly #merger: Merger;
  readonly #life: Lifetime;
  #rec: FenceRecord | null = null;
  /** Waits for a point to be submitted, sorted by point. */
  #watches: SubmitWatch[] = [];

  /** @internal Made by rt.createSyncobj. */
  constructor(host: CompositeHost, chains: Chains, merger: Merger, life: Lifetime, opts: unknown) {
    const o = checkOptions('createSyncobj options', opts, ['signaled']);
    const signaled = checkBoolean('signaled', o.signaled, false);
    this.#host = host;
    this.#chains = chains;
    this.#merger = merger;
    this.#life = life;
    if (signaled) {
      host.room(1);
      this.#set(host.ref(host.stub(host.t.clock.now)));
    }
  }

  /** @internal A real Syncobj (a brand check: forged look-alikes are refused with a code). */
  static _is(x: unknown): x is Syncobj {
    return typeof x === 'object' && x !== null && #host in x;
  }

  /** @internal */
  get _host(): CompositeHost {
    return this.#host;
  }

  /** Replaces the current fence (a reference already taken for it), wakes submit waits. */
  #set(rec: FenceRecord | null): void {
    const old = this.#rec;
    this.#rec = rec;
    if (old) this.#host.unref(old);
    this.#wake();
  }

  /** Wakes submit waits now due; then callbacks that ran during this call throw (their errors). */
  #wake(): void {
    if (this.#watches.length) {
      const last = this._lastSubmitted();
      let n = 0;
      while (n < this.#watches.length && this.#watches[n].point <= last) n++;
      if (n) for (const w of this.#watches.splice(0, n)) w.fn();
    }
    this.#host.t.rethrowCallbackErrors();
  }

  /** @internal The newest submitted point: a chain's seqno, 0 for a plain fence, -1 when empty. */
  _lastSubmitted(): number {
    const r = this.#rec;
    if (!r) return -1;
    return partOf<ChainLink>(r, 'chain') ? this.#host.seqno(r) : 0;
  }

  /** @internal */
  _watch(w: SubmitWatch): () => void {
    let i = this.#watches.length;
    while (i > 0 && this.#watches[i - 1].point > w.point) i--;
    this.#watches.splice(i, 0, w);
    return () => {
      const j = this.#watches.indexOf(w);
      if (j >= 0) this.#watches.splice(j, 1);
    };
  }

  /** Y1: the current fence (point 0), a new handle, or null when it holds none. */
  get fence(): DmaFence | null {
    this.#life.check();
    return this.#rec ? this.#host.handle(this.#rec) : null;
  }

  /** Y2: holds `fence` (a DmaFence of this runtime) or nothing (null). */
  replace(fence: DmaFence | null): void {
    this.#life.check();
    const rec = fence === null ? null : this.#host.rec(fence, 'fence');
    this.#set(rec && this.#host.ref(rec));
  }

  /** Y2: holds nothing. */
  reset(): void {
    this.#life.check();
    this.#set(null);
  }

  /** Y2: holds a new signaled stub. */
  signal(): void {
    this.#life.check();
    this.#host.room(1);
    this.#set(this.#host.ref(this.#host.stub(this.#host.t.clock.now)));
  }

  /**
   * Y3: appends a chain link at `point` over the current fence (X2). A point not above the last
   * one is accepted and starts a new context (X2.2; query() then reads 0 until it signals).
   */
  addPoint(point: number, fence: DmaFence): void {
    this.#life.check();
    checkPoint(point);
    const rec = this.#host.rec(fence, 'fence');
    if (partOf<ChainLink>(rec, 'chain')) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'a chain link cannot be a point of a timeline (flatten it with rt.merge first)');
    this.#addPoint(point, rec);
  }

  #addPoint(point: number, rec: FenceRecord): void {
    const host = this.#host;
    const prev = this.#rec;
    const link = this.#chains.link(prev, rec, point);
    this.#rec = host.ref(link);
    if (prev) {
      this.#chains.walk(prev); // garbage collection, one step (see the module contract)
      host.unref(prev);
    }
    this.#wake();
  }

  /** Y4: adds an already-signaled point (a stub); it completes once every earlier point has. */
  timelineSignal(point: number): void {
    this.#life.check();
    checkPoint(point);
    const host = this.#host;
    host.room(2);
    const stub = host.stub(host.t.clock.now);
    stub.refs++;
    try {
      this.#addPoint(point, stub);
    } finally {
      host.unref(stub);
    }
  }

  /** @internal The record at a point (Y5), or a stub for a collected one; throws ERR_INVALID_SEQNO. */
  _find(point: number): FenceRecord {
    const host = this.#host;
    const r = this.#rec;
    if (!r) throw new DmaFenceRangeError('ERR_INVALID_SEQNO', 'the syncobj holds no fence (nothing submitted)');
    if (point === 0) return r;
    if (!partOf<ChainLink>(r, 'chain')) throw new DmaFenceRangeError('ERR_INVALID_SEQNO', `point ${point} on a syncobj that holds no timeline (its fence is not a chain)`);
    if (host.seqno(r) < point) throw new DmaFenceRangeError('ERR_INVALID_SEQNO', `point ${point} was not submitted (the last is ${host.seqno(r)})`);
    return this.#chains.find(r, point) ?? host.stub(host.t.clock.now);
  }

  /**
   * Y5: the fence at `point`, a new handle. Point 0: the current fence. A collected point: a
   * signaled stub. Nothing there (not a timeline, not yet submitted): ERR_INVALID_SEQNO.
   */
  find(point: number): DmaFence {
    this.#life.check();
    checkPoint(point);
    this.#host.room(1);
    const h = this.#host.handle(this._find(point));
    this.#host.t.rethrowCallbackErrors();
    return h;
  }

  /**
   * Y7: the last signaled point (walking from the newest link while the context is unchanged),
   * or with lastSubmitted the newest point; 0 when it holds no chain.
   */
  query(opts?: QueryOptions): number {
    this.#life.check();
    const o = checkOptions('query options', opts, ['lastSubmitted']);
    const lastSubmitted = checkBoolean('lastSubmitted', o.lastSubmitted, false);
    const host = this.#host;
    const r = this.#rec;
    if (!r || !partOf<ChainLink>(r, 'chain')) return 0;
    if (lastSubmitted) return host.seqno(r);
    let last = r;
    for (let it: FenceRecord | null = r; it; it = this.#chains.walk(it)) {
      if (it.ctx !== r.ctx) break;
      last = it;
    }
    const link = partOf<ChainLink>(last, 'chain')!;
    const point = this.#chains.signaled(link) ? host.seqno(last) : link.prevSeqno;
    host.t.rethrowCallbackErrors();
    return point;
  }

  /**
   * Y8: the fence at srcPoint of this syncobj, flattened (rt.merge), added to `dst` at dstPoint,
   * or replacing dst's fence when dstPoint is 0.
   */
  transfer(dst: Syncobj, dstPoint: number, srcPoint: number): void {
    this.#life.check();
    if (!Syncobj._is(dst)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `dst must be a Syncobj, got ${describe(dst)}`);
    if (dst._host !== this.#host) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', 'dst belongs to another runtime');
    checkPoint(dstPoint);
    checkPoint(srcPoint);
    const host = this.#host;
    host.room(3);
    const src = host.ref(this._find(srcPoint));
    try {
      const merged = host.ref(this.#merger.merge([src]));
      try {
        if (dstPoint === 0) dst.#set(host.ref(merged));
        else dst.#addPoint(dstPoint, merged);
      } finally {
        host.unref(merged);
      }
    } finally {
      host.unref(src);
    }
  }
}

function checkPoint(v: unknown): number {
  return checkSeqno('point', v);
}
