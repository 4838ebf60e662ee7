/**
 * Clocks. Every duration in the API is nanoseconds on the runtime's clock.
 *
 * VirtualClock: deterministic discrete-event time. Nothing moves unless driven (advance, runUntil,
 * runUntilIdle, runUntilSettled). Events at the same instant run in the order they were scheduled.
 * Event sources (devices, added by the ring layer) report their next event time and are stepped
 * in bulk by the core, so the clock crosses into JS only at instants where JS has work.
 *
 * Contract: driver thread only. Callbacks run synchronously inside the driving call; promise
 * continuations run after it, in microtasks.
 */
import { DmaFenceError, DmaFenceTypeError, checkDuration, describe } from '../errors.js';
import type { Lifetime } from '../lifetime.js';

export interface Timer {
  readonly atNs: number;
  cancel(): void;
}

/** Something that produces events on the clock without a JS timer per event (a device). */
export interface EventSource {
  /** The time of its next event, or Infinity when it has none. */
  nextEventNs(): number;
  /** Runs every event due at or before tNs. */
  runUntil(tNs: number): void;
}

export interface Clock {
  readonly kind: 'virtual' | 'real';
  readonly now: number;
  schedule(atNs: number, fn: () => void): Timer;
}

interface Entry extends Timer {
  fn: (() => void) | null;
  seq: number;
}

/** Counts returned by the driving calls. */
export interface RunResult {
  /** Timer and device steps run. */
  events: number;
  /** The clock after the call, ns. */
  nowNs: number;
}

/** The arguments of schedule(), checked the same on both clocks. */
export function checkTimer(atNs: unknown, fn: unknown): void {
  if (typeof atNs !== 'number' || Number.isNaN(atNs)) throw new DmaFenceTypeError('ERR_INVALID_TIMEOUT', `atNs must be a number of ns, got ${describe(atNs)}`);
  if (typeof fn !== 'function') throw new DmaFenceTypeError('ERR_INVALID_ARG', `fn must be a function, got ${describe(fn)}`);
}

/** The argument of runUntilSettled(), checked the same on both clocks. */
export function checkPromise(p: unknown): void {
  if (!p || typeof (p as { then?: unknown }).then !== 'function') {
    throw new DmaFenceTypeError('ERR_INVALID_ARG', `runUntilSettled needs a promise, got ${describe(p)}`);
  }
}

/**
 * A macrotask turn: setImmediate in Node; in browsers a MessageChannel message (one channel, made
 * at first use), since their setTimeout(0) waits at least 4 ms once nested, which made each step of
 * runUntilSettled take 4 ms there; setTimeout where neither exists.
 */
let channel: { port: MessagePort; queue: (() => void)[] } | null = null;
const macrotask: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise((r) => setImmediate(r))
    : typeof MessageChannel === 'function'
      ? () =>
          new Promise((r) => {
            if (channel === null) {
              const c = new MessageChannel();
              const queue: (() => void)[] = [];
              c.port1.onmessage = () => queue.shift()?.();
              channel = { port: c.port2, queue };
            }
            channel.queue.push(r);
            channel.port.postMessage(0);
          })
      : () => new Promise((r) => setTimeout(r, 0));

/**
 * The virtual clock (`rt.sim`, the default): deterministic discrete-event time in ns. Nothing
 * moves unless driven: `advance`, `runUntil`, `runUntilIdle` and `runUntilSettled` run the timers
 * and device events due, in time order, and callbacks run inside the driving call (which throws
 * their errors as a CallbackError, ERR_CALLBACK, after its work, when no 'callbackError' listener
 * is set). One seed gives the same run on both backends. Every member throws ERR_DISPOSED after
 * `rt.dispose()`.
 *
 * @example
 * ```ts
 * const rt = await createRuntime();
 * const f = rt.createRing({ device: rt.createDevice() }).submit({});
 * rt.sim.advance(500);                                 // half a microsecond
 * const ok = await rt.sim.runUntilSettled(f.wait());  // drives until the wait settles
 * console.log(ok, rt.sim.now);
 * ```
 */
export class VirtualClock implements Clock {
  /** 'virtual'. */
  get kind(): 'virtual' {
    return 'virtual';
  }
  #now = 0;
  #seq = 0;
  #heap: Entry[] = [];
  #sources: EventSource[] = [];
  #live = 0;
  readonly #life: Lifetime | undefined;
  /** @internal Runs after each driving call has done its work (it throws kept callback errors). */
  onDriven: (() => void) | undefined;
  /**
   * @internal Runs after each event (timer or device step), before the clock moves on: the
   * runtime's drain of work deferred by that event (composite fences signal there: X1.3).
   */
  afterEvent: (() => void) | undefined;

  /** @internal Made by the runtime (rt.sim). */
  constructor(life?: Lifetime) {
    this.#life = life;
    // At dispose: no timer or device step runs again.
    life?.onEnd(() => {
      this.#heap = [];
      this.#sources = [];
      this.#live = 0;
    });
  }

  /** The current virtual time, ns. */
  get now(): number {
    return this.#now;
  }

  /** Timers still scheduled. */
  get pendingTimers(): number {
    this.#life?.check();
    return this.#live;
  }

  /** @internal An event source reports how far it ran (never backwards, never past the limit). */
  _advanceTo(tNs: number): void {
    if (tNs > this.#now) this.#now = tNs;
  }

  /** @internal */
  addSource(src: EventSource): void {
    this.#sources.push(src);
  }
  /** @internal */
  removeSource(src: EventSource): void {
    const i = this.#sources.indexOf(src);
    if (i >= 0) this.#sources.splice(i, 1);
  }

  /** Runs fn when the clock reaches atNs (at once, on the next drive, if that is past). */
  schedule(atNs: number, fn: () => void): Timer {
    this.#life?.check();
    checkTimer(atNs, fn);
    const e: Entry = {
      atNs: Math.max(atNs, this.#now),
      fn,
      seq: this.#seq++,
      cancel: () => {
        if (e.fn) {
          e.fn = null;
          this.#live--;
        }
      },
    };
    this.#live++;
    this.#push(e);
    return e;
  }

  /** Moves time forward by ns, running every event due on the way. */
  advance(ns: number): RunResult {
    this.#life?.check();
    checkDuration('ns', ns);
    if (!Number.isFinite(ns)) throw new DmaFenceError('ERR_INVALID_TIMEOUT', 'advance() needs a finite duration; use runUntilIdle()');
    return this.runUntil(this.#now + ns);
  }

  /** Runs every event due at or before tNs, then sets the clock to tNs (if later than now). */
  runUntil(tNs: number): RunResult {
    this.#life?.check();
    checkDuration('tNs', tNs);
    if (!Number.isFinite(tNs)) throw new DmaFenceError('ERR_INVALID_TIMEOUT', 'runUntil() needs a finite time; use runUntilIdle()');
    let events = 0;
    while (this.#step(tNs)) events++;
    if (tNs > this.#now) this.#now = tNs;
    this.onDriven?.();
    return { events, nowNs: this.#now };
  }

  /** Runs events until none is left. Time stops at the last event. */
  runUntilIdle(): RunResult {
    this.#life?.check();
    let events = 0;
    while (this.#step(Infinity)) events++;
    this.onDriven?.();
    return { events, nowNs: this.#now };
  }

  /**
   * Drives the clock until `promise` settles and returns its outcome. If nothing is left that
   * could move the simulation while it is still pending, rejects with ERR_DEADLOCK.
   */
  async runUntilSettled<T>(promise: Promise<T>): Promise<T> {
    this.#life?.check();
    checkPromise(promise);
    let state = 0 as 0 | 1 | 2;
    let value: T | undefined;
    let reason: unknown;
    promise.then(
      (v) => ((state = 1), (value = v)),
      (e) => ((state = 2), (reason = e)),
    );
    for (;;) {
      await macrotask();
      this.onDriven?.();
      if (state === 1) return value as T;
      if (state === 2) throw reason;
      // Disposed while driving: the promise was rejected ERR_DISPOSED if it was tracked; else this.
      this.#life?.check();
      const stepped = this.#step(Infinity);
      this.onDriven?.();
      if (!stepped) {
        await macrotask();
        if ((state as number) === 1) return value as T;
        if ((state as number) === 2) throw reason;
        this.#life?.check();
        throw new DmaFenceError('ERR_DEADLOCK', `the simulation went idle at ${this.#now} ns with the promise still pending: nothing left could ever settle it`);
      }
    }
  }

  /** Runs the earliest event due at or before limit. False if there is none. */
  #step(limit: number): boolean {
    let srcT = Infinity;
    let src: EventSource | undefined;
    for (const s of this.#sources) {
      const t = s.nextEventNs();
      if (t < srcT) (srcT = t), (src = s);
    }
    this.#dropCancelled();
    const top = this.#heap[0];
    const timerT = top ? top.atNs : Infinity;
    const t = Math.min(srcT, timerT);
    if (t > limit || t === Infinity) return false;
    if (t > this.#now) this.#now = t;
    if (timerT <= srcT) {
      this.#pop();
      const fn = top!.fn!;
      top!.fn = null;
      this.#live--;
      try {
        fn();
      } finally {
        this.afterEvent?.();
      }
    } else {
      // Devices run in bulk up to the next JS timer (or the limit): no JS per job.
      src!.runUntil(Math.min(timerT, limit));
      this.afterEvent?.();
    }
    return true;
  }

  #dropCancelled(): void {
    while (this.#heap.length && this.#heap[0].fn === null) this.#pop();
  }

  #less(a: Entry, b: Entry): boolean {
    return a.atNs < b.atNs || (a.atNs === b.atNs && a.seq < b.seq);
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (!h.length) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l], h[m])) m = l;
      if (r < h.length && this.#less(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
