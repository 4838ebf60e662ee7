/**
 * What a view reads of the arena to trust a fence handle: the context table (an id's index,
 * scanned as entries are published) and a slot's fence, read consistently (seqlock style), and
 * whether a fence whose slot moved on is provably signaled. Every read is an atomic load: the
 * words belong to other threads.
 */
import * as L from '../core/layout.js';
import type { ArenaViews } from '../arena.js';
import { loadF64 } from './common.js';

/** @internal */
export class ArenaReader {
  readonly views: ArenaViews;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  /** Slots in the slot array (the owner's and every emitter header's). */
  readonly maxFences: number;
  readonly maxContexts: number;
  readonly slotWord0: number;
  readonly coldWord0: number;
  readonly ctxWord0: number;
  /** Context id -> index, filled as contexts are seen (entries never change once published). */
  readonly #ctxIndex = new Map<number, number>();
  #ctxScanned = 0;

  constructor(views: ArenaViews) {
    this.views = views;
    this.i32 = views.i32;
    this.u32 = views.u32;
    this.maxFences = views.header(L.H_TOTAL_SLOTS);
    this.maxContexts = views.header(L.H_MAX_CONTEXTS);
    this.slotWord0 = views.word(views.header(L.H_SLOT_OFF));
    this.coldWord0 = views.word(views.header(L.H_COLD_OFF));
    this.ctxWord0 = views.word(views.header(L.H_CTX_OFF));
  }

  /** Word index of a slot's hot words (S_*). */
  slotWord(slot: number): number {
    return this.slotWord0 + (slot << (L.HOT_SHIFT - 2));
  }

  /** Word index of a slot's cold words (CS_*). */
  coldWord(slot: number): number {
    return this.coldWord0 + (slot << (L.COLD_SHIFT - 2));
  }

  ctxWord(ci: number): number {
    return this.ctxWord0 + ci * (L.CTX_SIZE >> 2);
  }

  /** An f64 the owner may be changing (a context's counters): two equal reads in a row. */
  stableF64(word: number): number {
    let a = loadF64(this.u32, word);
    for (let i = 0; i < 100; i++) {
      const b = loadF64(this.u32, word);
      if (a === b) return a;
      a = b;
    }
    return a;
  }

  /** The context table index of a context id, or -1. The owner publishes an entry (id first)
   *  before it counts it, so a scan never caches a half-written entry. */
  ctxIndexOf(id: number): number {
    const known = this.#ctxIndex.get(id);
    if (known !== undefined) return known;
    const count = Math.min(Atomics.load(this.i32, this.views.word(L.H_CTX_COUNT)), this.maxContexts);
    for (; this.#ctxScanned < count; this.#ctxScanned++) {
      const j = this.#ctxScanned;
      const cid = Atomics.load(this.u32, this.ctxWord(j) + (L.C_ID >> 2));
      if (cid === 0 && j > 0) break; // counted, not yet written (its id is stored last): look again later
      if (!this.#ctxIndex.has(cid)) this.#ctxIndex.set(cid, j);
    }
    return this.#ctxIndex.get(id) ?? -1;
  }

  /** Does the slot hold fence (ctx index ci, seqno) at generation gen? A consistent read. */
  holds(slot: number, gen: number, ci: number, seqno: number): boolean {
    const w = this.slotWord(slot);
    const cw = this.coldWord(slot);
    const u32 = this.u32;
    for (let i = 0; i < 100; i++) {
      const g1 = Atomics.load(u32, w + (L.S_GEN >> 2));
      const st = Atomics.load(u32, w + (L.S_STATE >> 2));
      const s = loadF64(u32, cw + (L.CS_SEQNO >> 2));
      // Recycled meanwhile (generation, or the state word of a slot being re-written): look again.
      if (Atomics.load(u32, w + (L.S_GEN >> 2)) !== g1 || Atomics.load(u32, w + (L.S_STATE >> 2)) !== st) continue;
      return g1 === gen && (st & L.FS_ALLOC) !== 0 && st >>> L.STATE_CTX_SHIFT === ci && s === seqno;
    }
    return false;
  }

  /**
   * Is fence (ci, seqno) signaled, whatever slot it had? Yes if no later than the context's highest
   * signaled seqno and older than the oldest fence the context still has pending (its pending list's
   * head, read consistently), or if nothing is pending. A fence signaled out of order, ahead of an
   * older pending one, cannot be proven so: no.
   */
  provablySignaled(ci: number, seqno: number): boolean {
    const cw = this.ctxWord(ci);
    if (seqno > this.stableF64(cw + (L.C_SIGNALED_SEQNO >> 2))) return false;
    const u32 = this.u32;
    for (let i = 0; i < 1000; i++) {
      const hd = Atomics.load(this.i32, cw + (L.C_HEAD >> 2));
      if (hd === L.NIL) return true;
      if (hd < 0 || hd >= this.maxFences) return false;
      const w = this.slotWord(hd);
      const g = Atomics.load(u32, w + (L.S_GEN >> 2));
      const st = Atomics.load(u32, w + (L.S_STATE >> 2));
      const s = loadF64(u32, this.coldWord(hd) + (L.CS_SEQNO >> 2));
      if (Atomics.load(this.i32, cw + (L.C_HEAD >> 2)) !== hd || Atomics.load(u32, w + (L.S_GEN >> 2)) !== g || Atomics.load(u32, w + (L.S_STATE >> 2)) !== st) continue;
      if (!(st & L.FS_ALLOC) || st >>> L.STATE_CTX_SHIFT !== ci) continue;
      return seqno < s;
    }
    return false;
  }
}
