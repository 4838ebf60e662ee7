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

/** A ring's state (R5): `running`, `stopping` (STOP sent), `stopped`, `faulted` (a timeout), `resetting`, `dropped`. */
export type RingState = 'running' | 'stopping' | 'stopped' | 'faulted' | 'resetting' | 'dropped';
export const STATES: RingState[] = ['running', 'stopping', 'stopped', 'faulted', 'resetting', 'dropped'];

/** A built-in drop policy's name (T4). */
export type DropPolicy = 'emitter-guarantee' | 'wait' | 'signal-on-drop' | 'leak';
/** Every built-in drop policy, in the matrix's order. */
export const DROP_POLICIES: readonly DropPolicy[] = ['emitter-guarantee', 'wait', 'signal-on-drop', 'leak'];

/** Options of `rt.createRing()`. */
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

/** Options of `ring.drop()`. */
export interface DropOptions {
  /**
   * A built-in policy's name (default 'emitter-guarantee'), or a policy of your own (T8): an async
   * function given the protocol's steps. T1, T2 and M2 judge it as they judge the built-ins.
   */
  policy?: DropPolicy | PolicyFn;
  /** As for stop(): aborting rejects the promise; the drop goes on to its end. */
  signal?: AbortSignal;
}

/** What a drop did to the fences that were in flight when it began. */
export interface DropReport {
  /** The ring's name. */
  ring: string;
  /** The built-in policy's name, or a user policy's function name ('user' when it has none). */
  policy: string;
  /** Virtual time the drop took, ns. */
  timeNs: number;
  /** The fences in flight when the drop began, by how they ended. */
  fences: {
    /** Fences in flight when the drop began. */
    total: number;
    /** Signaled without an error (the device finished them). */
    ok: number;
    /** Signaled -ECANCELED. */
    canceled: number;
    /** Signaled -ETIME (running at a reset). */
    timedOut: number;
    /** Signaled with another error. */
    otherError: number;
    /** Still pending at the end of the drop (T2). */
    unsignaled: number;
  };
  /** Violations recorded while it ran (premature-signal, unsignaled-at-drop, corruption...). */
  violations: Violation[];
}

/** A step's bound: how long it waits on the runtime's clock, ns. */
export interface StepOptions {
  /** ns, >= 0 or Infinity. Each step says its default. */
  timeoutNs?: number;
}

/**
 * The protocol's steps (T8), handed to a user-written drop policy. Each is one move of T3/T4 on
 * this ring; the policy decides their order. The drop blocks submission before the policy runs,
 * and drops the ring when the policy returns (or throws): whatever the device may still write
 * for a signaled fence is then judged T1/M2, whatever is left pending T2. Every step throws
 * ERR_POLICY_STEP once the policy has returned, ERR_INVALID_ARG / ERR_INVALID_TIMEOUT /
 * ERR_INVALID_ERRNO on a bad argument (nothing changes then).
 */
export interface DropSteps {
  /**
   * T3's first move: STOP to a stoppable device, then wait for its ACK. 'acked': the device ACKed
   * (jobs it finished signal normally, the rest -ECANCELED, the ring is stopped), or the ring was
   * already stopped. 'timeout': no ACK within timeoutNs (default: the ring's stopTimeoutNs); the
   * STOP stays sent. A non-stoppable device ignores STOP: 'acked' only if its jobs all end within
   * timeoutNs (the ring then is stopped), else 'timeout'.
   */
  stop(opts?: StepOptions): Promise<'acked' | 'timeout'>;
  /**
   * D4: request a reset (or join the one under way) and wait until it is effective: the running
   * job ends -ETIME, the rest -ECANCELED, the ring is stopped. 'timeout': not effective within
   * timeoutNs (default Infinity); the reset goes on.
   */
  reset(opts?: StepOptions): Promise<'effective' | 'timeout'>;
  /**
   * Wait until the device executes nothing more for this ring: halted (an ACK, an effective
   * reset) or with nothing left to fetch and no job running. Signals nothing. Default timeoutNs:
   * Infinity.
   */
  waitIdle(opts?: StepOptions): Promise<'idle' | 'timeout'>;
  /**
   * Wait until every in-flight fence of the ring is signaled (completions; the timeout handler
   * R6 resets a hung job). Default timeoutNs: Infinity (a hung job with no timeout handler then
   * never ends: the drop deadlocks).
   */
  waitFences(opts?: StepOptions): Promise<'signaled' | 'timeout'>;
  /**
   * Signal every fence of the ring still pending with `errno` (an integer in [-4095, -1], e.g.
   * -Errno.ECANCELED) now, device running or not (T1 is checked). Returns how many it signaled.
   */
  signalPending(errno: number): number;
  /** The runtime clock, ns. */
  readonly now: number;
  /** The ring's state (R5). */
  readonly state: RingState;
  /** Jobs whose fences the ring has not yet signaled through completion or a protocol. */
  readonly inFlight: number;
  /** The device honours STOP (D2). */
  readonly stoppable: boolean;
  /** The ring's timeout handler limit (R6), ns; Infinity: none. */
  readonly timeoutNs: number;
  /** The ring's bound on a STOP's ACK, ns. */
  readonly stopTimeoutNs: number;
  /** The reset time the device promises (its resetNs option), ns. */
  readonly resetNs: number;
}

/** A drop policy of your own (T8). Resolve when done; a throw rejects the drop (the ring is dropped all the same). */
export type PolicyFn = (steps: DropSteps) => Promise<void> | void;

/** Where the "never signal before the hardware is done" guarantee lives (T7). */
export type Guarantee = 'emitter' | 'fence';
/** Both guarantee levels. */
export const GUARANTEES: readonly Guarantee[] = ['emitter', 'fence'];

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
  /** T7: 'fence': a ring fence whose last owner is dropped while pending signals itself -ECANCELED. */
  readonly guarantee: Guarantee;
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
