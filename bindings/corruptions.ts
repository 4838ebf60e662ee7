/**
 * The core's corruption log (M2), read into Corruption records on DmaMemory and violations.
 *
 * Contract: driver thread only. The core appends an entry per chunk write that lands in memory
 * its job no longer owns (up to CORR_CAP details; stats.corruptions counts all). On the virtual
 * clock the engine empties the log after reading it; a device thread keeps appending, and the
 * real-clock driver remembers how far it has read.
 */
import * as L from './core/layout.js';
import type { Arena } from './arena.js';
import type { RingInterrupts } from './ring/interrupts.js';
import type { DmaMemory } from './dma-memory.js';
import type { ViolationLog } from './violations.js';

/** Reads log entries [from, count) into records and violations; returns how far it read. */
export function drainCorruptions(a: Arena, rings: readonly RingInterrupts[], memory: DmaMemory, log: ViolationLog, from: number): number {
  const n = Math.min(a.header(L.H_CORR_COUNT), L.CORR_CAP);
  for (let i = from; i < n; i++) {
    const e = a.corruption(i);
    const ring = rings[e.ring];
    const owner = e.found ? memory._owner(e.found) : undefined;
    const c = {
      ring: ring.name,
      seqno: e.seqno,
      offset: e.dst,
      bufferId: e.expected,
      newOwner: owner ? { id: owner._id, offset: owner._offset, size: owner._size } : null,
      timeNs: e.timeNs,
    };
    memory._recordCorruption(c);
    log.note({
      kind: 'corruption',
      rule: 'M2',
      message:
        `ring ${c.ring}: the job of fence ${ring.contextId}:${c.seqno} wrote DMA offset ${c.offset} of buffer ${c.bufferId}, freed since submit` +
        (owner ? ` and now owned by buffer ${owner.id}` : ' (free memory)'),
      context: ring.contextId,
      seqno: c.seqno,
      detail: { ...c },
    });
  }
  return Math.max(n, from);
}
