/**
 * Unwrap, merge and fence info (X3, dma-fence-unwrap.c, sync_file.c).
 *
 * Contract: driver thread only. unwrap flattens arrays and chains into their leaves in the kernel's
 * order (walking a chain collects its signaled links, X2.5); merge flattens, drops signaled leaves,
 * keeps the latest fence per context and never returns a nested container.
 */
import type { FenceRecord } from '../fence-table.js';
import { seqnoLater } from '../core/seqno.js';
import { partOf } from './host.js';
import type { CompositeHost } from './host.js';
import type { FenceArray } from './array.js';
import type { ChainLink, Chains } from './chain.js';

/** A leaf in the fence info (X3.3, struct sync_fence_info). */
export interface FenceInfoEntry {
  /** The issuer's driver name ('detached-driver' once signaled, F14). */
  driverName: string;
  /** The issuer's timeline name ('signaled-timeline' once signaled, F14). */
  timelineName: string;
  /** 0 active, 1 signaled, < 0 signaled with that error. */
  status: number;
  /** When it signaled, ns; 0 while active. */
  timestampNs: number;
}

/** What `rt.fenceInfo()` returns (X3.3, struct sync_file_info): the status and every leaf fence. */
export interface FenceInfo {
  /** 1 unless a leaf is active or failed: then the first such leaf's status (unwrap order). */
  status: number;
  /** The leaf fences, in unwrap order. */
  fences: FenceInfoEntry[];
}

export class Merger {
  constructor(
    readonly host: CompositeHost,
    readonly chains: Chains,
    /** Makes a wait-all array of these (checked) leaves. */
    readonly array: (children: FenceRecord[]) => FenceRecord,
  ) {}

  /** X3.1: the leaves of a fence (dma_fence_unwrap_for_each). */
  unwrap(rec: FenceRecord): FenceRecord[] {
    const out: FenceRecord[] = [];
    for (let it: FenceRecord | null = rec; it; it = this.chains.walk(it)) {
      const link = partOf<ChainLink>(it, 'chain');
      const c = link ? link.fence : it;
      const arr = partOf<FenceArray>(c, 'array');
      if (arr) out.push(...arr.children);
      else out.push(c);
    }
    return out;
  }

  /**
   * X3.2: a fence that signals when all of `recs` have. Returns the record and whether it is a new
   * one (a stub or an array) or one of the leaves.
   */
  merge(recs: FenceRecord[]): FenceRecord {
    const { host } = this;
    let ts = 0;
    const pending: FenceRecord[] = [];
    for (const r of recs) {
      for (const leaf of this.unwrap(r)) {
        if (host.polled(leaf)) ts = Math.max(ts, host.timestamp(leaf));
        else pending.push(leaf);
      }
    }
    if (pending.length === 0) return host.stub(ts);
    if (pending.length === 1) return pending[0];
    // fence_cmp: by context, then the later seqno first; keep the first of each context.
    const keyed = pending.map((rec) => ({ rec, ctx: host.contextId(rec), seqno: host.seqno(rec), s64: host.seqno64(rec) }));
    keyed.sort((a, b) => {
      if (a.ctx !== b.ctx) return a.ctx - b.ctx;
      return seqnoLater(b.seqno, a.seqno, a.s64) ? 1 : seqnoLater(a.seqno, b.seqno, a.s64) ? -1 : 0;
    });
    const kept: FenceRecord[] = [keyed[0].rec];
    for (let i = 1; i < keyed.length; i++) {
      if (keyed[i].ctx !== keyed[i - 1].ctx) kept.push(keyed[i].rec);
    }
    if (kept.length === 1) return kept[0];
    return this.array(kept);
  }

  /** X3.3: sync_file_ioctl_fence_info. */
  info(rec: FenceRecord): FenceInfo {
    const { host } = this;
    const t = host.t;
    let status = 1;
    const fences: FenceInfoEntry[] = [];
    for (const leaf of this.unwrap(rec)) {
      const signaled = host.polled(leaf);
      const issuer = t.issuers[leaf.ctx];
      const s = signaled ? host.error(leaf) || 1 : 0;
      fences.push({
        driverName: signaled ? 'detached-driver' : issuer.driverName,
        timelineName: signaled ? 'signaled-timeline' : issuer.timelineName,
        status: s,
        timestampNs: signaled ? host.timestamp(leaf) : 0,
      });
      if (status > 0) status = s;
    }
    return { status, fences };
  }
}
