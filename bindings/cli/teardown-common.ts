/**
 * What the ring's and the scheduler's teardown scenarios share: the job size, the ring, how long
 * the memory-pressure client holds what it grabs, how long the device gets to do damage after the
 * teardown, and that client itself.
 */
import type { Runtime } from '../runtime.js';
import type { DmaBuffer } from '../dma-memory.js';

/** Every job writes one buffer of this many bytes. */
export const JOB_BYTES = 4096;
/** The ring's capacity in both scenarios. */
export const RING_CAPACITY = 16;
/** The memory-pressure client keeps a reused range this long before freeing it. */
export const HOLD_NS = 40_000;
/** After the teardown, the device gets this long to do damage. */
export const SETTLE_NS = 1_000_000;

/**
 * Another client of the DMA memory: each call grabs a job's worth at once (first fit hands it the
 * range just freed, M1) and frees it HOLD_NS later; with memory full it goes without. Called from
 * the callback of the fence a freed buffer waited on (M3), it makes a premature signal a
 * corruption (M2).
 */
export function memoryPressure(rt: Runtime): () => void {
  const mem = rt.memory;
  return () => {
    let b: DmaBuffer;
    try {
      b = mem.alloc(JOB_BYTES);
    } catch {
      return;
    }
    rt.sim.schedule(rt.sim.now + HOLD_NS, () => mem.free(b));
  };
}

/** A run's protocol events and device counters (equal for equal seeds, on either backend). */
export function runCounts(rt: Runtime): { events: number; jobsSubmitted: number; jobsCompleted: number; irqs: number; dmaBytesWritten: number; fencesSignaled: number } {
  const s = rt.stats;
  return { events: rt.events.length, jobsSubmitted: s.jobsSubmitted, jobsCompleted: s.jobsCompleted, irqs: s.irqs, dmaBytesWritten: s.dmaBytesWritten, fencesSignaled: s.fencesSignaled };
}
