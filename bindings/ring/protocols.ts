/**
 * The ring's recovery protocols (the driver's side): the timeout handler (R6), STOP/ACK (T3),
 * reset (D4), device loss (T6), the state machine's one writer (R5), and the T1 check that a
 * fence never signals while the device may still write for it.
 *
 * Contract: driver thread only. The guarantee lives at the emitter (T3, T4): a ring signals an
 * in-flight fence only when its job completed (writeback), or once the device is proven idle
 * (ACK, or an effective reset). On the virtual clock the protocols act for the device (ACK,
 * reset taking effect) at the modeled times, between core steps. Dropped is final.
 */
import * as L from '../core/layout.js';
import type { DmaDevice, InjectKind } from '../dma-device.js';
import type { FenceContext } from '../fence-context.js';
import type { Timer } from '../sim/clock.js';
import type { Violation } from '../violations.js';
import { DmaFenceError } from '../errors.js';
import type { RingWords } from './ring-words.js';
import { STATES, pending } from './types.js';
import type { DeviceConfig, Pending, RingHost } from './types.js';
import { traceUnfinished } from './interrupts.js';
import { cancelRest, resetEngine } from './reset.js';

const INJECT_BITS: Record<InjectKind, number> = {
  hang: L.JF_HANG, slow: L.JF_SLOW, lostIrq: L.JF_LOST_IRQ, noAck: L.JF_NO_ACK, lostWriteback: L.JF_LOST_WB,
};

/** What the protocols need of submission (the space waiters, R3). */
export interface SpaceQueue {
  count(): number;
  /** Submits for waiters while there is space (the ring is running). */
  serve(): void;
  /** The ring stopped taking jobs: every waiter rejects ERR_RING_STOPPED. */
  rejectAll(): void;
  /** Dispose: forget them (the lifetime rejected them). */
  clear(): void;
}

/** The ring's fixed parts, copied at creation. */
export interface RingParts {
  index: number;
  name: string;
  ctx: FenceContext;
  device: DmaDevice;
  dev: DeviceConfig;
  capacity: number;
  timeoutNs: number;
  stopTimeoutNs: number;
  resubmit: boolean;
}

export class RingProtocols {
  readonly index: number;
  readonly name: string;
  readonly ctx: FenceContext;
  readonly ctxId: number;
  readonly device: DmaDevice;
  readonly dev: DeviceConfig;
  readonly capacity: number;
  readonly timeoutNs: number;
  readonly stopTimeoutNs: number;
  readonly resubmit: boolean;
  /** Set by the ring's submission side. */
  waiters!: SpaceQueue;
  /** The stop protocol in progress (T3): resolved once the device is proven idle. */
  stop?: Pending & { armed: boolean };
  /** The reset in progress: resolves once it is effective (rejects if the ring is dropped first). */
  reset?: Pending;
  /** The reset requested, made effective once the engine answers (R_RESET_REQ = 2). */
  pendingReset?: () => void;
  /** Tracing: the retired index whose job got its span. */
  traced = 0;
  boundTimer?: Timer;
  /** Set when a drop begins, never cleared: one drop per ring. */
  drop?: { policy: string };
  /** Drop steps waiting for a condition (waitIdle): each returns true once it settled. */
  readonly conds = new Set<() => boolean>();
  /** The ring's scheduler, if any: told the guilty seqno of a timeout (S7) and of every recovery. */
  sched?: { onTimeout(seqno: number): void; onRecovered(reason: string): void };

  constructor(
    readonly h: RingHost,
    readonly w: RingWords,
    p: RingParts,
  ) {
    this.index = p.index;
    this.name = p.name;
    this.ctx = p.ctx;
    this.ctxId = p.ctx.id;
    this.device = p.device;
    this.dev = p.dev;
    this.capacity = p.capacity;
    this.timeoutNs = p.timeoutNs;
    this.stopTimeoutNs = p.stopTimeoutNs;
    this.resubmit = p.resubmit;
  }

  /** R5: the one writer of the state word. Dropped is final: nothing leaves it. */
  setState(s: number): void {
    const from = this.w.get(L.R_STATE);
    if (from === s || from === L.RS_DROPPED) return;
    this.w.set(L.R_STATE, s);
    this.h.trace('ring-state', { ring: this.name, from: STATES[from], to: STATES[s] });
    if (s !== L.RS_RUNNING) this.waiters.rejectAll();
  }
  /** The device's next event changed: recompute it (virtual clock) or wake the device thread. */
  reschedule(): void {
    if (this.h.real) this.h.kick();
    else this.h.core.ringReschedule(this.h.arena.base, this.index, this.h.sim.now);
  }
  get disposed(): boolean {
    return this.h.life.disposed;
  }
  stateError(what: string): DmaFenceError {
    const s = this.w.state();
    if (s === L.RS_DROPPED) return new DmaFenceError('ERR_RING_STATE', `ring ${this.name} was dropped (${this.drop?.policy}): ${what}`);
    return new DmaFenceError('ERR_RING_STATE', `ring ${this.name} is being dropped (${this.drop?.policy}): ${what}`);
  }

  /** Dispose: timers stop and nothing acts any more (pending promises were rejected by the lifetime). */
  end(): void {
    this.boundTimer?.cancel();
    this.boundTimer = undefined;
    this.pendingReset = undefined;
    this.waiters.clear();
  }

  /** Asks the core to return at every retirement while someone waits on this ring. */
  syncWake(): void {
    const want = this.waiters.count() > 0 || this.conds.size > 0 || (this.stop !== undefined && !this.w.get(L.R_STOP));
    const flags = this.w.get(L.R_FLAGS);
    if (want !== ((flags & L.RGF_WAKE) !== 0)) this.w.set(L.R_FLAGS, want ? flags | L.RGF_WAKE : flags & ~L.RGF_WAKE);
  }

  /** Between core steps (both clocks): observe the device's answers, serve space waiters, end a drain. */
  afterStep(): void {
    if (this.disposed) return;
    // Nothing waits on the device's answers (an ACK needs a stop under way: RS_STOPPING has
    // one), nor for space or a condition: only the wake bit to keep true.
    if (this.pendingReset === undefined && this.stop === undefined && this.conds.size === 0 && this.waiters.count() === 0) return this.syncWake();
    // The engine answers in the ring's words (both clocks): an effective reset, an ACK.
    if (this.pendingReset && this.w.load(L.R_RESET_REQ) === 2) {
      this.w.set(L.R_RESET_REQ, 0);
      const p = this.pendingReset;
      this.pendingReset = undefined;
      p();
    }
    if (this.w.state() === L.RS_STOPPING && this.w.get(L.R_STOP) && this.w.load(L.R_ACK) === 1) this.ackObserved();
    if (this.w.state() === L.RS_RUNNING && !this.drop) this.waiters.serve();
    // Draining stops (non-stoppable device, or the 'wait' policy) end when nothing is in flight.
    if (this.stop && this.w.state() === L.RS_STOPPING && !this.w.get(L.R_STOP) && this.w.inFlight() === 0) this.becomeStopped();
    for (const c of this.conds) c(); // a settled one takes itself out
    this.syncWake();
  }

  /** R6, the timeout handler: the oldest job ran past timeoutNs. */
  onTimeout(): void {
    if (this.disposed || this.w.state() === L.RS_DROPPED) return;
    if (this.signalCompleted()) {
      // Missed interrupt (R4): the job had completed; polling the writeback word found it.
      this.h.trace('irq-poll', { ring: this.name, writeback: this.w.getF(L.R_WRITEBACK) });
      this.reschedule();
      return;
    }
    const guilty = this.w.descSeqno(this.w.get(L.R_SIG_IDX));
    this.h.trace('timeout', { ring: this.name, seqno: guilty });
    this.sched?.onTimeout(guilty);
    void resetEngine(this, 'timeout', guilty);
  }

  /** Signals, normally, the jobs the device completed whose interrupt was not handled. */
  signalCompleted(): boolean {
    const retired = this.w.load(L.R_RETIRED); // the device publishes completions with this store
    if (retired === this.w.get(L.R_SIG_IDX)) return false;
    const h = this.h;
    if (!(this.w.get(L.R_FLAGS) & L.RGF_NO_IRQ_HANDLER)) h.fences.signalUpTo(this.ctx.index, this.w.descSeqno((retired - 1) >>> 0), 0, h.sim.now);
    this.w.set(L.R_SIG_IDX, retired);
    return true;
  }

  /**
   * T1: would signaling up to `seqno` now signal a fence the device may still write for? Each
   * such fence (still pending) is a premature-signal violation. Called before anything is
   * signaled: under strict the first one is thrown (a ViolationError, not recorded) and nothing
   * changes, unless `noteOnly` (the device lied, e.g. an ACK before its last burst: the driver
   * did right, so nothing is thrown at it; the break is recorded). `only`: check that one fence.
   */
  checkPremature(seqno: number, why: string, noteOnly = false, only?: number): void {
    // Halted and not still writing (EN_TRAILING): the device writes nothing more.
    if ((this.w.get(L.R_ENGINE) & (L.EN_HALTED | L.EN_TRAILING)) === L.EN_HALTED) return;
    const tail = this.w.get(L.R_TAIL);
    const retired = this.w.get(L.R_RETIRED);
    const head = this.w.get(L.R_HEAD);
    const stopHeld = (this.w.get(L.R_FLAGS) & L.RGF_STOPPABLE) !== 0 && this.w.get(L.R_STOP) !== 0;
    const found: Omit<Violation, 'timeNs'>[] = [];
    let pendingSeqnos: Set<number> | undefined;
    for (let i = this.w.get(L.R_SIG_IDX); i !== tail; i = (i + 1) >>> 0) {
      const s = this.w.descSeqno(i);
      if (s > seqno) break;
      if (only !== undefined && s !== only) continue;
      const ahead = ((i - retired) | 0) >= 0;
      const fetchable = ((i - head) | 0) < 0 || !stopHeld;
      if (!ahead || !fetchable) continue;
      // Already signaled (a driver bug under the fence-level guarantee, a policy's signalPending): not this signal's.
      pendingSeqnos ??= new Set(this.h.arena.ctxPendingSlots(this.ctx.index).map((slot) => this.h.arena.slotSeqno(slot)));
      if (!pendingSeqnos.has(s)) continue;
      found.push({
        kind: 'premature-signal',
        rule: 'T1',
        message: `ring ${this.name}: fence ${this.ctxId}:${s} signaled (${why}) while the device may still ${((i - head) | 0) < 0 ? 'write' : 'execute and write'} for it`,
        context: this.ctxId,
        seqno: s,
        detail: { ring: this.name, running: ((i - head) | 0) < 0 },
      });
    }
    if (!found.length) return;
    if (this.h.log.strict && !noteOnly) this.h.log.check(found[0]);
    for (const v of found) this.h.log.note(v);
  }

  /**
   * The signal guard its context calls before signalUpTo (the emitter signaling by hand):
   * refused on a dropped ring (T4), checked for T1.
   */
  guardSignal(seqno: number): void {
    this.h.life.check();
    if (this.w.state() === L.RS_DROPPED) throw new DmaFenceError('ERR_RING_STATE', `ring ${this.name} was dropped: nothing signals its fences any more (T4)`);
    this.checkPremature(seqno, 'signalUpTo');
  }
  /** D3: dev.inject arms a fault for the next job this ring's engine starts (noAck: its next STOP). */
  inject(kind: InjectKind): void {
    this.w.or(L.R_INJECT, INJECT_BITS[kind]);
  }

  // ── stop (T3) ──

  becomeStopped(): void {
    if (this.w.state() === L.RS_DROPPED) return;
    this.setState(L.RS_STOPPED);
    this.boundTimer?.cancel();
    this.boundTimer = undefined;
    const s = this.stop;
    this.stop = undefined;
    this.syncWake();
    s?.resolve();
  }

  /**
   * The stop protocol (T3), shared by every caller. `arm` false ('wait' policy): block submission
   * and drain, nothing more. `arm` true (stop(), emitter-guarantee): also STOP a stoppable device
   * (ACK within the bound, else reset), and bound the drain of a non-stoppable one that has no
   * timeout handler. A stop() during a 'wait' drain arms it: stop() is bounded on every device.
   */
  stopProtocol(arm: boolean): Promise<void> {
    const h = this.h;
    const s = this.w.state();
    if (s === L.RS_STOPPED) return Promise.resolve();
    if (!this.stop) {
      this.stop = { ...pending(), armed: false };
      if (s === L.RS_FAULTED || s === L.RS_RESETTING) return this.stop.promise; // the reset ends in stopped
      this.setState(L.RS_STOPPING);
      this.reschedule();
    }
    const stop = this.stop;
    if (arm && !stop.armed && this.w.state() === L.RS_STOPPING) {
      stop.armed = true;
      h.trace('stop', { ring: this.name });
      if (this.dev.stoppable) this.sendStop();
      else if (!(this.timeoutNs < Infinity)) {
        // No timeout handler would ever end a hung job: the wait for the jobs is bounded too.
        this.boundTimer = h.sim.schedule(h.sim.now + this.stopTimeoutNs, () => {
          this.boundTimer = undefined;
          if (this.disposed || this.w.state() !== L.RS_STOPPING) return;
          h.trace('stop-timeout', { ring: this.name });
          void resetEngine(this, 'stop-timeout');
        });
      }
    }
    if (!this.w.get(L.R_STOP)) this.afterStep(); // draining: wakes the bindings at each retirement until empty
    return stop.promise;
  }

  /**
   * STOP to a stoppable device: the engine ACKs it (or not: ack mode, inject('noAck')) as a ring
   * event; with `bound` it must within stopTimeoutNs, else the ring faults and resets (a drop
   * policy's stop step bounds it itself).
   */
  sendStop(bound = true): void {
    const h = this.h;
    this.w.set(L.R_STOP, 1);
    this.syncWake();
    this.reschedule();
    if (!bound) return;
    this.boundTimer = h.sim.schedule(h.sim.now + this.stopTimeoutNs, () => {
      this.boundTimer = undefined;
      if (this.disposed || this.w.state() !== L.RS_STOPPING) return;
      h.trace('ack-timeout', { ring: this.name });
      void resetEngine(this, 'no-ack');
    });
  }

  /** The driver sees the ACK: the device is idle, so what is left can be signaled (T3). */
  ackObserved(): void {
    this.boundTimer?.cancel();
    this.boundTimer = undefined;
    this.h.trace('ack', { ring: this.name });
    this.signalCompleted(); // finished jobs signal normally
    traceUnfinished(this, undefined);
    cancelRest(this); // aborted and never-started jobs: -ECANCELED
    this.becomeStopped();
    this.reschedule();
  }

  /** R5: stopped -> running (checked by HwRing.restart). */
  restart(): void {
    if (this.drop) throw this.stateError('it cannot restart');
    const s = this.w.state();
    if (s !== L.RS_STOPPED) throw new DmaFenceError('ERR_RING_STATE', `ring ${this.name} is ${STATES[s]}; only a stopped ring restarts`);
    if (this.device._lost) throw new DmaFenceError('ERR_RING_STATE', `device ${this.dev.name} was lost`);
    this.w.set(L.R_STOP, 0);
    this.w.set(L.R_ACK, 0);
    this.w.set(L.R_ENGINE, 0);
    this.setState(L.RS_RUNNING);
    this.reschedule();
  }
}
