/**
 * The driver's side of the real clock: starts the device thread, waits on the IRQ word with
 * Atomics.waitAsync and runs the interrupt handler of every ring on the driver's thread (so
 * fences resolve their waiters and callbacks here), runs the timeout watchdog (R6), and holds a
 * host handle while anything is in flight or waited on (a pending Atomics.waitAsync does not keep
 * Node's event loop alive).
 *
 * Pipelining: when the IRQ word moved again while the handler ran (the device is still
 * completing jobs), the handler does not run again at once: it yields one task first, so that
 * code waiting for ring space (a submitter on a timer or setImmediate) refills the ring while
 * the device runs, instead of after the device drained it.
 *
 * Contract: driver thread only. dispose() ends the device thread and leaves nothing running.
 */
import type { Arena } from '../arena.js';
import * as L from '../core/layout.js';
import { DmaFenceError } from '../errors.js';
import type { DmaMemory } from '../dma-memory.js';
import type { FenceTable } from '../fence-table.js';
import type { RingInterrupts } from '../ring/interrupts.js';
import type { ViolationLog } from '../violations.js';
import { drainCorruptions } from '../corruptions.js';
import type { DeviceWorkerInit } from '../worker/device-worker.js';
import { startWorker, yieldTask } from '../platform.js';
import { DEVICE_STATS_WORDS, DS_IRQS, DS_PARKS, DS_PASSES, DS_SPINS, DS_SPIN_HITS } from '../worker/device-stats.js';
import type { WorkerLike } from '../platform.js';

export class RealDriver {
  readonly #arena: Arena;
  readonly #i32: Int32Array;
  readonly #rings: readonly RingInterrupts[];
  readonly #fences: FenceTable;
  readonly #memory: DmaMemory;
  readonly #log: ViolationLog;
  /** The schedulers (S, Q): on the real clock their pass runs in the interrupt handler. */
  sched: { service(): void; busy(): boolean } | undefined;
  #worker!: WorkerLike;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #corrSeen = 0;
  #disposed = false;
  #exited!: Promise<void>;
  #error: string | undefined;
  readonly #stats = new Int32Array(new SharedArrayBuffer(DEVICE_STATS_WORDS * 4));

  private constructor(arena: Arena, rings: readonly RingInterrupts[], fences: FenceTable, memory: DmaMemory, log: ViolationLog) {
    this.#arena = arena;
    this.#i32 = arena.i32;
    this.#rings = rings;
    this.#fences = fences;
    this.#memory = memory;
    this.#log = log;
  }

  static async start(
    parts: { arena: Arena; rings: readonly RingInterrupts[]; fences: FenceTable; memory: DmaMemory; log: ViolationLog },
    init: Omit<DeviceWorkerInit, 'memory' | 'base' | 'stats'>,
  ): Promise<RealDriver> {
    const d = new RealDriver(parts.arena, parts.rings, parts.fences, parts.memory, parts.log);
    const a = parts.arena;
    a.setHeader(L.H_MODE, L.MODE_DEVICE_THREAD);
    Atomics.store(a.i32, (a.base + L.H_DEVICE_CTL) >> 2, L.DEVICE_RUN);
    let ready!: () => void;
    let failed!: (e: Error) => void;
    const started = new Promise<void>((res, rej) => ((ready = res), (failed = rej)));
    let exited!: () => void;
    d.#exited = new Promise<void>((r) => (exited = r));
    d.#worker = await startWorker({ ...init, memory: a.memory, base: a.base, stats: d.#stats.buffer as SharedArrayBuffer }, (m) => {
      if (m.ready) ready();
      if (m.exited) exited();
      if (m.error) {
        d.#error = m.error;
        failed(new DmaFenceError('ERR_DEVICE_THREAD', `the device thread failed: ${m.error}`));
        exited();
      }
    });
    await started;
    parts.fences.onWait = () => d.ensureAlive();
    void d.#irqLoop();
    return d;
  }

  #w(off: number): number {
    return (this.#arena.base + off) >> 2;
  }

  /** Tells the device there is new work or a request. */
  kick(): void {
    Atomics.add(this.#i32, this.#w(L.H_DOORBELL), 1);
    Atomics.notify(this.#i32, this.#w(L.H_DOORBELL));
    this.ensureAlive();
  }

  /** The interrupt handler: every ring signals up to what its device retired. */
  service(): void {
    for (const r of this.#rings) r.irq();
    for (const r of this.#rings) r.afterStep();
    this.sched?.service();
    this.#fences.publish();
    if (this.#arena.header(L.H_CORR_COUNT) > this.#corrSeen) {
      this.#corrSeen = drainCorruptions(this.#arena, this.#rings, this.#memory, this.#log, this.#corrSeen);
    }
  }

  async #irqLoop(): Promise<void> {
    const idx = this.#w(L.H_IRQ_WORD);
    while (!this.#disposed) {
      const seen = Atomics.load(this.#i32, idx);
      this.service();
      const r = Atomics.waitAsync(this.#i32, idx, seen);
      if (r.async) await r.value;
      else await yieldTask(); // the device raised again meanwhile: let a refill run first
    }
  }

  /** The device loop's counters so far (worker/device-stats.ts): passes, IRQs raised, spins and parks. */
  deviceStats(): { passes: number; irqs: number; spins: number; spinHits: number; parks: number } {
    const s = this.#stats;
    return {
      passes: Atomics.load(s, DS_PASSES),
      irqs: Atomics.load(s, DS_IRQS),
      spins: Atomics.load(s, DS_SPINS),
      spinHits: Atomics.load(s, DS_SPIN_HITS),
      parks: Atomics.load(s, DS_PARKS),
    };
  }

  /** Holds the process alive (and runs the watchdog) while anything is in flight or waited on. */
  ensureAlive(): void {
    if (this.#keepAlive || this.#disposed) return;
    const period = Math.max(1, Math.min(20, Math.min(...this.#rings.map((r) => r.timeoutNs / 4e6))));
    this.#keepAlive = setInterval(() => this.#tick(), period);
  }

  #tick(): void {
    if (this.#disposed) return;
    this.service();
    for (const r of this.#rings) r.watchdog();
    const busy = this.#rings.some((r) => r.busy()) || this.#fences.activeWaits > 0 || this.sched?.busy() === true;
    if (!busy) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
  }

  /** Ends the device thread. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    Atomics.store(this.#i32, this.#w(L.H_DEVICE_CTL), L.DEVICE_EXIT);
    Atomics.add(this.#i32, this.#w(L.H_DOORBELL), 1);
    Atomics.notify(this.#i32, this.#w(L.H_DOORBELL));
    Atomics.add(this.#i32, this.#w(L.H_IRQ_WORD), 1);
    Atomics.notify(this.#i32, this.#w(L.H_IRQ_WORD)); // ends the pending waitAsync
    // Wait (at most 1 s) for the device thread to leave its loop, then end it. The timer is
    // cleared as soon as the thread is gone: nothing may hold the process after dispose.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, 1000)));
    try {
      await Promise.race([this.#exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
    await this.#worker.terminate();
  }

  get error(): string | undefined {
    return this.#error;
  }
}
