/**
 * The arena words of one ring (core/layout.ts, R_* and D_*): typed reads and atomic writes of its
 * header, and the addresses and fields of its descriptors.
 *
 * Contract: driver thread only. The driver owns state, tail, sigIdx, STOP; the device owns head,
 * retired, writeback, IRQ, ACK, engine. Stores are atomic (the device may be a thread).
 */
import * as L from '../core/layout.js';
import type { Arena } from '../arena.js';

export class RingWords {
  /** Byte address of the ring header. */
  readonly rp: number;

  constructor(
    private readonly arena: Arena,
    index: number,
    private readonly capacity: number,
  ) {
    this.rp = arena.base + arena.layout.ringsOff + index * arena.header(L.H_RING_STRIDE);
  }

  get(off: number): number {
    return this.arena.u32[(this.rp + off) >> 2];
  }
  /** Ring words are shared with the device (a thread, on the real clock): stores are atomic. */
  set(off: number, v: number): void {
    Atomics.store(this.arena.u32, (this.rp + off) >> 2, v);
  }
  load(off: number): number {
    return Atomics.load(this.arena.u32, (this.rp + off) >> 2);
  }
  or(off: number, bits: number): void {
    Atomics.or(this.arena.u32, (this.rp + off) >> 2, bits);
  }
  getF(off: number): number {
    return this.arena.f64[(this.rp + off) >> 3];
  }
  setF(off: number, v: number): void {
    this.arena.f64[(this.rp + off) >> 3] = v;
  }
  /** Byte address of the descriptor at free-running index i. */
  desc(i: number): number {
    return this.rp + L.RING_SIZE + ((i & (this.capacity - 1)) >>> 0) * L.DESC_SIZE;
  }
  descSeqno(i: number): number {
    return this.arena.f64[(this.desc(i) + L.D_SEQNO) >> 3];
  }
  /** When the device started the job at index i (meaningful once it was fetched). */
  descStart(i: number): number {
    return this.arena.f64[(this.rp + L.RING_SIZE + this.capacity * L.DESC_SIZE + ((i & (this.capacity - 1)) >>> 0) * L.START_SIZE) >> 3];
  }
  descBytes(i: number): number {
    return this.arena.u32[(this.desc(i) + L.D_BYTES) >> 2];
  }
  state(): number {
    return this.get(L.R_STATE);
  }
  inFlight(): number {
    return (this.get(L.R_TAIL) - this.get(L.R_SIG_IDX)) >>> 0;
  }
}
