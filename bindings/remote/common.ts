/**
 * What both sides of cross-thread sharing agree on: the handle shapes, the timing constants of
 * remote waits, and the small readers (wall clock, f64 from two atomic halves) both use.
 */
import { DmaFenceError } from '../errors.js';

/** What `rt.share()` returns: post it to a worker. */
export interface SharedRuntimeHandle {
  /** Tells a runtime handle from a fence handle. */
  kind: 'dmafence/runtime';
  /** The shared memory holding the runtime's arena. */
  memory: WebAssembly.Memory;
  /** The arena's byte offset in `memory`. */
  base: number;
  /** The runtime's identity: a random integer in [1, 2^53), also in every fence handle it shares. */
  runtime: number;
  /**
   * The compiled wasm core (a wasm runtime's; null for a ts one): an attached thread that creates
   * contexts instantiates it synchronously over the same memory (or runs the ts core where it
   * cannot: attachRuntime's `backend` option).
   */
  wasm: WebAssembly.Module | null;
}

/** What `fence.share()` returns: post it to a thread that attached the runtime. */
export interface SharedFenceHandle {
  /** Tells a fence handle from a runtime handle. */
  kind: 'dmafence/fence';
  /** The identity of the runtime that shared it (SharedRuntimeHandle.runtime). */
  runtime: number;
  /** The fence's slot in the arena and that slot's generation when the handle was made. */
  slot: number;
  /** The slot's generation when the handle was made (a reused slot has another). */
  gen: number;
  /** The fence's context id (fence.context) and seqno. */
  context: number;
  /** The fence's seqno on its context (fence.seqno). */
  seqno: number;
  /**
   * Present when the handle is held (fence.share(), unless `{ hold: false }` or the hold table was
   * full): the arena entry through which each view made from it keeps the fence alive until it
   * releases it or its thread ends.
   */
  hold?: number;
}

/**
 * The period of a view's ticker (it renews its registration's lease and looks after threads that
 * ended), and of the sleeps of a wait that polls: a view with no room in the waiter table, and a
 * waitSync on an attached emitter's fence (it looks after that thread: T2). Not a polling period
 * for wake-ups: every signal by any thread wakes the waiters it concerns at once (the futex
 * protocol of DESIGN.md, "Threads and ownership"); a waitSync on the owner's fence sleeps with no
 * deadline (a reclaimer probes it before taking it for dead).
 */
export const REMOTE_POLL_MS = 250;
/** @internal A lease runs this many ms from its renewal (a claim, the view's ticker every
 *  REMOTE_POLL_MS, a waitSync that answers a probe). */
export const REMOTE_LEASE_MS = 1000;
/** @internal A registration whose lease expired this many ms ago is probed, then freed if its
 *  thread does not answer (owner.ts, lapsed). */
export const REMOTE_RECLAIM_AFTER_MS = 1000;
/** @internal A probed lease (a waiter's registration, an emitter header's) is taken for dead if
 *  its thread has not renewed it this many ms after the probe's notify. */
export const REMOTE_PROBE_ANSWER_MS = 1000;
/** @internal The owner looks for expired registrations at most this often, and only while the
 *  total is not zero (while it notifies anyway). */
export const REMOTE_SCAN_EVERY_MS = 100;
/** @internal ...and reads the clock for that only every this many passes that notified. */
export const REMOTE_SCAN_EVERY_PASSES = 8;

/** @internal The largest runtime id a handle can carry. */
export const MAX_ID = 2 ** 53 - 1;

/**
 * This thread's performance object and time origin, read once: in Node the `performance` global
 * is an accessor (a getter call per use, measured at more than the clock read itself), and
 * `timeOrigin` is constant for the thread.
 */
const perf = globalThis.performance;
export const ORIGIN_MS = perf.timeOrigin;
/** @internal This thread's monotonic ms (performance.now()), for deadlines and renewals on it. */
export const monoMs = (): number => perf.now();
/** @internal Wall-clock ms, comparable across threads (each thread has its own timeOrigin). */
export const wallMs = (): number => ORIGIN_MS + perf.now();

/** @internal f64 from two atomic u32 loads (little-endian, as the arena is): a read that never
 *  tears per half; the seqlock around it catches a value written between the halves. */
const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
export function loadF64(u32: Uint32Array, word: number): number {
  scratchU32[0] = Atomics.load(u32, word);
  scratchU32[1] = Atomics.load(u32, word + 1);
  return scratchF64[0];
}

/** @internal ERR_DISPOSED for a view whose owner disposed the runtime. */
export const disposed = () => new DmaFenceError('ERR_DISPOSED', 'the owner disposed this runtime: its remote views can no longer be used');
