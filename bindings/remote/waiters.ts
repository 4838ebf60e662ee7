/**
 * A view's registration in the arena's remote waiter table. Remote waiters are accounted per
 * attached view in a small table in the arena header (a count and a lease); the owner's fast
 * path reads one total word, and the signalers free, now and then, the registrations of views
 * whose lease expired long ago and that did not answer a probe (a thread that died waiting), so
 * they stop paying a notify per signaling pass for them (owner.ts, publishSignals, lapsed).
 *
 * A view keeps its entry between waits, and stays counted in it (a lingering count of 1) once a
 * wait ends: back-to-back waits then write nothing shared (a wait that finds its entry still its
 * own with the count it wants, one atomic load, skips the compareExchange and the add on the
 * total before it sleeps and after it wakes), and read no clock. A lingering count only means
 * extra notifies for the signalers (an epoch bump and a notify per signaling pass), never a lost
 * wake-up. The count is given back off the hot path: by the view's ticker at a tick that finds no
 * wait ran since the last one (it frees the entry then), and at dispose; a lingering count is a
 * count like any other, with a lease: if its thread dies, a reclaimer probes it and frees it
 * (owner.ts, lapsed). The lease is renewed by the view's ticker, by a claim, and by a waitSync
 * that finds its lease probed.
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
  // The count this view keeps between waits (1 once a wait ended, 0 after a tick that found no
  // wait since the last one, or after close()), and whether a wait began since the last tick.
  #linger = 0;
  #used = false;
  #closed = false;
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
    this.#used = true;
    if (this.#update(NaN, false)) this.#onLost();
    return this.#reg >= 0;
  }

  /** This view holds an entry (false while the table is full: its waits then poll). */
  get registered(): boolean {
    return this.#reg >= 0;
  }

  /** A wait ends: its count lingers (entry and count stay this view's until a tick finds no wait). */
  end(): void {
    this.#waits--;
    if (!this.#closed) this.#linger = 1;
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
   * min(max(waits, lingering count), RW_COUNT_MAX); with none, gives the entry back. Called by the
   * view's ticker (`tick`: a lingering count is dropped if no wait began since the last tick),
   * and by a waitSync that answers a probe. If the registration had been freed by
   * another thread while waits were counted in it (its lease lapsed: the thread was taken for
   * dead), signals made meanwhile may not have notified: onLost makes every sleeping wait look
   * again, whichever call finds it (a new wait's begin() re-registers, so a later tick could no
   * longer tell), and it returns true.
   */
  sync(now: number, tick = false): boolean {
    if (tick) {
      // The ticker: a count lingers for one more tick period only if a wait ran since the last.
      if (!this.#used) this.#linger = 0;
      this.#used = false;
    }
    const lost = this.#update(now, true);
    if (lost) this.#onLost();
    return lost;
  }

  /** dispose: give the lingering count (and the entry, if no wait is in progress) back for good. */
  close(): void {
    this.#closed = true;
    this.#linger = 0;
    this.#update(NaN, true);
  }

  /** The count this view keeps in its entry now (waits in progress, or a lingering 1). */
  get counted(): number {
    return this.#reg >= 0 ? this.#counted : 0;
  }

  /**
   * Every change of an entry is a compareExchange, and the total moves by exactly what the
   * exchange changed, so a registration freed meanwhile by another thread is never subtracted
   * twice. `now` NaN: no renewal (a claim reads the clock itself). `free`: give the entry back
   * if no wait is counted. Returns true if the entry was found freed with waits counted in it.
   */
  #update(now: number, free: boolean): boolean {
    const i32 = this.#i32;
    const want = Math.min(Math.max(this.#waits, this.#linger), L.RW_COUNT_MAX);
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
        if (this.#waits === 0) {
          this.#linger = 0; // only a lingering count was lost: nothing to register again for
          return lost;
        }
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
