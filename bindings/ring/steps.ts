/**
 * The drop protocol's steps (T8) and the built-in drop policies written with them (T4). A policy
 * is an async function of the steps; the drop (drop.ts) runs it, then drops the ring, and the
 * same checks judge every policy: T1 at every signal (checkPremature), M2 in the engine, T2 for
 * what is left pending at the drop.
 *
 * Contract: driver thread only; one DropSteps per drop. Every step throws (or rejects)
 * ERR_POLICY_STEP once the policy has returned, and a bad argument is refused (ERR_INVALID_ARG,
 * ERR_INVALID_TIMEOUT, ERR_INVALID_ERRNO) before anything changes. A step still pending when the
 * policy returns rejects ERR_POLICY_STEP.
 */
import * as L from '../core/layout.js';
import type { Timer } from '../sim/clock.js';
import { DmaFenceError, DmaFenceTypeError, Errno, checkErrno, checkOptions, describe } from '../errors.js';
import type { RingProtocols } from './protocols.js';
import { resetEngine } from './reset.js';
import { STATES } from './types.js';
import type { DropPolicy, DropSteps, PolicyFn, RingState, StepOptions } from './types.js';

const STEP_KEYS = ['timeoutNs'] as const;

function stepTimeout(step: string, opts: unknown, dflt: number): number {
  const o = checkOptions(`${step} options`, opts, STEP_KEYS) as StepOptions;
  if (o.timeoutNs === undefined) return dflt;
  const v = o.timeoutNs;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new DmaFenceTypeError('ERR_INVALID_TIMEOUT', `${step}: timeoutNs must be >= 0 ns (or Infinity), got ${describe(v)}`);
  return v;
}

/** A drop's steps and their end (the policy returned: every later use is ERR_POLICY_STEP). */
export interface StepsHandle {
  steps: DropSteps;
  end(): void;
}

export function makeSteps(p: RingProtocols, label: string): StepsHandle {
  let ended = false;
  /** Steps under way: their timers, and how to reject them if the policy returns first. */
  const live = new Set<{ timer?: Timer; cond?: () => boolean; fail(e: unknown): void }>();
  const alive = (step: string) => {
    p.h.life.check();
    if (ended) throw new DmaFenceError('ERR_POLICY_STEP', `${step}: the drop policy of ring ${p.name} has returned; its steps are over`);
  };

  /**
   * `work` against a timeout on the runtime clock: `done` if work settles first, else `late`
   * (traced as `lateEvent`). `settled` tells whether the work is already done when the timer
   * fires (its promise's callbacks run only after the driving call, when the clock is driven
   * synchronously). `cond`: done once it holds, checked now and after every engine step.
   */
  function race<T extends string>(
    work: Promise<unknown>, timeoutNs: number, done: T, late: T, lateEvent: string, settled: () => boolean, cond?: () => boolean,
  ): Promise<T> {
    const promise = new Promise<T>((resolve, reject) => {
      const entry: { timer?: Timer; cond?: () => boolean; fail(e: unknown): void } = { fail: reject };
      const finish = (v: T | { err: unknown }) => {
        if (!live.delete(entry)) return;
        entry.timer?.cancel();
        if (entry.cond) p.conds.delete(entry.cond);
        p.syncWake();
        if (typeof v === 'object') reject(v.err);
        else resolve(v);
      };
      live.add(entry);
      if (timeoutNs < Infinity) {
        entry.timer = p.h.sim.schedule(p.h.sim.now + timeoutNs, () => {
          entry.timer = undefined;
          if (settled()) return finish(done);
          p.h.trace(lateEvent, { ring: p.name, policy: label });
          finish(late);
        });
      }
      work.then(
        () => finish(done),
        (err: unknown) => finish({ err }),
      );
      if (cond) {
        entry.cond = () => {
          if (!cond()) return false;
          finish(done);
          return true;
        };
        if (!entry.cond()) {
          p.conds.add(entry.cond);
          p.syncWake();
        }
      }
    });
    promise.catch(() => {}); // a step the policy never awaited rejects ERR_POLICY_STEP at its end: not an unhandled rejection
    return promise;
  }

  const never = new Promise<void>(() => {});
  const steps: DropSteps = {
    stop(opts?: StepOptions) {
      try {
        alive('stop');
        const timeoutNs = stepTimeout('stop', opts, p.stopTimeoutNs);
        if (p.w.state() === L.RS_STOPPED) return Promise.resolve('acked' as const);
        // Block submission (stopping); resolves once the ring is stopped (ACK, drain or reset).
        const stopped = p.stopProtocol(false);
        if (p.w.state() === L.RS_STOPPING && p.stop && !p.stop.armed) {
          p.stop.armed = true;
          p.h.trace('stop', { ring: p.name });
          if (p.dev.stoppable) p.sendStop(false); // a non-stoppable device would ignore it
        }
        return race(stopped, timeoutNs, 'acked', 'timeout', p.dev.stoppable ? 'ack-timeout' : 'stop-timeout', () => p.w.state() === L.RS_STOPPED);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    reset(opts?: StepOptions) {
      try {
        alive('reset');
        const timeoutNs = stepTimeout('reset', opts, Infinity);
        const effective = resetEngine(p, 'drop');
        const reset = p.reset;
        return race(effective, timeoutNs, 'effective', 'timeout', 'reset-timeout', () => reset === undefined || p.reset !== reset);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    waitIdle(opts?: StepOptions) {
      try {
        alive('waitIdle');
        const timeoutNs = stepTimeout('waitIdle', opts, Infinity);
        return race(never, timeoutNs, 'idle', 'timeout', 'idle-timeout', () => deviceSaysIdle(p), () => deviceSaysIdle(p));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    waitFences(opts?: StepOptions) {
      try {
        alive('waitFences');
        const timeoutNs = stepTimeout('waitFences', opts, Infinity);
        if (p.w.state() === L.RS_STOPPED) return Promise.resolve('signaled' as const);
        return race(p.stopProtocol(false), timeoutNs, 'signaled', 'timeout', 'stop-timeout', () => p.w.state() === L.RS_STOPPED);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    signalPending(errno: number) {
      alive('signalPending');
      checkErrno(errno);
      const last = p.ctx.lastSeqno;
      const before = p.h.arena.ctxPending(p.ctx.index);
      p.checkPremature(last, label);
      p.h.fences.signalUpTo(p.ctx.index, last, errno, p.h.sim.now);
      return before - p.h.arena.ctxPending(p.ctx.index);
    },
    get now() {
      alive('now');
      return p.h.sim.now;
    },
    get state(): RingState {
      alive('state');
      return STATES[p.w.state()];
    },
    get inFlight() {
      alive('inFlight');
      return p.w.inFlight();
    },
    get stoppable() {
      alive('stoppable');
      return p.dev.stoppable;
    },
    get timeoutNs() {
      alive('timeoutNs');
      return p.timeoutNs;
    },
    get stopTimeoutNs() {
      alive('stopTimeoutNs');
      return p.stopTimeoutNs;
    },
    get resetNs() {
      alive('resetNs');
      return p.dev.resetNs;
    },
  };
  Object.freeze(steps);
  return {
    steps,
    end() {
      ended = true;
      for (const e of [...live]) {
        live.delete(e);
        e.timer?.cancel();
        if (e.cond) p.conds.delete(e.cond);
        e.fail(new DmaFenceError('ERR_POLICY_STEP', `ring ${p.name}: the drop policy returned before this step settled`));
      }
      p.syncWake();
    },
  };
}

/**
 * The driver's view of "the device executes nothing more for this ring": halted (an ACK, an
 * effective reset), or no job running and none it would fetch. (A device that ACKs before its
 * last burst looks idle here: the driver cannot tell; T1 can.)
 */
function deviceSaysIdle(p: RingProtocols): boolean {
  const engine = p.w.load(L.R_ENGINE);
  if (engine & L.EN_HALTED) return true;
  if (engine & L.EN_BUSY) return false;
  const stopHeld = p.dev.stoppable && p.w.get(L.R_STOP) !== 0;
  return stopHeld || p.w.load(L.R_HEAD) === p.w.get(L.R_TAIL);
}

// ── The built-in policies (T4), written with the steps ──

/**
 * T3, then drop. A stoppable device: STOP, and its ACK within the ring's bound, else a reset. A
 * non-stoppable one: its jobs' end (the timeout handler resets a hung one), bounded too when the
 * ring has no timeout handler, then a reset.
 */
const emitterGuarantee: PolicyFn = async (s) => {
  // Again while not stopped: a reset that began after a stop resolved (a second device loss) is waited out too.
  while (s.state !== 'stopped') {
    const bound = s.stoppable || !(s.timeoutNs < Infinity) ? s.stopTimeoutNs : Infinity;
    if ((await s.stop({ timeoutNs: bound })) === 'timeout') await s.reset();
  }
};

/** Block submission and wait for every fence: only the timeout handler ends a hung job. */
const waitForAll: PolicyFn = async (s) => {
  while (s.state !== 'stopped') await s.waitFences();
};

/** Signal everything -ECANCELED at once, device running or not (the first proposal). */
const signalOnDrop: PolicyFn = (s) => {
  s.signalPending(-Errno.ECANCELED);
};

/** Drop without signaling. */
const leak: PolicyFn = () => {};

/** @internal The built-in policies that end only with the ring stopped (runDrop re-runs them). */
export const UNTIL_STOPPED: ReadonlySet<PolicyFn> = new Set([emitterGuarantee, waitForAll]);

export const BUILTIN_POLICIES: Readonly<Record<DropPolicy, PolicyFn>> = Object.freeze({
  'emitter-guarantee': emitterGuarantee,
  wait: waitForAll,
  'signal-on-drop': signalOnDrop,
  leak,
});
