/**
 * The runtime's trace: protocol events (ring states, STOP, ACK, resets, drops, violations) and,
 * with trace: true, the life of every job (submit, span from start to completion, IRQ, signal,
 * ring occupancy); exported as Chrome / Perfetto trace-event JSON by trace-export.ts.
 *
 * Bounded: the log keeps the last `limit` events (createRuntime({ traceLimit }), default
 * DEFAULT_TRACE_LIMIT) in a circular buffer and counts the ones it let go; the export says so in
 * its metadata. Track descriptions (which ring runs on which device) live outside the bound.
 *
 * Contract: driver thread only; `record` is O(1) and never grows the log past its limit.
 */
import { toChromeTrace } from './trace-export.js';

/** A traced event: ring state changes, STOP, ACK, resets, drops, violations; with trace: true, jobs. */
export interface TraceEvent {
  /** What happened (`stop`, `ack`, `job`, `violation T1: premature-signal`, ...). */
  name: string;
  /** When it happened, or (a span) when it ended, ns. */
  timeNs: number;
  /** Spans (jobs): how long it took, ns. */
  durNs?: number;
  /** The event's details (ring, seqno, rule, outcome...). */
  args: Record<string, unknown>;
}

/** Events a runtime keeps by default (createRuntime({ traceLimit })): the last 100,000. */
export const DEFAULT_TRACE_LIMIT = 100_000;
/** The largest traceLimit. */
export const MAX_TRACE_LIMIT = 1 << 24;

/** A ring's track: its device and creation order (for the export's process/thread names). */
export interface RingTrack {
  index: number;
  device: string;
  deviceIndex: number;
}

/** The recorded events, oldest first; each frozen once recorded. */
export class TraceLog {
  readonly #buf: TraceEvent[] = [];
  /** Index of the oldest event once the buffer has wrapped. */
  #head = 0;
  #dropped = 0;
  readonly #rings = new Map<string, RingTrack>();
  readonly limit: number;

  constructor(limit = DEFAULT_TRACE_LIMIT) {
    this.limit = limit;
  }

  /** Records an event at timeNs (a span when durNs is given: it ended at timeNs). */
  record(name: string, timeNs: number, args: Record<string, unknown>, durNs?: number): void {
    const e = durNs === undefined ? { name, timeNs, args } : { name, timeNs, durNs, args };
    Object.freeze(args);
    Object.freeze(e);
    if (this.#buf.length < this.limit) {
      this.#buf.push(e);
      return;
    }
    this.#buf[this.#head] = e;
    this.#head = this.#head + 1 === this.limit ? 0 : this.#head + 1;
    this.#dropped++;
  }

  /** Names a ring's track (kept whatever the bound): its device and index. */
  describeRing(name: string, track: RingTrack): void {
    if (!this.#rings.has(name)) this.#rings.set(name, track);
  }

  /** Events let go to keep the bound. */
  get dropped(): number {
    return this.#dropped;
  }

  /** A frozen copy of the events kept, oldest first. */
  list(): readonly TraceEvent[] {
    const b = this.#buf;
    return Object.freeze(this.#head === 0 ? b.slice() : b.slice(this.#head).concat(b.slice(0, this.#head)));
  }

  /** Chrome trace-event JSON of the events (open it in ui.perfetto.dev or chrome://tracing). */
  toChromeJson(): string {
    return JSON.stringify(toChromeTrace(this.list(), { rings: this.#rings, limit: this.limit, dropped: this.#dropped }));
  }
}
