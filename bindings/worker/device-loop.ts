/**
 * The device thread's loop (real clock): the same core engine as the virtual clock, run against
 * real time over the shared arena, the device's side of the protocols included (the engine
 * ACKs a STOP and makes a requested reset effective as ring events, on both clocks). It writes
 * only device-owned words (layout.ts), publishes completions with one atomic store of `retired`
 * and raises the IRQ word (completions, ACKs, effective resets), then notifies the driver.
 *
 * Contract: runs on its own thread, the only one stepping the engine; blocks in Atomics.wait on
 * the doorbell when it has nothing due. Exits when the driver writes DEVICE_EXIT.
 */
import type { Core } from '../core/core.js';
import { ArenaViews } from '../arena.js';
import * as L from '../core/layout.js';

export interface DeviceLoopInit {
  memory: WebAssembly.Memory;
  base: number;
  /** Epoch of the runtime's clock, in ms of `performance.timeOrigin + performance.now()`. */
  originMs: number;
}

/** The longest the device sleeps before looking at its words again, ms. */
const MAX_SLEEP_MS = 50;
/** After a pass that completed jobs, the device spins this long for the doorbell before it parks
 *  (waking a parked thread costs ~20 µs; a driver that refills does so within a few µs). */
const SPIN_NS = 30_000;

export function runDeviceLoop(core: Core, init: DeviceLoopInit): void {
  const { memory, base, originMs } = init;
  const views = new ArenaViews(memory, base);
  const { i32, f64 } = views;
  const w = (off: number) => views.word(off);
  const now = () => (performance.timeOrigin + performance.now() - originMs) * 1e6;
  const ringsAt = base + i32[w(L.H_RINGS_OFF)];
  const stride = i32[w(L.H_RING_STRIDE)];
  let notified = Atomics.load(i32, w(L.H_IRQ_WORD));

  while (Atomics.load(i32, w(L.H_DEVICE_CTL)) !== L.DEVICE_EXIT) {
    const bell = Atomics.load(i32, w(L.H_DOORBELL));
    const t = now();
    const count = i32[w(L.H_RING_COUNT)];
    // The driver cannot write R_NEXT_T here: pick up new work, requests (STOP, reset) and
    // restarts on every pass; the engine answers them as ring events.
    for (let r = 0; r < count; r++) core.ringReschedule(base, r, t);
    let next = Infinity;
    const wake = () => {
      const irq = Atomics.load(i32, w(L.H_IRQ_WORD));
      if (irq !== notified) {
        notified = irq;
        Atomics.notify(i32, w(L.H_IRQ_WORD));
      }
    };
    const before = notified;
    // Device-thread mode raises nothing the device itself must handle (ACK and reset answers are
    // on the IRQ word; corruption details stay in the arena's log for the driver): a non-zero
    // status is a batch of completions to wake the driver for while the device goes on.
    while (core.devicesRun(base, t) !== 0) wake();
    wake();
    for (let r = 0; r < count; r++) next = Math.min(next, f64[(ringsAt + r * stride + L.R_NEXT_T) >> 3]);
    let sleepMs = Math.min(MAX_SLEEP_MS, (next - now()) / 1e6);
    if (sleepMs > 0 && notified !== before) {
      // Work is likely (this pass completed jobs): the driver refills within microseconds.
      const until = now() + Math.min(SPIN_NS, sleepMs * 1e6);
      while (Atomics.load(i32, w(L.H_DOORBELL)) === bell && now() < until) {
        /* spin */
      }
      sleepMs = Atomics.load(i32, w(L.H_DOORBELL)) === bell ? Math.min(MAX_SLEEP_MS, (next - now()) / 1e6) : 0;
    }
    if (sleepMs > 0) Atomics.wait(i32, w(L.H_DOORBELL), bell, sleepMs);
  }
}
