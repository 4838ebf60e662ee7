/**
 * HwRing: a hardware ring (R1-R6) with its fence context, and the teardown and recovery
 * protocols (T1-T4, T6). The hot path (submit, device, writeback, IRQ, signal_up_to) is in the
 * core; this file is the cold path: the timeout handler, STOP/ACK, reset, drop, and the checks
 * that a fence never signals while the device may still write for it.
 *
 * Contract: driver thread only. The ring's words are in the arena (core/layout.ts): the driver
 * owns state, tail, sigIdx, STOP; the device owns head, retired, writeback, IRQ, ACK, engine.
 * On the virtual clock the protocols below act for the device (ACK, reset taking effect) at the
 * modeled times, between core steps.
 *
 * The guarantee lives at the emitter (T3, T4): a ring signals an in-flight fence only when its
 * job completed (writeback), or once the device is proven idle (ACK, or an effective reset).
 *
 * The state machine (R5) has one writer, #setState, and one final state: once `dropped`, nothing
 * moves the ring again (a reset that takes effect later halts the engine and changes nothing
 * else; restart, reset, stop and drop are refused with ERR_RING_STATE, submit with
 * ERR_RING_STOPPED). Every public member throws (or rejects) ERR_DISPOSED once the runtime is
 * disposed, and every promise still pending then rejects ERR_DISPOSED.
 */
import * as L from './core/layout.js';
import type { Arena } from './arena.js';
import type { Core } from './core/core.js';
import type { DmaDevice } from './dma-device.js';
import { settle } from './dma-device.js';
import type { DmaBuffer, DmaMemory } from './dma-memory.js';
import type { Lifetime } from './lifetime.js';
import type { DmaFence } from './dma-fence.js';
import { checkAbortSignal } from './dma-fence.js';
import type { FenceContext } from './fence-context.js';
import type { FenceTable } from './fence-table.js';
import type { Clock, Timer } from './sim/clock.js';
import type { Violation, ViolationLog } from './violations.js';
import { ViolationError } from './violations.js';
import {
  DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, Errno, abortReason, checkEnum, checkInteger, checkOptions,
} from './errors.js';

export type RingState = 'running' | 'stopping' | 'stopped' | 'faulted' | 'resetting' | 'dropped';
const STATES: RingState[] = ['running', 'stopping', 'stopped', 'faulted', 'resetting', 'dropped'];

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
  /** The device runs in its own thread (real clock): protocols act through its words. */
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
}

interface ParsedJob {
  dst: number;
  bytes: number;
  pattern: number;
  allocId: number;
  /** The job's buffer, if any: a job waiting for space is refused if it is freed meanwhile. */
  buf?: DmaBuffer;
}

interface SpaceWaiter {
  job: ParsedJob;
  resolve(f: DmaFence): void;
  reject(e: unknown): void;
}

/** A protocol's promise with its settle functions (a rejection nobody awaits is not reported). */
interface Pending {
  promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function pending(): Pending {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {});
  return { promise, resolve, reject };
}

const JOB_KEYS = ['dst', 'offset', 'bytes', 'pattern'] as const;
const PROTOCOL_KEYS = ['signal'] as const;
const DROP_KEYS = ['policy', 'signal'] as const;

/** The device configuration a ring acts on, copied at creation. */
interface DeviceConfig {
  name: string;
  stoppable: boolean;
  resetNs: number;
  ackNs: number;
  ack: 'ok' | 'delayed' | 'never';
}

/**
 * A hardware ring (R1-R6) on a device engine, from `rt.createRing(opts)`, with its own fence
 * context (R2): `submit` writes a descriptor and returns the job's fence, which the ring signals
 * when the device completes the job (R4). It also runs the recovery and teardown protocols: the
 * timeout handler (R6), `stop` (T3), `reset` (D4), `drop` under a policy (T4) and device loss
 * (T6), and never signals a fence while the device may still write for it (T1) under
 * 'emitter-guarantee'. Every member throws ERR_DISPOSED after `rt.dispose()`.
 *
 * @example
 * ```ts
 * const ring = rt.createRing({ device: rt.createDevice(), capacity: 256, name: 'gfx0' });
 * const f = ring.submit({ dst: rt.memory.alloc(64) });   // ERR_RING_FULL when full (R3)
 * rt.sim.runUntilIdle();
 * console.log(f.signaled, ring.completedSeqno);          // true 1
 * const report = await rt.sim.runUntilSettled(ring.drop()); // T4: 'emitter-guarantee'
 * ```
 */
export class HwRing {
  readonly #name: string;
  readonly #device: DmaDevice;
  readonly #dev: DeviceConfig;
  readonly #ctx: FenceContext;
  readonly #ctxId: number;
  readonly #capacity: number;
  readonly #timeoutNs: number;
  readonly #stopTimeoutNs: number;
  readonly #resubmit: boolean;
  readonly #index: number;
  readonly #h: RingHost;
  /** Byte address of the ring header. */
  readonly #rp: number;
  /** The stop protocol in progress (T3): resolved once the device is proven idle. */
  #stop?: Pending & { armed: boolean };
  /** The reset in progress: resolves once it is effective (rejects if the ring is dropped first). */
  #reset?: Pending;
  #ackTimer?: Timer;
  #resetTimer?: Timer;
  #pendingReset?: () => void;
  #traced = 0;
  #boundTimer?: Timer;
  #spaceWaiters: SpaceWaiter[] = [];
  /** Set when a drop begins, never cleared: one drop per ring. */
  #drop?: { policy: DropPolicy };

  /** @internal Made by Runtime.createRing. */
  constructor(host: RingHost, index: number, context: FenceContext, o: Required<Omit<RingOptions, 'name'>> & { name: string }, seed: number) {
    this.#h = host;
    this.#index = index;
    this.#ctx = context;
    this.#ctxId = context.id;
    this.#device = o.device;
    const d = o.device._config;
    this.#dev = { name: d.name, stoppable: d.stoppable, resetNs: d.resetNs, ackNs: d.ackNs, ack: d.ack };
    this.#name = o.name;
    this.#capacity = o.capacity;
    this.#timeoutNs = o.timeoutNs;
    this.#stopTimeoutNs = o.stopTimeoutNs;
    this.#resubmit = o.resubmit;
    const a = host.arena;
    this.#rp = a.base + a.layout.ringsOff + index * a.header(L.H_RING_STRIDE);
    const random = d.jitter > 0 || d.pHang > 0 || d.pSlow > 0 || d.pLostIrq > 0;
    this.#set(L.R_STATE, L.RS_RUNNING);
    this.#set(L.R_CAPACITY, o.capacity);
    this.#set(L.R_MASK, o.capacity - 1);
    this.#set(L.R_CTX, context.index);
    for (const w of [L.R_TAIL, L.R_SIG_IDX, L.R_STOP, L.R_INJECT, L.R_HEAD, L.R_RETIRED, L.R_IRQS, L.R_ACK, L.R_ENGINE, L.R_CUR_WRITTEN, L.R_CUR_FLAGS]) this.#set(w, 0);
    this.#set(L.R_FLAGS, (d.stoppable ? L.RGF_STOPPABLE : 0) | (random ? L.RGF_RANDOM : 0) | (host.tracing && !host.real ? L.RGF_TRACE : 0));
    this.#set(L.R_PRNG, seed);
    this.#setF(L.R_TIMEOUT_NS, o.timeoutNs);
    this.#setF(L.R_WRITEBACK, context.lastSeqno);
    this.#setF(L.R_NEXT_T, Infinity);
    this.#setF(L.R_BASE_NS, d.baseNs);
    this.#setF(L.R_PER_BYTE_NS, d.perByteNs);
    this.#setF(L.R_JITTER, d.jitter);
    this.#setF(L.R_P_HANG, d.pHang);
    this.#setF(L.R_P_SLOW, d.pSlow);
    this.#setF(L.R_P_LOST_IRQ, d.pLostIrq);
    this.#setF(L.R_ACK_NS, d.ackNs);
    this.#setF(L.R_RESET_NS, d.resetNs);
    this.#set(L.R_ACK_MODE, d.ack === 'ok' ? 0 : d.ack === 'delayed' ? 1 : 2);
    this.#set(L.R_RESET_REQ, 0);
    this.#set(L.R_NO_ACK, 0);
    host.life.onEnd(() => this.#end());
    Object.freeze(this);
  }

  // ── arena words ──
  #get(off: number): number {
    return this.#h.arena.u32[(this.#rp + off) >> 2];
  }
  /** Ring words are shared with the device (a thread, on the real clock): stores are atomic. */
  #set(off: number, v: number): void {
    Atomics.store(this.#h.arena.u32, (this.#rp + off) >> 2, v);
  }
  #load(off: number): number {
    return Atomics.load(this.#h.arena.u32, (this.#rp + off) >> 2);
  }
  #getF(off: number): number {
    return this.#h.arena.f64[(this.#rp + off) >> 3];
  }
  #setF(off: number, v: number): void {
    this.#h.arena.f64[(this.#rp + off) >> 3] = v;
  }
  /** Byte address of the descriptor at free-running index i. */
  #desc(i: number): number {
    return this.#rp + L.RING_SIZE + ((i & (this.#capacity - 1)) >>> 0) * L.DESC_SIZE;
  }
  #descSeqno(i: number): number {
    return this.#h.arena.f64[(this.#desc(i) + L.D_SEQNO) >> 3];
  }
  /** When the device started the job at index i (meaningful once it was fetched). */
  #descStart(i: number): number {
    return this.#h.arena.f64[(this.#desc(i) + L.D_START) >> 3];
  }
  #state(): number {
    return this.#get(L.R_STATE);
  }
  /** R5: the one writer of the state word. Dropped is final: nothing leaves it. */
  #setState(s: number): void {
    const from = this.#get(L.R_STATE);
    if (from === s || from === L.RS_DROPPED) return;
    this.#set(L.R_STATE, s);
    this.#h.trace('ring-state', { ring: this.#name, from: STATES[from], to: STATES[s] });
    if (s !== L.RS_RUNNING) this.#rejectSpaceWaiters();
  }
  /** The device's next event changed: recompute it (virtual clock) or wake the device thread. */
  #reschedule(): void {
    if (this.#h.real) this.#h.kick();
    else this.#h.core.ringReschedule(this.#h.arena.base, this.#index, this.#h.sim.now);
  }
  get #disposed(): boolean {
    return this.#h.life.disposed;
  }
  #alive(): void {
    this.#h.life.check();
  }
  #inFlight(): number {
    return (this.#get(L.R_TAIL) - this.#get(L.R_SIG_IDX)) >>> 0;
  }
  #stateError(what: string): DmaFenceError {
    const s = this.#state();
    if (s === L.RS_DROPPED) return new DmaFenceError('ERR_RING_STATE', `ring ${this.#name} was dropped (${this.#drop?.policy}): ${what}`);
    return new DmaFenceError('ERR_RING_STATE', `ring ${this.#name} is being dropped (${this.#drop?.policy}): ${what}`);
  }

  /** Dispose: timers stop and nothing acts any more (pending promises were rejected by the lifetime). */
  #end(): void {
    this.#ackTimer?.cancel();
    this.#boundTimer?.cancel();
    this.#resetTimer?.cancel();
    this.#ackTimer = this.#boundTimer = this.#resetTimer = undefined;
    this.#pendingReset = undefined;
    this.#spaceWaiters = [];
  }

  // ── observation (exact on the driver thread) ──

  /** Timeline name of its context, and its name in reports. */
  get name(): string {
    this.#alive();
    return this.#name;
  }
  /** The device (engine) it runs on. */
  get device(): DmaDevice {
    this.#alive();
    return this.#device;
  }
  /** Its fence context (R2): the ring creates and signals its fences. */
  get context(): FenceContext {
    this.#alive();
    return this.#ctx;
  }
  /** Descriptors (R1). */
  get capacity(): number {
    this.#alive();
    return this.#capacity;
  }
  /** The timeout handler's limit per job (R6), ns; Infinity: none. */
  get timeoutNs(): number {
    this.#alive();
    return this.#timeoutNs;
  }
  /** How long stop() waits for the ACK (or, with no timeout handler, a non-stoppable device's jobs). */
  get stopTimeoutNs(): number {
    this.#alive();
    return this.#stopTimeoutNs;
  }
  /** After a timeout reset, the other in-flight jobs run again. */
  get resubmit(): boolean {
    this.#alive();
    return this.#resubmit;
  }
  /** R5. */
  get state(): RingState {
    this.#alive();
    return STATES[this.#state()];
  }
  /** Jobs submitted whose completion the driver has not yet retired (their fences mostly pending). */
  get inFlight(): number {
    this.#alive();
    return this.#inFlight();
  }
  /** Free descriptors: submit succeeds for this many jobs now (R3). */
  get space(): number {
    this.#alive();
    return this.#capacity - this.#inFlight();
  }
  /** R4: the writeback word, the highest seqno the device completed (T6: the maximum once lost). */
  get completedSeqno(): number {
    this.#alive();
    return this.#getF(L.R_WRITEBACK);
  }
  /** Interrupts the device raised. */
  get irqs(): number {
    this.#alive();
    return this.#get(L.R_IRQS);
  }

  /** @internal index among the runtime's rings (its arena slot) */
  get index(): number {
    return this.#index;
  }
  /** @internal name and context id without the dispose check (the corruption drain) */
  get _name(): string {
    return this.#name;
  }
  /** @internal */
  get _contextId(): number {
    return this.#ctxId;
  }
  /** @internal for the real clock's watchdog period */
  get _timeoutNs(): number {
    return this.#timeoutNs;
  }
  /** @internal Real clock: something is in flight or a protocol is under way. */
  get _busy(): boolean {
    const s = this.#state();
    return this.#inFlight() > 0 || s === L.RS_STOPPING || s === L.RS_RESETTING || s === L.RS_FAULTED;
  }

  /**
   * @internal When the device started the job of fence `seqno` (ns on the runtime clock), while
   * its descriptor is still in the ring; undefined otherwise. For benchmarks of the interrupt path.
   */
  _jobStartNs(seqno: number): number | undefined {
    const i = (seqno - (this.#ctx.lastSeqno - ((this.#get(L.R_TAIL) - 1) >>> 0))) >>> 0;
    if (this.#descSeqno(i) !== seqno) return undefined;
    const t = this.#descStart(i);
    return t > 0 ? t : undefined;
  }

  /** @internal next device event time, for the engine */
  get _nextT(): number {
    return this.#getF(L.R_NEXT_T);
  }

  // ── submission (R2, R3) ──

  /**
   * A job's fields, checked at the binding against the buffer's real (private) offset and size:
   * the core never sees an address outside the buffer. dst must be a buffer this runtime's memory
   * issued and not freed (a look-alike object is ERR_INVALID_ARG, another runtime's buffer
   * ERR_FOREIGN_HANDLE, a freed one ERR_STALE_HANDLE).
   */
  #parseJob(job: unknown): ParsedJob {
    const o = checkOptions('job', job, JOB_KEYS) as Job;
    const pattern = o.pattern === undefined ? 0xab : checkInteger('pattern', o.pattern, 0, 255);
    if (o.dst === undefined) {
      if (o.bytes !== undefined && o.bytes !== 0) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'a job that writes bytes needs a dst buffer');
      if (o.offset !== undefined) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'offset needs a dst buffer');
      return { dst: 0, bytes: 0, pattern, allocId: 0 };
    }
    const mem = this.#h.memory;
    const buf = mem._issued(o.dst, 'dst', true);
    const size = buf._size;
    const offset = o.offset === undefined ? 0 : checkInteger('offset', o.offset, 0, size);
    const bytes = o.bytes === undefined ? size - offset : checkInteger('bytes', o.bytes, 0, size - offset);
    const dst = buf._offset + offset;
    if (!(dst >= 0 && dst + bytes <= buf._offset + size && dst + bytes <= mem._bytesTotal)) {
      // Unreachable with an issued buffer; the core must never be handed such a range.
      throw new DmaFenceRangeError('ERR_INVALID_ARG', `job range [${dst}, ${dst + bytes}) is outside its buffer`);
    }
    return { dst, bytes, pattern, allocId: buf._id, buf };
  }

  #checkRunning(): void {
    const s = this.#state();
    if (s !== L.RS_RUNNING) throw new DmaFenceError('ERR_RING_STOPPED', `ring ${this.#name} is ${STATES[s]}: it takes jobs only while running`);
  }

  #submitParsed(j: ParsedJob): DmaFence {
    const h = this.#h;
    const r = h.core.ringSubmit(h.arena.base, this.#index, 1, j.dst, j.bytes, j.pattern, j.allocId, 1, h.sim.now);
    if (r === -1) throw new DmaFenceRangeError('ERR_RING_FULL', `ring ${this.#name} is full (${this.#capacity} jobs in flight): wait for completions or use submitAsync`);
    if (r === -2) throw new DmaFenceRangeError('ERR_CAPACITY', 'no free fence slot (raise maxFences)');
    h.kick();
    return h.fences.handle(r);
  }

  /** R2: writes the job's descriptor and returns its fence. Full: ERR_RING_FULL, nothing changes. */
  submit(job: Job): DmaFence {
    this.#alive();
    this.#checkRunning();
    return this.#submitParsed(this.#parseJob(job));
  }

  /**
   * Batch form: n identical jobs in one call into the core; their fences have no handles (they
   * are recycled as they signal). All or nothing. Returns the first job's seqno.
   */
  submitBatch(n: number, job: Job): number {
    this.#alive();
    this.#checkRunning();
    checkInteger('n', n, 1, this.#capacity);
    const j = this.#parseJob(job);
    const h = this.#h;
    const r = h.core.ringSubmit(h.arena.base, this.#index, n, j.dst, j.bytes, j.pattern, j.allocId, 0, h.sim.now);
    if (r === -1) throw new DmaFenceRangeError('ERR_RING_FULL', `ring ${this.#name} has room for ${this.#capacity - this.#inFlight()} jobs, not ${n}`);
    if (r === -2) throw new DmaFenceRangeError('ERR_CAPACITY', `no room for ${n} fences (raise maxFences)`);
    h.kick();
    return this.#ctx.lastSeqno - n + 1;
  }

  /**
   * R3: like submit, but waits (on the clock) for space instead of throwing ERR_RING_FULL; waiters
   * are served in call order. Rejects ERR_RING_STOPPED if the ring stops taking jobs first.
   * Aborting `signal` takes the waiter out of the queue (its job is never submitted) and rejects
   * with the signal's reason.
   */
  submitAsync(job: Job, opts?: ProtocolOptions): Promise<DmaFence> {
    try {
      this.#alive();
      const o = checkOptions('submitAsync options', opts, PROTOCOL_KEYS);
      const signal = checkAbortSignal(o.signal);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      this.#checkRunning();
      const j = this.#parseJob(job);
      if (this.#capacity - this.#inFlight() > 0 && this.#spaceWaiters.length === 0) return Promise.resolve(this.#submitParsed(j));
      return new Promise<DmaFence>((resolve, reject) => {
        let done = false;
        const leave = () => {
          const i = this.#spaceWaiters.indexOf(w);
          if (i >= 0) this.#spaceWaiters.splice(i, 1);
        };
        const end = (fn: () => void) => {
          if (done) return;
          done = true;
          untrack();
          signal?.removeEventListener('abort', onAbort);
          fn();
        };
        const onAbort = () => {
          leave();
          this.#syncWake();
          end(() => reject(abortReason(signal!)));
        };
        const w: SpaceWaiter = { job: j, resolve: (f) => end(() => resolve(f)), reject: (e) => end(() => reject(e)) };
        const untrack = this.#h.life.track((e) => {
          leave();
          end(() => reject(e));
        });
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#spaceWaiters.push(w);
        this.#syncWake();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #rejectSpaceWaiters(): void {
    const ws = this.#spaceWaiters;
    if (!ws.length) return;
    this.#spaceWaiters = [];
    for (const w of ws) w.reject(new DmaFenceError('ERR_RING_STOPPED', `ring ${this.#name} stopped taking jobs`));
  }

  // ── engine hooks (called by the device engine between core steps) ──

  /** Asks the core to return at every retirement while someone waits on this ring. */
  #syncWake(): void {
    const want = this.#spaceWaiters.length > 0 || (this.#stop !== undefined && !this.#get(L.R_STOP));
    const flags = this.#get(L.R_FLAGS);
    if (want !== ((flags & L.RGF_WAKE) !== 0)) this.#set(L.R_FLAGS, want ? flags | L.RGF_WAKE : flags & ~L.RGF_WAKE);
  }

  get #tracingJobs(): boolean {
    return this.#h.tracing && !this.#h.real;
  }

  #traceJob(i: number, end: number, outcome: string): void {
    const start = this.#descStart(i);
    const bytes = this.#h.arena.u32[(this.#desc(i) + L.D_BYTES) >> 2];
    this.#h.trace('job', { ring: this.#name, seqno: this.#descSeqno(i), bytes, startNs: start, outcome }, end - start);
  }

  /** @internal Tracing: the job that just completed at `now`, as a span from its start. */
  _traceRetired(now: number): void {
    const retired = this.#get(L.R_RETIRED);
    if (retired === this.#traced) return;
    this.#traced = retired;
    this.#traceJob((retired - 1) >>> 0, now, 'completed');
  }

  /**
   * Tracing, when the device is proven idle (ACK, effective reset): the jobs it had started and
   * not completed get a span from their start to now ('timed-out' for the guilty one, 'aborted'
   * for the rest). Jobs it never started get none: they never ran.
   */
  #traceUnfinished(guilty: number | undefined): void {
    if (!this.#tracingJobs) return;
    const now = this.#h.sim.now;
    const head = this.#get(L.R_HEAD);
    for (let i = this.#get(L.R_RETIRED); i !== head; i = (i + 1) >>> 0) {
      this.#traceJob(i, now, this.#descSeqno(i) === guilty ? 'timed-out' : 'aborted');
    }
  }

  /** @internal Real clock: the interrupt handler, on the driver's thread (R4). */
  _irq(): void {
    this.#signalCompleted();
  }

  /** @internal Real clock: the timeout handler's watchdog (R6), run by the driver's timer. */
  _watchdog(): void {
    if (this.#disposed) return;
    const state = this.#state();
    if (!(this.#timeoutNs < Infinity)) return;
    if (!(state === L.RS_RUNNING || (state === L.RS_STOPPING && !this.#get(L.R_STOP)))) return;
    const sig = this.#get(L.R_SIG_IDX);
    if (this.#load(L.R_HEAD) === sig) return;
    const start = this.#descStart(sig);
    if (start > 0 && this.#h.sim.now - start >= this.#timeoutNs) this._onTimeout();
  }

  /** @internal */
  _afterStep(): void {
    if (this.#disposed) return;
    if (this.#h.real) {
      // The device thread acts on its own; the driver sees its answers in the ring's words.
      if (this.#pendingReset && this.#load(L.R_RESET_REQ) === 2) {
        this.#set(L.R_RESET_REQ, 0);
        const p = this.#pendingReset;
        this.#pendingReset = undefined;
        p();
      }
      if (this.#state() === L.RS_STOPPING && this.#get(L.R_STOP) && this.#load(L.R_ACK) === 1) this.#ackObserved();
    }
    while (this.#spaceWaiters.length && this.#capacity - this.#inFlight() > 0 && this.#state() === L.RS_RUNNING) {
      const w = this.#spaceWaiters.shift()!;
      try {
        if (w.job.buf?._freed) throw new DmaFenceError('ERR_STALE_HANDLE', `dst buffer ${w.job.buf._id} was freed while its job waited for space`);
        w.resolve(this.#submitParsed(w.job));
      } catch (e) {
        w.reject(e);
      }
    }
    // Draining stops (non-stoppable device, or the 'wait' policy) end when nothing is in flight.
    if (this.#stop && this.#state() === L.RS_STOPPING && !this.#get(L.R_STOP) && this.#inFlight() === 0) this.#becomeStopped();
    this.#syncWake();
  }

  /** @internal R6: the oldest job ran past timeoutNs. */
  _onTimeout(): void {
    if (this.#disposed || this.#state() === L.RS_DROPPED) return;
    if (this.#signalCompleted()) {
      // Missed interrupt (R4): the job had completed; polling the writeback word found it.
      this.#h.trace('irq-poll', { ring: this.#name, writeback: this.#getF(L.R_WRITEBACK) });
      this.#reschedule();
      return;
    }
    const guilty = this.#descSeqno(this.#get(L.R_SIG_IDX));
    this.#h.trace('timeout', { ring: this.#name, seqno: guilty });
    void this.#resetEngine('timeout', guilty);
  }

  /** Signals, normally, the jobs the device completed whose interrupt was not handled. */
  #signalCompleted(): boolean {
    const retired = this.#load(L.R_RETIRED); // the device publishes completions with this store
    if (retired === this.#get(L.R_SIG_IDX)) return false;
    const h = this.#h;
    if (!(this.#get(L.R_FLAGS) & L.RGF_NO_IRQ_HANDLER)) h.fences.signalUpTo(this.#ctx.index, this.#descSeqno((retired - 1) >>> 0), 0, h.sim.now);
    this.#set(L.R_SIG_IDX, retired);
    return true;
  }

  /**
   * T1: would signaling up to `seqno` now signal a fence the device may still write for? Each
   * such fence is a premature-signal violation. Called before anything is signaled: under strict
   * the first one is thrown (a ViolationError, not recorded) and nothing changes.
   */
  #checkPremature(seqno: number, why: string): void {
    if (this.#get(L.R_ENGINE) & L.EN_HALTED) return;
    const tail = this.#get(L.R_TAIL);
    const retired = this.#get(L.R_RETIRED);
    const head = this.#get(L.R_HEAD);
    const stopHeld = (this.#get(L.R_FLAGS) & L.RGF_STOPPABLE) !== 0 && this.#get(L.R_STOP) !== 0;
    const found: Omit<Violation, 'timeNs'>[] = [];
    for (let i = this.#get(L.R_SIG_IDX); i !== tail; i = (i + 1) >>> 0) {
      const s = this.#descSeqno(i);
      if (s > seqno) break;
      const ahead = ((i - retired) | 0) >= 0;
      const fetchable = ((i - head) | 0) < 0 || !stopHeld;
      if (ahead && fetchable) {
        found.push({
          kind: 'premature-signal',
          rule: 'T1',
          message: `ring ${this.#name}: fence ${this.#ctxId}:${s} signaled (${why}) while the device may still ${((i - head) | 0) < 0 ? 'write' : 'execute and write'} for it`,
          context: this.#ctxId,
          seqno: s,
          detail: { ring: this.#name, running: ((i - head) | 0) < 0 },
        });
      }
    }
    if (!found.length) return;
    if (this.#h.log.strict) this.#h.log.check(found[0]);
    for (const v of found) this.#h.log.note(v);
  }

  /** @internal FenceContext.signalUpTo on this ring's context: the emitter signaling by hand. */
  _signalUpTo(seqno: number, error: number): number {
    this.#alive();
    if (this.#state() === L.RS_DROPPED) throw new DmaFenceError('ERR_RING_STATE', `ring ${this.#name} was dropped: nothing signals its fences any more (T4)`);
    this.#checkPremature(seqno, 'signalUpTo');
    return this.#h.fences.signalUpTo(this.#ctx.index, seqno, error, this.#h.sim.now);
  }

  // ── reset (R6, D4) ──

  /** The seqno of the job the engine is running, if any. */
  #runningSeqno(): number | undefined {
    return this.#get(L.R_ENGINE) & L.EN_BUSY ? this.#descSeqno((this.#get(L.R_HEAD) - 1) >>> 0) : undefined;
  }

  /**
   * Faults the ring and requests a reset; resolves once the reset is effective and the in-flight
   * fences are signaled. `guilty` is fixed now (the timed-out job, or the one running).
   */
  #resetEngine(reason: string, guilty = this.#runningSeqno()): Promise<void> {
    if (this.#state() === L.RS_DROPPED) return Promise.resolve();
    if (this.#reset) return this.#reset.promise;
    const h = this.#h;
    this.#setState(L.RS_FAULTED);
    this.#setState(L.RS_RESETTING);
    this.#ackTimer?.cancel();
    this.#boundTimer?.cancel();
    this.#ackTimer = this.#boundTimer = undefined;
    this.#reschedule();
    h.trace('reset-request', { ring: this.#name, reason, guilty });
    const reset = (this.#reset = pending());
    const effective = () => {
      if (this.#reset === reset) this.#reset = undefined;
      this.#resetTimer = undefined;
      this.#resetEffective(reason, guilty);
      reset.resolve();
    };
    if (h.real) {
      // The device thread makes it effective after resetNs and answers in R_RESET_REQ.
      this.#pendingReset = effective;
      this.#set(L.R_RESET_REQ, 1);
      h.kick();
    } else {
      this.#resetTimer = h.sim.schedule(h.sim.now + this.#dev.resetNs, () => {
        if (this.#disposed) return;
        this.#set(L.R_ENGINE, L.EN_HALTED); // the device's side: nothing more executes or writes
        effective();
      });
    }
    return reset.promise;
  }

  /**
   * D4: the engine is halted; only now are in-flight fences signaled (R6, T3): completed jobs
   * normally, the guilty job -ETIME unless it completed meanwhile (a false alarm), the rest
   * -ECANCELED, or run again with resubmit. On a ring dropped meanwhile nothing is signaled and
   * the state stays dropped (T4).
   */
  #resetEffective(reason: string, guilty: number | undefined): void {
    const h = this.#h;
    h.trace('reset-effective', { ring: this.#name, reason });
    if (this.#state() === L.RS_DROPPED) {
      this.#reschedule();
      return;
    }
    this.#signalCompleted();
    this.#traceUnfinished(guilty);
    const sig = this.#get(L.R_SIG_IDX);
    if (guilty !== undefined && sig !== this.#get(L.R_TAIL) && this.#descSeqno(sig) === guilty) {
      const next = (sig + 1) >>> 0;
      if (((this.#get(L.R_HEAD) - next) | 0) < 0) this.#set(L.R_HEAD, next);
      this.#set(L.R_RETIRED, next);
      this.#set(L.R_SIG_IDX, next);
      h.fences.signalUpTo(this.#ctx.index, guilty, -Errno.ETIME, h.sim.now);
    }
    const lost = this.#device._lost;
    if (this.#resubmit && reason === 'timeout' && !this.#stop && !lost) {
      // R6 with resubmit: the other in-flight jobs (an aborted one included) run again.
      this.#set(L.R_HEAD, this.#get(L.R_RETIRED));
      this.#set(L.R_ENGINE, 0);
      this.#traced = this.#get(L.R_RETIRED);
      this.#setState(L.RS_RUNNING);
    } else {
      this.#cancelRest();
      if (lost) this.#setF(L.R_WRITEBACK, Number.MAX_SAFE_INTEGER);
      this.#becomeStopped();
    }
    this.#reschedule();
  }

  /** Signals every remaining in-flight fence -ECANCELED and empties the ring (device is idle). */
  #cancelRest(): void {
    const h = this.#h;
    const tail = this.#get(L.R_TAIL);
    if (this.#get(L.R_SIG_IDX) !== tail && !(this.#get(L.R_FLAGS) & L.RGF_NO_IRQ_HANDLER)) {
      h.fences.signalUpTo(this.#ctx.index, this.#descSeqno((tail - 1) >>> 0), -Errno.ECANCELED, h.sim.now);
    }
    this.#set(L.R_HEAD, tail);
    this.#set(L.R_RETIRED, tail);
    this.#set(L.R_SIG_IDX, tail);
    this.#traced = tail;
  }

  /**
   * A reset on request: resolves once it is effective; in-flight fences end -ETIME (running) and
   * -ECANCELED (the rest), and the ring is stopped. Refused (ERR_RING_STATE) on a ring dropped
   * or being dropped. If the ring is dropped (signal-on-drop, leak) before the reset is effective,
   * rejects ERR_RING_STATE (the reset still halts the engine; the ring stays dropped). Aborting
   * `signal` rejects with its reason; the reset goes on.
   */
  reset(opts?: ProtocolOptions): Promise<void> {
    try {
      this.#alive();
      const o = checkOptions('reset options', opts, PROTOCOL_KEYS);
      const signal = checkAbortSignal(o.signal);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.#drop) throw this.#stateError('it cannot be reset');
      return settle(this.#h.life, this.#resetEngine('requested'), signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** @internal T6 */
  _deviceLost(): Promise<void> {
    if (this.#disposed || this.#state() === L.RS_DROPPED) return Promise.resolve();
    const again = () => this._deviceLost();
    if (this.#reset) return this.#reset.promise.then(again, again);
    // A drop before the reset is effective rejects it: the loss leaves a dropped ring as it is.
    return this.#resetEngine('device-lost').catch(() => {});
  }

  /** @internal dev.inject */
  _inject(kind: 'hang' | 'slow' | 'lostIrq'): void {
    Atomics.or(this.#h.arena.u32, (this.#rp + L.R_INJECT) >> 2, kind === 'hang' ? L.JF_HANG : kind === 'slow' ? L.JF_SLOW : L.JF_LOST_IRQ);
  }

  // ── stop (T3) ──

  #becomeStopped(): void {
    if (this.#state() === L.RS_DROPPED) return;
    this.#setState(L.RS_STOPPED);
    this.#ackTimer?.cancel();
    this.#boundTimer?.cancel();
    this.#ackTimer = this.#boundTimer = undefined;
    const s = this.#stop;
    this.#stop = undefined;
    this.#syncWake();
    s?.resolve();
  }

  /**
   * T3: blocks submission; a stoppable device gets STOP and must ACK within stopTimeoutNs, else the
   * ring faults and resets; a non-stoppable one is waited for (the timeout handler resets a hung
   * job; with no timeout handler, the wait is bounded by stopTimeoutNs, then the ring resets).
   * Resolves once the device is proven idle and every in-flight fence is signaled; at once on a
   * stopped ring.
   *
   * A stop() still pending when the ring is dropped by a policy that does not wait for it
   * ('signal-on-drop', 'leak') rejects ERR_RING_STATE: the device was never proven idle. (Under
   * 'emitter-guarantee' and 'wait' the drop waits for the stop, so it resolves first.) On a
   * dropped ring: ERR_RING_STATE. Aborting `signal` rejects with its reason; the stop goes on.
   */
  stop(opts?: ProtocolOptions): Promise<void> {
    try {
      this.#alive();
      const o = checkOptions('stop options', opts, PROTOCOL_KEYS);
      const signal = checkAbortSignal(o.signal);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.#state() === L.RS_DROPPED) throw this.#stateError('it cannot stop');
      return settle(this.#h.life, this.#stopProtocol(true), signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The stop protocol (T3), shared by every caller. `arm` false ('wait' policy): block submission
   * and drain, nothing more. `arm` true (stop(), emitter-guarantee): also STOP a stoppable device
   * (ACK within the bound, else reset), and bound the drain of a non-stoppable one that has no
   * timeout handler. A stop() during a 'wait' drain arms it: stop() is bounded on every device.
   */
  #stopProtocol(arm: boolean): Promise<void> {
    const h = this.#h;
    const s = this.#state();
    if (s === L.RS_STOPPED) return Promise.resolve();
    if (!this.#stop) {
      this.#stop = { ...pending(), armed: false };
      if (s === L.RS_FAULTED || s === L.RS_RESETTING) return this.#stop.promise; // the reset ends in stopped
      this.#setState(L.RS_STOPPING);
      this.#reschedule();
    }
    const stop = this.#stop;
    if (arm && !stop.armed && this.#state() === L.RS_STOPPING) {
      stop.armed = true;
      h.trace('stop', { ring: this.#name });
      if (this.#dev.stoppable) this.#sendStop();
      else if (!(this.#timeoutNs < Infinity)) {
        // No timeout handler would ever end a hung job: the wait for the jobs is bounded too.
        this.#boundTimer = h.sim.schedule(h.sim.now + this.#stopTimeoutNs, () => {
          this.#boundTimer = undefined;
          if (this.#disposed || this.#state() !== L.RS_STOPPING) return;
          h.trace('stop-timeout', { ring: this.#name });
          void this.#resetEngine('stop-timeout');
        });
      }
    }
    if (!this.#get(L.R_STOP)) this._afterStep(); // draining: wakes the bindings at each retirement until empty
    return stop.promise;
  }

  /** STOP to a stoppable device: it must ACK within stopTimeoutNs, else the ring faults and resets. */
  #sendStop(): void {
    const h = this.#h;
    const injectedNoAck = this.#device._takeNoAck();
    if (h.real) {
      // The device thread ACKs (or not) by itself; the driver sees R_ACK.
      if (injectedNoAck) this.#set(L.R_NO_ACK, 1);
      this.#set(L.R_STOP, 1);
      this.#syncWake();
      this.#reschedule();
    } else {
      this.#set(L.R_STOP, 1);
      this.#syncWake();
      this.#reschedule();
      if (!injectedNoAck && this.#dev.ack !== 'never') {
        const at = h.sim.now + this.#dev.ackNs * (this.#dev.ack === 'delayed' ? L.ACK_DELAY_FACTOR : 1);
        this.#ackTimer = h.sim.schedule(at, () => this.#onAck());
      }
    }
    this.#boundTimer = h.sim.schedule(h.sim.now + this.#stopTimeoutNs, () => {
      this.#boundTimer = undefined;
      if (this.#disposed || this.#state() !== L.RS_STOPPING) return;
      h.trace('ack-timeout', { ring: this.#name });
      void this.#resetEngine('no-ack');
    });
  }

  /** Virtual clock: the device ACKs STOP: it aborts its running job and executes nothing more. */
  #onAck(): void {
    this.#ackTimer = undefined;
    if (this.#disposed || !this.#get(L.R_STOP)) return;
    this.#set(L.R_ENGINE, L.EN_HALTED);
    this.#set(L.R_ACK, 1);
    if (this.#state() === L.RS_STOPPING) this.#ackObserved();
    else this.#reschedule(); // dropped meanwhile: the device still obeys the STOP it got
  }

  /** The driver sees the ACK: the device is idle, so what is left can be signaled (T3). */
  #ackObserved(): void {
    this.#boundTimer?.cancel();
    this.#boundTimer = undefined;
    this.#h.trace('ack', { ring: this.#name });
    this.#signalCompleted(); // finished jobs signal normally
    this.#traceUnfinished(undefined);
    this.#cancelRest(); // aborted and never-started jobs: -ECANCELED
    this.#becomeStopped();
    this.#reschedule();
  }

  /** R5: stopped -> running. Refused (ERR_RING_STATE) unless stopped, and once a drop has begun. */
  restart(): void {
    this.#alive();
    if (this.#drop) throw this.#stateError('it cannot restart');
    const s = this.#state();
    if (s !== L.RS_STOPPED) throw new DmaFenceError('ERR_RING_STATE', `ring ${this.#name} is ${STATES[s]}; only a stopped ring restarts`);
    if (this.#device._lost) throw new DmaFenceError('ERR_RING_STATE', `device ${this.#dev.name} was lost`);
    this.#set(L.R_STOP, 0);
    this.#set(L.R_ACK, 0);
    this.#set(L.R_ENGINE, 0);
    this.#setState(L.RS_RUNNING);
    this.#reschedule();
  }

  // ── drop (T2, T4) ──

  /**
   * T4: ends the ring under a policy and reports what happened to the fences in flight.
   * 'emitter-guarantee' (default): stop (T3: ACK, or the bound then a reset), then drop.
   * 'wait': block submission and wait for every fence (only the timeout handler can end a hung
   * job). 'signal-on-drop': signal every pending fence -ECANCELED now, device running or not.
   * 'leak': drop without signaling. Once dropped, nothing signals the ring's fences again, and
   * the ring never leaves `dropped`.
   *
   * One drop per ring: a drop() while one is under way, or after it, rejects ERR_RING_STATE (the
   * first drop goes on and its caller gets the report). From the moment a drop begins, restart()
   * and reset() are refused (ERR_RING_STATE) and submit with ERR_RING_STOPPED. Under `strict`, a
   * 'signal-on-drop' or 'leak' drop that would signal early (T1) or leave fences pending (T2)
   * rejects with the ViolationError before it changes anything. Aborting `signal` rejects with
   * its reason; the drop goes on to its end.
   */
  drop(opts?: DropOptions): Promise<DropReport> {
    try {
      this.#alive();
      const o = checkOptions('drop options', opts, DROP_KEYS);
      const policy = o.policy === undefined ? 'emitter-guarantee' : checkEnum('policy', o.policy, DROP_POLICIES);
      const signal = checkAbortSignal(o.signal);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.#drop) throw this.#stateError('one drop per ring');
      if (this.#h.log.strict) this.#checkDropInAdvance(policy);
      this.#drop = { policy };
      return settle(this.#h.life, this.#runDrop(policy), signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Strict: the rule breaks a drop will certainly commit, thrown before anything changes. */
  #checkDropInAdvance(policy: DropPolicy): void {
    if (policy === 'signal-on-drop') this.#checkPremature(this.#ctx.lastSeqno, 'signal-on-drop');
    if (policy === 'leak') {
      const a = this.#h.arena;
      for (let s = a.i32[a.ctxWord(this.#ctx.index) + (L.C_HEAD >> 2)]; s !== L.NIL; s = a.i32[a.slotWord(s) + (L.S_NEXT >> 2)]) {
        if (!(a.slotState(s) & L.FS_SIGNALED)) this.#h.log.check(this.#unsignaledAtDrop(a.slotSeqno(s)));
      }
    }
  }

  #unsignaledAtDrop(seqno: number): Omit<Violation, 'timeNs'> {
    return {
      kind: 'unsignaled-at-drop',
      rule: 'T2',
      message: `ring ${this.#name} dropped with fence ${this.#ctxId}:${seqno} pending: nothing will ever signal it`,
      context: this.#ctxId,
      seqno,
      detail: { ring: this.#name },
    };
  }

  async #runDrop(policy: DropPolicy): Promise<DropReport> {
    const h = this.#h;
    const start = h.sim.now;
    const before = h.log.list.length;
    const watched = this.#pinPending();
    h.trace('drop', { ring: this.#name, policy });
    if (policy === 'emitter-guarantee' || policy === 'wait') {
      await this.#stopProtocol(policy === 'emitter-guarantee');
    } else if (policy === 'signal-on-drop') {
      const last = this.#ctx.lastSeqno;
      this.#checkPremature(last, 'signal-on-drop');
      h.fences.signalUpTo(this.#ctx.index, last, -Errno.ECANCELED, h.sim.now);
    }
    if (this.#disposed) throw new DmaFenceError('ERR_DISPOSED', 'this runtime was disposed');
    this.#dropNow(watched, policy);
    const fences = { total: watched.length, ok: 0, canceled: 0, timedOut: 0, otherError: 0, unsignaled: 0 };
    let thrown: { e: unknown } | undefined;
    for (const f of watched) {
      const st = this.#statusOf(f);
      if (st === 0) fences.unsignaled++;
      else if (st === 1) fences.ok++;
      else if (st === -Errno.ECANCELED) fences.canceled++;
      else if (st === -Errno.ETIME) fences.timedOut++;
      else fences.otherError++;
      try {
        f.release();
      } catch (e) {
        thrown ??= { e }; // what a fence callback threw: released all the same, reported below
      }
    }
    const report = { ring: this.#name, policy, timeNs: h.sim.now - start, fences, violations: h.log.list.slice(before) };
    if (thrown) throw thrown.e;
    if (h.log.strict && report.violations.length) throw new ViolationError(report.violations[0]);
    return report;
  }

  /** F5 status of a pinned fence, read from the arena (no hook runs, nothing is thrown). */
  #statusOf(f: DmaFence): number {
    const a = this.#h.arena;
    const slot = f._record.slot;
    return a.slotState(slot) & L.FS_SIGNALED ? a.slotError(slot) || 1 : 0;
  }

  /** Handles to every pending fence of the ring, so the report can read their final status. */
  #pinPending(): DmaFence[] {
    const a = this.#h.arena;
    const out: DmaFence[] = [];
    let s = a.i32[a.ctxWord(this.#ctx.index) + (L.C_HEAD >> 2)];
    while (s !== L.NIL) {
      const next = a.i32[a.slotWord(s) + (L.S_NEXT >> 2)];
      if (!(a.slotState(s) & L.FS_SIGNALED)) out.push(this.#h.fences.handle(s));
      s = next;
    }
    return out;
  }

  #dropNow(watched: DmaFence[], policy: DropPolicy): void {
    const h = this.#h;
    this.#set(L.R_FLAGS, this.#get(L.R_FLAGS) | L.RGF_NO_IRQ_HANDLER);
    this.#setState(L.RS_DROPPED);
    this.#ctx._dead = true;
    // No reset will be requested for it any more; a STOP already sent stays (the device obeys it).
    this.#boundTimer?.cancel();
    this.#boundTimer = undefined;
    // A stop or reset still under way never proves the device idle now: they reject (the reset
    // still halts the engine when it takes effect, and changes nothing else).
    const err = () => new DmaFenceError('ERR_RING_STATE', `ring ${this.#name} was dropped (${policy}) before the device was proven idle`);
    this.#stop?.reject(err());
    this.#stop = undefined;
    this.#reset?.reject(err());
    this.#syncWake();
    this.#reschedule();
    for (const f of watched) {
      if (this.#statusOf(f) !== 0) continue;
      h.log.note(this.#unsignaledAtDrop(h.arena.slotSeqno(f._record.slot)));
    }
  }
}
