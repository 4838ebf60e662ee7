/**
 * DmaMemory: the memory the modeled device writes into (M1-M3), a region of the arena.
 *
 * Contract: alloc/free/freeAfter on the driver thread. Allocation is first fit at the lowest
 * address, in DMA_GRANULE units, as a real allocator under pressure would hand freed memory
 * straight to the next user. Each allocation stamps a fresh id over its granules in the arena's
 * owner map and free stamps 0, so the device (in the core) can tell when a DMA write lands in a
 * range that changed hands since its job was submitted: a corruption (M2).
 *
 * Trust: a DmaBuffer is only ever one this memory handed out. The memory keeps a private registry
 * of the buffers it issued (identity, not shape: an object with the right fields, or one made
 * with DmaBuffer's prototype or constructor, is refused), and a buffer's offset and size live in
 * private fields that nobody can assign. Every public member throws ERR_DISPOSED once the runtime
 * is disposed.
 */
import type { Arena } from './arena.js';
import type { Lifetime } from './lifetime.js';
import * as L from './core/layout.js';
import { DmaFence } from './dma-fence.js';
import { DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, checkInteger, describe } from './errors.js';

/** Only DmaMemory.alloc makes buffers: the constructor refuses any other caller. */
const ISSUE = Symbol('DmaMemory.alloc');

/**
 * A range of DMA memory from `rt.memory.alloc()` (M1), the `dst` of ring jobs. Only buffers this
 * runtime handed out are accepted (ERR_INVALID_ARG for look-alikes, ERR_FOREIGN_HANDLE for another
 * runtime's); a freed one is ERR_STALE_HANDLE wherever it is used.
 */
export class DmaBuffer {
  readonly #mem: DmaMemory;
  readonly #offset: number;
  readonly #size: number;
  readonly #id: number;
  #freed = false;

  /** @internal Made by DmaMemory.alloc only. */
  constructor(token: symbol, mem: DmaMemory, offset: number, size: number, id: number) {
    if (token !== ISSUE) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'DmaBuffers are made by rt.memory.alloc(bytes)');
    this.#mem = mem;
    this.#offset = offset;
    this.#size = size;
    this.#id = id;
    Object.freeze(this);
  }

  /** @internal true for objects made by this class (whatever memory issued them) */
  static _is(v: unknown): v is DmaBuffer {
    return typeof v === 'object' && v !== null && #mem in v;
  }

  /** @internal */
  get _memory(): DmaMemory {
    return this.#mem;
  }
  /** @internal offset, size and id without the dispose check (the ring's parser, the drain) */
  get _offset(): number {
    return this.#offset;
  }
  /** @internal */
  get _size(): number {
    return this.#size;
  }
  /** @internal */
  get _id(): number {
    return this.#id;
  }
  /** @internal */
  get _freed(): boolean {
    return this.#freed;
  }
  /** @internal */
  _markFreed(): void {
    this.#freed = true;
  }

  /** Byte offset in DMA memory. */
  get offset(): number {
    this.#mem._alive();
    return this.#offset;
  }
  /** Bytes requested. */
  get size(): number {
    this.#mem._alive();
    return this.#size;
  }
  /** The allocation's id (its generation in the owner map); never reused. */
  get id(): number {
    this.#mem._alive();
    return this.#id;
  }
  /** True once freed (by free, or by freeAfter when its fence signaled). */
  get freed(): boolean {
    this.#mem._alive();
    return this.#freed;
  }
  /** A copy of the buffer's current bytes (whatever the device wrote, even after free). */
  read(): Uint8Array {
    this.#mem._alive();
    return this.#mem._bytes(this.#offset, this.#size).slice();
  }
}

/** One corruption event (M2): a DMA write into memory its job no longer owned. */
export interface Corruption {
  /** The name of the ring whose job wrote. */
  ring: string;
  /** The job's fence seqno on the ring's context. */
  seqno: number;
  /** DMA offset of the first granule written that was not the job's. */
  offset: number;
  /** The allocation the job was submitted with (freed since). */
  bufferId: number;
  /** The allocation that owns the memory now, or null if it is free. */
  newOwner: {
    /** The allocation's id (`DmaBuffer.id`). */
    id: number;
    /** Its DMA offset. */
    offset: number;
    /** Its size in bytes. */
    size: number;
  } | null;
  /** Clock time of the write, ns. */
  timeNs: number;
}

/**
 * DMA memory (`rt.memory`), the device's write target (M1-M3): first-fit allocation at the lowest
 * address, and a corruption record for every DMA write into a range that changed hands since its
 * job was submitted (M2, recorded as a `corruption` violation). Every member throws ERR_DISPOSED
 * after `rt.dispose()`.
 *
 * @example
 * ```ts
 * const buf = rt.memory.alloc(4096);                   // ERR_CAPACITY when nothing fits
 * const f = ring.submit({ dst: buf, pattern: 0x5a });
 * rt.memory.freeAfter(buf, f);                         // M3: freed when the fence signals
 * rt.sim.runUntilIdle();
 * console.log(rt.memory.corruptions.length);           // 0: the write landed before the free
 * ```
 */
export class DmaMemory {
  readonly #arena: Arena;
  readonly #granules: number;
  /** Free ranges [start, length] in granules, sorted by start, coalesced. */
  #free: [number, number][];
  #nextId = 1;
  readonly #live = new Map<number, DmaBuffer>();
  /** Every buffer this memory handed out, freed or not: the only ones it (and a ring) accepts. */
  readonly #issued = new WeakSet<DmaBuffer>();
  readonly #corruptions: Corruption[] = [];
  /** A frozen copy of #corruptions, remade when it grew. */
  #corruptionsView: readonly Corruption[] = Object.freeze([]);

  readonly #life: Lifetime;

  /** @internal Made by the runtime. */
  constructor(arena: Arena, life: Lifetime) {
    this.#arena = arena;
    this.#life = life;
    this.#granules = arena.layout.dmaBytes >> L.DMA_GRANULE_SHIFT;
    this.#free = this.#granules ? [[0, this.#granules]] : [];
    Object.freeze(this);
  }

  /** @internal Throws ERR_DISPOSED once the runtime is disposed. */
  _alive(): void {
    this.#life.check();
  }

  /** Total bytes of DMA memory. */
  get size(): number {
    this.#life.check();
    return this.#granules << L.DMA_GRANULE_SHIFT;
  }

  /** Bytes free now. */
  get available(): number {
    this.#life.check();
    return this.#available();
  }

  #available(): number {
    let g = 0;
    for (const [, len] of this.#free) g += len;
    return g << L.DMA_GRANULE_SHIFT;
  }

  /** Corruption events seen so far (M2), oldest first: a frozen snapshot. */
  get corruptions(): readonly Corruption[] {
    this.#life.check();
    if (this.#corruptionsView.length !== this.#corruptions.length) this.#corruptionsView = Object.freeze(this.#corruptions.slice());
    return this.#corruptionsView;
  }

  /** @internal The corruption drain records one event (its record is frozen). */
  _recordCorruption(c: Corruption): void {
    if (c.newOwner) Object.freeze(c.newOwner);
    this.#corruptions.push(Object.freeze(c));
  }

  /** M1: first fit, lowest address. Throws ERR_CAPACITY (nothing changes) when nothing fits. */
  alloc(bytes: number): DmaBuffer {
    this.#life.check();
    const total = this.#granules << L.DMA_GRANULE_SHIFT;
    checkInteger('bytes', bytes, 1, Math.max(1, total));
    const need = Math.ceil(bytes / L.DMA_GRANULE);
    const i = this.#free.findIndex(([, len]) => len >= need);
    if (i < 0) {
      throw new DmaFenceRangeError('ERR_CAPACITY', `no free range of ${bytes} bytes in DMA memory (${this.#available()} of ${total} bytes free)`);
    }
    const [start, len] = this.#free[i];
    if (len === need) this.#free.splice(i, 1);
    else this.#free[i] = [start + need, len - need];
    const id = this.#nextId++;
    this.#arena.stampOwner(start, need, id);
    const buf = new DmaBuffer(ISSUE, this, start << L.DMA_GRANULE_SHIFT, bytes, id);
    this.#live.set(id, buf);
    this.#issued.add(buf);
    return buf;
  }

  /**
   * @internal The check every user of a buffer makes (free, freeAfter, a ring's job): it must be
   * one this memory issued. Another runtime's buffer is ERR_FOREIGN_HANDLE; anything else (a
   * plain object shaped like a buffer, one made from DmaBuffer's prototype) is ERR_INVALID_ARG.
   * With `live`, a freed buffer is ERR_STALE_HANDLE.
   */
  _issued(buf: unknown, what: string, live: boolean): DmaBuffer {
    if (!DmaBuffer._is(buf)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `${what} must be a DmaBuffer from rt.memory.alloc(), got ${describe(buf)}`);
    if (!this.#issued.has(buf)) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', `${what} belongs to another runtime's memory`);
    if (live && buf._freed) throw new DmaFenceError('ERR_STALE_HANDLE', `${what} (buffer ${buf._id} at ${buf._offset}) was already freed`);
    return buf;
  }

  /** Frees a live buffer; its range is handed to the next allocation that fits. */
  free(buf: DmaBuffer): void {
    this.#life.check();
    this.#release(this._issued(buf, 'buffer', true));
  }

  #release(buf: DmaBuffer): void {
    const start = buf._offset >> L.DMA_GRANULE_SHIFT;
    const len = Math.ceil(buf._size / L.DMA_GRANULE);
    this.#arena.stampOwner(start, len, 0);
    buf._markFreed();
    this.#live.delete(buf._id);
    // Insert sorted and coalesce with neighbours.
    const f = this.#free;
    let i = 0;
    while (i < f.length && f[i][0] < start) i++;
    f.splice(i, 0, [start, len]);
    if (i + 1 < f.length && f[i][0] + f[i][1] === f[i + 1][0]) {
      f[i][1] += f[i + 1][1];
      f.splice(i + 1, 1);
    }
    if (i > 0 && f[i - 1][0] + f[i - 1][1] === f[i][0]) {
      f[i - 1][1] += f[i][1];
      f.splice(i, 1);
    }
  }

  /**
   * M3: frees `buf` when `fence` signals, whatever its error (at once if it already has). This is
   * what real users do on a signal, and why a premature signal corrupts memory. It holds its own
   * reference to the fence until then, so the caller may release theirs.
   */
  freeAfter(buf: DmaBuffer, fence: DmaFence): void {
    this.#life.check();
    const b = this._issued(buf, 'buffer', true);
    if (!(fence instanceof DmaFence)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `freeAfter needs a DmaFence, got ${describe(fence)}`);
    if (fence._table.arena !== this.#arena) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', 'that fence belongs to another runtime');
    const own = fence._table.handle(fence._record.slot);
    const done = () => {
      if (!b._freed) this.#release(b);
      DmaFence._drop(own); // (no rethrow of kept callback errors: this runs as a callback)
    };
    if (!own.addCallback(done)) done();
  }

  /** @internal The live buffer with this allocation id. */
  _owner(id: number): DmaBuffer | undefined {
    return this.#live.get(id);
  }

  /** @internal Total DMA bytes, without the dispose check. */
  get _bytesTotal(): number {
    return this.#granules << L.DMA_GRANULE_SHIFT;
  }

  /** @internal A view of DMA bytes. */
  _bytes(offset: number, size: number): Uint8Array {
    return this.#arena.dmaBytes(offset, size);
  }
}
