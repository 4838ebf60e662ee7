/**
 * Fence chains (X2, dma-fence-chain.c): timeline points. A link wraps one fence and points to the
 * previous link (or a plain fence); it is signaled iff its fence and everything reachable through
 * prev are (X2.3), and never carries an error.
 *
 * Contract: driver thread only. Links of one timeline share an arena context (64-bit seqnos, with
 * gaps); a link whose seqno is not later than prev's starts a fresh context (X2.2). Walking a chain
 * collects links whose own fence has signaled (X2.5). Links are signaled in the arena when found
 * signaled (polling, X2.4) or, once enabled, from a listener on the first unsignaled fence of the
 * chain, deferred to the runtime's next drain (X1.3). Release goes through the host's queue: a chain
 * of 10^6 links releases in constant stack (X2.7).
 */
import type { CompositePart, FenceRecord, Waiter } from '../fence-table.js';
import { extraOf } from '../fence-table.js';
import type { FenceContext } from '../fence-context.js';
import { partOf } from './host.js';
import type { CompositeHost, TracedFence } from './host.js';

/** One chain context: its links, and whether a link joined it behind its newest (a fork). */
interface ChainContext {
  ctx: FenceContext;
  /** The newest link's seqno. */
  newest: number;
  /** A link joined behind the newest: its links may complete out of seqno order. */
  forked: boolean;
}

export class ChainLink implements CompositePart {
  readonly kind = 'chain' as const;
  /** The previous link or plain fence (a reference of this link's), null at the end. */
  prev: FenceRecord | null;
  #waiting: { rec: FenceRecord; w: Waiter } | undefined;
  #selfRef = false;

  constructor(
    readonly chains: Chains,
    readonly cc: ChainContext,
    readonly self: FenceRecord,
    readonly fence: FenceRecord,
    prev: FenceRecord | null,
    readonly prevSeqno: number,
  ) {
    this.prev = prev;
  }

  get seqno(): number {
    return this.chains.host.seqno(this.self);
  }

  /** dma_fence_chain_enable_signaling: listen to the first unsignaled fence. False: complete. */
  arm(): boolean {
    const { host } = this.chains;
    for (let it: FenceRecord | null = this.self; it; it = this.chains.walk(it)) {
      const c = contained(it);
      const w = host.onSignal(c, () => this.#fired(c));
      if (!w) continue;
      this.#waiting = { rec: c, w };
      if (!this.#selfRef) {
        this.#selfRef = true;
        host.ref(this.self);
      }
      return true;
    }
    return false;
  }

  #fired(c: FenceRecord): void {
    this.#waiting = undefined;
    const { host } = this.chains;
    const ts = host.timestamp(c); // now: by the deferred run c may have been collected
    const trigger = host.traceRef(c);
    host.defer(() => {
      if (!host.signaledRaw(this.self) && !this.arm()) this.chains.signalLink(this, ts, trigger);
      if (this.#waiting === undefined) this.#dropSelfRef();
    });
  }

  #dropSelfRef(): void {
    if (!this.#selfRef) return;
    this.#selfRef = false;
    this.chains.host.unref(this.self);
  }

  /** FenceRecord's last reference went. */
  released(rec: FenceRecord): void {
    this.chains.host.forget(rec);
    this.chains.host.release(this);
  }

  /** @internal from the host's release queue: never recursive (X2.7). */
  dropRefs(): void {
    const { host } = this.chains;
    if (this.#waiting) host.removeWaiter(this.#waiting.rec, this.#waiting.w);
    host.unref(this.fence);
    const p = this.prev;
    this.prev = null;
    if (p) host.unref(p);
  }
}

/** The fence a chain element stands for: a link's fence, or a plain fence itself. */
function contained(rec: FenceRecord): FenceRecord {
  const l = partOf<ChainLink>(rec, 'chain');
  return l ? l.fence : rec;
}

export class Chains {
  constructor(readonly host: CompositeHost) {}

  #newContext(): ChainContext {
    const cc: ChainContext = { ctx: undefined as unknown as FenceContext, newest: 0, forked: false };
    const link = (f: { _record: FenceRecord }) => partOf<ChainLink>(f._record, 'chain')!;
    cc.ctx = this.host.context('dma_fence_chain', 'unbound', true, {
      enableSignaling: (f) => {
        const l = link(f);
        if (!l.arm()) this.signalLink(l, this.host.t.clock.now);
        return true;
      },
      signaled: (f) => this.signaled(link(f)),
      setDeadline: (f, tNs) => {
        for (let it: FenceRecord | null = link(f).self; it; it = this.walk(it)) this.host.setDeadline(contained(it), tNs);
      },
    });
    return cc;
  }

  /** X2.1, X2.2: a new link (its record, unreferenced). Arguments are checked by the caller. */
  link(prev: FenceRecord | null, fence: FenceRecord, seqno: number): FenceRecord {
    const { host } = this;
    const pl = partOf<ChainLink>(prev, 'chain');
    let cc: ChainContext;
    let prevSeqno = 0;
    host.room(1);
    if (pl && seqno > host.seqno(prev!)) {
      cc = pl.cc;
      prevSeqno = host.seqno(prev!);
      if (prevSeqno !== cc.newest) cc.forked = true;
    } else {
      host.contextRoom(1);
      cc = this.#newContext();
      if (pl) seqno = Math.max(host.seqno(prev!), seqno);
    }
    const self = host.fenceAt(cc.ctx.index, seqno);
    cc.newest = Math.max(cc.newest, seqno);
    extraOf(self).composite = new ChainLink(this, cc, self, host.ref(fence), prev ? host.ref(prev) : null, prevSeqno);
    return self;
  }

  /**
   * dma_fence_chain_walk: the element before `rec` after collecting (X2.5) every link behind it
   * whose own fence has signaled; null at the end (or when rec is not a link).
   */
  walk(rec: FenceRecord): FenceRecord | null {
    const link = partOf<ChainLink>(rec, 'chain');
    if (!link) return null;
    const { host } = this;
    let prev: FenceRecord | null;
    while ((prev = link.prev)) {
      const pl = partOf<ChainLink>(prev, 'chain');
      let replacement: FenceRecord | null = null;
      if (pl) {
        if (!host.polled(pl.fence)) break;
        replacement = pl.prev && host.ref(pl.prev);
      } else if (!host.polled(prev)) {
        break;
      }
      if (link.prev !== prev) {
        if (replacement) host.unref(replacement); // changed under us (a callback): look again
        continue;
      }
      link.prev = replacement;
      host.unref(prev);
    }
    return link.prev;
  }

  /** X2.3, X2.4: every fence reachable is signaled (then the link is signaled now). */
  signaled(link: ChainLink): boolean {
    const { host } = this;
    if (host.signaledRaw(link.self)) return true;
    for (let it: FenceRecord | null = link.self; it; it = this.walk(it)) {
      if (!host.polled(contained(it))) return false;
    }
    this.signalLink(link, host.t.clock.now);
    return true;
  }

  /**
   * Signals a link in the arena. On a linear context every older link is then signaled too (each
   * is reachable from it), in order, in one pass; on a forked one, the link alone.
   */
  signalLink(link: ChainLink, ts: number, trigger?: TracedFence): void {
    const { host } = this;
    if (host.signaledRaw(link.self)) return;
    host.traced(link.self, 'chain', ts, trigger);
    if (link.cc.forked) host.signal(link.self, ts, true);
    else host.t.signalUpTo(link.cc.ctx.index, link.seqno, 0, ts);
  }

  /**
   * X2.6, dma_fence_chain_find_seqno: the link that covers `seqno` (walking from head, collecting),
   * or null when every point up to it has signaled and been collected. The caller checks that head
   * is a link and seqno in (0, head.seqno].
   */
  find(head: FenceRecord, seqno: number): FenceRecord | null {
    const hl = partOf<ChainLink>(head, 'chain')!;
    let it: FenceRecord | null = head;
    for (; it; it = this.walk(it)) {
      const l = partOf<ChainLink>(it, 'chain');
      if (it.ctx !== head.ctx || !l || l.prevSeqno < seqno) break;
    }
    void hl;
    return it;
  }
}
