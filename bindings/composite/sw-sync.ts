/**
 * The sw_sync test timeline (X4, drivers/dma-buf/sw_sync.c): a context with a 32-bit value that
 * the caller advances by hand; a point signals once the value reaches it.
 *
 * Contract: driver thread only. The timeline is the emitter of its points: it holds a reference to
 * each pending point until it signals it. Points are plain fences (kind 'fence') on the timeline's
 * context; `inc` signals them synchronously, in value order (not creation order: no C3 violation).
 */
import type { FenceRecord } from '../fence-table.js';
import type { DmaFence } from '../dma-fence.js';
import { seqnoLater } from '../core/seqno.js';
import { DmaFenceError, Errno, checkInteger, checkOptions, describe, DmaFenceTypeError } from '../errors.js';
import type { Lifetime } from '../lifetime.js';
import type { CompositeHost } from './host.js';
import type { FenceContext } from '../fence-context.js';

/** Options of `rt.createSwSync()` (X4). */
export interface SwSyncOptions {
  /** The timeline's name (fences show it while pending, F14). Default "sw_sync-<context>". */
  name?: string;
}

const U32 = 0xffffffff;

/**
 * A sw_sync timeline: `createFence(v)` makes a point that signals once `inc` brings the value to
 * v (wrap-aware, X4.2-X4.3); `close()` signals the rest with -ENOENT (X4.4).
 *
 * @example
 * ```ts
 * const tl = rt.createSwSync({ name: 'test' });
 * const f = tl.createFence(2);
 * tl.inc(1);               // value 1: f pending
 * tl.inc(1);               // value 2: f signals now
 * ```
 */
export class SwSyncTimeline {
  readonly #host: CompositeHost;
  readonly #life: Lifetime;
  readonly #ctx: FenceContext;
  readonly #name: string;
  #value = 0;
  #closed = false;
  /** Pending points in value order (each a reference of the timeline's). */
  #points: { value: number; rec: FenceRecord }[] = [];

  /** @internal Made by rt.createSwSync. */
  constructor(host: CompositeHost, life: Lifetime, opts: unknown) {
    const o = checkOptions('createSwSync options', opts, ['name']);
    if (o.name !== undefined && typeof o.name !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `name must be a string, got ${describe(o.name)}`);
    host.contextRoom(1);
    this.#host = host;
    this.#life = life;
    this.#ctx = host.context('sw_sync', o.name as string | undefined, false, {});
    this.#name = o.name ?? this.#ctx.timelineName;
  }

  #live(): void {
    this.#life.check();
    if (this.#closed) throw new DmaFenceError('ERR_CLOSED', `sw_sync timeline ${this.#name} is closed`);
  }

  /** X4.1: the timeline's context id. */
  get context(): number {
    this.#life.check();
    return this.#ctx.id;
  }
  /** X4.1: the current value (32-bit, starts at 0). */
  get value(): number {
    this.#life.check();
    return this.#value;
  }
  /** X4.4: true once closed. */
  get closed(): boolean {
    this.#life.check();
    return this.#closed;
  }
  /** Its name (the points' timeline name while pending). */
  get name(): string {
    this.#life.check();
    return this.#name;
  }

  /**
   * X4.2: a point at `value` (an integer in [0, 2^32 - 1]). Not later than the timeline's value:
   * born signaled. A value with a pending point already: a new handle to that same fence.
   */
  createFence(value: number): DmaFence {
    this.#live();
    checkInteger('value', value, 0, U32, 'ERR_INVALID_SEQNO');
    const host = this.#host;
    const born = !seqnoLater(value, this.#value, false);
    const at = this.#insertAt(value);
    const same = this.#points[at];
    if (!born && same && same.value === value) return host.handle(same.rec);
    host.room(1);
    // In the context's pending list, in signal order (value order from the current value).
    const dist = (v: number) => (v - this.#value) >>> 0;
    const rec = host.fenceAt(this.#ctx.index, value, born ? () => true : (other) => dist(value) < dist(other));
    const h = host.handle(rec);
    if (born) host.signal(rec, host.t.clock.now, true);
    else this.#points.splice(at, 0, { value, rec: host.ref(rec) });
    return h;
  }

  /** The index where a point of this value goes (value order, counted from the current value). */
  #insertAt(value: number): number {
    const d = (value - this.#value) >>> 0;
    let lo = 0;
    let hi = this.#points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (((this.#points[mid].value - this.#value) >>> 0) < d) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * X4.3: adds n (an integer in [0, 2^32 - 1], mod 2^32) and signals, now and in value order, every
   * point not later than the new value. Steps of at most 2^31 - 1, as the kernel does.
   */
  inc(n: number): void {
    this.#live();
    checkInteger('n', n, 0, U32);
    while (n > 0x7fffffff) {
      this.#step(0x7fffffff);
      n -= 0x7fffffff;
    }
    this.#step(n);
    this.#host.t.rethrowCallbackErrors();
  }

  #step(n: number): void {
    this.#value = (this.#value + n) >>> 0;
    const host = this.#host;
    while (this.#points.length && !seqnoLater(this.#points[0].value, this.#value, false)) {
      const { rec } = this.#points.shift()!;
      host.signal(rec, host.t.clock.now, true);
      host.unref(rec);
    }
  }

  /** X4.4: signals every pending point with -ENOENT, in value order; then the timeline is closed. */
  close(): void {
    this.#live();
    this.#closed = true;
    const host = this.#host;
    const pts = this.#points;
    this.#points = [];
    for (const { rec } of pts) {
      host.setError(rec, -Errno.ENOENT);
      host.signal(rec, host.t.clock.now, true);
      host.unref(rec);
    }
    host.t.rethrowCallbackErrors();
  }

  /**
   * X4.5: the earliest deadline set on one of its points (SW_SYNC_GET_DEADLINE), or null if none
   * was set. A fence of another timeline is ERR_INVALID_ARG.
   */
  deadline(fence: DmaFence): number | null {
    this.#life.check();
    const rec = this.#host.rec(fence, 'fence');
    if (rec.ctx !== this.#ctx.index) throw new DmaFenceTypeError('ERR_INVALID_ARG', `that fence is not a point of sw_sync timeline ${this.#name}`);
    return rec.x.deadline ?? null;
  }
}
