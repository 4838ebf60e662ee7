/**
 * A view's registration in the arena's remote waiter table. Remote waiters are accounted per
 * attached view in a small table in the arena header (a count and a lease); the owner's fast
 * path reads one total word, and the signalers free, now and then, the registrations of views
 * whose lease expired long ago and that did not answer a probe (a thread that died waiting), so
 * they stop paying a notify per signaling pass for them (owner.ts, publishSignals, lapsed).
 *
 * A view keeps its entry between waits (its count back at 0), so a wait that starts counts
 * itself with one compareExchange and one add, and reads no clock: the lease is renewed by the
 * view's ticker, by a claim, and by a waitSync that finds its lease probed. The ticker gives the
 * entry back at a tick that finds no wait in progress; a signaler frees an entry whose count is 0
 * and whose lease expired at once (nothing sleeps on it).
 */
import * as L from '../core/layout.js';
import type { ArenaViews } from '../arena.js';
import { REMOTE_LEASE_MS, wallMs } from './common.js';

/** A lease from `now` (ms since the time base): even, since an odd lease is a probed one. */
export const leaseFrom = (now: number): number => ((now + REMOTE_LEASE_MS) | 0) & ~1;

/** @internal One attached view's entry in the remote waiter table, and its waits in progress. */
export class WaiterRegistration {
  readonly #views: ArenaViews;
  readonly #i32: Int32Array;
  readonly #timeBase: number;
  readonly #totalIndex: number;
  // This view's registration in the remote waiter table: entry, its claim word, tag, the count
  // it last wrote there (what the total holds for it), and its waits in progress.
  #reg = -1;
  #cw = 0;
  #tag = 0;
  #counted = 0;
  #waits = 0;
  readonly #hint = Math.floor(Math.random() * L.RW_ENTRIES);

  /** Makes this view's sleeping waits look again (a notify of the epoch they sleep on). */
  readonly #onLost: () => void;

  constructor(views: ArenaViews, timeBase: number, onLost: () => void) {
    this.#views = views;
    this.#i32 = views.i32;
    this.#timeBase = timeBase;
    this.#totalIndex = views.word(L.H_REMOTE_WAITERS);
    this.#onLost = onLost;
  }

  /**
   * A wait is about to sleep: count it (registering if this view holds no entry: one clock read
   * for the lease). Returns false if it could not register (the table is full): that wait must
   * poll.
   */
  begin(): boolean {
    this.#waits++;
    if (this.#update(NaN, false)) this.#onLost();
    return this.#reg >= 0;
  }

  /** This view holds an entry (false while the table is full: its waits then poll). */
  get registered(): boolean {
    return this.#reg >= 0;
  }

  /** A wait ends: uncount it (the entry stays this view's until a tick finds no wait). */
  end(): void {
    this.#waits--;
    if (this.#update(NaN, false)) this.#onLost();
  }

  /** Waits in progress (counted or not). */
  get waits(): number {
    return this.#waits;
  }

  /** A reclaimer probed this view's lease (it is odd): renew it (sync) to show this thread lives. */
  get probed(): boolean {
    return this.#reg >= 0 && (Atomics.load(this.#i32, this.#cw + 1) & 1) !== 0;
  }

  /** ms since the arena's time base (wraps as an i32). */
  now(): number {
    return (wallMs() - this.#timeBase) | 0;
  }

  /**
   * Renews the lease from `now` (ms since the time base) and makes the entry hold
   * min(waits, RW_COUNT_MAX); with no wait in progress, gives the entry back. Called by the
   * view's ticker, and by a waitSync that answers a probe. If the registration had been freed by
   * another thread while waits were counted in it (its lease lapsed: the thread was taken for
   * dead), signals made meanwhile may not have notified: onLost makes every sleeping wait look
   * again, whichever call finds it (a new wait's begin() re-registers, so a later tick could no
   * longer tell), and it returns true.
   */
  sync(now: number): boolean {
    const lost = this.#update(now, this.#waits === 0);
    if (lost) this.#onLost();
    return lost;
  }

  /**
   * Every change of an entry is a compareExchange, and the total moves by exactly what the
   * exchange changed, so a registration freed meanwhile by another thread is never subtracted
   * twice. `now` NaN: no renewal (a claim reads the clock itself). `free`: give the entry back
   * if no wait is counted. Returns true if the entry was found freed with waits counted in it.
   */
  #update(now: number, free: boolean): boolean {
    const i32 = this.#i32;
    const want = Math.min(this.#waits, L.RW_COUNT_MAX);
    let lost = false;
    for (let tries = 0; tries < 16; tries++) {
      if (this.#reg >= 0) {
        const cw = this.#cw;
        const cur = Atomics.load(i32, cw);
        if (cur & L.RW_CLAIMED && cur >>> L.RW_TAG_SHIFT === this.#tag) {
          if (now === now) Atomics.store(i32, cw + 1, leaseFrom(now));
          const have = cur & L.RW_COUNT_MAX;
          const release = free && want === 0;
          if (have === want && !release) return lost;
          const next = release ? this.#tag << L.RW_TAG_SHIFT : (cur & ~L.RW_COUNT_MAX) | want;
          if (Atomics.compareExchange(i32, cw, cur, next) === cur) {
            if (want !== have) Atomics.add(i32, this.#totalIndex, want - have);
            this.#counted = want;
            if (release) this.#reg = -1;
            return lost;
          }
          continue; // freed by a reclaimer meanwhile: look again
        }
        // Freed by another thread (it subtracted our count): register afresh.
        this.#reg = -1;
        if (this.#counted > 0) lost = true;
        this.#counted = 0;
      }
      if (want === 0) return lost;
      if (now !== now) now = this.now();
      for (let k = 0; k < L.RW_ENTRIES; k++) {
        const e = (this.#hint + k) % L.RW_ENTRIES;
        const cw = this.#views.remoteClaimWord(e);
        const cur = Atomics.load(i32, cw);
        if (cur & L.RW_CLAIMED) continue;
        const tag = ((cur >>> L.RW_TAG_SHIFT) + 1) & 0xffff || 1;
        Atomics.store(i32, cw + 1, leaseFrom(now));
        if (Atomics.compareExchange(i32, cw, cur, (tag << L.RW_TAG_SHIFT) | L.RW_CLAIMED | want) === cur) {
          Atomics.add(i32, this.#totalIndex, want);
          this.#reg = e;
          this.#cw = cw;
          this.#tag = tag;
          this.#counted = want;
          return lost;
        }
      }
      return lost; // the table is full: this view's waits poll (every REMOTE_POLL_MS) unregistered
    }
    return lost;
  }
}
