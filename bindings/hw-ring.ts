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
 */
import * as L from './core/layout.js';
import type { Arena } from './arena.js';
import type { Core } from './core/core.js';
import type { DmaDevice } from './dma-device.js';
import type { DmaBuffer, DmaMemory } from './dma-memory.js';
import type { Lifetime } from './lifetime.js';
import type { DmaFence } from './dma-fence.js';
import type { FenceContext } from './fence-context.js';
import type { FenceTable } from './fence-table.js';
import type { Clock, Timer } from './sim/clock.js';
import type { Violation, ViolationLog } from './violations.js';
import { ViolationError } from './violations.js';
import { DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, Errno, checkInteger, checkOptions, describe } from './errors.js';

export type RingState = 'running' | 'stopping' | 'stopped' | 'faulted' | 'resetting' | 'dropped';
const STATES: RingState[] = ['running', 'stopping', 'stopped', 'faulted', 'resetting', 'dropped'];

export type DropPolicy = 'emitter-guarantee' | 'wait' | 'signal-on-drop' | 'leak';
export const DROP_POLICIES: readonly DropPolicy[] = ['emitter-guarantee', 'wait', 'signal-on-drop', 'leak'];

export interface RingOptions {
  device: DmaDevice;
  /** Descriptors, a power of two up to the runtime's maxRingCapacity. Default 256. */
  capacity?: number;
  /** The timeout handler's limit per job (R6), ns. Infinity: no timeout handler. Default 5e6. */
  timeoutNs?: number;
  /** How long stop() waits for the ACK before resetting (T3), ns. Default 100 × the device's ackNs. */
  stopTimeoutNs?: number;
  /** After a timeout reset, run the other in-flight jobs again instead of cancelling them. */
  resubmit?: boolean;
  /** Timeline name of its context, and its name in reports. Default "ring<N>". */
  name?: string;
}

/** A job: `bytes` bytes of `pattern` written into `dst` at `offset`. No dst: a zero-byte job. */
export interface Job {
  dst?: DmaBuffer;
  /** Byte offset inside dst. Default 0. */
  offset?: number;
  /** Default: the rest of dst from offset (0 without dst). */
  bytes?: number;
  /** The byte value written. Default 0xab. */
  pattern?: number;
}

export interface DropOptions {
  /** Default 'emitter-guarantee'. */
  policy?: DropPolicy;
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
}

export class HwRing {
  readonly name: string;
  readonly device: DmaDevice;
  readonly context: FenceContext;
  readonly capacity: number;
  readonly timeoutNs: number;
  readonly stopTimeoutNs: number;
  readonly resubmit: boolean;
  /** @internal */
  readonly index: number;
  readonly #h: RingHost;
  /** Byte address of the ring header. */
  readonly #rp: number;
  #stop?: { promise: Promise<void>; resolve: () => void };
  #reset?: Promise<void>;
  #ackTimer?: Timer;
  #pendingReset?: () => void;
  #traced = 0;
  #boundTimer?: Timer;
  #spaceWaiters: { job: ParsedJob; resolve: (f: DmaFence) => void; reject: (e: unknown) => void }[] = [];

  /** @internal Made by Runtime.createRing. */
  constructor(host: RingHost, index: number, context: FenceContext, o: Required<Omit<RingOptions, 'name'>> & { name: string }, seed: number) {
    this.#h = host;
    this.index = index;
    this.context = context;
    this.device = o.device;
    this.name = o.name;
    this.capacity = o.capacity;
    this.timeoutNs = o.timeoutNs;
    this.stopTimeoutNs = o.stopTimeoutNs;
    this.resubmit = o.resubmit;
    const a = host.arena;
    this.#rp = a.base + a.layout.ringsOff + index * a.header(L.H_RING_STRIDE);
    const d = o.device;
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
    return this.#rp + L.RING_SIZE + ((i & (this.capacity - 1)) >>> 0) * L.DESC_SIZE;
  }
  #descSeqno(i: number): number {
    return this.#h.arena.f64[(this.#desc(i) + L.D_SEQNO) >> 3];
  }
  /** When the device started the job at index i, or 0 if it has not. */
  #descStart(i: number): number {
    return this.#h.arena.f64[(this.#desc(i) + L.D_START) >> 3];
  }
  #setState(s: number): void {
    const from = this.#get(L.R_STATE);
    if (from === s) return;
    this.#set(L.R_STATE, s);
    this.#h.trace('ring-state', { ring: this.name, from: STATES[from], to: STATES[s] });
    if (s !== L.RS_RUNNING) this.#rejectSpaceWaiters();
  }
  /** The device's next event changed: recompute it (virtual clock) or wake the device thread. */
  #reschedule(): void {
    if (this.#h.real) this.#h.kick();
    else this.#h.core.ringReschedule(this.#h.arena.base, this.index, this.#h.sim.now);
  }

  // ── observation (exact on the driver thread) ──

  /** R5. */
  get state(): RingState {
    return STATES[this.#get(L.R_STATE)];
  }
  /** Jobs submitted whose completion the driver has not yet retired (their fences mostly pending). */
  get inFlight(): number {
    return (this.#get(L.R_TAIL) - this.#get(L.R_SIG_IDX)) >>> 0;
  }
  /** Free descriptors: submit succeeds for this many jobs now (R3). */
  get space(): number {
    return this.capacity - this.inFlight;
  }
  /** R4: the writeback word, the highest seqno the device completed (T6: the maximum once lost). */
  get completedSeqno(): number {
    return this.#getF(L.R_WRITEBACK);
  }
  /** Interrupts the device raised. */
  get irqs(): number {
    return this.#get(L.R_IRQS);
  }
  /**
   * @internal When the device started the job of fence `seqno` (ns on the runtime clock), while
   * its descriptor is still in the ring; undefined otherwise. For benchmarks of the interrupt path.
   */
  _jobStartNs(seqno: number): number | undefined {
    const i = (seqno - (this.context.lastSeqno - ((this.#get(L.R_TAIL) - 1) >>> 0))) >>> 0;
    if (this.#descSeqno(i) !== seqno) return undefined;
    const t = this.#descStart(i);
    return t > 0 ? t : undefined;
  }

  /** @internal next device event time, for the engine */
  get _nextT(): number {
    return this.#getF(L.R_NEXT_T);
  }

  // ── submission (R2, R3) ──

  #parseJob(job: unknown): ParsedJob {
    const o = checkOptions('job', job) as Job;
    const pattern = o.pattern === undefined ? 0xab : checkInteger('pattern', o.pattern, 0, 255);
    if (o.dst === undefined) {
      if (o.bytes !== undefined && o.bytes !== 0) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'a job that writes bytes needs a dst buffer');
      if (o.offset !== undefined) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'offset needs a dst buffer');
      return { dst: 0, bytes: 0, pattern, allocId: 0 };
    }
    const buf = o.dst;
    const mem = this.#h.memory;
    if (typeof buf !== 'object' || buf === null || (buf as DmaBuffer)._memory !== mem) {
      throw new DmaFenceTypeError(typeof buf === 'object' && buf !== null && '_memory' in buf ? 'ERR_FOREIGN_HANDLE' : 'ERR_INVALID_ARG', `dst must be a DmaBuffer of this runtime, got ${describe(buf)}`);
    }
    if (buf.freed) throw new DmaFenceError('ERR_STALE_HANDLE', `dst buffer ${buf.id} was freed`);
    const offset = o.offset === undefined ? 0 : checkInteger('offset', o.offset, 0, buf.size);
    const bytes = o.bytes === undefined ? buf.size - offset : checkInteger('bytes', o.bytes, 0, buf.size - offset);
    return { dst: buf.offset + offset, bytes, pattern, allocId: buf.id };
  }

  #checkRunning(): void {
    const s = this.#get(L.R_STATE);
    if (s !== L.RS_RUNNING) throw new DmaFenceError('ERR_RING_STOPPED', `ring ${this.name} is ${STATES[s]}: it takes jobs only while running`);
  }

  #submitParsed(j: ParsedJob): DmaFence {
    const h = this.#h;
    const r = h.core.ringSubmit(h.arena.base, this.index, 1, j.dst, j.bytes, j.pattern, j.allocId, 1, h.sim.now);
    if (r === -1) throw new DmaFenceRangeError('ERR_RING_FULL', `ring ${this.name} is full (${this.capacity} jobs in flight): wait for completions or use submitAsync`);
    if (r === -2) throw new DmaFenceRangeError('ERR_CAPACITY', 'no free fence slot (raise maxFences)');
    h.kick();
    return h.fences.handle(r);
  }

  /** R2: writes the job's descriptor and returns its fence. Full: ERR_RING_FULL, nothing changes. */
  submit(job: Job): DmaFence {
    this.#checkRunning();
    return this.#submitParsed(this.#parseJob(job));
  }

  /**
   * Batch form: n identical jobs in one call into the core; their fences have no handles (they
   * are recycled as they signal). All or nothing. Returns the first job's seqno.
   */
  submitBatch(n: number, job: Job): number {
    this.#checkRunning();
    checkInteger('n', n, 1, this.capacity);
    const j = this.#parseJob(job);
    const h = this.#h;
    const r = h.core.ringSubmit(h.arena.base, this.index, n, j.dst, j.bytes, j.pattern, j.allocId, 0, h.sim.now);
    if (r === -1) throw new DmaFenceRangeError('ERR_RING_FULL', `ring ${this.name} has room for ${this.space} jobs, not ${n}`);
    if (r === -2) throw new DmaFenceRangeError('ERR_CAPACITY', `no room for ${n} fences (raise maxFences)`);
    h.kick();
    return this.context.lastSeqno - n + 1;
  }

  /** R3: like submit, but waits (on the clock) for space instead of throwing ERR_RING_FULL. */
  submitAsync(job: Job): Promise<DmaFence> {
    try {
      this.#checkRunning();
      const j = this.#parseJob(job);
      if (this.space > 0 && this.#spaceWaiters.length === 0) return Promise.resolve(this.#submitParsed(j));
      return new Promise((resolve, reject) => {
        this.#spaceWaiters.push({ job: j, resolve, reject });
        this.#syncWake();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #rejectSpaceWaiters(): void {
    const ws = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const w of ws) w.reject(new DmaFenceError('ERR_RING_STOPPED', `ring ${this.name} stopped taking jobs`));
  }

  // ── engine hooks (called by the device engine between core steps) ──

  /** Asks the core to return at every retirement while someone waits on this ring. */
  #syncWake(): void {
    const want = this.#spaceWaiters.length > 0 || (this.#stop !== undefined && !this.#get(L.R_STOP));
    const flags = this.#get(L.R_FLAGS);
    if (want !== ((flags & L.RGF_WAKE) !== 0)) this.#set(L.R_FLAGS, want ? flags | L.RGF_WAKE : flags & ~L.RGF_WAKE);
  }

  /** @internal Tracing: the job that just completed at `now`, as a span from its start. */
  _traceRetired(now: number): void {
    const retired = this.#get(L.R_RETIRED);
    if (retired === this.#traced) return;
    this.#traced = retired;
    const i = (retired - 1) >>> 0;
    const start = this.#descStart(i);
    const bytes = this.#h.arena.u32[(this.#desc(i) + L.D_BYTES) >> 2];
    this.#h.trace('job', { ring: this.name, seqno: this.#descSeqno(i), bytes, startNs: start }, now - start);
  }

  /** @internal Real clock: the interrupt handler, on the driver's thread (R4). */
  _irq(): void {
    this.#signalCompleted();
  }

  /** @internal Real clock: the timeout handler's watchdog (R6), run by the driver's timer. */
  _watchdog(): void {
    const state = this.#get(L.R_STATE);
    if (!(this.timeoutNs < Infinity)) return;
    if (!(state === L.RS_RUNNING || (state === L.RS_STOPPING && !this.#get(L.R_STOP)))) return;
    const sig = this.#get(L.R_SIG_IDX);
    if (this.#load(L.R_HEAD) === sig) return;
    const start = this.#descStart(sig);
    if (start > 0 && this.#h.sim.now - start >= this.timeoutNs) this._onTimeout();
  }

  /** @internal */
  _afterStep(): void {
    if (this.#h.real) {
      // The device thread acts on its own; the driver sees its answers in the ring's words.
      if (this.#pendingReset && this.#load(L.R_RESET_REQ) === 2) {
        this.#set(L.R_RESET_REQ, 0);
        const p = this.#pendingReset;
        this.#pendingReset = undefined;
        p();
      }
      if (this.#get(L.R_STATE) === L.RS_STOPPING && this.#get(L.R_STOP) && this.#load(L.R_ACK) === 1) this.#ackObserved();
    }
    while (this.#spaceWaiters.length && this.space > 0 && this.#get(L.R_STATE) === L.RS_RUNNING) {
      const w = this.#spaceWaiters.shift()!;
      try {
        w.resolve(this.#submitParsed(w.job));
      } catch (e) {
        w.reject(e);
      }
    }
    // Draining stops (non-stoppable device, or the 'wait' policy) end when nothing is in flight.
    if (this.#stop && this.#get(L.R_STATE) === L.RS_STOPPING && !this.#get(L.R_STOP) && this.inFlight === 0) this.#becomeStopped();
    this.#syncWake();
  }

  /** @internal R6: the oldest job ran past timeoutNs. */
  _onTimeout(): void {
    if (this.#signalCompleted()) {
      // Missed interrupt (R4): the job had completed; polling the writeback word found it.
      this.#h.trace('irq-poll', { ring: this.name, writeback: this.completedSeqno });
      this.#reschedule();
      return;
    }
    const guilty = this.#descSeqno(this.#get(L.R_SIG_IDX));
    this.#h.trace('timeout', { ring: this.name, seqno: guilty });
    void this.#resetEngine('timeout', guilty);
  }

  /** Signals, normally, the jobs the device completed whose interrupt was not handled. */
  #signalCompleted(): boolean {
    const retired = this.#load(L.R_RETIRED); // the device publishes completions with this store
    if (retired === this.#get(L.R_SIG_IDX)) return false;
    const h = this.#h;
    if (!(this.#get(L.R_FLAGS) & L.RGF_NO_IRQ_HANDLER)) h.fences.signalUpTo(this.context.index, this.#descSeqno((retired - 1) >>> 0), 0, h.sim.now);
    this.#set(L.R_SIG_IDX, retired);
    return true;
  }

  /** T1: would signaling up to `seqno` now signal a fence the device may still write for? */
  #checkPremature(seqno: number, why: string): void {
    if (this.#get(L.R_ENGINE) & L.EN_HALTED) return;
    const tail = this.#get(L.R_TAIL);
    const retired = this.#get(L.R_RETIRED);
    const head = this.#get(L.R_HEAD);
    const stopHeld = (this.#get(L.R_FLAGS) & L.RGF_STOPPABLE) !== 0 && this.#get(L.R_STOP) !== 0;
    for (let i = this.#get(L.R_SIG_IDX); i !== tail; i = (i + 1) >>> 0) {
      const s = this.#descSeqno(i);
      if (s > seqno) break;
      const ahead = ((i - retired) | 0) >= 0;
      const fetchable = ((i - head) | 0) < 0 || !stopHeld;
      if (ahead && fetchable) {
        this.#h.log.note({
          kind: 'premature-signal',
          rule: 'T1',
          message: `ring ${this.name}: fence ${this.context.id}:${s} signaled (${why}) while the device may still ${((i - head) | 0) < 0 ? 'write' : 'execute and write'} for it`,
          context: this.context.id,
          seqno: s,
          detail: { ring: this.name, running: ((i - head) | 0) < 0 },
        });
      }
    }
  }

  /** @internal FenceContext.signalUpTo on this ring's context: the emitter signaling by hand. */
  _signalUpTo(seqno: number, error: number): number {
    if (this.#get(L.R_STATE) === L.RS_DROPPED) throw new DmaFenceError('ERR_RING_STATE', `ring ${this.name} was dropped: nothing signals its fences any more (T4)`);
    this.#checkPremature(seqno, 'signalUpTo');
    return this.#h.fences.signalUpTo(this.context.index, seqno, error, this.#h.sim.now);
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
    if (this.#reset) return this.#reset;
    const h = this.#h;
    this.#setState(L.RS_FAULTED);
    this.#setState(L.RS_RESETTING);
    this.#ackTimer?.cancel();
    this.#boundTimer?.cancel();
    this.#reschedule();
    h.trace('reset-request', { ring: this.name, reason, guilty });
    this.#reset = new Promise((resolve) => {
      const effective = () => {
        this.#reset = undefined;
        this.#resetEffective(reason, guilty);
        resolve();
      };
      if (h.real) {
        // The device thread makes it effective after resetNs and answers in R_RESET_REQ.
        this.#pendingReset = effective;
        this.#set(L.R_RESET_REQ, 1);
        h.kick();
      } else {
        h.sim.schedule(h.sim.now + this.device.resetNs, () => {
          this.#set(L.R_ENGINE, L.EN_HALTED); // the device's side: nothing more executes or writes
          effective();
        });
      }
    });
    return this.#reset;
  }

  /**
   * D4: the engine is halted; only now are in-flight fences signaled (R6, T3): completed jobs
   * normally, the guilty job -ETIME unless it completed meanwhile (a false alarm), the rest
   * -ECANCELED, or run again with resubmit.
   */
  #resetEffective(reason: string, guilty: number | undefined): void {
    const h = this.#h;
    h.trace('reset-effective', { ring: this.name, reason });
    this.#signalCompleted();
    const dropped = (this.#get(L.R_FLAGS) & L.RGF_NO_IRQ_HANDLER) !== 0;
    const sig = this.#get(L.R_SIG_IDX);
    if (guilty !== undefined && sig !== this.#get(L.R_TAIL) && this.#descSeqno(sig) === guilty) {
      const next = (sig + 1) >>> 0;
      if (((this.#get(L.R_HEAD) - next) | 0) < 0) this.#set(L.R_HEAD, next);
      this.#set(L.R_RETIRED, next);
      this.#set(L.R_SIG_IDX, next);
      if (!dropped) h.fences.signalUpTo(this.context.index, guilty, -Errno.ETIME, h.sim.now);
    }
    const lost = this.device.lost;
    if (this.resubmit && reason === 'timeout' && !this.#stop && !lost) {
      // R6 with resubmit: the other in-flight jobs (an aborted one included) run again.
      this.#set(L.R_HEAD, this.#get(L.R_RETIRED));
      this.#set(L.R_ENGINE, 0);
      this.#setState(L.RS_RUNNING);
    } else {
      this.#cancelRest();
      if (lost) this.#setF(L.R_WRITEBACK, Number.MAX_SAFE_INTEGER);
      this.#setState(L.RS_STOPPED);
      this.#becomeStopped();
    }
    this.#reschedule();
  }

  /** Signals every remaining in-flight fence -ECANCELED and empties the ring (device is idle). */
  #cancelRest(): void {
    const h = this.#h;
    const tail = this.#get(L.R_TAIL);
    if (this.#get(L.R_SIG_IDX) !== tail && !(this.#get(L.R_FLAGS) & L.RGF_NO_IRQ_HANDLER)) {
      h.fences.signalUpTo(this.context.index, this.#descSeqno((tail - 1) >>> 0), -Errno.ECANCELED, h.sim.now);
    }
    this.#set(L.R_HEAD, tail);
    this.#set(L.R_RETIRED, tail);
    this.#set(L.R_SIG_IDX, tail);
  }

  /** A reset on request: in-flight fences end -ETIME (running) and -ECANCELED (the rest). */
  reset(): Promise<void> {
    if (this.#get(L.R_STATE) === L.RS_DROPPED) return Promise.reject(new DmaFenceError('ERR_RING_STATE', `ring ${this.name} was dropped`));
    return this.#resetEngine('requested');
  }

  /** @internal T6 */
  _deviceLost(): Promise<void> {
    if (this.#get(L.R_STATE) === L.RS_DROPPED) return Promise.resolve();
    if (this.#reset) return this.#reset.then(() => this._deviceLost());
    return this.#resetEngine('device-lost');
  }

  /** @internal dev.inject */
  _inject(kind: 'hang' | 'slow' | 'lostIrq'): void {
    Atomics.or(this.#h.arena.u32, (this.#rp + L.R_INJECT) >> 2, kind === 'hang' ? L.JF_HANG : kind === 'slow' ? L.JF_SLOW : L.JF_LOST_IRQ);
  }

  // ── stop (T3) ──

  #becomeStopped(): void {
    this.#setState(L.RS_STOPPED);
    const s = this.#stop;
    this.#stop = undefined;
    this.#syncWake();
    s?.resolve();
  }

  /**
   * T3: blocks submission; a stoppable device gets STOP and must ACK within stopTimeoutNs, else the
   * ring faults and resets; a non-stoppable one is waited for (the timeout handler resets a hung
   * job). Resolves once the device is proven idle and every in-flight fence is signaled.
   */
  stop(): Promise<void> {
    const h = this.#h;
    const s = this.#get(L.R_STATE);
    if (s === L.RS_DROPPED) return Promise.reject(new DmaFenceError('ERR_RING_STATE', `ring ${this.name} was dropped`));
    if (s === L.RS_STOPPED) return Promise.resolve();
    if (this.#stop) return this.#stop.promise;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#stop = { promise, resolve };
    if (s === L.RS_FAULTED || s === L.RS_RESETTING) return promise; // the reset ends in stopped
    this.#setState(L.RS_STOPPING);
    h.trace('stop', { ring: this.name });
    if (this.device.stoppable) {
      const injectedNoAck = this.device._noAck > 0 ? (this.device._noAck--, true) : false;
      if (h.real) {
        // The device thread ACKs (or not) by itself; the driver sees R_ACK.
        if (injectedNoAck) this.#set(L.R_NO_ACK, 1);
        this.#set(L.R_STOP, 1);
        this.#reschedule();
      } else {
        this.#set(L.R_STOP, 1);
        this.#reschedule();
        if (!injectedNoAck && this.device.ack !== 'never') {
          const at = h.sim.now + this.device.ackNs * (this.device.ack === 'delayed' ? L.ACK_DELAY_FACTOR : 1);
          this.#ackTimer = h.sim.schedule(at, () => this.#onAck());
        }
      }
      this.#boundTimer = h.sim.schedule(h.sim.now + this.stopTimeoutNs, () => {
        if (this.#get(L.R_STATE) !== L.RS_STOPPING) return;
        h.trace('ack-timeout', { ring: this.name });
        void this.#resetEngine('no-ack');
      });
    } else {
      this._afterStep(); // draining: wakes the bindings at each retirement until empty
    }
    return promise;
  }

  /** Virtual clock: the device ACKs STOP: it aborts its running job and executes nothing more. */
  #onAck(): void {
    if (this.#get(L.R_STATE) !== L.RS_STOPPING) return;
    this.#set(L.R_ENGINE, L.EN_HALTED);
    this.#set(L.R_ACK, 1);
    this.#ackObserved();
  }

  /** The driver sees the ACK: the device is idle, so what is left can be signaled (T3). */
  #ackObserved(): void {
    this.#boundTimer?.cancel();
    this.#h.trace('ack', { ring: this.name });
    this.#signalCompleted(); // finished jobs signal normally
    this.#cancelRest(); // aborted and never-started jobs: -ECANCELED
    this.#becomeStopped();
    this.#reschedule();
  }

  /** R5: stopped -> running. */
  restart(): void {
    const s = this.#get(L.R_STATE);
    if (s !== L.RS_STOPPED) throw new DmaFenceError('ERR_RING_STATE', `ring ${this.name} is ${STATES[s]}; only a stopped ring restarts`);
    if (this.device.lost) throw new DmaFenceError('ERR_RING_STATE', `device ${this.device.name} was lost`);
    this.#set(L.R_STOP, 0);
    this.#set(L.R_ACK, 0);
    this.#set(L.R_ENGINE, 0);
    this.#setState(L.RS_RUNNING);
    this.#reschedule();
  }

  // ── drop (T2, T4) ──

  /**
   * T4: ends the ring under a policy and reports what happened to the fences in flight.
   * 'emitter-guarantee' (default): stop (T3), then drop. 'wait': block submission and wait for
   * every fence (only the timeout handler can end a hung job). 'signal-on-drop': signal every
   * pending fence -ECANCELED now, device running or not. 'leak': drop without signaling.
   * Once dropped, nothing signals the ring's fences again.
   */
  async drop(opts?: DropOptions): Promise<DropReport> {
    const o = checkOptions('drop options', opts);
    const policy = (o.policy ?? 'emitter-guarantee') as DropPolicy;
    if (!DROP_POLICIES.includes(policy)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `policy must be one of ${DROP_POLICIES.join(', ')}, got ${describe(o.policy)}`);
    if (this.#get(L.R_STATE) === L.RS_DROPPED) throw new DmaFenceError('ERR_RING_STATE', `ring ${this.name} was already dropped`);
    const h = this.#h;
    const start = h.sim.now;
    const before = h.log.list.length;
    const watched = this.#pinPending();
    h.trace('drop', { ring: this.name, policy });
    if (policy === 'emitter-guarantee') {
      await this.stop();
    } else if (policy === 'wait') {
      if (this.#get(L.R_STATE) === L.RS_RUNNING) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        this.#stop = { promise, resolve };
        this.#setState(L.RS_STOPPING);
        this.#reschedule();
        this._afterStep();
      }
      await this.stop();
    } else if (policy === 'signal-on-drop') {
      const last = this.context.lastSeqno;
      this.#checkPremature(last, 'signal-on-drop');
      h.fences.signalUpTo(this.context.index, last, -Errno.ECANCELED, h.sim.now);
    }
    this.#dropNow(watched);
    const fences = { total: watched.length, ok: 0, canceled: 0, timedOut: 0, otherError: 0, unsignaled: 0 };
    for (const f of watched) {
      const st = f.status;
      if (st === 0) fences.unsignaled++;
      else if (st === 1) fences.ok++;
      else if (st === -Errno.ECANCELED) fences.canceled++;
      else if (st === -Errno.ETIME) fences.timedOut++;
      else fences.otherError++;
      f.release();
    }
    const report = { ring: this.name, policy, timeNs: h.sim.now - start, fences, violations: h.log.list.slice(before) };
    if (h.log.strict && report.violations.length) throw new ViolationError(report.violations[0]);
    return report;
  }

  /** Handles to every pending fence of the ring, so the report can read their final status. */
  #pinPending(): DmaFence[] {
    const a = this.#h.arena;
    const out: DmaFence[] = [];
    let s = a.i32[a.ctxWord(this.context.index) + (L.C_HEAD >> 2)];
    while (s !== L.NIL) {
      const next = a.i32[a.slotWord(s) + (L.S_NEXT >> 2)];
      if (!(a.slotState(s) & L.FS_SIGNALED)) out.push(this.#h.fences.handle(s));
      s = next;
    }
    return out;
  }

  #dropNow(watched: DmaFence[]): void {
    const h = this.#h;
    this.#set(L.R_FLAGS, this.#get(L.R_FLAGS) | L.RGF_NO_IRQ_HANDLER);
    this.#setState(L.RS_DROPPED);
    this.context._dead = true;
    this.#reschedule();
    for (const f of watched) {
      if (f.status !== 0) continue;
      h.log.note({
        kind: 'unsignaled-at-drop',
        rule: 'T2',
        message: `ring ${this.name} dropped with fence ${this.context.id}:${f.seqno} pending: nothing will ever signal it`,
        context: this.context.id,
        seqno: f.seqno,
        detail: { ring: this.name },
      });
    }
  }
}
