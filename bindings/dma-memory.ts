/**
 * DmaMemory: the memory the modeled device writes into (M1-M3), a region of the arena.
 *
 * Contract: alloc/free/freeAfter on the driver thread. Allocation is first fit at the lowest
 * address, in DMA_GRANULE units, as a real allocator under pressure would hand freed memory
 * straight to the next user. Each allocation stamps a fresh id over its granules in the arena's
 * owner map and free stamps 0, so the device (in the core) can tell when a DMA write lands in a
 * range that changed hands since its job was submitted: a corruption (M2).
 */
import type { Arena } from './arena.js';
import type { Lifetime } from './lifetime.js';
import * as L from './core/layout.js';
import { DmaFence } from './dma-fence.js';
import { DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, checkInteger, describe } from './errors.js';

export class DmaBuffer {
  #mem: DmaMemory;
  #freed = false;
  /** @internal */
  constructor(
    mem: DmaMemory,
    /** Byte offset in DMA memory. */
    readonly offset: number,
    /** Bytes requested. */
    readonly size: number,
    /** The allocation's id (its generation in the owner map); never reused. */
    readonly id: number,
  ) {
    this.#mem = mem;
  }
  /** @internal */
  get _memory(): DmaMemory {
    return this.#mem;
  }
  /** @internal */
  _markFreed(): void {
    this.#freed = true;
  }
  get freed(): boolean {
    return this.#freed;
  }
  /** A copy of the buffer's current bytes (whatever the device wrote, even after free). */
  read(): Uint8Array {
    return this.#mem._bytes(this.offset, this.size).slice();
  }
}

/** One corruption event (M2): a DMA write into memory its job no longer owned. */
export interface Corruption {
  ring: string;
  /** The job's fence seqno on the ring's context. */
  seqno: number;
  /** DMA offset of the first granule written that was not the job's. */
  offset: number;
  /** The allocation the job was submitted with (freed since). */
  bufferId: number;
  /** The allocation that owns the memory now, or null if it is free. */
  newOwner: { id: number; offset: number; size: number } | null;
  timeNs: number;
}

export class DmaMemory {
  readonly #arena: Arena;
  readonly #mapWord: number;
  readonly #dataOff: number;
  readonly #granules: number;
  /** Free ranges [start, length] in granules, sorted by start, coalesced. */
  #free: [number, number][];
  #nextId = 1;
  readonly #live = new Map<number, DmaBuffer>();
  /** @internal */
  readonly corruptionLog: Corruption[] = [];

  readonly #life: Lifetime;

  /** @internal Made by the runtime. */
  constructor(arena: Arena, life: Lifetime) {
    this.#arena = arena;
    this.#life = life;
    this.#dataOff = arena.base + arena.layout.dmaOff;
    this.#mapWord = (arena.base + arena.header(L.H_DMA_MAP_OFF)) >> 2;
    this.#granules = arena.layout.dmaBytes >> L.DMA_GRANULE_SHIFT;
    this.#free = this.#granules ? [[0, this.#granules]] : [];
  }

  /** Total bytes of DMA memory. */
  get size(): number {
    return this.#granules << L.DMA_GRANULE_SHIFT;
  }

  /** Bytes free now. */
  get available(): number {
    let g = 0;
    for (const [, len] of this.#free) g += len;
    return g << L.DMA_GRANULE_SHIFT;
  }

  /** Corruption events seen so far (M2), oldest first. */
  get corruptions(): readonly Corruption[] {
    return this.corruptionLog;
  }

  /** M1: first fit, lowest address. Throws ERR_CAPACITY (nothing changes) when nothing fits. */
  alloc(bytes: number): DmaBuffer {
    this.#life.check();
    checkInteger('bytes', bytes, 1, Math.max(1, this.size));
    const need = Math.ceil(bytes / L.DMA_GRANULE);
    const i = this.#free.findIndex(([, len]) => len >= need);
    if (i < 0) {
      throw new DmaFenceRangeError('ERR_CAPACITY', `no free range of ${bytes} bytes in DMA memory (${this.available} of ${this.size} bytes free)`);
    }
    const [start, len] = this.#free[i];
    if (len === need) this.#free.splice(i, 1);
    else this.#free[i] = [start + need, len - need];
    const id = this.#nextId++;
    this.#arena.u32.fill(id, this.#mapWord + start, this.#mapWord + start + need);
    const buf = new DmaBuffer(this, start << L.DMA_GRANULE_SHIFT, bytes, id);
    this.#live.set(id, buf);
    return buf;
  }

  #check(buf: unknown): DmaBuffer {
    if (!(buf instanceof DmaBuffer)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `expected a DmaBuffer, got ${describe(buf)}`);
    if (buf._memory !== this) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', 'that buffer belongs to another runtime');
    if (buf.freed) throw new DmaFenceError('ERR_STALE_HANDLE', `buffer ${buf.id} at ${buf.offset} was already freed`);
    return buf;
  }

  /** Frees a live buffer; its range is handed to the next allocation that fits. */
  free(buf: DmaBuffer): void {
    this.#check(buf);
    this.#release(buf);
  }

  #release(buf: DmaBuffer): void {
    const start = buf.offset >> L.DMA_GRANULE_SHIFT;
    const len = Math.ceil(buf.size / L.DMA_GRANULE);
    this.#arena.u32.fill(0, this.#mapWord + start, this.#mapWord + start + len);
    buf._markFreed();
    this.#live.delete(buf.id);
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
    this.#check(buf);
    if (!(fence instanceof DmaFence)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `freeAfter needs a DmaFence, got ${describe(fence)}`);
    if (fence._table.arena !== this.#arena) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', 'that fence belongs to another runtime');
    const own = fence._table.handle(fence._record.slot);
    const done = () => {
      if (!buf.freed) this.#release(buf);
      own.release();
    };
    if (!own.addCallback(done)) done();
  }

  /** @internal The live buffer with this allocation id. */
  _owner(id: number): DmaBuffer | undefined {
    return this.#live.get(id);
  }

  /** @internal A view of DMA bytes. */
  _bytes(offset: number, size: number): Uint8Array {
    return this.#arena.u8.subarray(this.#dataOff + offset, this.#dataOff + offset + size);
  }
}
