/**
 * Lifetime: the one switch that ends a runtime. Every public member of every object of a runtime
 * calls `check()` first (sync) or `guard()` (async), so after `rt.dispose()` each throws or rejects
 * ERR_DISPOSED and changes nothing. Every promise that is still pending at dispose (waits, stop,
 * reset, drop, submitAsync, unloadDriver) was registered with `track()` and rejects ERR_DISPOSED.
 *
 * Contract: driver thread only. Cold path: one boolean read per public call; nothing per fence.
 */
import { DmaFenceError, abortReason } from './errors.js';

export function disposedError(): DmaFenceError {
  return new DmaFenceError('ERR_DISPOSED', 'this runtime was disposed: its objects can no longer be used');
}

export class Lifetime {
  #disposed = false;
  readonly #pending = new Set<(e: unknown) => void>();
  readonly #onEnd: (() => void)[] = [];

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Throws ERR_DISPOSED once the runtime is disposed. */
  check(): void {
    if (this.#disposed) throw disposedError();
  }

  /**
   * Registers the reject function of a pending promise: dispose rejects it with ERR_DISPOSED.
   * Returns the function to call when the promise settles otherwise (it unregisters).
   */
  track(reject: (e: unknown) => void): () => void {
    if (this.#disposed) {
      reject(disposedError());
      return () => {};
    }
    this.#pending.add(reject);
    return () => this.#pending.delete(reject);
  }

  /**
   * The public face of a promise of this runtime (a protocol, a wait): it rejects ERR_DISPOSED at
   * dispose even if it would never settle, and with the signal's reason when `signal` aborts; the
   * work behind it goes on either way.
   */
  settle<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      let untrack = () => {};
      const onAbort = () => finish(() => reject(abortReason(signal!)));
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        untrack();
        signal?.removeEventListener('abort', onAbort);
        f();
      };
      untrack = this.track((e) => finish(() => reject(e)));
      if (done) return;
      signal?.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => finish(() => resolve(v)),
        (e) => finish(() => reject(e)),
      );
    });
  }

  /** Runs fn at dispose (stop timers, end threads), after pending promises are rejected. */
  onEnd(fn: () => void): void {
    this.#onEnd.push(fn);
  }

  /** Ends the runtime: idempotent. */
  end(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const reject of pending) reject(disposedError());
    for (const fn of this.#onEnd) fn();
  }
}
