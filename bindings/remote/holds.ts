/**
 * Fences held for other threads (layout.ts, "Hold entry"): reference counts in the arena.
 * `fence.share()` (held by default) on the fence's emitter thread takes one reference there, so
 * the slot stays pinned, and issues a *handle entry* of the arena's hold table. Every view made
 * from the handle (`art.fence(h)`, in any thread, as many as wanted) claims a *view entry* of its
 * own that links to the handle entry: one view entry is one reference, and only the view that
 * claimed it frees it (release(), Symbol.dispose, GC, art.dispose()), or, once its lease expired
 * (its thread ended), the issuer's scan. The issuer keeps its reference while its handle entry is
 * open for views or any view entry links to it: it closes the entry when a view of it is released
 * or when nobody adopted it within HOLD_ADOPT_MS, and drops the reference at the first scan that
 * finds it closed with no view entry left. The issuer's scan is a timer that keeps nothing alive
 * and runs only while it has entries out. Every change of an entry word is a compareExchange.
 *
 * Why it is sound: an adopter writes its view entry and then checks the handle entry is still
 * open; the issuer reads that the entry is closed and then counts view entries. Both are
 * sequentially consistent atomics, so a view that saw the entry open is counted by every scan that
 * saw it closed, and a view that saw it closed frees its entry and holds nothing.
 */
import * as L from '../core/layout.js';
import type { ArenaViews } from '../arena.js';
import type { FenceRecord, FenceTable } from '../fence-table.js';
import { REMOTE_RECLAIM_AFTER_MS, REMOTE_LEASE_MS, wallMs } from './common.js';

/** The issuer looks at its entries this often, ms. */
export const HOLD_SCAN_MS = 100;
/** A handle entry no view adopted within this many ms is closed (the handle was never used). */
export const HOLD_ADOPT_MS = 10_000;
/** A view entry whose lease expired this many ms ago is freed (its holder's thread ended). */
export const HOLD_EXPIRED_MS = REMOTE_LEASE_MS + REMOTE_RECLAIM_AFTER_MS;

const issuers = new WeakMap<FenceTable, HoldIssuer>();

function entryWord(r: ArenaViews, k: number): number {
  return r.word(r.header(L.H_HOLD_OFF) + k * L.HOLD_SIZE + L.HD_WORD);
}

function nowOf(r: ArenaViews): number {
  return (wallMs() - r.timeBase) | 0;
}

/** A view entry's word: VIEW, the handle entry it links to, the low bits of that entry's nonce. */
export function viewWord(k: number, handleWord: number): number {
  return L.HS_VIEW | (k << L.HV_LINK_SHIFT) | (((handleWord >>> L.HD_NONCE_SHIFT) & L.HV_TAG_MASK) << L.HV_TAG_SHIFT);
}

/**
 * Frees the view entries that link to the handle entries in `links` (entry -> handle word):
 * those handle entries are gone (their issuer ended), so nobody counts them any more.
 */
function freeLinkedViews(r: ArenaViews, links: Map<number, number>): void {
  if (links.size === 0) return;
  for (let v = 0; v < L.HOLD_ENTRIES; v++) {
    const w = entryWord(r, v);
    const cur = Atomics.load(r.i32, w);
    if ((cur & 3) !== L.HS_VIEW) continue;
    const hw = links.get((cur >>> L.HV_LINK_SHIFT) & (L.HOLD_ENTRIES - 1));
    if (hw !== undefined && viewWord((cur >>> L.HV_LINK_SHIFT) & (L.HOLD_ENTRIES - 1), hw) === cur) Atomics.compareExchange(r.i32, w, cur, 0);
  }
}

interface Out {
  readonly rec: FenceRecord;
  /** The entry's word as issued (ISSUED). */
  readonly word: number;
  /** A scan counted a view of it: once none is left, it closes. */
  seen: boolean;
}

/** @internal The holds one thread's fence table issued. */
export class HoldIssuer {
  readonly #t: FenceTable;
  readonly #r: ArenaViews;
  readonly #issuer: number;
  readonly #out = new Map<number, Out>();
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
    const r = this.#r;
    if (Atomics.load(r.i32, r.word(L.H_DISPOSED)) !== 0) return; // the arena is gone
    const links = new Map<number, number>();
    for (const [k, o] of this.#out) {
      const w = entryWord(r, k);
      const cur = Atomics.load(r.i32, w);
      if ((cur & ~3) === (o.word & ~3) && Atomics.compareExchange(r.i32, w, cur, 0) === cur) links.set(k, o.word);
    }
    freeLinkedViews(r, links);
    this.#out.clear();
  }

  /**
   * Issues a handle entry for `rec` and takes a reference on it; the handle's `hold` value, or
   * undefined when every entry is in use (the handle is then a plain one).
   */
  issue(rec: FenceRecord): number | undefined {
    const r = this.#r;
    for (let n = 0; n < L.HOLD_ENTRIES; n++) {
      const k = (this.#hint + n) % L.HOLD_ENTRIES;
      const w = entryWord(r, k);
      if (Atomics.load(r.i32, w) !== L.HS_FREE) continue;
      this.#nonce = (this.#nonce + 1) & 0x1fffff || 1;
      const word = L.HS_ISSUED | (this.#issuer << L.HD_ISSUER_SHIFT) | (this.#nonce << L.HD_NONCE_SHIFT);
      Atomics.store(r.i32, w + 1, nowOf(r));
      if (Atomics.compareExchange(r.i32, w, L.HS_FREE, word) !== L.HS_FREE) continue;
      this.#hint = k + 1;
      rec.refs++;
      this.#out.set(k, { rec, word, seen: false });
      if (this.#timer === undefined) {
        this.#timer = setInterval(() => this.scan(), HOLD_SCAN_MS);
        (this.#timer as { unref?: () => void }).unref?.();
      }
      return k * 2 ** 31 + word;
    }
    return undefined;
  }

  /**
   * Looks at its handle entries: the states first, then the views linked to them (freeing those
   * whose lease expired), then it closes what is done and frees (dropping its reference) what was
   * closed before the count and has no view left.
   */
  scan(): void {
    if (this.#t.life.disposed) return this.#stop();
    const r = this.#r;
    const i32 = r.i32;
    const now = nowOf(r);
    const states = new Map<number, number>();
    for (const k of this.#out.keys()) states.set(k, Atomics.load(i32, entryWord(r, k)));
    const views = new Map<number, number>();
    for (let v = 0; v < L.HOLD_ENTRIES; v++) {
      const w = entryWord(r, v);
      const cur = Atomics.load(i32, w);
      if ((cur & 3) !== L.HS_VIEW) continue;
      const k = (cur >>> L.HV_LINK_SHIFT) & (L.HOLD_ENTRIES - 1);
      const o = this.#out.get(k);
      if (!o || viewWord(k, o.word) !== cur) continue;
      if (((now - Atomics.load(i32, w + 1)) | 0) > HOLD_EXPIRED_MS) Atomics.compareExchange(i32, w, cur, 0);
      else views.set(k, (views.get(k) ?? 0) + 1);
    }
    for (const [k, o] of this.#out) {
      const st = states.get(k)!;
      const w = entryWord(r, k);
      const n = views.get(k) ?? 0;
      if (st === o.word) {
        if (n > 0) o.seen = true;
        else if (o.seen || ((now - Atomics.load(i32, w + 1)) | 0) > HOLD_ADOPT_MS) Atomics.compareExchange(i32, w, st, (st & ~3) | L.HS_CLOSED);
        continue; // freed at a later scan, whose count comes after the close
      }
      if (st === ((o.word & ~3) | L.HS_CLOSED)) {
        if (n > 0 || Atomics.compareExchange(i32, w, st, 0) !== st) continue;
      }
      // closed with no view left (or freed under it: nothing links to it any more)
      this.#out.delete(k);
      this.#t.unref(o.rec);
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

/** @internal One view's reference: its view entry and word, the handle entry and word. */
export interface HeldRef {
  readonly v: number;
  readonly vword: number;
  readonly k: number;
  readonly word: number;
}

let viewHint = Math.floor(Math.random() * L.HOLD_ENTRIES);

/**
 * @internal Takes one reference for a new view of handle entry k (issued as `word`): claims a
 * view entry (its lease stamped first), then checks the handle entry is still open. Undefined
 * when it is closed or gone, or no entry is free: the view then holds nothing.
 */
export function adoptHold(r: ArenaViews, k: number, word: number): HeldRef | undefined {
  const i32 = r.i32;
  if (Atomics.load(i32, entryWord(r, k)) !== word) return undefined;
  const vword = viewWord(k, word);
  for (let n = 0; n < L.HOLD_ENTRIES; n++) {
    const v = (viewHint + n) % L.HOLD_ENTRIES;
    const w = entryWord(r, v);
    if (Atomics.load(i32, w) !== L.HS_FREE) continue;
    Atomics.store(i32, w + 1, nowOf(r)); // before the claim: a scan never sees it expired
    if (Atomics.compareExchange(i32, w, L.HS_FREE, vword) !== L.HS_FREE) continue;
    viewHint = v + 1;
    if (Atomics.load(i32, entryWord(r, k)) === word) return { v, vword, k, word };
    Atomics.compareExchange(i32, w, vword, L.HS_FREE);
    return undefined;
  }
  return undefined;
}

/** @internal The holder renews its lease (only while the view entry is still its own). */
export function renewHold(r: ArenaViews, h: HeldRef, now: number): void {
  const w = entryWord(r, h.v);
  if (Atomics.load(r.i32, w) === h.vword) Atomics.store(r.i32, w + 1, now);
}

/** @internal Is the view entry still this view's (not freed after its lease expired)? */
export function stillHeld(r: ArenaViews, h: HeldRef): boolean {
  return Atomics.load(r.i32, entryWord(r, h.v)) === h.vword;
}

/**
 * @internal The holder gives its reference back: it frees its view entry and closes the handle
 * entry (no new view of that handle holds from then on). Each a compareExchange on the exact
 * word: a repeated or late release changes nothing.
 */
export function releaseHold(r: ArenaViews, h: HeldRef): void {
  Atomics.compareExchange(r.i32, entryWord(r, h.v), h.vword, L.HS_FREE);
  Atomics.compareExchange(r.i32, entryWord(r, h.k), h.word, (h.word & ~3) | L.HS_CLOSED);
}

/** @internal Frees every handle entry a (dead) issuer left, whatever its state, and their views. */
export function freeHolds(r: ArenaViews, issuer: number): void {
  const links = new Map<number, number>();
  for (let k = 0; k < L.HOLD_ENTRIES; k++) {
    const w = entryWord(r, k);
    const cur = Atomics.load(r.i32, w);
    const st = cur & 3;
    if ((st === L.HS_ISSUED || st === L.HS_CLOSED) && ((cur >>> L.HD_ISSUER_SHIFT) & 0xff) === issuer && Atomics.compareExchange(r.i32, w, cur, 0) === cur) {
      links.set(k, (cur & ~3) | L.HS_ISSUED);
    }
  }
  freeLinkedViews(r, links);
}
