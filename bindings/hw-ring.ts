/**
 * HwRing, the public face of a hardware ring (R1-R6): its options and observation, submission,
 * and the protocol entry points (stop, reset, restart, drop), each delegating to the files of
 * ring/: ring-words.ts (its arena words), submission.ts (R2, R3 with backpressure),
 * protocols.ts (timeout handler, STOP/ACK, reset, T1), drop.ts (T4 and the DropReport) and
 * interrupts.ts (the handlers both drivers call).
 *
 * Contract: driver thread only. The state machine (R5) has one writer and one final state: once
 * `dropped`, nothing moves the ring again (restart, reset, stop and drop are refused with
 * ERR_RING_STATE, submit with ERR_RING_STOPPED). Every public member throws (or rejects)
 * ERR_DISPOSED once the runtime is disposed, and every promise still pending then rejects ERR_DISPOSED.
 */
import * as L from './core/layout.js';
import type { DmaDevice } from './dma-device.js';
import type { DmaFence } from './dma-fence.js';
import { checkAbortSignal } from './dma-fence.js';
import type { FenceContext } from './fence-context.js';
import { abortReason, checkEnum, checkOptions } from './errors.js';
import { RingWords } from './ring/ring-words.js';
import { RingProtocols } from './ring/protocols.js';
import { RingSubmission } from './ring/submission.js';
import { checkDropInAdvance, runDrop } from './ring/drop.js';
import { BUILTIN_POLICIES } from './ring/steps.js';
import { injectDriverBug } from './ring/driver-bug.js';
import type { DriverBugResult } from './ring/driver-bug.js';
import { resetEngine } from './ring/reset.js';
import { interruptsOf } from './ring/interrupts.js';
import { DROP_KEYS, DROP_POLICIES, PROTOCOL_KEYS, STATES } from './ring/types.js';
import type { DropOptions, DropReport, Job, ParsedJob, PolicyFn, ProtocolOptions, RingHost, RingOptions, RingState } from './ring/types.js';

export { DROP_POLICIES, GUARANTEES } from './ring/types.js';
export type { DropOptions, DropPolicy, DropReport, DropSteps, Guarantee, Job, PolicyFn, ProtocolOptions, RingHost, RingOptions, RingState, StepOptions } from './ring/types.js';
export type { DriverBugResult } from './ring/driver-bug.js';

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
  readonly #p: RingProtocols;
  readonly #sub: RingSubmission;

  /** @internal Made by Runtime.createRing. */
  constructor(host: RingHost, index: number, context: FenceContext, o: Required<Omit<RingOptions, 'name'>> & { name: string }, seed: number) {
    const d = o.device._config;
    const w = new RingWords(host.arena, index, o.capacity);
    const p = new RingProtocols(host, w, {
      index, name: o.name, ctx: context, device: o.device,
      dev: { name: d.name, stoppable: d.stoppable, resetNs: d.resetNs, ackNs: d.ackNs, ack: d.ack },
      capacity: o.capacity, timeoutNs: o.timeoutNs, stopTimeoutNs: o.stopTimeoutNs, resubmit: o.resubmit,
    });
    this.#p = p;
    this.#sub = new RingSubmission(p);
    const random = d.jitter > 0 || d.pHang > 0 || d.pSlow > 0 || d.pLostIrq > 0 || d.pLostWriteback > 0;
    w.set(L.R_STATE, L.RS_RUNNING);
    w.set(L.R_CAPACITY, o.capacity);
    w.set(L.R_MASK, o.capacity - 1);
    w.set(L.R_CTX, context.index);
    for (const off of [L.R_TAIL, L.R_SIG_IDX, L.R_STOP, L.R_INJECT, L.R_HEAD, L.R_RETIRED, L.R_IRQS, L.R_ACK, L.R_ENGINE, L.R_CUR_WRITTEN, L.R_CUR_FLAGS]) w.set(off, 0);
    w.set(L.R_FLAGS, (d.stoppable ? L.RGF_STOPPABLE : 0) | (random ? L.RGF_RANDOM : 0) | (host.tracing && !host.real ? L.RGF_TRACE : 0));
    w.set(L.R_PRNG, seed);
    w.setF(L.R_TIMEOUT_NS, o.timeoutNs);
    w.setF(L.R_WRITEBACK, context.lastSeqno);
    w.setF(L.R_NEXT_T, Infinity);
    w.setF(L.R_BASE_NS, d.baseNs);
    w.setF(L.R_PER_BYTE_NS, d.perByteNs);
    w.setF(L.R_JITTER, d.jitter);
    w.setF(L.R_P_HANG, d.pHang);
    w.setF(L.R_P_SLOW, d.pSlow);
    w.setF(L.R_P_LOST_IRQ, d.pLostIrq);
    w.setF(L.R_ACK_NS, d.ackNs);
    w.setF(L.R_RESET_NS, d.resetNs + d.resetOverrunNs); // what the reset really takes; the driver knows resetNs
    w.set(L.R_STOP_MODE, d.stopMode === 'finish' ? 1 : 0);
    w.setF(L.R_WRITES_AFTER_ACK_NS, d.writesAfterAckNs);
    w.setF(L.R_P_LOST_WB, d.pLostWriteback);
    w.setF(L.R_TRAIL_AT, -1);
    w.set(L.R_TRAIL_IDX, 0);
    w.set(L.R_ACK_MODE, d.ack === 'ok' ? 0 : d.ack === 'delayed' ? 1 : 2);
    w.set(L.R_RESET_REQ, 0);
    w.setF(L.R_ACK_AT, -1);
    w.setF(L.R_RESET_AT, -1);
    host.life.onEnd(() => p.end());
    host.attach(interruptsOf(p));
    context._bindRing(this, (seqno) => p.guardSignal(seqno));
    Object.freeze(this);
  }

  #alive(): void {
    this.#p.h.life.check();
  }

  // ── observation (exact on the driver thread) ──

  /** Timeline name of its context, and its name in reports. */
  get name(): string {
    this.#alive();
    return this.#p.name;
  }
  /** The device (engine) it runs on. */
  get device(): DmaDevice {
    this.#alive();
    return this.#p.device;
  }
  /** Its fence context (R2): the ring creates and signals its fences. */
  get context(): FenceContext {
    this.#alive();
    return this.#p.ctx;
  }
  /** Descriptors (R1). */
  get capacity(): number {
    this.#alive();
    return this.#p.capacity;
  }
  /** The timeout handler's limit per job (R6), ns; Infinity: none. */
  get timeoutNs(): number {
    this.#alive();
    return this.#p.timeoutNs;
  }
  /** How long stop() waits for the ACK (or, with no timeout handler, a non-stoppable device's jobs). */
  get stopTimeoutNs(): number {
    this.#alive();
    return this.#p.stopTimeoutNs;
  }
  /** After a timeout reset, the other in-flight jobs run again. */
  get resubmit(): boolean {
    this.#alive();
    return this.#p.resubmit;
  }
  /** R5. */
  get state(): RingState {
    this.#alive();
    return STATES[this.#p.w.state()];
  }
  /** Jobs submitted whose completion the driver has not yet retired (their fences mostly pending). */
  get inFlight(): number {
    this.#alive();
    return this.#p.w.inFlight();
  }
  /** Free descriptors: submit succeeds for this many jobs now (R3). */
  get space(): number {
    this.#alive();
    return this.#p.capacity - this.#p.w.inFlight();
  }
  /** R4: the writeback word, the highest seqno the device completed (T6: the maximum once lost). */
  get completedSeqno(): number {
    this.#alive();
    return this.#p.w.getF(L.R_WRITEBACK);
  }
  /** Interrupts the device raised. */
  get irqs(): number {
    this.#alive();
    return this.#p.w.get(L.R_IRQS);
  }

  /** @internal The ring's protocols (a scheduler hooks its timeout handler and recovery: S7). */
  get _protocols(): RingProtocols {
    return this.#p;
  }
  /** @internal A job's fields checked as submit checks them (a scheduler's jobs: S2, Q2). */
  _parseJob(job: unknown, keys?: readonly string[]): ParsedJob {
    return this.#sub.parseJob(job, keys);
  }

  /** @internal index among the runtime's rings (its arena slot) */
  get index(): number {
    return this.#p.index;
  }
  /**
   * @internal When the device started the job of fence `seqno` (ns on the runtime clock), while
   * its descriptor is still in the ring; undefined otherwise. For benchmarks of the interrupt path.
   */
  _jobStartNs(seqno: number): number | undefined {
    const i = (seqno - (this.#p.ctx.lastSeqno - ((this.#p.w.get(L.R_TAIL) - 1) >>> 0))) >>> 0;
    if (this.#p.w.descSeqno(i) !== seqno) return undefined;
    const t = this.#p.w.descStart(i);
    return t > 0 ? t : undefined;
  }

  // ── submission (R2, R3) ──

  /** R2: writes the job's descriptor and returns its fence. Full: ERR_RING_FULL, nothing changes. */
  submit(job: Job): DmaFence {
    this.#alive();
    this.#sub.checkRunning();
    return this.#sub.submitParsed(this.#sub.parseJob(job));
  }

  /**
   * Batch form: n identical jobs in one call into the core; their fences have no handles (they
   * are recycled as they signal). All or nothing. Returns the first job's seqno.
   */
  submitBatch(n: number, job: Job): number {
    return this.#sub.submitBatch(n, job);
  }

  /**
   * R3: like submit, but waits (on the clock) for space instead of throwing ERR_RING_FULL; waiters
   * are served in call order. Rejects ERR_RING_STOPPED if the ring stops taking jobs first.
   * Aborting `signal` takes the waiter out of the queue (its job is never submitted) and rejects
   * with the signal's reason.
   */
  submitAsync(job: Job, opts?: ProtocolOptions): Promise<DmaFence> {
    return this.#sub.submitAsync(job, opts);
  }

  // ── protocols (R5, R6, T3, D4, T6) ──

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
      if (this.#p.drop) throw this.#p.stateError('it cannot be reset');
      return this.#p.h.life.settle(resetEngine(this.#p, 'requested'), signal);
    } catch (e) {
      return Promise.reject(e);
    }
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
      if (this.#p.w.state() === L.RS_DROPPED) throw this.#p.stateError('it cannot stop');
      return this.#p.h.life.settle(this.#p.stopProtocol(true), signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** R5: stopped -> running. Refused (ERR_RING_STATE) unless stopped, and once a drop has begun. */
  restart(): void {
    this.#alive();
    this.#p.restart();
  }

  /**
   * T7's fault: a driver bug drops the owner of the job `seqno` (default: the job the device runs,
   * else the oldest with a pending fence) while the hardware may still run it. Under the runtime's
   * `guarantee: 'emitter'` (default) the ring still owns the signaling side: nothing changes.
   * Under `'fence'` the fence signals itself -ECANCELED now, judged by T1 (a premature signal if
   * the device may still write for it; with freeAfter, a corruption when its buffer is reused).
   * Refused (ERR_RING_STATE) on a dropped ring or with no fence of that seqno pending; a seqno
   * that is not an integer: ERR_INVALID_SEQNO. Nothing changes when refused.
   */
  injectDriverBug(opts?: { seqno?: number }): DriverBugResult {
    this.#alive();
    return injectDriverBug(this.#p, opts);
  }

  /**
   * T4: ends the ring under a policy and reports what happened to the fences in flight.
   * 'emitter-guarantee' (default): stop (T3: ACK, or the bound then a reset), then drop.
   * 'wait': block submission and wait for every fence (only the timeout handler can end a hung
   * job). 'signal-on-drop': signal every pending fence -ECANCELED now, device running or not.
   * 'leak': drop without signaling. Or a function of the protocol's steps (T8, DropSteps: stop,
   * reset, waitIdle, waitFences, signalPending, now): the ring is dropped when it returns (or
   * throws: the drop then rejects with that error, the ring dropped all the same). Once dropped,
   * nothing signals the ring's fences again, and the ring never leaves `dropped`. Under the
   * runtime's `guarantee: 'fence'` (T7) the fences still pending at the drop signal themselves
   * -ECANCELED (their owner, the ring, is gone), judged by T1.
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
      const fn = typeof o.policy === 'function' ? (o.policy as PolicyFn) : undefined;
      const builtin = fn ? undefined : o.policy === undefined ? 'emitter-guarantee' : checkEnum('policy', o.policy, DROP_POLICIES);
      const signal = checkAbortSignal(o.signal);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.#p.drop) throw this.#p.stateError('one drop per ring');
      if (builtin && this.#p.h.log.strict) checkDropInAdvance(this.#p, builtin);
      const name = builtin ?? (fn!.name || 'user');
      this.#p.drop = { policy: name };
      return this.#p.h.life.settle(runDrop(this.#p, name, fn ?? BUILTIN_POLICIES[builtin!]), signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
