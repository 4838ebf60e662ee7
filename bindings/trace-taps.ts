/**
 * Tracing taps of one ring (createRuntime({ trace: true })): what the trace needs to follow a job
 * from submit to signal, taken where the runtime already hears of it, so the ring's own files
 * stay as they are. Submits are seen at the doorbell (the ring kicks its device after every
 * submission: new seqnos on its context are new jobs); the IRQ and the signals of the core's
 * interrupt path at each retirement the engine reports (virtual clock); signals from the driver's
 * side (protocols, the real clock's handler) through FenceTable.onSignalUpTo.
 *
 * Contract: driver thread only; every tap does nothing once the runtime is disposed.
 */
import type { FenceContext } from './fence-context.js';
import type { HwRing } from './hw-ring.js';
import type { Lifetime } from './lifetime.js';
import type { RingInterrupts } from './ring/interrupts.js';

type Trace = (name: string, args: Record<string, unknown>) => void;

export class RingTap {
  /** Set once the ring is made (no tap runs before). */
  ring: HwRing | undefined;
  #submitted: number;
  #signaled: number;
  #irqs = 0;

  constructor(
    readonly name: string,
    private readonly ctx: FenceContext,
    private readonly life: Lifetime,
    private readonly trace: Trace,
  ) {
    this.#submitted = ctx.lastSeqno;
    this.#signaled = ctx.signaledSeqno;
  }

  /** After a doorbell: one 'submit' per new seqno, with the ring's occupancy after it. */
  kicked(): void {
    const r = this.ring;
    if (!r || this.life.disposed) return;
    const last = this.ctx.lastSeqno;
    const inFlight = r.inFlight;
    while (this.#submitted < last) {
      this.#submitted++;
      this.trace('submit', { ring: this.name, seqno: this.#submitted, inFlight: inFlight - (last - this.#submitted) });
    }
  }

  /** A signalUpTo from JS signaled first..last with error. */
  signaled(first: number, last: number, error: number): void {
    const r = this.ring;
    if (!r || this.life.disposed) return;
    this.#signaled = Math.max(this.#signaled, last);
    this.trace('signal', { ring: this.name, seqno: last, first, error, inFlight: r.inFlight });
  }

  /** After a retirement (virtual clock): the IRQ it raised and what its handler signaled. */
  retired(): void {
    const r = this.ring;
    if (!r || this.life.disposed) return;
    const irqs = r.irqs;
    if (irqs > this.#irqs) {
      this.#irqs = irqs;
      this.trace('irq', { ring: this.name, seqno: r.completedSeqno, irqs });
    }
    const sig = this.ctx.signaledSeqno;
    if (sig > this.#signaled) {
      this.trace('signal', { ring: this.name, seqno: sig, first: this.#signaled + 1, error: 0, inFlight: r.inFlight });
      this.#signaled = sig;
    }
  }

  /** The ring's interrupt handlers with the retirement tap after the span is recorded. */
  wrap(h: RingInterrupts): RingInterrupts {
    return {
      ...h,
      retired: (now) => {
        h.retired(now);
        this.retired();
      },
    };
  }
}
