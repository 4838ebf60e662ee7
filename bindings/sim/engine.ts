/**
 * The device engine as an event source of the virtual clock: it asks the core to run every ring's
 * device up to the clock's next JS event, and handles what the core hands back (callbacks and
 * waiters to run, a timeout to handle, corruptions to record) at the exact virtual time it
 * happened. The same core engine answers STOP (ACK) and reset requests as ring events, so after
 * every pass each ring's interrupt handlers (ring/interrupts.ts) observe them, as the real
 * driver (sim/real-driver.ts) does on the real clock.
 *
 * Contract: driver thread only; called by VirtualClock while it is being driven. Once the runtime
 * is disposed it reports no event and runs nothing.
 */
import * as L from '../core/layout.js';
import type { Arena } from '../arena.js';
import type { Core } from '../core/core.js';
import type { FenceTable } from '../fence-table.js';
import type { RingInterrupts } from '../ring/interrupts.js';
import type { DmaMemory } from '../dma-memory.js';
import type { ViolationLog } from '../violations.js';
import type { EventSource, VirtualClock } from './clock.js';
import { drainCorruptions } from '../corruptions.js';

/** The schedulers' side of the engine (sched/sched-driver.ts): passes between device steps. */
export interface SchedulerHook {
  /** A pass is due now (a push, a kill, a signal since the last pass, a ring running again). */
  dirty(): boolean;
  /** After each engine step: flush waiters, trace events (status: the step's DR_* bits). */
  afterStep(status: number): void;
}

export class DeviceEngine implements EventSource {
  /** Every ring's interrupt handlers, in ring index order (the real driver reads the same list). */
  readonly rings: RingInterrupts[] = [];
  /** Record every job as a span (createRuntime({ trace: true })). */
  tracing = false;
  /** The schedulers, once the runtime has one (S, Q). */
  sched: SchedulerHook | undefined;

  /** The f64 index of ring 0's next event time (R_NEXT_T), and the rings' stride in f64s. */
  readonly #next0: number;
  readonly #stride: number;

  constructor(
    private readonly arena: Arena,
    private readonly core: Core,
    private readonly clock: VirtualClock,
    private readonly fences: FenceTable,
    private readonly memory: DmaMemory,
    private readonly log: ViolationLog,
  ) {
    this.#next0 = (arena.base + arena.layout.ringsOff + L.R_NEXT_T) >> 3;
    this.#stride = arena.header(L.H_RING_STRIDE) >> 3;
  }

  /** The earliest of the rings' next event times, read in place (the core keeps them). */
  nextEventNs(): number {
    if (this.fences.life.disposed) return Infinity; // a disposed runtime's device does nothing more
    if (this.sched?.dirty()) return this.clock.now;
    const f64 = this.arena.f64;
    const stride = this.#stride;
    let t = Infinity;
    for (let i = this.#next0, end = i + this.rings.length * stride; i < end; i += stride) {
      const n = f64[i];
      if (n < t) t = n;
    }
    return t;
  }

  runUntil(limit: number): void {
    if (this.fences.life.disposed) return;
    const a = this.arena;
    let st: number;
    if (this.sched?.dirty()) {
      // A scheduler pass is due now (pushed jobs, a kill, a signal from JS): run it alone, at now.
      st = this.core.schedPass(a.base, this.clock.now) & ~L.SP_RAN;
    } else {
      st = this.core.devicesRun(a.base, limit);
      this.clock._advanceTo(a.stat(L.H_DEV_NOW));
    }
    if (st & L.DR_NOTIFY) this.fences.drain();
    else this.fences.publish();
    if (st & L.DR_RETIRE && this.tracing) for (const r of this.rings) r.retired(a.stat(L.H_DEV_NOW));
    if (st & L.DR_TIMEOUT) this.rings[a.header(L.H_DEV_RING)].timeout();
    for (const r of this.rings) r.afterStep();
    this.sched?.afterStep(st);
    if (st & L.DR_CORRUPTION) {
      drainCorruptions(a, this.rings, this.memory, this.log, 0);
      a.setHeader(L.H_CORR_COUNT, 0);
    }
  }
}
