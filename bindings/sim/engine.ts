/**
 * The device engine as an event source of the virtual clock: it asks the core to run every ring's
 * device up to the clock's next JS event, and handles what the core hands back (callbacks and
 * waiters to run, a timeout to handle, corruptions to record) at the exact virtual time it
 * happened.
 *
 * Contract: driver thread only; called by VirtualClock while it is being driven.
 */
import * as L from '../core/layout.js';
import type { Arena } from '../arena.js';
import type { Core } from '../core/core.js';
import type { FenceTable } from '../fence-table.js';
import type { HwRing } from '../hw-ring.js';
import type { DmaMemory } from '../dma-memory.js';
import type { ViolationLog } from '../violations.js';
import type { EventSource, VirtualClock } from './clock.js';

export class DeviceEngine implements EventSource {
  readonly rings: HwRing[] = [];
  /** Record every job as a span (createRuntime({ trace: true })). */
  tracing = false;

  constructor(
    private readonly arena: Arena,
    private readonly core: Core,
    private readonly clock: VirtualClock,
    private readonly fences: FenceTable,
    private readonly memory: DmaMemory,
    private readonly log: ViolationLog,
  ) {}

  nextEventNs(): number {
    let t = Infinity;
    for (const r of this.rings) {
      const n = r._nextT;
      if (n < t) t = n;
    }
    return t;
  }

  runUntil(limit: number): void {
    const a = this.arena;
    const st = this.core.devicesRun(a.base, limit);
    this.clock._advanceTo(a.stat(L.H_DEV_NOW));
    if (st & L.DR_NOTIFY) this.fences.drain();
    else this.fences.publish();
    if (st & L.DR_RETIRE && this.tracing) for (const r of this.rings) r._traceRetired(a.stat(L.H_DEV_NOW));
    if (st & L.DR_TIMEOUT) this.rings[a.header(L.H_DEV_RING)]._onTimeout();
    for (const r of this.rings) r._afterStep();
    if (st & L.DR_CORRUPTION) {
      drainCorruptions(a, this.rings, this.memory, this.log, 0);
      a.setHeader(L.H_CORR_COUNT, 0);
    }
  }
}

/**
 * M2: turns the core's corruption log entries [from, count) into Corruption records and
 * violations. Returns the count read. (On the virtual clock the log is emptied after; a device
 * thread keeps appending, up to CORR_CAP details, and the driver remembers how far it read.)
 */
export function drainCorruptions(a: Arena, rings: readonly HwRing[], memory: DmaMemory, log: ViolationLog, from: number): number {
  const n = Math.min(a.header(L.H_CORR_COUNT), L.CORR_CAP);
  const at = a.base + a.header(L.H_CORR_OFF);
  for (let i = from; i < n; i++) {
    const e = at + i * L.CORR_SIZE;
    const ring = rings[a.u32[(e + L.CE_RING) >> 2]];
    const found = a.u32[(e + L.CE_FOUND) >> 2];
    const owner = found ? memory._owner(found) : undefined;
    const c = {
      ring: ring.name,
      seqno: a.f64[(e + L.CE_SEQNO) >> 3],
      offset: a.u32[(e + L.CE_DST) >> 2],
      bufferId: a.u32[(e + L.CE_EXPECTED) >> 2],
      newOwner: owner ? { id: owner.id, offset: owner.offset, size: owner.size } : null,
      timeNs: a.f64[(e + L.CE_TIME) >> 3],
    };
    memory.corruptionLog.push(c);
    log.note({
      kind: 'corruption',
      rule: 'M2',
      message:
        `ring ${c.ring}: the job of fence ${ring.context.id}:${c.seqno} wrote DMA offset ${c.offset} of buffer ${c.bufferId}, freed since submit` +
        (owner ? ` and now owned by buffer ${owner.id}` : ' (free memory)'),
      context: ring.context.id,
      seqno: c.seqno,
      detail: { ...c },
    });
  }
  return Math.max(n, from);
}
