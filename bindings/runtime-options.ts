/**
 * Options of createRuntime, createContext, createRing and unloadDriver: their parsing and the
 * checks done before anything is made (the arena fits one memory, the wasm core loads and is
 * dmafence's).
 */
import * as L from './core/layout.js';
import { checkAbortSignal } from './dma-fence.js';
import type { DmaDevice } from './dma-device.js';
import type { ContextOptions } from './fence-context.js';
import type { RingOptions } from './hw-ring.js';
import { DEFAULT_TRACE_LIMIT, MAX_TRACE_LIMIT } from './trace.js';
import {
  DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, checkBoolean, checkEnum, checkFunction, checkInteger, checkOptions, describe,
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

/** Options of {@link createRuntime}: the core, the clock, the seed and the fixed capacities. */
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
  /**
   * The trace keeps the last this many events (rt.events, exportTrace()), 1 to 2^24; older ones
   * are dropped and counted (the export says how many). Default 100000.
   */
  traceLimit?: number;
  /** Most schedulers and job queues (rt.createScheduler, rt.createJobQueue). Default 8. */
  maxSchedulers?: number;
  /** Most scheduler entities (a job queue takes one). Default 64. */
  maxEntities?: number;
  /**
   * Most scheduler jobs not yet finished, over every scheduler and job queue (each has room for
   * two dependency references on average). Default 16384.
   */
  maxJobs?: number;
  /**
   * Where the wasm core comes from, if not the dmafence.wasm beside the bundle (a Module, its
   * bytes, or a URL; a string is resolved against the bundle's URL, so give an absolute path).
   */
  wasm?: WebAssembly.Module | BufferSource | URL | string;
  /**
   * `clock: 'real'`: the device worker's script, if not the one beside the bundle (dist/
   * device-worker.browser.js in browsers, dist/device-worker.js in Node, hosted as is: it imports
   * nothing). A URL, or a string resolved against the bundle's URL. Ignored by the virtual clock.
   */
  workerUrl?: URL | string;
  /**
   * T7: where the "never signal before the hardware is done" guarantee lives. 'emitter'
   * (default): the ring owns the signaling side of every in-flight fence; a job owner dropped by
   * a driver bug changes nothing, and a ring dropped with fences pending leaves them pending (T2).
   * 'fence': a ring's fence whose last owner is dropped while pending signals itself -ECANCELED
   * (ring.injectDriverBug(), a dropped ring), judged by T1 like any signal.
   */
  guarantee?: 'emitter' | 'fence';
  /**
   * Most attached threads that create contexts at once (`attachRuntime(h).createContext()`), 0 to
   * 64. Default 4. Each one owns `emitterFences` fence slots of its own.
   */
  maxEmitterThreads?: number;
  /** Fences alive at once per attached emitter thread (its own slots), 1 to 2^22. Default 4096. */
  emitterFences?: number;
}

const MAX_FENCES_LIMIT = 1 << 24;

export function checkTimeout(name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new DmaFenceTypeError('ERR_INVALID_TIMEOUT', `${name} must be >= 0 ns (or Infinity), got ${describe(v)}`);
  return v;
}

const RUNTIME_KEYS = ['backend', 'clock', 'seed', 'maxFences', 'maxContexts', 'strict', 'maxRings', 'maxRingCapacity', 'dmaBytes', 'trace', 'traceLimit', 'wasm', 'workerUrl', 'guarantee', 'maxSchedulers', 'maxEntities', 'maxJobs', 'maxEmitterThreads', 'emitterFences'] as const;

/** The largest arena: byte addresses must stay below 2^31 for the typed-array views (i32 indexing). */
const MAX_ARENA_BYTES = 2 ** 31 - 65536;

export function parseOptions(opts: unknown) {
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
    traceLimit: o.traceLimit === undefined ? DEFAULT_TRACE_LIMIT : checkInteger('traceLimit', o.traceLimit, 1, MAX_TRACE_LIMIT),
    maxRings: o.maxRings === undefined ? 8 : checkInteger('maxRings', o.maxRings, 0, 1024),
    maxRingCapacity: o.maxRingCapacity === undefined ? 1024 : checkPow2('maxRingCapacity', o.maxRingCapacity),
    dmaBytes: o.dmaBytes === undefined ? 1 << 20 : Math.ceil(checkInteger('dmaBytes', o.dmaBytes, 0, 2 ** 31) / L.DMA_GRANULE) * L.DMA_GRANULE,
    wasm: checkWasmSource(o.wasm),
    workerUrl: checkUrl('workerUrl', o.workerUrl),
    guarantee: o.guarantee === undefined ? 'emitter' : checkEnum('guarantee', o.guarantee, ['emitter', 'fence'] as const),
    maxSchedulers: o.maxSchedulers === undefined ? 8 : checkInteger('maxSchedulers', o.maxSchedulers, 0, 4096),
    maxEntities: o.maxEntities === undefined ? 64 : checkInteger('maxEntities', o.maxEntities, 0, 1 << 16),
    maxJobs: o.maxJobs === undefined ? 16384 : checkInteger('maxJobs', o.maxJobs, 0, MAX_FENCES_LIMIT),
    maxEmitterThreads: o.maxEmitterThreads === undefined ? 4 : checkInteger('maxEmitterThreads', o.maxEmitterThreads, 0, 64),
    emitterFences: o.emitterFences === undefined ? 4096 : checkInteger('emitterFences', o.emitterFences, 1, 1 << 22),
  };
  checkArenaFits(parsed);
  return parsed;
}

/**
 * The arena must fit one wasm memory the typed-array views can index: ERR_CAPACITY, saying what
 * fits, before any size is computed with 32-bit arithmetic.
 */
function checkArenaFits(o: { maxFences: number; maxContexts: number; maxRings: number; maxRingCapacity: number; dmaBytes: number; maxSchedulers: number; maxEntities: number; maxJobs: number; maxEmitterThreads: number; emitterFences: number }): void {
  const ringBytes = o.maxRings * (L.RING_SIZE + o.maxRingCapacity * L.SLOT_BYTES);
  const schedBytes = o.maxSchedulers * L.SC_SIZE + o.maxEntities * L.ET_SIZE + o.maxJobs * (L.SJ_SIZE + 2 * L.DP_SIZE);
  const fixed = L.HEADER_SIZE + (o.maxContexts + 1) * L.CTX_SIZE + (o.maxFences + 1 + o.maxEmitterThreads * o.emitterFences) * L.FENCE_BYTES + o.maxEmitterThreads * L.EH_SIZE + L.HOLD_ENTRIES * L.HOLD_SIZE + L.CORR_CAP * L.CORR_SIZE + schedBytes + 13 * L.ALIGN;
  const dma = o.dmaBytes + (o.dmaBytes / L.DMA_GRANULE) * 4; // the bytes and their owner map
  const total = fixed + ringBytes + dma;
  if (total <= MAX_ARENA_BYTES) return;
  const left = MAX_ARENA_BYTES - fixed - ringBytes;
  const dmaFits = left > 0 ? Math.floor(left / (1 + 4 / L.DMA_GRANULE) / L.DMA_GRANULE) * L.DMA_GRANULE : 0;
  throw new DmaFenceRangeError(
    'ERR_CAPACITY',
    `the arena would need ${total} bytes, more than the ${MAX_ARENA_BYTES} one runtime can have: ` +
      `rings take ${ringBytes} (maxRings ${o.maxRings} × maxRingCapacity ${o.maxRingCapacity} slots of ${L.SLOT_BYTES} bytes), ` +
      `DMA memory ${dma} with its owner map; ${left > 0 ? `with these rings, dmaBytes up to ${dmaFits} fits` : 'lower maxRings or maxRingCapacity'}`,
  );
}

function checkWasmSource(v: unknown): RuntimeOptions['wasm'] {
  const ok = v === undefined || typeof v === 'string' || v instanceof URL || v instanceof WebAssembly.Module || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
  if (!ok) throw new DmaFenceTypeError('ERR_INVALID_ARG', `wasm must be a WebAssembly.Module, the bytes of one, or a URL, got ${describe(v)}`);
  return v as RuntimeOptions['wasm'];
}

function checkUrl(name: string, v: unknown): URL | string | undefined {
  if (v === undefined || v instanceof URL) return v;
  if (typeof v === 'string' && URL.canParse(v, import.meta.url)) return v;
  throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name} must be a URL or a string holding one, got ${describe(v)}`);
}

export function checkPow2(name: string, v: unknown): number {
  const n = checkInteger(name, v, 1, 1 << 20);
  if (n & (n - 1)) throw new DmaFenceRangeError('ERR_INVALID_ARG', `${name} must be a power of two, got ${n}`);
  return n;
}

/** The exports a dmafence core module must have (a wrong module is refused, not half-used). */
const CORE_EXPORTS = ['isLater', 'fenceCreate', 'fencesCreate', 'fenceSignal', 'signalUpTo', 'fenceSetError', 'fenceUnpin', 'ringSubmit', 'ringReschedule', 'devicesRun', 'fenceUnhold', 'schedPush', 'schedAddDep', 'schedPass'];

/**
 * Loading the wasm core: bytes that do not compile, a URL that cannot be read, a module that is
 * not dmafence's core, all become ERR_WASM with what went wrong.
 */
export async function withWasmCode<T>(p: Promise<T>): Promise<T> {
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

/** The options createRuntime goes by, checked and with their defaults. */
export type ParsedRuntimeOptions = ReturnType<typeof parseOptions>;

/** Every device any runtime made: tells a foreign device from a forged one. */
export const ISSUED_DEVICES = new WeakSet<object>();

const CONTEXT_KEYS = ['driverName', 'timelineName', 'seqno64', 'startSeqno', 'enableSignaling', 'signaled', 'setDeadline'] as const;
const RING_KEYS = ['device', 'capacity', 'timeoutNs', 'stopTimeoutNs', 'resubmit', 'name'] as const;
const UNLOAD_KEYS = ['force', 'graceNs', 'signal'] as const;

/** createContext's options, checked; and the first seqno. */
export function parseContextOptions(opts: unknown): { o: ContextOptions; start: number } {
  const o = checkOptions('context options', opts, CONTEXT_KEYS) as ContextOptions;
  for (const k of ['driverName', 'timelineName'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${k} must be a string, got ${describe(o[k])}`);
  }
  if (o.seqno64 !== undefined && typeof o.seqno64 !== 'boolean') throw new DmaFenceTypeError('ERR_INVALID_ARG', `seqno64 must be a boolean, got ${describe(o.seqno64)}`);
  const start = o.startSeqno === undefined ? 1 : checkInteger('startSeqno', o.startSeqno, 0, Number.MAX_SAFE_INTEGER, 'ERR_INVALID_SEQNO');
  for (const k of ['enableSignaling', 'signaled', 'setDeadline'] as const) if (o[k] !== undefined) checkFunction(k, o[k]);
  return { o, start };
}

/**
 * createRing's options, checked against the runtime's devices and maxRingCapacity; with their
 * defaults (name stays undefined: it defaults to the ring's index).
 */
export function parseRingOptions(opts: unknown, devices: readonly DmaDevice[], maxRingCapacity: number) {
  if (opts === undefined) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'createRing needs options with a device: createRing({ device })');
  const o = checkOptions('ring options', opts, RING_KEYS) as unknown as RingOptions;
  if (!devices.includes(o.device)) {
    // Made by another runtime, or an object that only looks like a device.
    const foreign = ISSUED_DEVICES.has(o.device as object);
    throw new DmaFenceTypeError(foreign ? 'ERR_FOREIGN_HANDLE' : 'ERR_INVALID_ARG', `device must be a DmaDevice made by this runtime${foreign ? ' (that one belongs to another)' : `, got ${describe(o.device)}`}`);
  }
  const capacity = o.capacity === undefined ? Math.min(256, maxRingCapacity) : checkPow2('capacity', o.capacity);
  if (capacity > maxRingCapacity) throw new DmaFenceRangeError('ERR_CAPACITY', `capacity ${capacity} exceeds maxRingCapacity ${maxRingCapacity}`);
  const timeoutNs = o.timeoutNs === undefined ? 5e6 : checkTimeout('timeoutNs', o.timeoutNs);
  const stopTimeoutNs = o.stopTimeoutNs === undefined ? 100 * o.device.ackNs : checkTimeout('stopTimeoutNs', o.stopTimeoutNs);
  if (!Number.isFinite(stopTimeoutNs)) throw new DmaFenceRangeError('ERR_INVALID_ARG', 'stopTimeoutNs must be finite: stop() must end');
  if (o.resubmit !== undefined && typeof o.resubmit !== 'boolean') throw new DmaFenceTypeError('ERR_INVALID_ARG', `resubmit must be a boolean, got ${describe(o.resubmit)}`);
  if (o.name !== undefined && typeof o.name !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `name must be a string, got ${describe(o.name)}`);
  return { device: o.device, capacity, timeoutNs, stopTimeoutNs, resubmit: o.resubmit ?? false, name: o.name };
}

/** unloadDriver's options, checked, with their defaults. */
export function parseUnloadOptions(opts: unknown): { graceNs: number; force: boolean; signal: AbortSignal | undefined } {
  const o = checkOptions('unload options', opts, UNLOAD_KEYS);
  const graceNs = o.graceNs === undefined ? 1000 : checkTimeout('graceNs', o.graceNs);
  const force = checkBoolean('force', o.force, false);
  const signal = checkAbortSignal(o.signal);
  return { graceNs, force, signal };
}
