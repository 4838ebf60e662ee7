/**
 * The device thread's loop (real clock): the same core engine as the virtual clock, run against
 * real time over the shared arena, the device's side of the protocols included (the engine
 * ACKs a STOP and makes a requested reset effective as ring events, on both clocks). It writes
 * only device-owned words (layout.ts), publishes each completion with one atomic store of
 * `retired`, and raises the IRQ word once per batch of completions (every 256, and at the end of
 * a pass), plus for ACKs and effective resets, then notifies the driver.
 *
 * Pipelining: the engine hands back every 256 completions; the loop wakes the driver, reads the
 * clock and the rings' words again (new work the driver published meanwhile is fetched at once)
 * and goes on, so the driver refills while the device runs. When nothing is due it spins on the
 * doorbell for a bounded time, only if work is likely, then parks in Atomics.wait. Work is likely
 * when the pass completed jobs and the spin budget, learned from what happened before, is not 0:
 * a spin the doorbell ended doubles it (up to SPIN_NS), a spin that ran out quarters it (down to
 * 0: a driver that does not refill that fast, or a thread that shares its core with the driver,
 * where a spin only delays the driver), and a park the doorbell ended within SPIN_NS raises it to
 * at least SPIN_MIN_NS (the driver did come back soon: try a short spin next time).
 *
 * Contract: runs on its own thread, the only one stepping the engine; never spins longer than
 * SPIN_NS without parking. Exits when the driver writes DEVICE_EXIT.
 */
import type { Core } from '../core/core.js';
import { ArenaViews } from '../arena.js';
import * as L from '../core/layout.js';
import { DEVICE_STATS_WORDS, DS_IRQS, DS_PARKS, DS_PASSES, DS_SPINS, DS_SPIN_HITS } from './device-stats.js';

export interface DeviceLoopInit {
  memory: WebAssembly.Memory;
  base: number;
  /** Epoch of the runtime's clock, in ms of `performance.timeOrigin + performance.now()`. */
  originMs: number;
  /** DEVICE_STATS_WORDS words the loop counts into (device-stats.ts; device-written, read by the driver). */
  stats?: SharedArrayBuffer;
}

/** The longest the device sleeps before looking at its words again, ms. */
export const MAX_SLEEP_MS = 50;
/** The longest spin on the doorbell before parking (waking a parked thread costs tens of µs, and
 *  the driver's notify pays for it: measured ~50-100 µs here when the two threads share a core). */
export const SPIN_NS = 50_000;
/** The spin a short park earns back (below it the budget is 0: no spin). */
export const SPIN_MIN_NS = 2_000;

export function runDeviceLoop(core: Core, init: DeviceLoopInit): void {
  const { memory, base, originMs } = init;
  const views = new ArenaViews(memory, base);
  const { i32, u32, f64 } = views;
  const w = (off: number) => views.word(off);
  const now = () => (performance.timeOrigin + performance.now() - originMs) * 1e6;
  const ringsAt = base + i32[w(L.H_RINGS_OFF)];
  const stride = i32[w(L.H_RING_STRIDE)];
  const ctl = w(L.H_DEVICE_CTL);
  const doorbell = w(L.H_DOORBELL);
  const irqWord = w(L.H_IRQ_WORD);
  const st = new Int32Array(init.stats ?? new SharedArrayBuffer(DEVICE_STATS_WORDS * 4));
  // The IRQs the engine counted (R_IRQS of every ring, device-owned), and the IRQ word as last notified.
  const irqCount = () => {
    let n = 0;
    for (let r = 0, count = i32[w(L.H_RING_COUNT)]; r < count; r++) n += u32[(ringsAt + r * stride + L.R_IRQS) >> 2];
    return n;
  };
  let counted = irqCount();
  let notified = Atomics.load(i32, irqWord);
  /** Raises the IRQ word for the IRQs counted since the last time, and wakes the driver if it moved. */
  const raise = (): boolean => {
    const c = irqCount();
    if (c !== counted) {
      counted = c;
      Atomics.add(i32, irqWord, 1);
    }
    const irq = Atomics.load(i32, irqWord); // also moved by ACKs, effective resets, late bursts
    if (irq === notified) return false;
    notified = irq;
    st[DS_IRQS]++;
    Atomics.notify(i32, irqWord);
    return true;
  };

  let budget = SPIN_NS; // the spin budget, ns (see above)
  while (Atomics.load(i32, ctl) !== L.DEVICE_EXIT) {
    const bell = Atomics.load(i32, doorbell);
    const count = i32[w(L.H_RING_COUNT)];
    let worked = false;
    // One pass: the rings' words read again (the driver cannot write R_NEXT_T: new work,
    // requests (STOP, reset) and restarts are picked up here; the engine answers them as ring
    // events), then the engine up to now. It returns every 256 completions: wake the driver and
    // take a new pass at once, with the work it published meanwhile.
    do {
      st[DS_PASSES]++;
      const t = now();
      for (let r = 0; r < count; r++) core.ringReschedule(base, r, t);
      // Device-thread mode raises nothing the device itself must handle (corruption details stay
      // in the arena's log for the driver): a non-zero status is a batch to wake the driver for.
      const status = core.devicesRun(base, t);
      if (raise()) worked = true;
      if (status === 0) break;
    } while (Atomics.load(i32, ctl) !== L.DEVICE_EXIT);
    let next = Infinity;
    for (let r = 0; r < count; r++) next = Math.min(next, f64[(ringsAt + r * stride + L.R_NEXT_T) >> 3]);
    let sleepMs = Math.min(MAX_SLEEP_MS, (next - now()) / 1e6);
    if (sleepMs > 0 && worked && budget > 0) {
      // Work is likely: a driver that keeps the ring fed rings again soon.
      st[DS_SPINS]++;
      const until = now() + Math.min(budget, sleepMs * 1e6);
      while (Atomics.load(i32, doorbell) === bell && now() < until) {
        /* spin (bounded) */
      }
      if (Atomics.load(i32, doorbell) !== bell) {
        st[DS_SPIN_HITS]++;
        budget = Math.min(SPIN_NS, budget * 2);
        sleepMs = 0;
      } else {
        budget = budget / 4 < SPIN_MIN_NS / 2 ? 0 : budget / 4;
        sleepMs = Math.min(MAX_SLEEP_MS, (next - now()) / 1e6);
      }
    }
    if (sleepMs > 0) {
      st[DS_PARKS]++;
      const parked = now();
      const r = Atomics.wait(i32, doorbell, bell, sleepMs);
      if (worked && r === 'ok' && now() - parked < SPIN_NS) budget = Math.max(budget, SPIN_MIN_NS);
    }
  }
}
