/**
 * The runtime's trace: protocol events (ring states, STOP, ACK, resets, drops, violations) and,
 * with trace: true, job spans; exported as Chrome trace-event JSON.
 */

/** A traced event: ring state changes, STOP, ACK, resets, drops, violations; with trace: true, jobs. */
export interface TraceEvent {
  name: string;
  /** When it happened, or (a span) when it ended, ns. */
  timeNs: number;
  /** Spans (jobs): how long it took, ns. */
  durNs?: number;
  args: Record<string, unknown>;
}

/** The recorded events, oldest first; each frozen once recorded. */
export class TraceLog {
  readonly #events: TraceEvent[] = [];

  /** Records an event at timeNs (a span when durNs is given: it ended at timeNs). */
  record(name: string, timeNs: number, args: Record<string, unknown>, durNs?: number): void {
    const e = durNs === undefined ? { name, timeNs, args } : { name, timeNs, durNs, args };
    Object.freeze(args);
    this.#events.push(Object.freeze(e));
  }

  /** A frozen copy of the events so far. */
  list(): readonly TraceEvent[] {
    return Object.freeze(this.#events.slice());
  }

  /** Chrome trace-event JSON of the events (open it in Perfetto or chrome://tracing). */
  toChromeJson(): string {
    const events = this.#events.map((e) => {
      const tid = typeof e.args.ring === 'string' ? e.args.ring : 'runtime';
      return e.durNs === undefined
        ? { name: e.name, ph: 'i', s: 'g', ts: e.timeNs / 1000, pid: 1, tid, args: e.args }
        : { name: e.name, ph: 'X', ts: (e.timeNs - e.durNs) / 1000, dur: e.durNs / 1000, pid: 1, tid, args: e.args };
    });
    return JSON.stringify({ traceEvents: events, displayTimeUnit: 'ns' });
  }
}
