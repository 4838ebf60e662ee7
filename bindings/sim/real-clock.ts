/**
 * RealClock: nanoseconds of real time since the runtime started, for `clock: 'real'`. Timers are
 * host timers. Time cannot be driven: advance/runUntil/runUntilIdle throw ERR_REAL_CLOCK, and
 * runUntilSettled simply waits, so code written for both clocks can call it.
 */
import { DmaFenceError } from '../errors.js';
import type { Lifetime } from '../lifetime.js';
import { checkPromise, checkTimer } from './clock.js';
import type { Clock, RunResult, Timer } from './clock.js';

// Read once: in Node the `performance` global is an accessor, and timeOrigin another (each a
// call that costs more than the clock read itself); both are constant for the thread.
const perf = globalThis.performance;
const ORIGIN_MS = perf.timeOrigin;
export function wallMs(): number {
  return ORIGIN_MS + perf.now();
}

/**
 * The real clock (`createRuntime({ clock: 'real' })`, as `rt.sim`): time passes by itself and the
 * device runs in its own thread. It cannot be driven: `advance`, `runUntil` and `runUntilIdle`
 * throw ERR_REAL_CLOCK; `runUntilSettled` just waits, so the same code runs on both clocks.
 */
export class RealClock implements Clock {
  /** 'real'. */
  get kind(): 'real' {
    return 'real';
  }
  readonly #originMs = wallMs();
  /** The clock's epoch, in ms of performance.timeOrigin + performance.now(). */
  get originMs(): number {
    return this.#originMs;
  }
  readonly #life: Lifetime | undefined;
  /** Host timers still scheduled: dispose clears them, so nothing holds the process. */
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  /** @internal Made by the runtime (rt.sim). */
  constructor(life?: Lifetime) {
    this.#life = life;
    life?.onEnd(() => {
      for (const h of this.#timers) clearTimeout(h);
      this.#timers.clear();
    });
  }

  /** Nanoseconds since the clock's origin (real time). */
  get now(): number {
    return (wallMs() - this.#originMs) * 1e6;
  }

  /** Runs fn when real time reaches atNs (at once, on a later turn, if that is past); `cancel()` the Timer to drop it. */
  schedule(atNs: number, fn: () => void): Timer {
    this.#life?.check();
    checkTimer(atNs, fn);
    // Host timers count whole milliseconds from a cached loop time and may fire up to ~1 ms before
    // atNs by this clock: then wait the rest, so a timeout never ends early (F9).
    let h: ReturnType<typeof setTimeout>;
    const arm = () => {
      h = setTimeout(() => {
        this.#timers.delete(h);
        if (this.now < atNs) return arm();
        fn();
      }, Math.max(0, Math.ceil((atNs - this.now) / 1e6)));
      this.#timers.add(h);
    };
    arm();
    return {
      atNs,
      cancel: () => {
        clearTimeout(h);
        this.#timers.delete(h);
      },
    };
  }

  #refuse(): never {
    this.#life?.check();
    throw new DmaFenceError('ERR_REAL_CLOCK', 'this runtime runs on the real clock: time passes by itself and cannot be driven');
  }
  /** Throws ERR_REAL_CLOCK: real time cannot be driven. */
  advance(_ns: number): RunResult {
    this.#refuse();
  }
  /** Throws ERR_REAL_CLOCK: real time cannot be driven. */
  runUntil(_tNs: number): RunResult {
    this.#refuse();
  }
  /** Throws ERR_REAL_CLOCK: real time cannot be driven. */
  runUntilIdle(): RunResult {
    this.#refuse();
  }
  /** Waits for the promise: real time moves on its own. */
  runUntilSettled<T>(promise: Promise<T>): Promise<T> {
    try {
      this.#life?.check();
      checkPromise(promise);
    } catch (e) {
      return Promise.reject(e);
    }
    return promise;
  }
}
