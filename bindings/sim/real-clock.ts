/**
 * RealClock: nanoseconds of real time since the runtime started, for `clock: 'real'`. Timers are
 * host timers. Time cannot be driven: advance/runUntil/runUntilIdle throw ERR_REAL_CLOCK, and
 * runUntilSettled simply waits, so code written for both clocks can call it.
 */
import { DmaFenceError } from '../errors.js';
import { checkPromise, checkTimer } from './clock.js';
import type { Clock, RunResult, Timer } from './clock.js';

export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export class RealClock implements Clock {
  readonly kind = 'real' as const;
  /** The clock's epoch, in ms of performance.timeOrigin + performance.now(). */
  readonly originMs = wallMs();

  get now(): number {
    return (wallMs() - this.originMs) * 1e6;
  }

  schedule(atNs: number, fn: () => void): Timer {
    checkTimer(atNs, fn);
    const h = setTimeout(fn, Math.max(0, (atNs - this.now) / 1e6));
    return { atNs, cancel: () => clearTimeout(h) };
  }

  #refuse(): never {
    throw new DmaFenceError('ERR_REAL_CLOCK', 'this runtime runs on the real clock: time passes by itself and cannot be driven');
  }
  advance(_ns: number): RunResult {
    this.#refuse();
  }
  runUntil(_tNs: number): RunResult {
    this.#refuse();
  }
  runUntilIdle(): RunResult {
    this.#refuse();
  }
  /** Waits for the promise: real time moves on its own. */
  runUntilSettled<T>(promise: Promise<T>): Promise<T> {
    try {
      checkPromise(promise);
    } catch (e) {
      return Promise.reject(e);
    }
    return promise;
  }
}
