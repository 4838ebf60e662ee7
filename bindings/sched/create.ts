/**
 * rt.createScheduler and rt.createJobQueue: their options checked against the runtime (a ring of
 * this runtime, not dropped, without a scheduler), and the runtime's SchedDriver made on first
 * use and hooked into both drivers (the virtual engine and the real clock's interrupt handler).
 *
 * Contract: driver thread only; nothing is made when an option is refused.
 */
import { HwRing } from '../hw-ring.js';
import * as L from '../core/layout.js';
import { DmaFenceRangeError, DmaFenceTypeError, checkEnum, checkInteger, checkOptions, describe } from '../errors.js';
import { checkTimeout } from '../runtime-options.js';
import { SchedDriver } from './sched-driver.js';
import type { SchedHost } from './sched-driver.js';
import { SchedState } from './sched-state.js';
import { Scheduler } from './scheduler.js';
import type { SchedulerOptions } from './scheduler.js';
import { JobQueue } from './job-queue.js';
import type { JobQueueOptions } from './job-queue.js';

const SCHED_KEYS = ['ring', 'creditLimit', 'timeoutNs', 'hangLimit', 'order', 'name'] as const;
const QUEUE_KEYS = ['ring', 'capacity', 'name'] as const;

function checkRing(h: SchedHost, v: unknown): HwRing {
  if (v === undefined) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'ring is required: createScheduler({ ring })');
  if (!(v instanceof HwRing) || !h.rings().includes(v)) {
    const foreign = isRealRing(v);
    throw new DmaFenceTypeError(foreign ? 'ERR_FOREIGN_HANDLE' : 'ERR_INVALID_ARG', `ring must be a HwRing of this runtime${foreign ? ' (that one belongs to another)' : `, got ${describe(v)}`}`);
  }
  return v;
}

/** A ring some runtime made (its private state is there), not a look-alike of its prototype. */
function isRealRing(v: unknown): boolean {
  if (!(v instanceof HwRing)) return false;
  try {
    return v.index >= 0;
  } catch {
    return false;
  }
}

function checkName(v: unknown, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string') throw new DmaFenceTypeError('ERR_INVALID_ARG', `name must be a string, got ${describe(v)}`);
  return v;
}

/** The runtime's scheduler driver, made (and hooked) by `make` on first use. */
export class Schedulers {
  #d: SchedDriver | undefined;
  #count = 0;
  constructor(
    private readonly h: SchedHost,
    private readonly hook: (d: SchedDriver) => void,
  ) {}

  #driver(): SchedDriver {
    if (!this.#d) {
      this.#d = new SchedDriver(this.h);
      this.hook(this.#d);
    }
    return this.#d;
  }

  createScheduler(opts: unknown): Scheduler {
    const o = checkOptions('scheduler options', opts ?? {}, SCHED_KEYS) as unknown as SchedulerOptions;
    const ring = checkRing(this.h, o.ring);
    const creditLimit = o.creditLimit === undefined ? ring.capacity : checkInteger('creditLimit', o.creditLimit, 1, 0x7fffffff);
    const timeoutNs = o.timeoutNs === undefined ? ring.timeoutNs : checkTimeout('timeoutNs', o.timeoutNs);
    const hangLimit = o.hangLimit === undefined ? 1 : checkInteger('hangLimit', o.hangLimit, 1, 0x7fffffff);
    const order = o.order === undefined ? 'fifo' : checkEnum('order', o.order, ['fifo', 'rr'] as const);
    const name = checkName(o.name, `sched${this.#count}`);
    const s = new SchedState(this.#driver(), ring, { name, creditLimit, timeoutNs, hangLimit, order, jobQueue: false });
    this.#count++;
    return new Scheduler(s);
  }

  createJobQueue(opts: unknown): JobQueue {
    const o = checkOptions('job queue options', opts ?? {}, QUEUE_KEYS) as unknown as JobQueueOptions;
    const ring = checkRing(this.h, o.ring);
    const capacity = o.capacity === undefined ? ring.capacity : checkInteger('capacity', o.capacity, 1, 0x7fffffff);
    const name = checkName(o.name, `jobqueue${this.#count}`);
    const a = this.h.arena;
    // Its one entity and context must fit before the scheduler record is taken (nothing changes).
    if (a.header(L.H_ENT_COUNT) >= a.header(L.H_MAX_ENTS)) throw new DmaFenceRangeError('ERR_CAPACITY', `a job queue takes an entity and all ${a.header(L.H_MAX_ENTS)} are in use (raise maxEntities)`);
    if (a.header(L.H_CTX_COUNT) + 1 > a.layout.maxContexts) throw new DmaFenceRangeError('ERR_CAPACITY', 'a job queue needs a fence context and none is left (raise maxContexts)');
    const s = new SchedState(this.#driver(), ring, { name, creditLimit: capacity, timeoutNs: ring.timeoutNs, hangLimit: 0, order: 'fifo', jobQueue: true });
    this.#count++;
    return new JobQueue(s);
  }
}
