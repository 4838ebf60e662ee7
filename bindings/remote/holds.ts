/**
 * Fences held for other threads (layout.ts, "Hold entry"). `fence.share({ hold: true })` on the
 * fence's emitter thread takes a reference there, so the slot stays pinned, and issues an entry of
 * the arena's hold table; the view that adopts the handle in another thread owns the entry until
 * it releases it (release(), Symbol.dispose, GC) or its thread ends (its lease expires). The
 * issuer's scan, a timer that keeps nothing alive and runs only while it has entries out, frees
 * what was given back and drops its references. Every change of an entry word is a
 * compareExchange, so an adoption and an expiry never both win.
 */
import * as L from '../core/layout.js';
import type { ArenaViews } from '../arena.js';
import type { FenceRecord, FenceTable } from '../fence-table.js';
import { DmaFenceRangeError } from '../errors.js';
import { REMOTE_RECLAIM_AFTER_MS, REMOTE_LEASE_MS, wallMs } from './common.js';

/** The issuer looks at its entries this often, ms. */
export const HOLD_SCAN_MS = 100;
/** An issued entry nobody adopted within this many ms is freed (the handle was never used). */
export const HOLD_ADOPT_MS = 10_000;
/** An adopted entry whose lease expired this many ms ago is freed (its holder's thread ended). */
const HOLD_EXPIRED_MS = REMOTE_LEASE_MS + REMOTE_RECLAIM_AFTER_MS;

const issuers = new WeakMap<FenceTable, HoldIssuer>();

/** @internal The holds one thread's fence table issued. */
export class HoldIssuer {
  readonly #t: FenceTable;
  readonly #r: ArenaViews;
  readonly #issuer: number;
  readonly #out = new Map<number, FenceRecord>();
  #nonce = Math.floor(Math.random() * 0x1fffff);
  #hint = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  static of(t: FenceTable): HoldIssuer {
    let h = issuers.get(t);
    if (!h) issuers.set(t, (h = new HoldIssuer(t)));
    return h;
  }

  private constructor(t: FenceTable) {
    this.#t = t;
    const a = t.arena;
    const r = (this.#r = a.root);
    this.#issuer = r === a ? 0 : (a.base - r.base - r.header(L.H_EMIT_OFF)) / L.EH_SIZE + 1;
    t.life.onEnd(() => this.#endAll());
  }

  /** The thread's runtime ended (art.dispose(), its slots unpinned): its entries are freed. */
  #endAll(): void {
    this.#stop();
    const i32 = this.#r.i32;
    if (Atomics.load(i32, this.#r.word(L.H_DISPOSED)) !== 0) return; // the arena is gone
    for (const k of this.#out.keys()) {
      const w = this.#word(k);
      const cur = Atomics.load(i32, w);
      if ((cur & 3) !== L.HS_FREE && (cur >>> L.HD_ISSUER_SHIFT & 0xff) === this.#issuer) Atomics.compareExchange(i32, w, cur, cur & ~3);
    }
    this.#out.clear();
  }

  #word(k: number): number {
    return this.#r.word(this.#r.header(L.H_HOLD_OFF) + k * L.HOLD_SIZE + L.HD_WORD);
  }

  #now(): number {
    return (wallMs() - this.#r.timeBase) | 0;
  }

  /** Issues an entry for `rec` and takes a reference on it; the handle's `hold` value. */
  issue(rec: FenceRecord): number {
    const i32 = this.#r.i32;
    for (let n = 0; n < L.HOLD_ENTRIES; n++) {
      const k = (this.#hint + n) % L.HOLD_ENTRIES;
      const w = this.#word(k);
      const cur = Atomics.load(i32, w);
      if ((cur & 3) !== L.HS_FREE) continue;
      this.#nonce = (this.#nonce + 1) & 0x1fffff || 1;
      const word = L.HS_ISSUED | (this.#issuer << L.HD_ISSUER_SHIFT) | (this.#nonce << L.HD_NONCE_SHIFT);
      Atomics.store(i32, w + 1, this.#now());
      if (Atomics.compareExchange(i32, w, cur, word) !== cur) continue;
      this.#hint = k + 1;
      rec.refs++;
      this.#out.set(k, rec);
      if (this.#timer === undefined) {
        this.#timer = setInterval(() => this.scan(), HOLD_SCAN_MS);
        (this.#timer as { unref?: () => void }).unref?.();
      }
      return k * 2 ** 31 + word;
    }
    throw new DmaFenceRangeError('ERR_CAPACITY', `all ${L.HOLD_ENTRIES} hold entries are in use: release remote fences (or share without hold)`);
  }

  /** Frees what was given back (released, expired, never adopted) and drops its references. */
  scan(): void {
    if (this.#t.life.disposed) return this.#stop();
    const i32 = this.#r.i32;
    const now = this.#now();
    for (const [k, rec] of this.#out) {
      const w = this.#word(k);
      const cur = Atomics.load(i32, w);
      const age = (now - Atomics.load(i32, w + 1)) | 0;
      const st = cur & 3;
      const done = st === L.HS_RELEASED || (st === L.HS_ADOPTED && age > HOLD_EXPIRED_MS) || (st === L.HS_ISSUED && age > HOLD_ADOPT_MS);
      if (!done || Atomics.compareExchange(i32, w, cur, cur & ~3) !== cur) continue;
      this.#out.delete(k);
      this.#t.unref(rec);
    }
    if (this.#out.size === 0) this.#stop();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** @internal The adopter's side: entry index and expected word of a handle's `hold`. */
export function parseHold(hold: number): { k: number; word: number } | undefined {
  if (hold < 0) return undefined;
  const k = Math.floor(hold / 2 ** 31);
  const word = hold % 2 ** 31;
  if (k >= L.HOLD_ENTRIES || (word & 3) !== L.HS_ISSUED) return undefined;
  return { k, word };
}

/** @internal Adopts an issued entry (ISSUED -> ADOPTED); the adopted word, or 0 if it is not issued any more. */
export function adoptHold(r: ArenaViews, k: number, word: number): number {
  const w = r.word(r.header(L.H_HOLD_OFF) + k * L.HOLD_SIZE + L.HD_WORD);
  const adopted = (word & ~3) | L.HS_ADOPTED;
  if (Atomics.compareExchange(r.i32, w, word, adopted) !== word) return 0;
  Atomics.store(r.i32, w + 1, (wallMs() - r.timeBase) | 0);
  return adopted;
}

/** @internal The holder renews its lease (only while the entry is still its own). */
export function renewHold(r: ArenaViews, k: number, adopted: number, now: number): void {
  const w = r.word(r.header(L.H_HOLD_OFF) + k * L.HOLD_SIZE + L.HD_WORD);
  if (Atomics.load(r.i32, w) === adopted) Atomics.store(r.i32, w + 1, now);
}

/** @internal The holder gives it back (ADOPTED -> RELEASED). */
export function releaseHold(r: ArenaViews, k: number, adopted: number): void {
  const w = r.word(r.header(L.H_HOLD_OFF) + k * L.HOLD_SIZE + L.HD_WORD);
  Atomics.compareExchange(r.i32, w, adopted, (adopted & ~3) | L.HS_RELEASED);
}

/** @internal Frees every entry a (dead) issuer left, whatever its state. */
export function freeHolds(r: ArenaViews, issuer: number): void {
  const off = r.header(L.H_HOLD_OFF);
  for (let k = 0; k < L.HOLD_ENTRIES; k++) {
    const w = r.word(off + k * L.HOLD_SIZE + L.HD_WORD);
    const cur = Atomics.load(r.i32, w);
    if ((cur & 3) !== L.HS_FREE && ((cur >>> L.HD_ISSUER_SHIFT) & 0xff) === issuer) Atomics.compareExchange(r.i32, w, cur, cur & ~3);
  }
}
