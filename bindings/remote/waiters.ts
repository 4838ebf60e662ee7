/**
 * A view's registration in the arena's remote waiter table. Remote waiters are accounted per
 * attached view in a small table in the arena header (a count and a lease the view renews every
 * time it wakes); the owner's fast path reads one total word, and the owner frees, now and then,
 * the registrations of views whose lease expired long ago (a thread that died waiting), so it
 * stops paying a notify per signaling pass for them (owner.ts, publishSignals).
 */
import * as L from '../core/layout.js';
import type { ArenaViews } from '../arena.js';
import { REMOTE_LEASE_MS, wallMs } from './common.js';

/** @internal One attached view's entry in the remote waiter table, and its waits in progress. */
export class WaiterRegistration {
  readonly #views: ArenaViews;
  readonly #i32: Int32Array;
  readonly #timeBase: number;
  readonly #totalIndex: number;
  // This view's registration in the remote waiter table: entry, tag, and its waits in progress.
  #reg = -1;
  #tag = 0;
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
   * A wait is about to sleep: count it, and register (or update the registration), its lease
   * from `now` (ms since the arena's time base: the caller read the clock once for this).
   * Returns false if it could not register (the table is full): that wait must poll.
   */
  begin(now: number): boolean {
    this.#waits++;
    this.sync(now);
    return this.#reg >= 0;
  }

  /** This view holds an entry (false while the table is full: its waits then poll). */
  get registered(): boolean {
    return this.#reg >= 0;
  }

  /** A wait ends: uncount it, and free the registration when none is left. */
  end(): void {
    this.#waits--;
    this.sync(0);
  }

  #claimWord(entry: number): number {
    return this.#views.remoteClaimWord(entry);
  }

  /** ms since the arena's time base (wraps as an i32). */
  now(): number {
    return (wallMs() - this.#timeBase) | 0;
  }

  /**
   * Makes this view's entry in the remote waiter table hold min(waits, RW_COUNT_MAX) and renews
   * its lease: claims an entry when waits start, frees it when they end. Every change of an entry
   * is a compareExchange, and the total moves by exactly what the exchange changed, so a
   * registration the owner freed meanwhile (expired lease) is never subtracted twice.
   * Called when a wait starts and ends, and to renew the lease: by the view's ticker, and by a
   * waitSync wake that found its fence pending REMOTE_POLL_MS/2 or more after the last renewal
   * (or that timed out). `now`: ms since the time base, read by the caller (unused when no wait
   * is left). If the registration had been freed by another thread while waits were counted in it
   * (its lease expired: the thread was taken for dead), signals made meanwhile may not have
   * notified: onLost makes every sleeping wait look again, whichever call finds it (a new wait's
   * begin() re-registers, so a later tick could no longer tell), and it returns true.
   */
  sync(now: number): boolean {
    const lost = this.#sync(now);
    if (lost) this.#onLost();
    return lost;
  }

  #sync(now: number): boolean {
    const i32 = this.#i32;
    const want = Math.min(this.#waits, L.RW_COUNT_MAX);
    let lost = false;
    for (let tries = 0; tries < 16; tries++) {
      if (this.#reg >= 0) {
        const cw = this.#claimWord(this.#reg);
        const cur = Atomics.load(i32, cw);
        if (cur & L.RW_CLAIMED && cur >>> L.RW_TAG_SHIFT === this.#tag) {
          const have = cur & L.RW_COUNT_MAX;
          if (want > 0) Atomics.store(i32, cw + 1, (now + REMOTE_LEASE_MS) | 0);
          if (have === want) return lost;
          const next = want === 0 ? this.#tag << L.RW_TAG_SHIFT : (this.#tag << L.RW_TAG_SHIFT) | L.RW_CLAIMED | want;
          if (Atomics.compareExchange(i32, cw, cur, next) === cur) {
            Atomics.add(i32, this.#totalIndex, want - have);
            if (want === 0) this.#reg = -1;
            return lost;
          }
          continue; // the owner freed it meanwhile: look again
        }
        this.#reg = -1; // freed by the owner (it subtracted our count): register afresh
        lost = true;
      }
      if (want === 0) return lost;
      for (let k = 0; k < L.RW_ENTRIES; k++) {
        const e = (this.#hint + k) % L.RW_ENTRIES;
        const cw = this.#claimWord(e);
        const cur = Atomics.load(i32, cw);
        if (cur & L.RW_CLAIMED) continue;
        const tag = ((cur >>> L.RW_TAG_SHIFT) + 1) & 0xffff || 1;
        Atomics.store(i32, cw + 1, (now + REMOTE_LEASE_MS) | 0);
        if (Atomics.compareExchange(i32, cw, cur, (tag << L.RW_TAG_SHIFT) | L.RW_CLAIMED | want) === cur) {
          Atomics.add(i32, this.#totalIndex, want);
          this.#reg = e;
          this.#tag = tag;
          return lost;
        }
      }
      return lost; // the table is full: this view's waits poll (every REMOTE_POLL_MS) unregistered
    }
    return lost;
  }
}
