/**
 * The interrupt-handler interface of a ring: what both drivers call, the virtual engine
 * (sim/engine.ts) between core steps on the virtual clock, and the real driver
 * (drivers/real-driver.ts) on the driver's thread on the real clock. Tracing of job spans too.
 *
 * Contract: driver thread only. Once the runtime is disposed every handler does nothing.
 */
import * as L from '../core/layout.js';
import type { InjectKind } from '../dma-device.js';
import type { RingProtocols } from './protocols.js';
import { deviceLost } from './reset.js';

/** One ring as its driver sees it: the handlers the engines call. */
export interface RingInterrupts {
  /** Its name and context id, for reports (the corruption drain). */
  readonly name: string;
  readonly contextId: number;
  /** The timeout handler's limit per job, ns (the real clock's watchdog period). */
  readonly timeoutNs: number;
  /** The interrupt (R4): signal what the device retired. */
  irq(): void;
  /** The timeout handler (R6): the engine reported this ring's oldest job past its limit. */
  timeout(): void;
  /** Real clock: the watchdog (R6), run by the driver's timer. */
  watchdog(): void;
  /** After each engine pass: observe answers, serve waiters, end drains. */
  afterStep(): void;
  /** Tracing: the job that just completed at `now`, as a span from its start. */
  retired(now: number): void;
  /** Real clock: something is in flight or a protocol is under way. */
  busy(): boolean;
  /** Its device's requests, by engine index: arm a fault for the next job (D3). */
  inject(kind: InjectKind): void;
  /** Its device's requests: the device is lost (T6); resolves once the ring is reset or dropped. */
  deviceLost(): Promise<void>;
}

export function traceJob(p: RingProtocols, i: number, end: number, outcome: string): void {
  const start = p.w.descStart(i);
  p.h.trace('job', { ring: p.name, seqno: p.w.descSeqno(i), bytes: p.w.descBytes(i), startNs: start, outcome }, end - start);
}

/**
 * Tracing, when the device is proven idle (ACK, effective reset): the jobs it had started and
 * not completed get a span from their start to now ('timed-out' for the guilty one, 'aborted'
 * for the rest). Jobs it never started get none: they never ran.
 */
export function traceUnfinished(p: RingProtocols, guilty: number | undefined): void {
  if (!(p.h.tracing && !p.h.real)) return;
  const now = p.h.sim.now;
  const head = p.w.get(L.R_HEAD);
  for (let i = p.w.get(L.R_RETIRED); i !== head; i = (i + 1) >>> 0) {
    traceJob(p, i, now, p.w.descSeqno(i) === guilty ? 'timed-out' : 'aborted');
  }
}

/** The ring's interrupt handlers, over its protocols. */
export function interruptsOf(p: RingProtocols): RingInterrupts {
  return {
    name: p.name,
    contextId: p.ctxId,
    timeoutNs: p.timeoutNs,
    irq: () => void p.signalCompleted(),
    timeout: () => p.onTimeout(),
    watchdog: () => {
      if (p.disposed) return;
      const state = p.w.state();
      const timeoutNs = p.w.getF(L.R_TIMEOUT_NS); // a scheduler may set its own (S1)
      if (!(timeoutNs < Infinity)) return;
      if (!(state === L.RS_RUNNING || (state === L.RS_STOPPING && !p.w.get(L.R_STOP)))) return;
      const sig = p.w.get(L.R_SIG_IDX);
      if (p.w.load(L.R_HEAD) === sig) return;
      const start = p.w.descStart(sig);
      if (start > 0 && p.h.sim.now - start >= timeoutNs) p.onTimeout();
    },
    afterStep: () => p.afterStep(),
    retired: (now) => {
      const retired = p.w.get(L.R_RETIRED);
      if (retired === p.traced) return;
      p.traced = retired;
      traceJob(p, (retired - 1) >>> 0, now, 'completed');
    },
    busy: () => {
      const s = p.w.state();
      return p.w.inFlight() > 0 || s === L.RS_STOPPING || s === L.RS_RESETTING || s === L.RS_FAULTED;
    },
    inject: (kind) => p.inject(kind),
    deviceLost: () => deviceLost(p),
  };
}
