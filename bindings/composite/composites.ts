/**
 * The runtime's composite-fence calls (X1-X4, Y): argument checks, then the work in array.ts,
 * chain.ts, merge.ts, sw-sync.ts, syncobj.ts and syncobj-wait.ts. Runtime delegates here.
 *
 * Contract: driver thread only. Every call checks all of its arguments before it changes anything
 * (coded errors: ERR_INVALID_ARG, ERR_INVALID_SEQNO, ERR_FOREIGN_HANDLE, ERR_STALE_HANDLE,
 * ERR_CAPACITY). Each fence it returns is a new handle: the caller's reference, to release.
 */
import type { FenceRecord, FenceTable } from '../fence-table.js';
import type { DmaFence } from '../dma-fence.js';
import { checkSeqno } from '../dma-fence.js';
import type { Lifetime } from '../lifetime.js';
import { DmaFenceRangeError, DmaFenceTypeError, checkBoolean, checkOptions, describe } from '../errors.js';
import { CompositeHost, partOf } from './host.js';
import { FenceArray } from './array.js';
import { Chains } from './chain.js';
import type { ChainLink } from './chain.js';
import { Merger } from './merge.js';
import type { FenceInfo } from './merge.js';
import { SwSyncTimeline } from './sw-sync.js';
import { Syncobj } from './syncobj.js';
import { syncobjWait } from './syncobj-wait.js';

/** Options of `rt.fenceArray()` (X1). */
export interface FenceArrayOptions {
  /** Signal when the first child signals (true) or when all have (false, default). */
  signalOnAny?: boolean;
}

export class Composites {
  readonly host: CompositeHost;
  readonly chains: Chains;
  readonly merger: Merger;

  constructor(
    t: FenceTable,
    readonly life: Lifetime,
  ) {
    this.host = new CompositeHost(t);
    this.chains = new Chains(this.host);
    this.merger = new Merger(this.host, this.chains, (children) => this.#array(children, false));
  }

  /** Callbacks that ran during a call (polling may signal fences) throw now, after its work. */
  #done<T>(r: T): T {
    this.host.t.rethrowCallbackErrors();
    return r;
  }

  #array(children: FenceRecord[], signalOnAny: boolean): FenceRecord {
    this.host.room(1);
    this.host.contextRoom(1);
    return new FenceArray(this.host, children, signalOnAny).self;
  }

  /** The records of a list of fences (an array of DmaFence, or the rest arguments of merge). */
  #list(fences: unknown, name: string): FenceRecord[] {
    if (!Array.isArray(fences)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name} must be an array of DmaFence, got ${describe(fences)}`);
    const recs: FenceRecord[] = [];
    for (let i = 0; i < fences.length; i++) recs.push(this.host.rec(fences[i], `${name}[${i}]`));
    return recs;
  }

  fenceArray(fences: unknown, opts: unknown): DmaFence {
    const recs = this.#list(fences, 'fences');
    const o = checkOptions('fenceArray options', opts, ['signalOnAny']);
    const any = checkBoolean('signalOnAny', o.signalOnAny, false);
    if (recs.length === 0) throw new DmaFenceRangeError('ERR_INVALID_ARG', 'a fence array needs at least one fence (-EINVAL)');
    recs.forEach((r, i) => {
      const composite = r.x.composite;
      if (composite) {
        throw new DmaFenceTypeError('ERR_INVALID_ARG', `fences[${i}] is ${composite.kind === 'array' ? 'an array' : 'a chain link'}: arrays do not nest (flatten with rt.merge first)`);
      }
    });
    return this.host.handle(this.#array(recs, any));
  }

  fenceChain(prev: unknown, fence: unknown, seqno: unknown): DmaFence {
    const p = prev === null ? null : this.host.rec(prev, 'prev');
    const f = this.host.rec(fence, 'fence');
    checkSeqno('seqno', seqno);
    if (partOf<ChainLink>(f, 'chain')) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'fence is a chain link: a link cannot contain another chain (X2.1)');
    return this.#done(this.host.handle(this.chains.link(p, f, seqno as number)));
  }

  chainFind(head: unknown, seqno: unknown): DmaFence | null {
    const h = this.host.rec(head, 'head');
    const s = checkSeqno('seqno', seqno);
    if (s === 0) return this.host.handle(h);
    if (!partOf<ChainLink>(h, 'chain')) throw new DmaFenceRangeError('ERR_INVALID_SEQNO', `head is not a chain link: it has no point ${s}`);
    if (this.host.seqno(h) < s) throw new DmaFenceRangeError('ERR_INVALID_SEQNO', `point ${s} is in the future of this chain (its head is at ${this.host.seqno(h)})`);
    const r = this.chains.find(h, s);
    return this.#done(r ? this.host.handle(r) : null);
  }

  unwrap(fence: unknown): DmaFence[] {
    const r = this.host.rec(fence, 'fence');
    return this.#done(this.merger.unwrap(r).map((x) => this.host.handle(x)));
  }

  merge(fences: unknown[]): DmaFence {
    const recs = this.#list(fences, 'fences');
    if (recs.length === 0) throw new DmaFenceRangeError('ERR_INVALID_ARG', 'merge needs at least one fence');
    this.host.room(1);
    this.host.contextRoom(1);
    return this.#done(this.host.handle(this.merger.merge(recs)));
  }

  fenceInfo(fence: unknown): FenceInfo {
    return this.#done(this.merger.info(this.host.rec(fence, 'fence')));
  }

  createSwSync(opts: unknown): SwSyncTimeline {
    return new SwSyncTimeline(this.host, this.life, opts);
  }

  createSyncobj(opts: unknown): Syncobj {
    return new Syncobj(this.host, this.chains, this.merger, this.life, opts);
  }

  syncobjWait(entries: unknown, opts: unknown): Promise<boolean | number> {
    return syncobjWait(this.host, entries, opts);
  }
}
