/**
 * The ring's public option and report types, its host (what it needs of the runtime) and the
 * small pieces its files share (the state names, a protocol's pending promise).
 *
 * Contract: types only, plus two constant tables; no arena access.
 */
import type { Arena } from '../arena.js';
import type { Core } from '../core/core.js';
import type { DmaDevice } from '../dma-device.js';
import type { DmaBuffer, DmaMemory } from '../dma-memory.js';
import type { Lifetime } from '../lifetime.js';
import type { FenceTable } from '../fence-table.js';
import type { DmaFence } from '../dma-fence.js';
import type { Clock } from '../sim/clock.js';
import type { Violation, ViolationLog } from '../violations.js';
import type { RingInterrupts } from './interrupts.js';

export type RingState = 'running' | 'stopping' | 'stopped' | 'faulted' | 'resetting' | 'dropped';
export const STATES: RingState[] = ['running', 'stopping', 'stopped', 'faulted', 'resetting', 'dropped'];

export type DropPolicy = 'emitter-guarantee' | 'wait' | 'signal-on-drop' | 'leak';
export const DROP_POLICIES: readonly DropPolicy[] = ['emitter-guarantee', 'wait', 'signal-on-drop', 'leak'];

export interface RingOptions {
  /**
   * The device it runs on (one engine of it), from this runtime's `rt.createDevice()`. Required:
   * ERR_INVALID_ARG without it, ERR_FOREIGN_HANDLE for another runtime's device.
   */
  device: DmaDevice;
  /** Descriptors, a power of two up to the runtime's maxRingCapacity. Default 256. */
  capacity?: number;
  /** The timeout handler's limit per job (R6), ns. Infinity: no timeout handler. Default 5e6. */
  timeoutNs?: number;
  /**
   * How long stop() waits for the ACK before resetting (T3), ns; on a non-stoppable device with
   * no timeout handler, how long it waits for the in-flight jobs. Default 100 × the device's ackNs.
   */
  stopTimeoutNs?: number;
  /** After a timeout reset, run the other in-flight jobs again instead of cancelling them. */
  resubmit?: boolean;
  /** Timeline name of its context, and its name in reports. Default "ring<N>". */
  name?: string;
}

/** A job: `bytes` bytes of `pattern` written into `dst` at `offset`. No dst: a zero-byte job. */
export interface Job {
  /** A buffer from this runtime's rt.memory.alloc(), not freed. */
  dst?: DmaBuffer;
  /** Byte offset inside dst, an integer in [0, dst.size]. Default 0. */
  offset?: number;
  /** Default: the rest of dst from offset (0 without dst). At most dst.size - offset. */
  bytes?: number;
  /** The byte value written. Default 0xab. */
  pattern?: number;
}

/** Options of the ring's promise-returning calls (stop, reset, submitAsync). */
export interface ProtocolOptions {
  /**
   * Aborting rejects the returned promise with the signal's reason (an AbortError by default);
   * the protocol itself goes on and the ring still reaches its state. Already aborted: the call
   * rejects at once and changes nothing.
   */
  signal?: AbortSignal;
}

export interface DropOptions {
  /** Default 'emitter-guarantee'. */
  policy?: DropPolicy;
  /** As for stop(): aborting rejects the promise; the drop goes on to its end. */
  signal?: AbortSignal;
}

/** What a drop did to the fences that were in flight when it began. */
export interface DropReport {
  ring: string;
  policy: DropPolicy;
  /** Virtual time the drop took, ns. */
  timeNs: number;
  fences: { total: number; ok: number; canceled: number; timedOut: number; otherError: number; unsignaled: number };
  /** Violations recorded while it ran (premature-signal, unsignaled-at-drop, corruption...). */
  violations: Violation[];
}

/** What the ring needs of its runtime. */
export interface RingHost {
  readonly arena: Arena;
  readonly core: Core;
  readonly fences: FenceTable;
  readonly sim: Clock;
  /** The device runs in its own thread (real clock): a changed ring is kicked, not rescheduled. */
  readonly real: boolean;
  /** Wakes the device thread (real clock); nothing on the virtual clock. */
  kick(): void;
  /** Per-job spans are recorded (createRuntime({ trace: true }), virtual clock). */
  readonly tracing: boolean;
  readonly log: ViolationLog;
  readonly memory: DmaMemory;
  /** Ends with the runtime (dispose): every member checks it. */
  readonly life: Lifetime;
  trace(name: string, args: Record<string, unknown>, durNs?: number): void;
  /** Hands the ring's interrupt handlers to the drivers (both clocks), at creation. */
  attach(handlers: RingInterrupts): void;
}

export interface ParsedJob {
  dst: number;
  bytes: number;
  pattern: number;
  allocId: number;
  /** The job's buffer, if any: a job waiting for space is refused if it is freed meanwhile. */
  buf?: DmaBuffer;
}

export interface SpaceWaiter {
  job: ParsedJob;
  resolve(f: DmaFence): void;
  reject(e: unknown): void;
}

/** A protocol's promise with its settle functions (a rejection nobody awaits is not reported). */
export interface Pending {
  promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

export function pending(): Pending {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export const JOB_KEYS = ['dst', 'offset', 'bytes', 'pattern'] as const;
export const PROTOCOL_KEYS = ['signal'] as const;
export const DROP_KEYS = ['policy', 'signal'] as const;

/** The device configuration a ring acts on, copied at creation. */
export interface DeviceConfig {
  name: string;
  stoppable: boolean;
  resetNs: number;
  ackNs: number;
  ack: 'ok' | 'delayed' | 'never';
}
