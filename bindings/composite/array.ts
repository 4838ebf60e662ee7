/**
 * Fence arrays (X1, dma-fence-array.c): one fence that signals when all of its children have
 * (wait-all) or when the first has (signal-on-any).
 *
 * Contract: driver thread only. The array is a fence on an arena context of its own (seqno 1).
 * Its children get a listener only once it is enabled (X1.2: first add_callback, wait, explicit
 * enable, or share()); from a child's signal it signals deferred, in the runtime's next drain
 * (never inside the child's signal call), stamped with the child's timestamp (X1.3). Polling an un-enabled array counts its signaled
 * children (X1.4). It holds a reference to each child for its whole life, and one to itself while
 * it listens (as the kernel's callbacks do).
 */
import type { CompositePart, FenceRecord, Waiter } from '../fence-table.js';
import { extraOf } from '../fence-table.js';
import type { CompositeHost, TracedFence } from './host.js';

export class FenceArray implements CompositePart {
  readonly kind = 'array' as const;
  readonly self: FenceRecord;
  readonly children: FenceRecord[];
  readonly signalOnAny: boolean;
  /** Children still to signal before the array does (num_pending). */
  #pending: number;
  /** The first failing child's error (X1.5), 0 if none so far. */
  #error = 0;
  /** The timestamp of the child that completed it. */
  #ts = 0;
  /** The child whose signal completed it (traced). */
  #trigger: TracedFence | undefined;
  #enabled = false;
  #waiters: (Waiter | undefined)[] = [];
  /** It holds a reference to itself while it listens to its children. */
  #selfRef = false;
  #done = false;

  /** children: checked, not nested, at least one; each gets a reference of the array's. */
  constructor(
    readonly host: CompositeHost,
    children: FenceRecord[],
    signalOnAny: boolean,
  ) {
    this.children = children;
    this.signalOnAny = signalOnAny;
    this.#pending = signalOnAny ? 1 : children.length;
    const ctx = host.context('dma_fence_array', 'unbound', false, {
      enableSignaling: () => this.#enable(),
      signaled: () => this.#poll(),
      setDeadline: (_f, tNs) => {
        for (const c of this.children) host.setDeadline(c, tNs); // X1.6
      },
    });
    this.self = host.fenceAt(ctx.index, 1);
    extraOf(this.self).composite = this;
    for (const c of children) host.ref(c);
  }

  /** X1.2: listeners on each child in index order; signaled children count at once. */
  #enable(): boolean {
    const { host } = this;
    this.#enabled = true;
    for (let i = 0; i < this.children.length; i++) {
      const c = this.children[i];
      const w = host.onSignal(c, () => this.#childSignaled(c));
      this.#waiters[i] = w;
      if (w) continue;
      this.#noteError(host.error(c));
      this.#ts = Math.max(this.#ts, host.timestamp(c));
      if (--this.#pending === 0) {
        // Complete inside the enable call: the array signals now (F13: the hook reports it).
        host.setError(this.self, this.#error);
        host.traced(this.self, 'array', host.t.clock.now, host.traceRef(c), this.children);
        this.#done = true;
        this.#cleanup();
        return false;
      }
    }
    host.ref(this.self);
    this.#selfRef = true;
    return true;
  }

  #noteError(e: number): void {
    if (this.#error === 0 && e !== 0) this.#error = e;
  }

  #childSignaled(c: FenceRecord): void {
    if (this.#done) return;
    this.#noteError(this.host.error(c));
    if (--this.#pending !== 0) return;
    this.#ts = this.host.timestamp(c);
    this.#trigger = this.host.traceRef(c);
    this.#done = true;
    this.host.defer(() => this.#fire()); // X1.3: never inside the child's signal
  }

  #fire(): void {
    const { host } = this;
    host.setError(this.self, this.#error);
    if (!host.signaledRaw(this.self)) host.traced(this.self, 'array', this.#ts, this.#trigger, this.children);
    host.signal(this.self, this.#ts);
    this.#cleanup();
  }

  /** X1.4: signaled? Enabled: its count says; otherwise count the signaled children now. */
  #poll(): boolean {
    const { host } = this;
    if (this.#enabled) {
      if (this.#pending > 0) return false;
      this.#fire();
      return true;
    }
    let pending = this.#pending;
    let error = 0;
    let ts = 0;
    for (const c of this.children) {
      if (!host.polled(c)) continue;
      if (error === 0) error = host.error(c);
      ts = Math.max(ts, host.timestamp(c));
      if (--pending === 0) {
        this.#done = true;
        host.setError(this.self, error);
        host.traced(this.self, 'array', ts, host.traceRef(c), this.children);
        host.signal(this.self, ts);
        return true;
      }
    }
    return false;
  }

  /** Stops listening (the array signaled): listeners off its children, its own reference dropped. */
  #cleanup(): void {
    const { host } = this;
    for (let i = 0; i < this.#waiters.length; i++) {
      const w = this.#waiters[i];
      if (w) host.removeWaiter(this.children[i], w);
    }
    this.#waiters = [];
    if (this.#selfRef) {
      this.#selfRef = false;
      host.unref(this.self);
    }
  }

  /** FenceRecord's last reference went. */
  released(rec: FenceRecord): void {
    this.host.forget(rec);
    this.host.release(this);
  }

  /** @internal from the host's release queue */
  dropRefs(): void {
    for (const c of this.children) this.host.unref(c);
  }
}
