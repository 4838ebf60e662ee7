/** The runtime's counters, as the core keeps them in the arena. */
import type { Arena } from './arena.js';
import * as L from './core/layout.js';

/** Counters kept in the arena by the core. */
export interface RuntimeStats {
  /** Fences created since the runtime began. */
  fencesCreated: number;
  /** Fences signaled. */
  fencesSignaled: number;
  /** Calls into the core's signal path (a batch signal is one). */
  signalCalls: number;
  /** Fences signaled while an older fence of their context was still pending (C3). */
  orderingViolations: number;
  /** Slots in use now (pending or pinned). */
  fencesInUse: number;
  /** Jobs written into rings. */
  jobsSubmitted: number;
  /** Jobs the device completed. */
  jobsCompleted: number;
  /** Bytes the device wrote by DMA. */
  dmaBytesWritten: number;
  /** Interrupts raised. */
  irqs: number;
  /** DMA writes into memory that had changed hands (M2). */
  corruptions: number;
}

/** Reads the counters (less the stub fence's share); a fresh object per call. */
export function readStats(a: Arena): RuntimeStats {
  return {
      fencesCreated: a.stat(L.ST_CREATED) - 1,
      fencesSignaled: a.stat(L.ST_SIGNALED) - 1,
      signalCalls: a.stat(L.ST_SIGNAL_CALLS) - 1,
      orderingViolations: a.stat(L.ST_ORDERING),
      fencesInUse: a.inUse() - 1,
      jobsSubmitted: a.stat(L.ST_JOBS_SUBMITTED),
      jobsCompleted: a.stat(L.ST_JOBS_COMPLETED),
      dmaBytesWritten: a.stat(L.ST_DMA_BYTES),
      irqs: a.stat(L.ST_IRQS),
      corruptions: a.stat(L.ST_CORRUPTIONS),
  };
}
