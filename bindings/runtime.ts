/**
 * Runtime: one arena, one core (wasm or ts), one clock, the contexts and the violation log.
 *
 * Contract: the thread that creates a Runtime is its driver thread; every method is called from
 * it. `createRuntime` is the only async constructor; everything else is synchronous except waits.
 */
import { Arena, computeLayout } from './arena.js';
import type { Core } from './core/core.js';
import { TsCore } from './core/ts-core.js';
import { createWasmCore } from './core/wasm-core.js';
import * as L from './core/layout.js';
import { DmaFence, parseWaitOptions } from './dma-fence.js';
import type { WaitOptions } from './dma-fence.js';
import { FenceContext } from './fence-context.js';
import type { ContextOptions } from './fence-context.js';
import { FenceTable } from './fence-table.js';
import { VirtualClock } from './sim/clock.js';
import { ViolationLog } from './violations.js';
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
}

const MAX_FENCES_LIMIT = 1 << 24;

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
    wasm: o.wasm as RuntimeOptions['wasm'],
  };
}

/** Creates a runtime. Rejects with a coded error on bad options. */
export async function createRuntime(opts?: RuntimeOptions): Promise<Runtime> {
  const o = parseOptions(opts);
  if (o.clock === 'real') {
    throw new DmaFenceTypeError('ERR_INVALID_ARG', "clock: 'real' (the device in its own thread) is not available in this version; use the virtual clock");
  }
  // One extra slot and context for the stub fence (F17), which lives for the runtime's life.
  const layout = computeLayout({
    maxFences: o.maxFences + 1,
    maxContexts: o.maxContexts + 1,
    maxRings: 0,
    ringBytes: 0,
    dmaBytes: 0,
    dmaRegionBytes: 0,
  });
  const arena = new Arena(layout);
  const core = o.backend === 'wasm' ? await createWasmCore(arena.memory, o.wasm) : new TsCore(arena.memory.buffer);
  return new Runtime(arena, core, o);
}

export class Runtime {
  /** Which core runs the hot paths. */
  readonly backend: 'wasm' | 'ts';
  readonly seed: number;
  readonly strict: boolean;
  /** The virtual clock: drive it to move time (DESIGN: nothing moves unless driven). */
  readonly sim: VirtualClock;
  /** @internal */
  readonly arena: Arena;
  /** @internal */
  readonly core: Core;
  /** @internal */
  readonly fences: FenceTable;
  readonly #log: ViolationLog;
  readonly #contexts: FenceContext[] = [];
  readonly #stub: DmaFence;
  #disposed = false;

  /** @internal Use createRuntime. */
  constructor(arena: Arena, core: Core, o: ReturnType<typeof parseOptions>) {
    this.arena = arena;
    this.core = core;
    this.backend = core.backend;
    this.seed = o.seed;
    this.strict = o.strict;
    this.sim = new VirtualClock();
    this.#log = new ViolationLog(o.strict, () => this.sim.now);
    this.fences = new FenceTable(arena, core, this.sim, this.#log, this.#contexts, DmaFence);
    // F17: the stub is context index 0 with id 0, seqno 0, signaled at time 0.
    const stubCtx = arena.createContext(false, 0, 0);
    this.#contexts.push(new FenceContext(this.fences, stubCtx, { driverName: 'stub', timelineName: 'stub' }));
    const slot = core.fenceCreate(arena.base, stubCtx);
    core.fenceSignal(arena.base, slot, 0);
    this.#stub = this.fences.handle(slot);
  }

  #alive(): void {
    if (this.#disposed) throw new DmaFenceError('ERR_DISPOSED', 'this runtime was disposed');
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

  /** Rule breaks seen so far (oldest first). */
  get violations(): readonly Violation[] {
    return this.#log.list;
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
    };
  }

  /** Capacities fixed at creation, and the arena's size in bytes. */
  get capacity(): { maxFences: number; maxContexts: number; arenaBytes: number } {
    const l = this.arena.layout;
    return { maxFences: l.maxFences - 1, maxContexts: l.maxContexts - 1, arenaBytes: l.size };
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Ends the runtime: later calls throw ERR_DISPOSED. Idempotent. */
  async dispose(): Promise<void> {
    this.#disposed = true;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
