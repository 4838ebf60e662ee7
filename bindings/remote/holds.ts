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
import { lapsed } from './owner.js';

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
 * Retires the handle entries of an issuer that leaves (its runtime's dispose, or a reclaim after
 * its thread ended): `entries` maps entry -> its word as issued. An entry that a live view still
 * links to is *kept*: closed (no new view adopts it), its slot left pinned and readable, so a
 * holder never reads a recycled slot (T2 with its values: a view that holds a fence can always
 * read how it ended). The next thread that claims the same emitter header adopts the kept entries
 * (adoptOrphans) and unpins each slot once its last view is gone. Every other entry is freed, with
 * the view entries whose lease expired (their threads ended). Returns the kept entries' slots.
 *
 * Same order as the issuer's scan: close first, then count, so a view that saw the entry open
 * is counted, and one that saw it closed holds nothing.
 */
function retire(r: ArenaViews, entries: Map<number, Issued>): Set<number> {
  const kept = new Set<number>();
  if (entries.size === 0) return kept;
  const i32 = r.i32;
  const words = new Map<number, number>();
  for (const [k, e] of entries) {
    const w = entryWord(r, k);
    const closed = (e.word & ~3) | L.HS_CLOSED;
    if (Atomics.compareExchange(i32, w, e.word, closed) === e.word || Atomics.load(i32, w) === closed) words.set(k, e.word);
  }
  const live = countViews(r, words, nowOf(r));
  for (const [k, word] of words) {
    const slot = entries.get(k)!.slot;
    // (an entry whose slot cannot be named is freed: its views may read stale, never another fence)
    if ((live.get(k) ?? 0) > 0 && slot >= 0) kept.add(slot);
    else Atomics.compareExchange(i32, entryWord(r, k), (word & ~3) | L.HS_CLOSED, L.HS_FREE);
  }
  return kept;
}

/** A handle entry as issued: its word (ISSUED) and the slot it names (-1: none that can be trusted). */
interface Issued {
  readonly word: number;
  readonly slot: number;
}

/**
 * The slot handle entry k names, read from the arena for an issuer that is not this thread (a
 * dead one, or one that left): trusted only if it lies in that issuer's own range and holds a
 * signaled fence (a thread that ended between claiming the entry and writing its slot leaves a
 * stale word); else -1.
 */
function entrySlot(r: ArenaViews, k: number, issuer: number): number {
  const slot = Atomics.load(r.i32, entryWord(r, k) + (L.HD_SLOT >> 2));
  const maxFences = r.header(L.H_MAX_FENCES);
  const lo = issuer === 0 ? 0 : maxFences + (issuer - 1) * r.header(L.H_EMIT_SLOTS);
  const hi = issuer === 0 ? maxFences : lo + r.header(L.H_EMIT_SLOTS);
  if (!(slot >= lo && slot < hi)) return -1;
  const st = Atomics.load(r.u32, r.word(r.header(L.H_SLOT_OFF)) + (slot << (L.HOT_SHIFT - 2)));
  return (st & (L.FS_ALLOC | L.FS_SIGNALED)) === (L.FS_ALLOC | L.FS_SIGNALED) ? slot : -1;
}

/**
 * Counts the view entries that link to the handle entries in `entries` (entry -> its word as
 * issued), freeing those whose lease lapsed: expired HOLD_EXPIRED_MS before `now` and a probe
 * unanswered (owner.ts, lapsed: a holder asleep in waitSync wakes and renews; one whose thread
 * ended answers nothing).
 */
function countViews(r: ArenaViews, entries: ReadonlyMap<number, number>, now: number): Map<number, number> {
  const views = new Map<number, number>();
  if (entries.size === 0) return views;
  const i32 = r.i32;
  for (let v = 0; v < L.HOLD_ENTRIES; v++) {
    const w = entryWord(r, v);
    const cur = Atomics.load(i32, w);
    if ((cur & 3) !== L.HS_VIEW) continue;
    const k = (cur >>> L.HV_LINK_SHIFT) & (L.HOLD_ENTRIES - 1);
    const word = entries.get(k);
    if (word === undefined || viewWord(k, word) !== cur) continue;
    if (lapsed(i32, w + 1, now, HOLD_EXPIRED_MS, r.word(L.H_SIGNAL_EPOCH))) Atomics.compareExchange(i32, w, cur, 0);
    else views.set(k, (views.get(k) ?? 0) + 1);
  }
  return views;
}

interface Out {
  /** The fence's record; undefined for an orphan (kept by views of an issuer that left), whose
   *  slot this issuer unpins itself once no view holds it. */
  readonly rec: FenceRecord | undefined;
  readonly slot: number;
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
  /** Orphans adopted per slot: a fence shared twice has two entries and is unpinned once. */
  readonly #orphans = new Map<number, number>();
  #nonce = Math.floor(Math.random() * 0x1fffff);
  #hint = Math.floor(Math.random() * L.HOLD_ENTRIES); // (threads that share at once seldom meet)
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
    t.life.onEnd(() => void this.end());
  }

  /**
   * The thread's runtime ended (art.dispose(), or its header was reclaimed): its entries are
   * retired. Returns the slots kept for views that still hold them (the caller must not unpin
   * those); later calls return an empty set.
   */
  end(): Set<number> {
    this.#stop();
    const r = this.#r;
    const entries = new Map<number, Issued>();
    for (const [k, o] of this.#out) if (o.rec) entries.set(k, o); // (an orphan stays as it is: the next claimer adopts it again)
    this.#out.clear();
    this.#orphans.clear();
    if (Atomics.load(r.i32, r.word(L.H_DISPOSED)) !== 0) return new Set(); // the arena is gone
    return retire(r, entries);
  }

  /**
   * A thread that claims emitter header `issuer - 1` adopts the entries an earlier claimer left
   * kept (retire), or left open (issued after the retire): an entry with no view left is freed at once, the others join this issuer's
   * entries and their slots are unpinned by its scan once their last view is gone. Returns the
   * slots still held (the claimer's sweep leaves them).
   */
  adoptOrphans(): Set<number> {
    const r = this.#r;
    const i32 = r.i32;
    const entries = new Map<number, number>();
    for (let k = 0; k < L.HOLD_ENTRIES; k++) {
      const w = entryWord(r, k);
      const cur = Atomics.load(i32, w);
      const st = cur & 3;
      if ((st !== L.HS_CLOSED && st !== L.HS_ISSUED) || ((cur >>> L.HD_ISSUER_SHIFT) & 0xff) !== this.#issuer || this.#out.has(k)) continue;
      // An entry still open was issued by an earlier claimer after its entries were retired (a
      // reclaim that landed in the middle of its share()): closed first, like the others.
      if (st === L.HS_ISSUED && Atomics.compareExchange(i32, w, cur, (cur & ~3) | L.HS_CLOSED) !== cur) continue;
      entries.set(k, (cur & ~3) | L.HS_ISSUED);
    }
    const live = countViews(r, entries, nowOf(r));
    const held = new Set<number>();
    for (const [k, word] of entries) {
      const w = entryWord(r, k);
      const slot = entrySlot(r, k, this.#issuer);
      if ((live.get(k) ?? 0) === 0 || slot < 0) {
        Atomics.compareExchange(i32, w, (word & ~3) | L.HS_CLOSED, L.HS_FREE);
        continue;
      }
      held.add(slot);
      this.#orphans.set(slot, (this.#orphans.get(slot) ?? 0) + 1);
      this.#out.set(k, { rec: undefined, slot, word, seen: true });
    }
    if (this.#out.size > 0) this.#start();
    return held;
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
      if (Atomics.compareExchange(r.i32, w, L.HS_FREE, word) !== L.HS_FREE) continue;
      // (its other words only once it is ours: an issuer that lost the race writes nothing here)
      Atomics.store(r.i32, w + 1, nowOf(r));
      Atomics.store(r.i32, w + (L.HD_SLOT >> 2), rec.slot);
      this.#hint = k + 1;
      rec.refs++;
      this.#out.set(k, { rec, slot: rec.slot, word, seen: false });
      this.#start();
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
    const issued = new Map<number, number>();
    for (const [k, o] of this.#out) issued.set(k, o.word);
    const views = countViews(r, issued, now);
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
      if (o.rec) this.#t.unref(o.rec);
      else this.#dropOrphan(o.slot);
    }
    if (this.#out.size === 0) this.#stop();
  }

  /** An orphan entry is gone: its slot is unpinned with the last orphan entry that named it. */
  #dropOrphan(slot: number): void {
    const n = (this.#orphans.get(slot) ?? 1) - 1;
    if (n > 0) return void this.#orphans.set(slot, n);
    this.#orphans.delete(slot);
    this.#t.core.fenceUnpin(this.#t.arena.base, slot); // signaled, and nothing else holds it
  }

  #start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.scan(), HOLD_SCAN_MS);
    (this.#timer as { unref?: () => void }).unref?.();
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
    Atomics.store(i32, w + 1, nowOf(r) & ~1); // before the claim: a scan never sees it expired (even: odd is a probe's)
    if (Atomics.compareExchange(i32, w, L.HS_FREE, vword) !== L.HS_FREE) continue;
    viewHint = v + 1;
    if (Atomics.load(i32, entryWord(r, k)) === word) return { v, vword, k, word };
    Atomics.compareExchange(i32, w, vword, L.HS_FREE);
    return undefined;
  }
  return undefined;
}

/** @internal The holder renews its lease (only while the view entry is still its own): even,
 *  which also answers a probe. */
export function renewHold(r: ArenaViews, h: HeldRef, now: number): void {
  const w = entryWord(r, h.v);
  if (Atomics.load(r.i32, w) === h.vword) Atomics.store(r.i32, w + 1, now & ~1);
}

/** @internal Was the holder's lease probed (odd: a scan found it expired and waits for an answer)? */
export function holdProbed(r: ArenaViews, h: HeldRef): boolean {
  return (Atomics.load(r.i32, entryWord(r, h.v) + 1) & 1) !== 0 && Atomics.load(r.i32, entryWord(r, h.v)) === h.vword;
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

/**
 * @internal Retires every handle entry a (dead) issuer left, whatever its state (retire): returns
 * the slots kept for views that still hold them.
 */
export function retireHolds(r: ArenaViews, issuer: number): Set<number> {
  const entries = new Map<number, Issued>();
  for (let k = 0; k < L.HOLD_ENTRIES; k++) {
    const cur = Atomics.load(r.i32, entryWord(r, k));
    const st = cur & 3;
    if ((st === L.HS_ISSUED || st === L.HS_CLOSED) && ((cur >>> L.HD_ISSUER_SHIFT) & 0xff) === issuer) entries.set(k, { word: (cur & ~3) | L.HS_ISSUED, slot: entrySlot(r, k, issuer) });
  }
  return retire(r, entries);
}

/** @internal The hold issuer of a table, if it ever issued (or adopted) one. */
export function holdIssuerOf(t: FenceTable): HoldIssuer | undefined {
  return issuers.get(t);
}
