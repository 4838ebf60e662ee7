/**
 * Runtime: one arena, one core (wasm or ts), one clock, the contexts and the violation log.
 *
 * Contract: the thread that creates a Runtime is its driver thread; every method is called from
 * it. `createRuntime` is the only async constructor; everything else is synchronous except waits.
 */
import { Arena, computeLayout } from './arena.js';
import type { Core } from './core/core.js';
import { TsCore } from './core/ts-core.gen.js';
import { createWasmCore } from './core/wasm-core.js';
import * as L from './core/layout.js';
import { DmaFence, parseWaitOptions } from './dma-fence.js';
import type { WaitOptions } from './dma-fence.js';
import { FenceContext } from './fence-context.js';
import type { ContextOptions } from './fence-context.js';
import { FenceTable } from './fence-table.js';
import type { CallbackErrorListener, FenceRecord } from './fence-table.js';
import { VirtualClock } from './sim/clock.js';
import { RealClock } from './sim/real-clock.js';
import { RealDriver } from './sim/real-driver.js';
import { sharedMemoryAvailable } from './arena.js';
import { loadWasmModule } from './core/wasm-core.js';
import type { SharedRuntimeHandle } from './attach.js';
import { markDisposed, shareRuntime } from './attach.js';
import { DeviceEngine } from './sim/engine.js';
import { DmaDevice } from './dma-device.js';
import type { DeviceOptions } from './dma-device.js';
import { DmaMemory } from './dma-memory.js';
import { HwRing } from './hw-ring.js';
import type { RingHost, RingOptions } from './hw-ring.js';
import { ViolationLog } from './violations.js';
import { raceWaits } from './fence-waits.js';
import { RemoteFence } from './remote/remote-fence.js';
import { Lifetime } from './lifetime.js';
import type { Violation } from './violations.js';
import {
  DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, abortReason, checkEnum, checkFunction, checkInteger, describe,
} from './errors.js';
import { ISSUED_DEVICES, parseContextOptions, parseOptions, parseRingOptions, parseUnloadOptions, withWasmCode } from './runtime-options.js';
import type { ParsedRuntimeOptions, RuntimeOptions, UnloadOptions } from './runtime-options.js';
import { TraceLog } from './trace.js';
import { RingTap } from './trace-taps.js';
import type { TraceEvent } from './trace.js';
import { readStats } from './runtime-stats.js';
import { Schedulers } from './sched/create.js';
import type { Scheduler, SchedulerOptions } from './sched/scheduler.js';
import type { JobQueue, JobQueueOptions } from './sched/job-queue.js';
import { Composites } from './composite/composites.js';
import type { FenceArrayOptions } from './composite/composites.js';
import type { FenceInfo } from './composite/merge.js';
import type { SwSyncOptions, SwSyncTimeline } from './composite/sw-sync.js';
import type { Syncobj, SyncobjOptions } from './composite/syncobj.js';
import type { SyncobjWaitEntry, SyncobjWaitOptions } from './composite/syncobj-wait.js';
import type { RuntimeStats } from './runtime-stats.js';

export type { RuntimeOptions, UnloadOptions } from './runtime-options.js';
export type { RuntimeStats } from './runtime-stats.js';
export type { TraceEvent } from './trace.js';

/**
 * Creates a runtime: one arena (shared memory where available), one core (wasm or ts), one clock.
 * Capacities are fixed for the runtime's life.
 *
 * Rejects with a coded error and creates nothing on bad options: ERR_INVALID_ARG (a wrong type, a
 * misspelled key, `null` for a default), ERR_CAPACITY (the arena would not fit one memory),
 * ERR_NOT_ISOLATED (`clock: 'real'` without SharedArrayBuffer), ERR_WASM (the `wasm` option does
 * not load or is not the dmafence core, or the dmafence.wasm shipped beside the bundle is not
 * where the bundle looks), ERR_DEVICE_WORKER (`clock: 'real'`: the device worker's script does
 * not load from beside the bundle or from `workerUrl`).
 *
 * @example
 * ```ts
 * const rt = await createRuntime({ backend: 'wasm', seed: 1, maxFences: 1 << 16 });
 * const ctx = rt.createContext({ driverName: 'sim', timelineName: 'gfx0' });
 * const df = ctx.createFence();
 * df.fence.addCallback((f) => console.log('signaled', f.seqno));
 * df.signal();
 * await rt.dispose();
 * ```
 */
export async function createRuntime(opts?: RuntimeOptions): Promise<Runtime> {
  const o = parseOptions(opts);
  if (o.clock === 'real' && !sharedMemoryAvailable()) {
    throw new DmaFenceError(
      'ERR_NOT_ISOLATED',
      "clock: 'real' runs the device in its own thread on a SharedArrayBuffer, which this page does not have: " +
        'serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp ' +
        "(the virtual clock works without them)",
    );
  }
  // One extra slot and context for the stub fence (F17), which lives for the runtime's life.
  const layout = computeLayout({
    maxFences: o.maxFences + 1,
    maxContexts: o.maxContexts + 1,
    maxRings: o.maxRings,
    ringStride: L.RING_SIZE + o.maxRingCapacity * L.SLOT_BYTES,
    dmaBytes: o.dmaBytes,
    maxSchedulers: o.maxSchedulers,
    maxEntities: o.maxEntities,
    maxJobs: o.maxJobs,
    maxEmitters: o.maxEmitterThreads,
    emitSlots: o.emitterFences,
  });
  const arena = new Arena(layout);
  const core = o.backend === 'wasm' ? await withWasmCode(createWasmCore(arena.memory, o.wasm)) : new TsCore(arena.memory.buffer);
  const rt = new Runtime(arena, core, o);
  if (o.clock === 'real') {
    const module = o.backend === 'wasm' ? await withWasmCode(loadWasmModule(o.wasm, true)) : undefined;
    await rt._startDevice(module, o.workerUrl);
  }
  return rt;
}

/** Events of rt.on(). */
export interface RuntimeEvents {
  /** A fence callback threw: the error and the fence. With a listener, nothing is thrown elsewhere. */
  callbackError: CallbackErrorListener;
}

/**
 * A runtime: the arena, the core, the clock, and everything made from them (contexts, fences,
 * devices, rings, DMA memory). Made by {@link createRuntime}.
 *
 * Threading: the thread that creates it is its driver thread, and every member is called from
 * it. Other threads use `attachRuntime(rt.share())`. After `dispose()` every member except
 * `disposed` and `dispose()` throws (or rejects) ERR_DISPOSED.
 *
 * @example
 * ```ts
 * const rt = await createRuntime();
 * const ring = rt.createRing({ device: rt.createDevice() });
 * const f = ring.submit({});
 * rt.sim.runUntilIdle();          // the virtual clock moves only when driven
 * console.log(f.signaled);        // true
 * await rt.dispose();
 * ```
 */
export class Runtime {
  readonly #backend: 'wasm' | 'ts';
  readonly #seed: number;
  readonly #strict: boolean;
  readonly #sim: VirtualClock | RealClock;
  readonly #clock: 'virtual' | 'real';
  readonly #memory: DmaMemory;
  readonly #tracing: boolean;
  #driver: RealDriver | undefined;
  /** @internal */
  readonly arena: Arena;
  /** @internal */
  readonly core: Core;
  /** @internal */
  readonly fences: FenceTable;
  /** @internal */
  readonly log: ViolationLog;
  /** @internal */
  readonly engine: DeviceEngine;
  readonly #contexts: FenceContext[] = [];
  readonly #devices: DmaDevice[] = [];
  readonly #trace: TraceLog;
  /** Tracing: each ring's taps, by context index; ring names by context id (violations' tracks). */
  readonly #taps = new Map<number, RingTap>();
  readonly #ringOfContext = new Map<number, string>();
  readonly #maxRingCapacity: number;
  readonly #stub: DmaFence;
  /** @internal The switch that ends every object of this runtime (dispose). */
  readonly life = new Lifetime();
  /** What rings need of the runtime: internal parts that stay usable while a dispose unwinds. */
  readonly #ringHost: RingHost;
  readonly #rings: HwRing[] = [];
  readonly #scheds: Schedulers;
  /** Tracing: the scheduler or job queue feeding each ring, by ring name (its credits in use). */
  readonly #feeders = new Map<string, { readonly creditCount: number }>();
  /** Arrays, chains, merge, sw_sync, syncobj (composite/). */
  readonly #comp: Composites;

  /** @internal Use createRuntime. */
  constructor(arena: Arena, core: Core, o: ParsedRuntimeOptions) {
    this.arena = arena;
    this.core = core;
    this.#backend = core.backend;
    this.#seed = o.seed;
    this.#strict = o.strict;
    this.#clock = o.clock;
    const sim = (this.#sim = o.clock === 'real' ? new RealClock(this.life) : new VirtualClock(this.life));
    this.#trace = new TraceLog(o.traceLimit);
    this.log = new ViolationLog(o.strict, () => sim.now, (v) => {
      const ring = v.context === undefined ? undefined : this.#ringOfContext.get(v.context);
      this.trace('violation', { kind: v.kind, rule: v.rule, message: v.message, ...(ring === undefined ? {} : { ring }), ...(v.seqno === undefined ? {} : { seqno: v.seqno }) });
    });
    this.fences = new FenceTable(arena, core, sim, this.log, this.#contexts, DmaFence, this.life);
    this.fences.sharedOut = false; // until share(): no other thread can wait on its fences
    if (o.trace) this.fences.onSignalUpTo = (ctx, first, last, error) => this.#taps.get(ctx)?.signaled(first, last, error);
    if (sim instanceof VirtualClock) {
      sim.onDriven = () => this.fences.rethrowCallbackErrors();
      sim.afterEvent = () => {
        if (this.fences.deferred.length !== 0) this.fences.runDeferred();
      };
    }
    this.#memory = new DmaMemory(arena, this.life);
    // The engine is an event source of the virtual clock only; on the real clock it just lists the rings.
    this.engine = new DeviceEngine(arena, core, sim as VirtualClock, this.fences, this.#memory, this.log);
    if (sim instanceof VirtualClock) sim.addSource(this.engine);
    this.#maxRingCapacity = o.maxRingCapacity;
    this.#tracing = o.trace;
    this.engine.tracing = o.trace;
    const rt = this;
    this.#ringHost = {
      arena, core, fences: this.fences, sim, log: this.log, memory: this.#memory, life: this.life, tracing: o.trace, guarantee: o.guarantee,
      real: o.clock === 'real',
      kick: () => this.#driver?.kick(),
      trace: (name, args, durNs) => rt.trace(name, args, durNs),
      attach: (handlers) => this.engine.rings.push(handlers),
    };
    this.#scheds = new Schedulers(
      {
        arena, core, fences: this.fences, sim, log: this.log, life: this.life, real: o.clock === 'real', tracing: o.trace,
        rings: () => this.#rings,
        createContext: (driverName, timelineName) => this.createContext({ driverName, timelineName }),
        // A scheduler's job events carry its credits in use, for the trace's credit counter.
        trace: (name, args) => {
          const feeder = (name === 'job-run' || name === 'job-finished') && typeof args.ring === 'string' ? this.#feeders.get(args.ring) : undefined;
          let credits: number | undefined;
          try {
            credits = feeder?.creditCount;
          } catch {
            // a scheduler already finished (fini) has no credits to show
          }
          // The scheduler wrote the job into the ring in the core (no doorbell from JS): its submit now.
          if (name === 'job-run') for (const t of this.#taps.values()) if (t.name === args.ring) t.kicked();
          rt.trace(name, credits === undefined ? args : { ...args, credits });
        },
        kick: () => this.#driver?.kick(),
      },
      (d) => {
        this.engine.sched = d;
        if (this.#driver) this.#driver.sched = d;
      },
    );
    // F17: the stub is context index 0 with id 0, seqno 0, signaled at time 0.
    const stubCtx = arena.createContext(false, 0, 0);
    this.#contexts.push(new FenceContext(this.fences, stubCtx, { driverName: 'stub', timelineName: 'stub' }));
    const slot = core.fenceCreate(arena.base, stubCtx);
    core.fenceSignal(arena.base, slot, 0);
    this.#stub = this.fences.handle(slot);
    this.#comp = new Composites(this.fences, this.life);
    if (o.trace) {
      // Composite signals on a track of their own; a flow from the ring job whose signal completed it.
      this.#comp.host.onSignaled = (kind, self, ts, trigger, children) => {
        const onRing = trigger && this.#ringOfContext.get(trigger.context);
        this.#trace.record('composite-signaled', ts, {
          kind,
          context: self.context,
          seqno: self.seqno,
          ...(trigger ? { trigger } : {}),
          ...(onRing === undefined ? {} : { onRing, onSeqno: trigger!.seqno }),
          ...(children ? { children } : {}),
        });
      };
    }
    // Nothing of a runtime is assignable from outside (its state is in private fields).
    Object.freeze(this);
  }

  /** Which core runs the hot paths: 'wasm' or 'ts'. */
  get backend(): 'wasm' | 'ts' {
    this.#alive();
    return this.#backend;
  }
  /** The seed of the PRNG behind device timing and faults. */
  get seed(): number {
    this.#alive();
    return this.#seed;
  }
  /** Rule breaks throw ViolationError instead of being recorded. */
  get strict(): boolean {
    this.#alive();
    return this.#strict;
  }
  /**
   * The clock. Virtual (default): nothing moves unless driven (advance, runUntil, runUntilIdle,
   * runUntilSettled). Real: time passes by itself; only runUntilSettled (a plain wait) works.
   */
  get sim(): VirtualClock | RealClock {
    this.#alive();
    return this.#sim;
  }
  /** 'virtual' or 'real'. */
  get clock(): 'virtual' | 'real' {
    this.#alive();
    return this.#clock;
  }
  /** Whether the arena is a SharedArrayBuffer (always in Node; in browsers when isolated). */
  get shared(): boolean {
    this.#alive();
    return this.arena.shared;
  }
  /** DMA memory, the device's write target (M1-M3). */
  get memory(): DmaMemory {
    this.#alive();
    return this.#memory;
  }
  /** Per-job spans are recorded (createRuntime({ trace: true })). */
  get tracing(): boolean {
    this.#alive();
    return this.#tracing;
  }
  /** T7: where the guarantee lives, 'emitter' or 'fence' (createRuntime({ guarantee })). */
  get guarantee(): 'emitter' | 'fence' {
    this.#alive();
    return this.#ringHost.guarantee;
  }

  /**
   * Listens to runtime events. 'callbackError': a fence callback threw; the listener gets the
   * error and the fence, synchronously, and nothing is thrown elsewhere. Without a listener the
   * errors are thrown as one CallbackError (ERR_CALLBACK) by the public call that ran the
   * callbacks, after it finished its work; for callbacks run while the virtual clock is driven,
   * by that driving call; on the real clock, callbacks run by the interrupt handler with no
   * listener are reported as an uncaught exception.
   */
  on<K extends keyof RuntimeEvents>(event: K, listener: RuntimeEvents[K]): void {
    this.#alive();
    checkEnum('event', event, ['callbackError'] as const);
    checkFunction('listener', listener);
    this.fences.callbackErrorListeners.add(listener);
  }

  /** Removes a listener added with on(). Returns true if it was there. */
  off<K extends keyof RuntimeEvents>(event: K, listener: RuntimeEvents[K]): boolean {
    this.#alive();
    checkEnum('event', event, ['callbackError'] as const);
    return this.fences.callbackErrorListeners.delete(listener);
  }

  /**
   * A serialisable handle of this runtime's arena, for attachRuntime in another thread (post it
   * with postMessage). Needs shared memory (ERR_NOT_ISOLATED otherwise).
   */
  share(): SharedRuntimeHandle {
    this.#alive();
    if (!this.arena.shared) throw new DmaFenceError('ERR_NOT_ISOLATED', 'this runtime is not on shared memory (the page is not cross-origin isolated)');
    this.fences.sharedOut = true;
    return shareRuntime(this.arena, this.core.module ?? null);
  }

  /** @internal Real clock: starts the device thread. */
  async _startDevice(module: WebAssembly.Module | undefined, workerUrl?: URL | string): Promise<void> {
    const sim = this.#sim as RealClock;
    this.#driver = await RealDriver.start(
      { arena: this.arena, rings: this.engine.rings, fences: this.fences, memory: this.#memory, log: this.log },
      { backend: this.#backend, module, originMs: sim.originMs, ...(workerUrl === undefined ? {} : { workerUrl }) },
    );
  }

  /** @internal Real clock: the device loop's counters (passes, IRQs, spins, parks); undefined on the virtual clock. */
  _deviceStats(): ReturnType<RealDriver['deviceStats']> | undefined {
    return this.#driver?.deviceStats();
  }

  #alive(): void {
    this.life.check();
  }

  /** A new fence context (C1: the next id from the global counter). */
  createContext(opts?: ContextOptions): FenceContext {
    this.#alive();
    const { o, start } = parseContextOptions(opts);
    const index = this.arena.createContext(o.seqno64 ?? false, start);
    if (index < 0) throw new DmaFenceRangeError('ERR_CAPACITY', `all ${this.arena.layout.maxContexts - 1} contexts are in use (raise maxContexts)`);
    const ctx = new FenceContext(this.fences, index, o);
    this.#contexts[index] = ctx; // by index: attached emitter threads take entries of the table too
    return ctx;
  }

  /** C1: n consecutive fresh context ids (for issuers that keep their own tables); the first. */
  allocContextIds(n: number): number {
    this.#alive();
    checkInteger('n', n, 1, 0x7fffffff);
    return this.arena.allocContextIds(n);
  }

  /** F17: a handle to the always-signaled stub fence (context 0, seqno 0). */
  stubFence(): DmaFence {
    this.#alive();
    return this.fences.handle(this.#stub._record.slot);
  }

  /**
   * F10: the index of the first fence to signal (an already-signaled one wins at once, lowest
   * index first), or -1 when timeoutNs passes. An empty list is a usage error (-EINVAL). The list
   * may mix this runtime's fences with RemoteFences (views of fences that attached threads emit,
   * `attachRuntime(rt.share()).fence(handle)`): the main thread of a worker pool waits on its
   * workers' fences this way. A RemoteFence's timeout is real time.
   */
  waitAny(fences: readonly (DmaFence | RemoteFence)[], opts?: WaitOptions): Promise<number> {
    try {
      this.#alive();
      if (!Array.isArray(fences)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `fences must be an array of DmaFence or RemoteFence, got ${describe(fences)}`);
      if (fences.length === 0) throw new DmaFenceRangeError('ERR_INVALID_ARG', 'waitAny needs at least one fence (-EINVAL)');
      const { timeoutNs, signal } = parseWaitOptions(opts);
      // An index loop, not map: a hole in the array is an error, not skipped.
      const recs: FenceRecord[] = [];
      let remote = false;
      for (let i = 0; i < fences.length; i++) {
        const f: unknown = fences[i];
        if (RemoteFence._is(f)) {
          remote = true;
          continue;
        }
        if (!DmaFence._is(f)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `fences[${i}] is not a DmaFence or a RemoteFence, got ${describe(f)}`);
        if (f._table !== this.fences) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', `fences[${i}] belongs to another runtime`);
        recs.push(f._record);
      }
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      for (let i = 0; i < fences.length; i++) if (fences[i].signaled) return Promise.resolve(i);
      if (timeoutNs === 0) return Promise.resolve(-1);
      if (remote) return raceWaits(fences, timeoutNs, signal);
      for (const f of fences as readonly DmaFence[]) f.enableSignaling();
      for (let i = 0; i < fences.length; i++) if (this.fences.isSignaledRaw(recs[i])) return Promise.resolve(i);
      return this.fences.waitAny(recs, timeoutNs, signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ── composite fences, sw_sync, syncobj (X, Y; the work is in composite/) ──

  /**
   * X1: a fence that signals when all of `fences` have (or the first, with signalOnAny), on a
   * context of its own, seqno 1. Empty lists and nested arrays/chains are ERR_INVALID_ARG.
   */
  fenceArray(fences: readonly DmaFence[], opts?: FenceArrayOptions): DmaFence {
    this.#alive();
    return this.#comp.fenceArray(fences, opts);
  }

  /** X2: a timeline point: a chain link over `prev` (a link, a plain fence or null) at `seqno`. */
  fenceChain(prev: DmaFence | null, fence: DmaFence, seqno: number): DmaFence {
    this.#alive();
    return this.#comp.fenceChain(prev, fence, seqno);
  }

  /** X2.6: the link of `head`'s chain that covers `seqno`, or null if it signaled and was collected. */
  chainFind(head: DmaFence, seqno: number): DmaFence | null {
    this.#alive();
    return this.#comp.chainFind(head, seqno);
  }

  /** X3.1: the leaves of a fence (an array's children, a chain's fences), in the kernel's order. */
  unwrap(fence: DmaFence): DmaFence[] {
    this.#alive();
    return this.#comp.unwrap(fence);
  }

  /** X3.2: one fence for all of these: a stub, one of them, or a flat wait-all array. */
  merge(...fences: DmaFence[]): DmaFence {
    this.#alive();
    return this.#comp.merge(fences);
  }

  /** X3.3: the leaves' names, status and timestamps, and the overall status (sync_file info). */
  fenceInfo(fence: DmaFence): FenceInfo {
    this.#alive();
    return this.#comp.fenceInfo(fence);
  }

  /** X4: a sw_sync test timeline. */
  createSwSync(opts?: SwSyncOptions): SwSyncTimeline {
    this.#alive();
    return this.#comp.createSwSync(opts);
  }

  /** Y: a syncobj, empty or (signaled: true) holding a signaled stub. */
  createSyncobj(opts?: SyncobjOptions): Syncobj {
    this.#alive();
    return this.#comp.createSyncobj(opts);
  }

  /**
   * Y6: waits for points of syncobjs. all (default): true, or false on timeout; any: the index of
   * the first done entry, or -1. An unsubmitted point fails at once (ERR_INVALID_SEQNO) unless
   * waitForSubmit or waitAvailable.
   */
  syncobjWait(entries: readonly SyncobjWaitEntry[], opts?: SyncobjWaitOptions): Promise<boolean | number> {
    try {
      this.#alive();
      return this.#comp.syncobjWait(entries, opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** A modeled DMA device (D1-D4). */
  createDevice(opts?: DeviceOptions): DmaDevice {
    this.#alive();
    const d = new DmaDevice(opts, this.#devices.length, this.life, this.engine.rings);
    this.#devices.push(d);
    ISSUED_DEVICES.add(d);
    return d;
  }

  /** A hardware ring on a device, with its own fence context (R1, R2). */
  createRing(opts: RingOptions): HwRing {
    this.#alive();
    const o = parseRingOptions(opts, this.#devices, this.#maxRingCapacity);
    const index = this.#rings.length;
    if (index >= this.arena.layout.maxRings) throw new DmaFenceRangeError('ERR_CAPACITY', `all ${this.arena.layout.maxRings} rings are in use (raise maxRings)`);
    const name = o.name ?? `ring${index}`;
    const ctx = this.createContext({ driverName: o.device.name, timelineName: name });
    const seed = (Math.imul(this.#seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0 || 1;
    this.#ringOfContext.set(ctx.id, name);
    this.#trace.describeRing(name, { index, device: o.device.name, deviceIndex: this.#devices.indexOf(o.device) });
    let host = this.#ringHost;
    let tap: RingTap | undefined;
    if (this.#tracing) {
      // The trace follows each job from submit to signal (trace-taps.ts): a host of its own.
      const t = (tap = new RingTap(name, ctx, this.life, (n, args) => this.trace(n, args)));
      const base = this.#ringHost;
      host = { ...base, kick: () => (base.kick(), t.kicked()), attach: (handlers) => base.attach(t.wrap(handlers)) };
      this.#taps.set(ctx.index, t);
    }
    const ring = new HwRing(host, index, ctx, { device: o.device, capacity: o.capacity, timeoutNs: o.timeoutNs, stopTimeoutNs: o.stopTimeoutNs, resubmit: o.resubmit, name }, seed);
    if (tap) tap.ring = ring;
    this.arena.setCtxRing(ctx.index, index);
    this.arena.setHeader(L.H_RING_COUNT, index + 1);
    this.#rings.push(ring);
    o.device._addEngine(index);
    return ring;
  }

  /**
   * A job scheduler feeding `ring` (S1-S10): entities, credits, dependencies, run in the core.
   * One scheduler or job queue per ring. See {@link Scheduler}.
   */
  createScheduler(opts: SchedulerOptions): Scheduler {
    this.#alive();
    const s = this.#scheds.createScheduler(opts);
    if (this.#tracing) this.#feeders.set(s.ring.name, s);
    return s;
  }

  /** A job queue feeding `ring` (Q1-Q4): strict FIFO, a capacity in credits. See {@link JobQueue}. */
  createJobQueue(opts: JobQueueOptions): JobQueue {
    this.#alive();
    const q = this.#scheds.createJobQueue(opts);
    if (this.#tracing) this.#feeders.set(q.ring.name, q);
    return q;
  }

  /** The rings made so far. */
  get rings(): readonly HwRing[] {
    this.#alive();
    return [...this.#rings];
  }

  /**
   * T5: unloads a driver: every fence of its contexts must be signaled (else ERR_DRIVER_BUSY,
   * unless force), then one grace period (graceNs on the clock) passes, then it is gone. A later
   * operation that reaches it through a pending fence is a use-after-free violation.
   */
  unloadDriver(name: string, opts?: UnloadOptions): Promise<void> {
    try {
      this.#alive();
      if (typeof name !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `name must be a string, got ${describe(name)}`);
      const { graceNs, force, signal } = parseUnloadOptions(opts);
      const ctxs = this.#contexts.filter((c) => c.index !== 0 && c.driverName === name);
      if (!ctxs.length) throw new DmaFenceTypeError('ERR_INVALID_ARG', `no context has driver name ${describe(name)}`);
      const pending = ctxs.reduce((n, c) => n + c.pending, 0);
      if (pending && !force) throw new DmaFenceError('ERR_DRIVER_BUSY', `driver ${name} still has ${pending} pending fence(s): signal them before unloading (T5)`);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      // Aborting rejects this promise; the unload itself goes on (the grace period has begun).
      const sim = this.#sim;
      const unloaded = new Promise<void>((resolve) => {
        sim.schedule(sim.now + graceNs, () => {
          for (const c of ctxs) c._unloaded = true;
          this.trace('driver-unloaded', { driver: name });
          resolve();
        });
      });
      return this.life.settle(unloaded, signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** @internal */
  trace(name: string, args: Record<string, unknown>, durNs?: number): void {
    this.#trace.record(name, this.#sim.now, args, durNs);
  }

  /** Protocol events so far (ring states, STOP, ACK, resets, drops, violations), oldest first. */
  get events(): readonly TraceEvent[] {
    this.#alive();
    return this.#trace.list();
  }

  /**
   * The trace as Trace Event Format JSON (open it in ui.perfetto.dev or chrome://tracing): a
   * process per device, a track per ring, job spans, flows from submit to start to signal,
   * protocol instants, occupancy counters (see trace-export.ts). The last `traceLimit` events.
   */
  exportTrace(): string {
    this.#alive();
    return this.#trace.toChromeJson();
  }

  /** Rule breaks seen so far (oldest first). */
  get violations(): readonly Violation[] {
    this.#alive();
    return Object.freeze(this.log.list.slice());
  }

  /** Waits still pending with no timeout on fences nothing can signal any more (T2). */
  get blockedWaiters(): number {
    this.#alive();
    return this.fences.blockedWaiters();
  }

  /**
   * Counters the core keeps in the arena (fences created and signaled, jobs, IRQs, DMA bytes,
   * corruptions); a fresh object per read.
   */
  get stats(): RuntimeStats {
    this.#alive();
    return readStats(this.arena);
  }

  /** Capacities fixed at creation, and the arena's size in bytes. */
  get capacity(): {
    /** Fences that can be in use at once. */
    maxFences: number;
    /** Fence contexts that can exist at once. */
    maxContexts: number;
    /** The arena's size, bytes. */
    arenaBytes: number;
  } {
    this.#alive();
    const l = this.arena.layout;
    return { maxFences: l.maxFences - 1, maxContexts: l.maxContexts - 1, arenaBytes: l.size };
  }

  /** True once dispose() was called. The one member (with dispose) that works after it. */
  get disposed(): boolean {
    return this.life.disposed;
  }

  /**
   * Ends the runtime: every pending wait, stop, reset, drop, submitAsync and unloadDriver rejects
   * ERR_DISPOSED; from then on every member of every object of this runtime (fences, contexts,
   * rings, devices, memory, buffers, the clock) throws or rejects ERR_DISPOSED and changes
   * nothing; threads attached with attachRuntime see it too (their waits reject ERR_DISPOSED).
   * On the real clock it ends the device thread and holds the process no longer. Idempotent.
   */
  async dispose(): Promise<void> {
    if (this.life.disposed) return;
    this.life.end();
    markDisposed(this.arena);
    await this.#driver?.dispose();
  }

  /** `await using` support: the same as `dispose()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}