/**
 * The device thread's loop (real clock): the same core engine as the virtual clock, run against
 * real time over the shared arena, plus the device's side of the protocols: ACK a STOP after
 * ackNs (halting the engine, which aborts its running job), and make a requested reset effective
 * after resetNs. It writes only device-owned words (layout.ts), publishes completions with one
 * atomic store of `retired` and raises the IRQ word, then notifies the driver.
 *
 * Contract: runs on its own thread, the only one stepping the engine; blocks in Atomics.wait on
 * the doorbell when it has nothing due. Exits when the driver writes DEVICE_EXIT.
 */
import type { Core } from '../core/core.js';
import * as L from '../core/layout.js';

export interface DeviceLoopInit {
  memory: WebAssembly.Memory;
  base: number;
  /** Epoch of the runtime's clock, in ms of `performance.timeOrigin + performance.now()`. */
  originMs: number;
}

/** The longest the device sleeps before looking at its words again, ms. */
const MAX_SLEEP_MS = 50;

export function runDeviceLoop(core: Core, init: DeviceLoopInit): void {
  const { memory, base, originMs } = init;
  const i32 = new Int32Array(memory.buffer);
  const f64 = new Float64Array(memory.buffer);
  const w = (off: number) => (base + off) >> 2;
  const now = () => (performance.timeOrigin + performance.now() - originMs) * 1e6;
  const ringsAt = base + i32[w(L.H_RINGS_OFF)];
  const stride = i32[w(L.H_RING_STRIDE)];
  const stopSeen = new Map<number, number>();
  const resetAt = new Map<number, number>();
  let notified = Atomics.load(i32, w(L.H_IRQ_WORD));

  const raise = () => {
    Atomics.add(i32, w(L.H_IRQ_WORD), 1);
  };

  /** The device's side of STOP/ACK and reset. Returns the next protocol deadline. */
  const protocols = (t: number): number => {
    let next = Infinity;
    const count = i32[w(L.H_RING_COUNT)];
    for (let r = 0; r < count; r++) {
      const rp = ringsAt + r * stride;
      const word = (off: number) => (rp + off) >> 2;
      const stoppable = (i32[word(L.R_FLAGS)] & L.RGF_STOPPABLE) !== 0;
      if (stoppable && Atomics.load(i32, word(L.R_STOP)) && !Atomics.load(i32, word(L.R_ACK))) {
        if (!stopSeen.has(r)) {
          const never = i32[word(L.R_ACK_MODE)] === 2 || Atomics.exchange(i32, word(L.R_NO_ACK), 0) !== 0;
          const delay = f64[(rp + L.R_ACK_NS) >> 3] * (i32[word(L.R_ACK_MODE)] === 1 ? L.ACK_DELAY_FACTOR : 1);
          stopSeen.set(r, never ? Infinity : t + delay);
        }
        const at = stopSeen.get(r)!;
        if (t >= at) {
          Atomics.store(i32, word(L.R_ENGINE), L.EN_HALTED); // aborts the running job
          core.ringReschedule(base, r, t);
          Atomics.store(i32, word(L.R_ACK), 1);
          stopSeen.delete(r);
          raise();
        } else if (at < next) next = at;
      } else {
        stopSeen.delete(r);
      }
      if (Atomics.load(i32, word(L.R_RESET_REQ)) === 1) {
        if (!resetAt.has(r)) resetAt.set(r, t + f64[(rp + L.R_RESET_NS) >> 3]);
        const at = resetAt.get(r)!;
        if (t >= at) {
          Atomics.store(i32, word(L.R_ENGINE), L.EN_HALTED); // D4: nothing more executes or writes
          core.ringReschedule(base, r, t);
          Atomics.store(i32, word(L.R_RESET_REQ), 2);
          resetAt.delete(r);
          raise();
        } else if (at < next) next = at;
      }
    }
    return next;
  };

  while (Atomics.load(i32, w(L.H_DEVICE_CTL)) !== L.DEVICE_EXIT) {
    const bell = Atomics.load(i32, w(L.H_DOORBELL));
    const t = now();
    const count = i32[w(L.H_RING_COUNT)];
    // The driver cannot write R_NEXT_T here: pick up new work and restarts on every pass.
    for (let r = 0; r < count; r++) {
      const rp = ringsAt + r * stride;
      if (!(i32[(rp + L.R_ENGINE) >> 2] & L.EN_BUSY)) core.ringReschedule(base, r, t);
    }
    let next = protocols(t);
    while (core.devicesRun(base, t) !== 0) {
      // Device-thread mode raises nothing the device itself must handle; corruption details stay
      // in the arena's log for the driver.
    }
    next = Math.min(next, protocols(t));
    const irq = Atomics.load(i32, w(L.H_IRQ_WORD));
    if (irq !== notified) {
      notified = irq;
      Atomics.notify(i32, w(L.H_IRQ_WORD));
    }
    for (let r = 0; r < count; r++) next = Math.min(next, f64[(ringsAt + r * stride + L.R_NEXT_T) >> 3]);
    const sleepMs = Math.min(MAX_SLEEP_MS, (next - now()) / 1e6);
    if (sleepMs > 0) Atomics.wait(i32, w(L.H_DOORBELL), bell, sleepMs);
  }
}
