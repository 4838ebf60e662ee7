/**
 * Runtime: one arena, one core (wasm or ts), one clock, the contexts and the violation log.
 *
 * Contract: the thread that creates a Runtime is its driver thread; every method is called from
 * it. `createRuntime` is the only async constructor; everything else is synchronous except waits.
 */
import { Arena, computeLayout } from './arena.js';
import type { Core } from './core/core.js';
import { TsCore } from './core/ts-ring.js';
import { createWasmCore } from './core/wasm-core.js';
import * as L from './core/layout.js';
import { DmaFence, parseWaitOptions } from './dma-fence.js';
import type { WaitOptions } from './dma-fence.js';
import { FenceContext } from './fence-context.js';
import type { ContextOptions } from './fence-context.js';
import { FenceTable } from './fence-table.js';
import { VirtualClock } from './sim/clock.js';
import { RealClock } from './sim/real-clock.js';
import { RealDriver } from './worker/real-driver.js';
import { sharedMemoryAvailable } from './arena.js';
import { loadWasmModule } from './core/wasm-core.js';
import type { SharedRuntimeHandle } from './attach.js';
import { markDisposed, shareRuntime } from './attach.js';
import { DeviceEngine } from './sim/engine.js';
import { DmaDevice } from './dma-device.js';
import type { DeviceOptions } from './dma-device.js';
import { DmaMemory } from './dma-memory.js';
import { HwRing } from './hw-ring.js';
import type { RingOptions } from './hw-ring.js';
import { ViolationLog } from './violations.js';
import { Lifetime } from './lifetime.js';
import type { Violation } from './violations.js';
import {
  DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, abortReason, checkFunction, checkInteger, checkOptions, describe,
} from './errors.js';

export interface RuntimeOptions {
  /** 'wasm' (default): the AssemblyScript core; 'ts': the same core in plain TypeScript. */
  backend?: 'wasm' | 'ts';
  /** 'virtual' (default): deterministic discrete-event time in ns. */
  clock?: 'virtual' | 'real';
  /** Seed of the PRNG behind device timing and faults. Default 1. */
  seed?: number;
  /** Most fences alive at once (pending, or pinned by a handle). Default 65536. */
  maxFences?: number;
  /** Most fence contexts. Default 1024. */
  maxContexts?: number;
  /** Throw rule breaks as ViolationError instead of recording them. Default false. */
  strict?: boolean;
  /** Most hardware rings. Default 8. */
  maxRings?: number;
  /** Largest ring capacity (descriptors), a power of two. Default 1024. */
  maxRingCapacity?: number;
  /** Bytes of DMA memory (rounded up to 64). Default 1 MiB. */
  dmaBytes?: number;
  /**
   * Record every job as a span in rt.events / exportTrace() (virtual clock). Off by default: the
   * core then returns to JS at every job, which costs throughput. Protocol events are always kept.
   */
  trace?: boolean;
  /** Where the wasm core comes from, if not beside the bundle (a Module, bytes, or a URL). */
  wasm?: WebAssembly.Module | BufferSource | URL | string;
}

/** Counters kept in the arena by the core. */
export interface RuntimeStats {
  fencesCreated: number;
  fencesSignaled: number;
  signalCalls: number;
  orderingViolations: number;
  /** Slots in use now (pending or pinned). */
  fencesInUse: number;
  jobsSubmitted: number;
  jobsCompleted: number;
  dmaBytesWritten: number;
  irqs: number;
  corruptions: number;
}

/** A traced event: ring state changes, STOP, ACK, resets, drops, violations; with trace: true, jobs. */
export interface TraceEvent {
  name: string;
  /** When it happened, or (a span) when it ended, ns. */
  timeNs: number;
  /** Spans (jobs): how long it took, ns. */
  durNs?: number;
  args: Record<string, unknown>;
}

const MAX_FENCES_LIMIT = 1 << 24;

function checkTimeout(name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new DmaFenceTypeError('ERR_INVALID_TIMEOUT', `${name} must be >= 0 ns (or Infinity), got ${describe(v)}`);
  return v;
}

function parseOptions(opts: unknown) {
  const o = checkOptions('createRuntime options', opts);
  const backend = o.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'ts') throw new DmaFenceTypeError('ERR_INVALID_ARG', `backend must be 'wasm' or 'ts', got ${describe(backend)}`);
  const clock = o.clock ?? 'virtual';
  if (clock !== 'virtual' && clock !== 'real') throw new DmaFenceTypeError('ERR_INVALID_ARG', `clock must be 'virtual' or 'real', got ${describe(clock)}`);
  if (o.strict !== undefined && typeof o.strict !== 'boolean') throw new DmaFenceTypeError('ERR_INVALID_ARG', `strict must be a boolean, got ${describe(o.strict)}`);
  return {
    backend: backend as 'wasm' | 'ts',
    clock: clock as 'virtual' | 'real',
    seed: o.seed === undefined ? 1 : checkInteger('seed', o.seed, 0, 0xffffffff),
    maxFences: o.maxFences === undefined ? 65536 : checkInteger('maxFences', o.maxFences, 1, MAX_FENCES_LIMIT),
    maxContexts: o.maxContexts === undefined ? 1024 : checkInteger('maxContexts', o.maxContexts, 1, L.MAX_CONTEXTS - 1),
    strict: (o.strict as boolean | undefined) ?? false,
    trace: checkBool('trace', o.trace),
    maxRings: o.maxRings === undefined ? 8 : checkInteger('maxRings', o.maxRings, 0, 1024),
    maxRingCapacity: o.maxRingCapacity === undefined ? 1024 : checkPow2('maxRingCapacity', o.maxRingCapacity),
    dmaBytes: o.dmaBytes === undefined ? 1 << 20 : Math.ceil(checkInteger('dmaBytes', o.dmaBytes, 0, 2 ** 31) / L.DMA_GRANULE) * L.DMA_GRANULE,
    wasm: checkWasmSource(o.wasm),
  };
}

function checkWasmSource(v: unknown): RuntimeOptions['wasm'] {
  const ok = v === undefined || typeof v === 'string' || v instanceof URL || v instanceof WebAssembly.Module || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
  if (!ok) throw new DmaFenceTypeError('ERR_INVALID_ARG', `wasm must be a WebAssembly.Module, the bytes of one, or a URL, got ${describe(v)}`);
  return v as RuntimeOptions['wasm'];
}

function checkBool(name: string, v: unknown): boolean {
  if (v !== undefined && typeof v !== 'boolean') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name} must be a boolean, got ${describe(v)}`);
  return v === true;
}

function checkPow2(name: string, v: unknown): number {
  const n = checkInteger(name, v, 1, 1 << 20);
  if (n & (n - 1)) throw new DmaFenceRangeError('ERR_INVALID_ARG', `${name} must be a power of two, got ${n}`);
  return n;
}

/** Creates a runtime. Rejects with a coded error on bad options. */
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
    ringStride: L.RING_SIZE + o.maxRingCapacity * L.DESC_SIZE,
    dmaBytes: o.dmaBytes,
  });
  const arena = new Arena(layout);
  const core = o.backend === 'wasm' ? await createWasmCore(arena.memory, o.wasm) : new TsCore(arena.memory.buffer);
  const rt = new Runtime(arena, core, o);
  if (o.clock === 'real') {
    const module = o.backend === 'wasm' ? await loadWasmModule(o.wasm as WebAssembly.Module | undefined, true) : undefined;
    await rt._startDevice(module);
  }
  return rt;
}

export class Runtime {
  /** Which core runs the hot paths. */
  readonly backend: 'wasm' | 'ts';
  readonly seed: number;
  readonly strict: boolean;
  /**
   * The clock. Virtual (default): nothing moves unless driven (advance, runUntil, runUntilIdle,
   * runUntilSettled). Real: time passes by itself; only runUntilSettled (a plain wait) works.
   */
  readonly sim: VirtualClock | RealClock;
  /** 'virtual' or 'real'. */
  readonly clock: 'virtual' | 'real';
  /** Whether the arena is a SharedArrayBuffer (always in Node; in browsers when isolated). */
  readonly shared: boolean;
  #driver: RealDriver | undefined;
  /** @internal */
  readonly arena: Arena;
  /** @internal */
  readonly core: Core;
  /** @internal */
  readonly fences: FenceTable;
  /** @internal */
  readonly log: ViolationLog;
  /** DMA memory, the device's write target (M1-M3). */
  readonly memory: DmaMemory;
  /** @internal */
  readonly engine: DeviceEngine;
  readonly #contexts: FenceContext[] = [];
  readonly #devices: DmaDevice[] = [];
  readonly #trace: TraceEvent[] = [];
  readonly #maxRingCapacity: number;
  readonly #stub: DmaFence;
  /** @internal The switch that ends every object of this runtime (dispose). */
  readonly life = new Lifetime();

  /** @internal Use createRuntime. */
  constructor(arena: Arena, core: Core, o: ReturnType<typeof parseOptions>) {
    this.arena = arena;
    this.core = core;
    this.backend = core.backend;
    this.seed = o.seed;
    this.strict = o.strict;
    this.clock = o.clock;
    this.sim = o.clock === 'real' ? new RealClock() : new VirtualClock();
    this.shared = arena.shared;
    this.log = new ViolationLog(o.strict, () => this.sim.now, (v) => this.trace('violation', { kind: v.kind, message: v.message }));
    this.fences = new FenceTable(arena, core, this.sim, this.log, this.#contexts, DmaFence, this.life);
    this.memory = new DmaMemory(arena, this.life);
    // The engine is an event source of the virtual clock only; on the real clock it just lists the rings.
    this.engine = new DeviceEngine(arena, core, this.sim as VirtualClock, this.fences, this.memory, this.log);
    if (this.sim instanceof VirtualClock) this.sim.addSource(this.engine);
    this.#maxRingCapacity = o.maxRingCapacity;
    this.tracing = o.trace;
    this.engine.tracing = o.trace;
    // F17: the stub is context index 0 with id 0, seqno 0, signaled at time 0.
    const stubCtx = arena.createContext(false, 0, 0);
    this.#contexts.push(new FenceContext(this.fences, stubCtx, { driverName: 'stub', timelineName: 'stub' }));
    const slot = core.fenceCreate(arena.base, stubCtx);
    core.fenceSignal(arena.base, slot, 0);
    this.#stub = this.fences.handle(slot);
  }

  /**
   * A serialisable handle of this runtime's arena, for attachRuntime in another thread (post it
   * with postMessage). Needs shared memory (ERR_NOT_ISOLATED otherwise).
   */
  share(): SharedRuntimeHandle {
    if (!this.arena.shared) throw new DmaFenceError('ERR_NOT_ISOLATED', 'this runtime is not on shared memory (the page is not cross-origin isolated)');
    return shareRuntime(this.arena);
  }

  /** @internal Real clock: starts the device thread. */
  async _startDevice(module: WebAssembly.Module | undefined): Promise<void> {
    const sim = this.sim as RealClock;
    this.#driver = await RealDriver.start(
      { arena: this.arena, rings: this.engine.rings, fences: this.fences, memory: this.memory, log: this.log },
      { backend: this.backend, module, originMs: sim.originMs },
    );
  }

  /** @internal The device runs in its own thread. */
  get real(): boolean {
    return this.clock === 'real';
  }

  /** @internal Wakes the device thread after new work or a request (real clock). */
  kick(): void {
    this.#driver?.kick();
  }

  #alive(): void {
    this.life.check();
  }

  /** A new fence context (C1: the next id from the global counter). */
  createContext(opts?: ContextOptions): FenceContext {
    this.#alive();
    const o = checkOptions('context options', opts) as ContextOptions;
    for (const k of ['driverName', 'timelineName'] as const) {
      if (o[k] !== undefined && typeof o[k] !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${k} must be a string, got ${describe(o[k])}`);
    }
    if (o.seqno64 !== undefined && typeof o.seqno64 !== 'boolean') throw new DmaFenceTypeError('ERR_INVALID_ARG', `seqno64 must be a boolean, got ${describe(o.seqno64)}`);
    const start = o.startSeqno === undefined ? 1 : checkInteger('startSeqno', o.startSeqno, 0, Number.MAX_SAFE_INTEGER, 'ERR_INVALID_SEQNO');
    for (const k of ['enableSignaling', 'signaled', 'setDeadline'] as const) if (o[k] !== undefined) checkFunction(k, o[k]);
    const index = this.arena.createContext(o.seqno64 ?? false, start);
    if (index < 0) throw new DmaFenceRangeError('ERR_CAPACITY', `all ${this.arena.layout.maxContexts - 1} contexts are in use (raise maxContexts)`);
    const ctx = new FenceContext(this.fences, index, o);
    this.#contexts.push(ctx);
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
   * index first), or -1 when timeoutNs passes. An empty list is a usage error (-EINVAL).
   */
  waitAny(fences: readonly DmaFence[], opts?: WaitOptions): Promise<number> {
    try {
      this.#alive();
      if (!Array.isArray(fences)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `fences must be an array of DmaFence, got ${describe(fences)}`);
      if (fences.length === 0) throw new DmaFenceRangeError('ERR_INVALID_ARG', 'waitAny needs at least one fence (-EINVAL)');
      const { timeoutNs, signal } = parseWaitOptions(opts);
      const recs = fences.map((f, i) => {
        if (!(f instanceof DmaFence)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `fences[${i}] is not a DmaFence`);
        if (f._table !== this.fences) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', `fences[${i}] belongs to another runtime`);
        return f._record;
      });
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      for (let i = 0; i < fences.length; i++) if (fences[i].signaled) return Promise.resolve(i);
      if (timeoutNs === 0) return Promise.resolve(-1);
      for (const f of fences) f.enableSignaling();
      for (let i = 0; i < fences.length; i++) if (this.fences.isSignaledRaw(recs[i])) return Promise.resolve(i);
      return this.fences.waitAny(recs, timeoutNs, signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** A modeled DMA device (D1-D4). */
  createDevice(opts?: DeviceOptions): DmaDevice {
    this.#alive();
    const d = new DmaDevice(opts, this.#devices.length, this.life);
    this.#devices.push(d);
    return d;
  }

  /** A hardware ring on a device, with its own fence context (R1, R2). */
  createRing(opts: RingOptions): HwRing {
    this.#alive();
    const o = checkOptions('ring options', opts) as unknown as RingOptions;
    if (!(o.device instanceof DmaDevice) || !this.#devices.includes(o.device)) {
      throw new DmaFenceTypeError(o.device instanceof DmaDevice ? 'ERR_FOREIGN_HANDLE' : 'ERR_INVALID_ARG', 'device must be a DmaDevice made by this runtime');
    }
    const capacity = o.capacity === undefined ? Math.min(256, this.#maxRingCapacity) : checkPow2('capacity', o.capacity);
    if (capacity > this.#maxRingCapacity) throw new DmaFenceRangeError('ERR_CAPACITY', `capacity ${capacity} exceeds maxRingCapacity ${this.#maxRingCapacity}`);
    const timeoutNs = o.timeoutNs === undefined ? 5e6 : checkTimeout('timeoutNs', o.timeoutNs);
    const stopTimeoutNs = o.stopTimeoutNs === undefined ? 100 * o.device.ackNs : checkTimeout('stopTimeoutNs', o.stopTimeoutNs);
    if (!Number.isFinite(stopTimeoutNs)) throw new DmaFenceRangeError('ERR_INVALID_ARG', 'stopTimeoutNs must be finite: stop() must end');
    if (o.resubmit !== undefined && typeof o.resubmit !== 'boolean') throw new DmaFenceTypeError('ERR_INVALID_ARG', `resubmit must be a boolean, got ${describe(o.resubmit)}`);
    if (o.name !== undefined && typeof o.name !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `name must be a string, got ${describe(o.name)}`);
    const index = this.engine.rings.length;
    if (index >= this.arena.layout.maxRings) throw new DmaFenceRangeError('ERR_CAPACITY', `all ${this.arena.layout.maxRings} rings are in use (raise maxRings)`);
    const name = o.name ?? `ring${index}`;
    const ctx = this.createContext({ driverName: o.device.name, timelineName: name });
    const seed = (Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0 || 1;
    const ring = new HwRing(this, index, ctx, { device: o.device, capacity, timeoutNs, stopTimeoutNs, resubmit: o.resubmit ?? false, name }, seed);
    ctx._ring = ring;
    this.arena.i32[this.arena.ctxWord(ctx.index) + (L.C_RING >> 2)] = index;
    this.arena.setHeader(L.H_RING_COUNT, index + 1);
    this.engine.rings.push(ring);
    o.device.rings.push(ring);
    return ring;
  }

  /** The rings made so far. */
  get rings(): readonly HwRing[] {
    return this.engine.rings;
  }

  /**
   * T5: unloads a driver: every fence of its contexts must be signaled (else ERR_DRIVER_BUSY,
   * unless force), then one grace period (graceNs on the clock) passes, then it is gone. A later
   * operation that reaches it through a pending fence is a use-after-free violation.
   */
  unloadDriver(name: string, opts?: { force?: boolean; graceNs?: number }): Promise<void> {
    try {
      this.#alive();
      if (typeof name !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `name must be a string, got ${describe(name)}`);
      const o = checkOptions('unload options', opts);
      const graceNs = o.graceNs === undefined ? 1000 : checkTimeout('graceNs', o.graceNs);
      const ctxs = this.#contexts.filter((c) => c.index !== 0 && c.driverName === name);
      if (!ctxs.length) throw new DmaFenceTypeError('ERR_INVALID_ARG', `no context has driver name ${describe(name)}`);
      const pending = ctxs.reduce((n, c) => n + c.pending, 0);
      if (pending && !o.force) throw new DmaFenceError('ERR_DRIVER_BUSY', `driver ${name} still has ${pending} pending fence(s): signal them before unloading (T5)`);
      return new Promise((resolve) => {
        this.sim.schedule(this.sim.now + graceNs, () => {
          for (const c of ctxs) c._unloaded = true;
          this.trace('driver-unloaded', { driver: name });
          resolve();
        });
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Per-job spans are recorded. */
  readonly tracing: boolean;

  /** @internal */
  trace(name: string, args: Record<string, unknown>, durNs?: number): void {
    this.#trace.push(durNs === undefined ? { name, timeNs: this.sim.now, args } : { name, timeNs: this.sim.now, durNs, args });
  }

  /** Protocol events so far (ring states, STOP, ACK, resets, drops, violations), oldest first. */
  get events(): readonly TraceEvent[] {
    return this.#trace;
  }

  /** Chrome trace-event JSON of the protocol events (open it in Perfetto or chrome://tracing). */
  exportTrace(): string {
    const events = this.#trace.map((e) => {
      const tid = typeof e.args.ring === 'string' ? e.args.ring : 'runtime';
      return e.durNs === undefined
        ? { name: e.name, ph: 'i', s: 'g', ts: e.timeNs / 1000, pid: 1, tid, args: e.args }
        : { name: e.name, ph: 'X', ts: (e.timeNs - e.durNs) / 1000, dur: e.durNs / 1000, pid: 1, tid, args: e.args };
    });
    return JSON.stringify({ traceEvents: events, displayTimeUnit: 'ns' });
  }

  /** Rule breaks seen so far (oldest first). */
  get violations(): readonly Violation[] {
    return this.log.list;
  }

  /** Waits still pending with no timeout on fences nothing can signal any more (T2). */
  get blockedWaiters(): number {
    return this.fences.blockedWaiters();
  }

  get stats(): RuntimeStats {
    const a = this.arena;
    return {
      fencesCreated: a.stat(L.ST_CREATED) - 1,
      fencesSignaled: a.stat(L.ST_SIGNALED) - 1,
      signalCalls: a.stat(L.ST_SIGNAL_CALLS) - 1,
      orderingViolations: a.stat(L.ST_ORDERING),
      fencesInUse: a.inUse() - 1,
      jobsSubmitted: a.stat(L.ST_JOBS_SUBMITTED),
      jobsCompleted: a.stat(L.ST_JOBS_COMPLETED),
      dmaBytesWritten: a.stat(L.ST_DMA_BYTES),
      irqs: a.stat(L.ST_IRQS),
      corruptions: a.stat(L.ST_CORRUPTIONS),
    };
  }

  /** Capacities fixed at creation, and the arena's size in bytes. */
  get capacity(): { maxFences: number; maxContexts: number; arenaBytes: number } {
    const l = this.arena.layout;
    return { maxFences: l.maxFences - 1, maxContexts: l.maxContexts - 1, arenaBytes: l.size };
  }

  get disposed(): boolean {
    return this.life.disposed;
  }

  /** Ends the runtime (and its device thread, on the real clock): later calls throw ERR_DISPOSED. Idempotent. */
  async dispose(): Promise<void> {
    if (this.life.disposed) return;
    this.life.end();
    markDisposed(this.arena);
    await this.#driver?.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
