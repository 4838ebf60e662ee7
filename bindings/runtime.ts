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
import { DmaFence, checkAbortSignal, parseWaitOptions } from './dma-fence.js';
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
import { Lifetime } from './lifetime.js';
import type { Violation } from './violations.js';
import {
  DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, abortReason, checkBoolean, checkEnum, checkFunction, checkInteger, checkOptions, describe,
} from './errors.js';

/** Options of unloadDriver. */
export interface UnloadOptions {
  /** Unload even with fences pending (they then reach an unloaded driver: T5). Default false. */
  force?: boolean;
  /** The grace period after the last fence op, ns on the runtime clock. Default 1000. */
  graceNs?: number;
  /** Aborting rejects the returned promise with the signal's reason; the unload goes on. */
  signal?: AbortSignal;
}

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

const RUNTIME_KEYS = ['backend', 'clock', 'seed', 'maxFences', 'maxContexts', 'strict', 'maxRings', 'maxRingCapacity', 'dmaBytes', 'trace', 'wasm'] as const;

/** The largest arena: byte addresses must stay below 2^31 for the typed-array views (i32 indexing). */
const MAX_ARENA_BYTES = 2 ** 31 - 65536;

function parseOptions(opts: unknown) {
  const o = checkOptions('createRuntime options', opts, RUNTIME_KEYS);
  const backend = o.backend === undefined ? 'wasm' : checkEnum('backend', o.backend, ['wasm', 'ts'] as const);
  const clock = o.clock === undefined ? 'virtual' : checkEnum('clock', o.clock, ['virtual', 'real'] as const);
  const parsed = {
    backend,
    clock,
    seed: o.seed === undefined ? 1 : checkInteger('seed', o.seed, 0, 0xffffffff),
    maxFences: o.maxFences === undefined ? 65536 : checkInteger('maxFences', o.maxFences, 1, MAX_FENCES_LIMIT),
    maxContexts: o.maxContexts === undefined ? 1024 : checkInteger('maxContexts', o.maxContexts, 1, L.MAX_CONTEXTS - 1),
    strict: checkBoolean('strict', o.strict, false),
    trace: checkBoolean('trace', o.trace, false),
    maxRings: o.maxRings === undefined ? 8 : checkInteger('maxRings', o.maxRings, 0, 1024),
    maxRingCapacity: o.maxRingCapacity === undefined ? 1024 : checkPow2('maxRingCapacity', o.maxRingCapacity),
    dmaBytes: o.dmaBytes === undefined ? 1 << 20 : Math.ceil(checkInteger('dmaBytes', o.dmaBytes, 0, 2 ** 31) / L.DMA_GRANULE) * L.DMA_GRANULE,
    wasm: checkWasmSource(o.wasm),
  };
  checkArenaFits(parsed);
  return parsed;
}

/**
 * The arena must fit one wasm memory the typed-array views can index: ERR_CAPACITY, saying what
 * fits, before any size is computed with 32-bit arithmetic.
 */
function checkArenaFits(o: { maxFences: number; maxContexts: number; maxRings: number; maxRingCapacity: number; dmaBytes: number }): void {
  const ringBytes = o.maxRings * (L.RING_SIZE + o.maxRingCapacity * L.DESC_SIZE);
  const fixed = L.HEADER_SIZE + (o.maxContexts + 1) * L.CTX_SIZE + (o.maxFences + 1) * L.SLOT_SIZE + L.CORR_CAP * L.CORR_SIZE + 8 * L.ALIGN;
  const dma = o.dmaBytes + (o.dmaBytes / L.DMA_GRANULE) * 4; // the bytes and their owner map
  const total = fixed + ringBytes + dma;
  if (total <= MAX_ARENA_BYTES) return;
  const left = MAX_ARENA_BYTES - fixed - ringBytes;
  const dmaFits = left > 0 ? Math.floor(left / (1 + 4 / L.DMA_GRANULE) / L.DMA_GRANULE) * L.DMA_GRANULE : 0;
  throw new DmaFenceRangeError(
    'ERR_CAPACITY',
    `the arena would need ${total} bytes, more than the ${MAX_ARENA_BYTES} one runtime can have: ` +
      `rings take ${ringBytes} (maxRings ${o.maxRings} × maxRingCapacity ${o.maxRingCapacity} descriptors of ${L.DESC_SIZE} bytes), ` +
      `DMA memory ${dma} with its owner map; ${left > 0 ? `with these rings, dmaBytes up to ${dmaFits} fits` : 'lower maxRings or maxRingCapacity'}`,
  );
}

function checkWasmSource(v: unknown): RuntimeOptions['wasm'] {
  const ok = v === undefined || typeof v === 'string' || v instanceof URL || v instanceof WebAssembly.Module || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
  if (!ok) throw new DmaFenceTypeError('ERR_INVALID_ARG', `wasm must be a WebAssembly.Module, the bytes of one, or a URL, got ${describe(v)}`);
  return v as RuntimeOptions['wasm'];
}

function checkPow2(name: string, v: unknown): number {
  const n = checkInteger(name, v, 1, 1 << 20);
  if (n & (n - 1)) throw new DmaFenceRangeError('ERR_INVALID_ARG', `${name} must be a power of two, got ${n}`);
  return n;
}

/** The exports a dmafence core module must have (a wrong module is refused, not half-used). */
const CORE_EXPORTS = ['isLater', 'fenceCreate', 'fencesCreate', 'fenceSignal', 'signalUpTo', 'fenceSetError', 'fenceUnpin', 'ringSubmit', 'ringReschedule', 'devicesRun'];

/**
 * Loading the wasm core: bytes that do not compile, a URL that cannot be read, a module that is
 * not dmafence's core, all become ERR_WASM with what went wrong.
 */
async function withWasmCode<T>(p: Promise<T>): Promise<T> {
  let v: T;
  try {
    v = await p;
  } catch (e) {
    if ((e as { code?: string }).code) throw e;
    throw new DmaFenceError('ERR_WASM', `the wasm core could not be loaded: ${(e as Error).message ?? String(e)} (pass createRuntime({ wasm }) the dmafence.wasm shipped in the package, or use backend: 'ts')`);
  }
  const has = v instanceof WebAssembly.Module
    ? new Set(WebAssembly.Module.exports(v).map((x) => x.name))
    : new Set(CORE_EXPORTS.filter((n) => typeof (v as Record<string, unknown>)[n] === 'function'));
  const missing = CORE_EXPORTS.filter((n) => !has.has(n));
  if (missing.length) throw new DmaFenceError('ERR_WASM', `that wasm module is not the dmafence core: it lacks ${missing.join(', ')}`);
  return v;
}

/**
 * Creates a runtime: one arena (shared memory where available), one core (wasm or ts), one clock.
 * Capacities are fixed for the runtime's life.
 *
 * Rejects with a coded error and creates nothing on bad options: ERR_INVALID_ARG (a wrong type, a
 * misspelled key, `null` for a default), ERR_CAPACITY (the arena would not fit one memory),
 * ERR_NOT_ISOLATED (`clock: 'real'` without SharedArrayBuffer), ERR_WASM (the `wasm` option does
 * not load or is not the dmafence core).
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
    ringStride: L.RING_SIZE + o.maxRingCapacity * L.DESC_SIZE,
    dmaBytes: o.dmaBytes,
  });
  const arena = new Arena(layout);
  const core = o.backend === 'wasm' ? await withWasmCode(createWasmCore(arena.memory, o.wasm)) : new TsCore(arena.memory.buffer);
  const rt = new Runtime(arena, core, o);
  if (o.clock === 'real') {
    const module = o.backend === 'wasm' ? await withWasmCode(loadWasmModule(o.wasm, true)) : undefined;
    await rt._startDevice(module);
  }
  return rt;
}

/** Events of rt.on(). */
export interface RuntimeEvents {
  /** A fence callback threw: the error and the fence. With a listener, nothing is thrown elsewhere. */
  callbackError: CallbackErrorListener;
}

/** Every device any runtime made: tells a foreign device from a forged one. */
const ISSUED_DEVICES = new WeakSet<object>();

const CONTEXT_KEYS = ['driverName', 'timelineName', 'seqno64', 'startSeqno', 'enableSignaling', 'signaled', 'setDeadline'] as const;
const RING_KEYS = ['device', 'capacity', 'timeoutNs', 'stopTimeoutNs', 'resubmit', 'name'] as const;
const UNLOAD_KEYS = ['force', 'graceNs', 'signal'] as const;

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
  readonly #trace: TraceEvent[] = [];
  readonly #maxRingCapacity: number;
  readonly #stub: DmaFence;
  /** @internal The switch that ends every object of this runtime (dispose). */
  readonly life = new Lifetime();
  /** What rings need of the runtime: internal parts that stay usable while a dispose unwinds. */
  readonly #ringHost: RingHost;
  readonly #rings: HwRing[] = [];

  /** @internal Use createRuntime. */
  constructor(arena: Arena, core: Core, o: ReturnType<typeof parseOptions>) {
    this.arena = arena;
    this.core = core;
    this.#backend = core.backend;
    this.#seed = o.seed;
    this.#strict = o.strict;
    this.#clock = o.clock;
    const sim = (this.#sim = o.clock === 'real' ? new RealClock(this.life) : new VirtualClock(this.life));
    this.log = new ViolationLog(o.strict, () => sim.now, (v) => this.trace('violation', { kind: v.kind, message: v.message }));
    this.fences = new FenceTable(arena, core, sim, this.log, this.#contexts, DmaFence, this.life);
    if (sim instanceof VirtualClock) sim.onDriven = () => this.fences.rethrowCallbackErrors();
    this.#memory = new DmaMemory(arena, this.life);
    // The engine is an event source of the virtual clock only; on the real clock it just lists the rings.
    this.engine = new DeviceEngine(arena, core, sim as VirtualClock, this.fences, this.#memory, this.log);
    if (sim instanceof VirtualClock) sim.addSource(this.engine);
    this.#maxRingCapacity = o.maxRingCapacity;
    this.#tracing = o.trace;
    this.engine.tracing = o.trace;
    const rt = this;
    this.#ringHost = {
      arena, core, fences: this.fences, sim, log: this.log, memory: this.#memory, life: this.life, tracing: o.trace,
      real: o.clock === 'real',
      kick: () => this.#driver?.kick(),
      trace: (name, args, durNs) => rt.trace(name, args, durNs),
      attach: (handlers) => this.engine.rings.push(handlers),
    };
    // F17: the stub is context index 0 with id 0, seqno 0, signaled at time 0.
    const stubCtx = arena.createContext(false, 0, 0);
    this.#contexts.push(new FenceContext(this.fences, stubCtx, { driverName: 'stub', timelineName: 'stub' }));
    const slot = core.fenceCreate(arena.base, stubCtx);
    core.fenceSignal(arena.base, slot, 0);
    this.#stub = this.fences.handle(slot);
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
    return shareRuntime(this.arena);
  }

  /** @internal Real clock: starts the device thread. */
  async _startDevice(module: WebAssembly.Module | undefined): Promise<void> {
    const sim = this.#sim as RealClock;
    this.#driver = await RealDriver.start(
      { arena: this.arena, rings: this.engine.rings, fences: this.fences, memory: this.#memory, log: this.log },
      { backend: this.#backend, module, originMs: sim.originMs },
    );
  }

  #alive(): void {
    this.life.check();
  }

  /** A new fence context (C1: the next id from the global counter). */
  createContext(opts?: ContextOptions): FenceContext {
    this.#alive();
    const o = checkOptions('context options', opts, CONTEXT_KEYS) as ContextOptions;
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
      // An index loop, not map: a hole in the array is an error, not skipped.
      const recs: FenceRecord[] = [];
      for (let i = 0; i < fences.length; i++) {
        const f: unknown = fences[i];
        if (!DmaFence._is(f)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `fences[${i}] is not a DmaFence, got ${describe(f)}`);
        if (f._table !== this.fences) throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', `fences[${i}] belongs to another runtime`);
        recs.push(f._record);
      }
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
    const d = new DmaDevice(opts, this.#devices.length, this.life, this.engine.rings);
    this.#devices.push(d);
    ISSUED_DEVICES.add(d);
    return d;
  }

  /** A hardware ring on a device, with its own fence context (R1, R2). */
  createRing(opts: RingOptions): HwRing {
    this.#alive();
    if (opts === undefined) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'createRing needs options with a device: createRing({ device })');
    const o = checkOptions('ring options', opts, RING_KEYS) as unknown as RingOptions;
    if (!this.#devices.includes(o.device)) {
      // Made by another runtime, or an object that only looks like a device.
      const foreign = ISSUED_DEVICES.has(o.device as object);
      throw new DmaFenceTypeError(foreign ? 'ERR_FOREIGN_HANDLE' : 'ERR_INVALID_ARG', `device must be a DmaDevice made by this runtime${foreign ? ' (that one belongs to another)' : `, got ${describe(o.device)}`}`);
    }
    const capacity = o.capacity === undefined ? Math.min(256, this.#maxRingCapacity) : checkPow2('capacity', o.capacity);
    if (capacity > this.#maxRingCapacity) throw new DmaFenceRangeError('ERR_CAPACITY', `capacity ${capacity} exceeds maxRingCapacity ${this.#maxRingCapacity}`);
    const timeoutNs = o.timeoutNs === undefined ? 5e6 : checkTimeout('timeoutNs', o.timeoutNs);
    const stopTimeoutNs = o.stopTimeoutNs === undefined ? 100 * o.device.ackNs : checkTimeout('stopTimeoutNs', o.stopTimeoutNs);
    if (!Number.isFinite(stopTimeoutNs)) throw new DmaFenceRangeError('ERR_INVALID_ARG', 'stopTimeoutNs must be finite: stop() must end');
    if (o.resubmit !== undefined && typeof o.resubmit !== 'boolean') throw new DmaFenceTypeError('ERR_INVALID_ARG', `resubmit must be a boolean, got ${describe(o.resubmit)}`);
    if (o.name !== undefined && typeof o.name !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `name must be a string, got ${describe(o.name)}`);
    const index = this.#rings.length;
    if (index >= this.arena.layout.maxRings) throw new DmaFenceRangeError('ERR_CAPACITY', `all ${this.arena.layout.maxRings} rings are in use (raise maxRings)`);
    const name = o.name ?? `ring${index}`;
    const ctx = this.createContext({ driverName: o.device.name, timelineName: name });
    const seed = (Math.imul(this.#seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0 || 1;
    const ring = new HwRing(this.#ringHost, index, ctx, { device: o.device, capacity, timeoutNs, stopTimeoutNs, resubmit: o.resubmit ?? false, name }, seed);
    this.arena.setCtxRing(ctx.index, index);
    this.arena.setHeader(L.H_RING_COUNT, index + 1);
    this.#rings.push(ring);
    o.device._addEngine(index);
    return ring;
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
      const o = checkOptions('unload options', opts, UNLOAD_KEYS);
      const graceNs = o.graceNs === undefined ? 1000 : checkTimeout('graceNs', o.graceNs);
      const force = checkBoolean('force', o.force, false);
      const signal = checkAbortSignal(o.signal);
      const ctxs = this.#contexts.filter((c) => c.index !== 0 && c.driverName === name);
      if (!ctxs.length) throw new DmaFenceTypeError('ERR_INVALID_ARG', `no context has driver name ${describe(name)}`);
      const pending = ctxs.reduce((n, c) => n + c.pending, 0);
      if (pending && !force) throw new DmaFenceError('ERR_DRIVER_BUSY', `driver ${name} still has ${pending} pending fence(s): signal them before unloading (T5)`);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      return new Promise((resolve, reject) => {
        const sim = this.#sim;
        let untrack = () => {};
        // Aborting rejects this promise; the unload itself goes on (the grace period has begun).
        const onAbort = () => (untrack(), reject(abortReason(signal!)));
        sim.schedule(sim.now + graceNs, () => {
          for (const c of ctxs) c._unloaded = true;
          this.trace('driver-unloaded', { driver: name });
          signal?.removeEventListener('abort', onAbort);
          untrack();
          resolve();
        });
        untrack = this.life.track(reject);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** @internal */
  trace(name: string, args: Record<string, unknown>, durNs?: number): void {
    const e = durNs === undefined ? { name, timeNs: this.#sim.now, args } : { name, timeNs: this.#sim.now, durNs, args };
    Object.freeze(args);
    this.#trace.push(Object.freeze(e));
  }

  /** Protocol events so far (ring states, STOP, ACK, resets, drops, violations), oldest first. */
  get events(): readonly TraceEvent[] {
    this.#alive();
    return Object.freeze(this.#trace.slice());
  }

  /** Chrome trace-event JSON of the protocol events (open it in Perfetto or chrome://tracing). */
  exportTrace(): string {
    this.#alive();
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
