/**
 * Where an exception thrown by a fence callback goes. A callback that throws does not stop the
 * others (a kernel callback cannot fail). With an rt.on('callbackError') listener the listener
 * gets it at once; without one it is kept and thrown, as one CallbackError (ERR_CALLBACK), by the
 * public call that ran the callback once that call has done all its work (for callbacks run while
 * the virtual clock is driven: by the driving call). On the real clock, what no call has thrown by
 * the next microtask (callbacks the interrupt handler ran) is reported as an uncaught exception.
 *
 * Contract: driver thread only; cold path (it runs only when a callback threw).
 */
import type { DmaFence } from './dma-fence.js';
import { CallbackError } from './errors.js';

/** A listener of rt.on('callbackError'): the error a fence callback threw, and the fence. */
export type CallbackErrorListener = (error: unknown, fence: DmaFence) => void;

export class CallbackErrors {
  /** Listeners of rt.on('callbackError'). */
  readonly listeners = new Set<CallbackErrorListener>();
  /**
   * @internal Errors kept since the last rethrow. Read by the handles' hot members before they
   * call rethrow (a length check inline, no call when nothing was kept).
   */
  kept: unknown[] = [];

  constructor(private readonly realClock: boolean) {}

  /** A callback on `fence` threw `e`. */
  report(e: unknown, fence: DmaFence): void {
    if (this.listeners.size) {
      for (const l of [...this.listeners]) {
        try {
          l(e, fence);
        } catch (e2) {
          this.kept.push(e2); // a listener that throws is reported like a callback
        }
      }
      return;
    }
    this.kept.push(e);
    if (this.realClock && this.kept.length === 1) queueMicrotask(() => this.rethrow());
  }

  /** Throws what was kept since the last call (ERR_CALLBACK, with `errors`), if anything. */
  rethrow(): void {
    if (this.kept.length !== 0) this.#throw(); // small: it is inlined into every public call
  }

  #throw(): never {
    const errors = this.kept;
    this.kept = [];
    throw new CallbackError(errors);
  }
}
