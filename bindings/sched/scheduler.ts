/**
 * Scheduler and Entity, the public face of the job scheduler (drm_sched, S1-S10): a scheduler
 * feeds one ring with credits (R7), entities queue jobs of one client each with a priority, and
 * the core runs them (sched-state.ts holds the JS side, assembly/sched.ts the per-job work).
 *
 * Contract: driver thread only. Handles are frozen and brand-checked; every member throws (or
 * rejects) ERR_DISPOSED once the runtime is disposed, and a call that throws changes nothing.
 */
import type { DmaFence, WaitOptions } from '../dma-fence.js';
import type { FenceContext } from '../fence-context.js';
import type { HwRing, Job } from '../hw-ring.js';
import { checkEnum, checkOptions } from '../errors.js';
import { parseWaitOptions } from '../dma-fence.js';
import type { EntityState, Priority, SchedOrder, SchedState } from './sched-state.js';
import { PRIORITIES } from './sched-state.js';

export type { Priority, SchedOrder } from './sched-state.js';

/** Options of rt.createScheduler. */
export interface SchedulerOptions {
  /** The ring it feeds (one scheduler or job queue per ring), from this runtime. Required. */
  ring: HwRing;
  /** Credits of the jobs on the ring at once (S1, R7), an integer >= 1. Default: the ring's capacity. */
  creditLimit?: number;
  /** The timeout handler's limit per job (S7), ns; it becomes the ring's while the scheduler feeds it. Default: the ring's timeoutNs. */
  timeoutNs?: number;
  /** Timeouts blamed on an entity before it is guilty (S7), an integer >= 1. Default 1. */
  hangLimit?: number;
  /** Within a priority: 'fifo' (the oldest waiting job first, default) or 'rr' (round robin over entities) (S5). */
  order?: SchedOrder;
  /** Its name in traces and its entities' names (`<name>/e<k>`). Default "sched<N>". */
  name?: string;
}

/** Options of sched.createEntity. */
export interface EntityOptions {
  /** 'kernel' | 'high' | 'normal' (default) | 'low': higher priorities run first (S5). */
  priority?: Priority;
}

/** A scheduler job: a ring Job plus its credits and dependencies. */
export interface SchedJob extends Job {
  /** Credits it takes while on the ring (S2, R7): an integer >= 1 (0 is ERR_INVALID_ARG); above the limit it is clamped (a violation) and runs alone. Default 1. */
  credits?: number;
  /** Fences it waits for (S3): any DmaFence of this runtime; null entries are ignored. Default none. */
  deps?: readonly (DmaFence | null)[];
}

/** A batch job (pushBatch): a ring Job, its credits, and the fence each job waits for. */
export interface SchedBatchJob extends Job {
  /** As for push (S2). Default 1. */
  credits?: number;
  /** Job i waits for fence `firstSeqno + i` of `context` (a context id, or a FenceContext) (S3). */
  after?: {
    /** A context id, or a FenceContext. */
    context: number | FenceContext;
    /** The seqno job 0 waits for. */
    firstSeqno: number;
  };
}

/**
 * What push returns: the job's seqno and its two fences (S1, S2). Read-only: getters (an
 * assignment throws in strict code and changes nothing); `toJSON()` gives the three fields.
 */
export interface PushedJob {
  /** Its seqno, the same on both fences. */
  readonly seqno: number;
  /** Signals when the job is written into the ring (S4), or when it is cancelled or killed. */
  readonly scheduled: DmaFence;
  /** Signals when the job completed, with the hardware fence's error (S6), in seqno order per entity. */
  readonly finished: DmaFence;
  /** The three fields as a plain object (JSON.stringify uses it). */
  toJSON(): {
    /** Its seqno, the same on both fences. */
    seqno: number;
    /** Its scheduled fence. */
    scheduled: DmaFence;
    /** Its finished fence. */
    finished: DmaFence;
  };
}

/** Options of ent.flush. */
export interface FlushOptions {
  /** How long to wait, ns on the runtime clock; Infinity (default) waits until flushed. */
  timeoutNs?: number;
}

const ENTITY_KEYS = ['priority'] as const;
const FLUSH_KEYS = ['timeoutNs'] as const;
const ENTITIES = new WeakSet<object>();

/**
 * A job scheduler (drm_sched, S1-S10) feeding one ring, from `rt.createScheduler(opts)`. Its
 * entities queue jobs; the core runs each when it is its entity's oldest, its dependencies
 * signaled and credits free (S4), by priority then FIFO or round robin, with head-of-line
 * blocking (S5), and signals its finished fence with the hardware fence's error (S6). A timeout
 * is blamed on the running job's entity (S7); `fini()` cancels through the ring's stop protocol
 * (S10, T3). Every member throws ERR_DISPOSED after `rt.dispose()`.
 *
 * @example
 * ```ts
 * const sched = rt.createScheduler({ ring, creditLimit: 64 });
 * const ent = sched.createEntity({ priority: 'high' });
 * const a = ent.push({ dst: buf });
 * const b = ent.push({ dst: buf, deps: [otherRingFence] });
 * rt.sim.runUntilIdle();
 * console.log(a.finished.status, b.finished.status);   // 1 1
 * ```
 */
export class Scheduler {
  readonly #s: SchedState;

  /** @internal Made by Runtime.createScheduler. */
  constructor(s: SchedState) {
    this.#s = s;
    Object.freeze(this);
  }

  #alive(): SchedState {
    this.#s.life.check();
    return this.#s;
  }

  /** Its name (traces, entity names). */
  get name(): string {
    return this.#alive().c.name;
  }
  /** The ring it feeds. */
  get ring(): HwRing {
    return this.#alive().ring;
  }
  /** Credits of the jobs on the ring at once (S1). */
  get creditLimit(): number {
    return this.#alive().c.creditLimit;
  }
  /** Credits of its jobs on the ring now (S4, S6). */
  get creditCount(): number {
    return this.#alive().creditCount;
  }
  /** The timeout handler's limit per job, ns (S7). */
  get timeoutNs(): number {
    return this.#alive().c.timeoutNs;
  }
  /** Timeouts blamed on an entity before it is guilty (S7). */
  get hangLimit(): number {
    return this.#alive().c.hangLimit;
  }
  /** 'fifo' or 'rr' within a priority (S5). */
  get order(): SchedOrder {
    return this.#alive().c.order;
  }

  /**
   * A new entity with two consecutive fence contexts, scheduled (C) and finished (C + 1) (S1).
   * ERR_CAPACITY when maxEntities or maxContexts is used up; ERR_ENTITY_KILLED after fini().
   */
  createEntity(opts?: EntityOptions): Entity {
    const s = this.#alive();
    const o = checkOptions('entity options', opts, ENTITY_KEYS);
    const priority = o.priority === undefined ? 'normal' : checkEnum('priority', o.priority, PRIORITIES);
    return new Entity(s, s.createEntity(priority));
  }

  /**
   * S10: the scheduler stops: no job runs any more; the ring's jobs are cancelled through the
   * emitter (T3: its stop protocol proves the device idle, then they signal -ECANCELED, or
   * normally if they completed), then every queued job finishes -ECANCELED in order (its
   * scheduled fence too). No fence is left unsignaled or signaled early. The ring runs again
   * afterwards if the stop left it stopped. Idempotent: a second call returns the same promise.
   */
  fini(): Promise<void> {
    try {
      const s = this.#alive();
      return s.life.settle(s.finalize());
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/**
 * An entity of a scheduler (drm_sched_entity): one client's queue of jobs, in order, with a
 * priority, from `sched.createEntity()`. Each job gets the next seqno on both its scheduled and
 * finished fence (S2). Every member throws ERR_DISPOSED after `rt.dispose()`.
 *
 * @example
 * ```ts
 * const copy = sched.createEntity();
 * const first = copy.pushBatch(1024, { bytes: 0 });
 * render.pushBatch(1024, { after: { context: copy.finishedContext, firstSeqno: first } });
 * ```
 */
export class Entity {
  readonly #s: SchedState;
  readonly #e: EntityState;

  /** @internal Made by Scheduler.createEntity. */
  constructor(s: SchedState, e: EntityState) {
    this.#s = s;
    this.#e = e;
    ENTITIES.add(this);
    Object.freeze(this);
  }

  #alive(): EntityState {
    this.#s.life.check();
    return this.#e;
  }

  /** `<scheduler name>/e<k>` (traces). */
  get name(): string {
    return this.#alive().name;
  }
  /** 'kernel' | 'high' | 'normal' | 'low' (S5). */
  get priority(): Priority {
    return this.#alive().priority;
  }
  /** The id of its scheduled context (S1). */
  get scheduledContext(): number {
    return this.#alive().schedCtx!.id;
  }
  /** The id of its finished context: scheduledContext + 1 (S1). */
  get finishedContext(): number {
    return this.#alive().finCtx.id;
  }
  /** True once kill() was called (or its scheduler finalized): push is refused (S8). */
  get killed(): boolean {
    const e = this.#alive();
    return e.killed || this.#s.stopped;
  }
  /** True once its karma reached the hang limit (S7): its later jobs finish -ECANCELED. */
  get guilty(): boolean {
    return this.#alive().guilty;
  }
  /** Its jobs not yet written into the ring (nor finished by a kill or fini). */
  get queued(): number {
    return this.#alive().queued;
  }

  /**
   * S2: queues a job (the ring's Job fields, `credits`, `deps`) and returns its seqno and its
   * scheduled and finished fences. Refused with a coded error and nothing changed: bad fields
   * (ERR_INVALID_ARG), 0 credits (ERR_INVALID_ARG), a fence of another runtime
   * (ERR_FOREIGN_HANDLE), no room (ERR_CAPACITY), a killed entity (ERR_ENTITY_KILLED).
   */
  push(job: SchedJob): PushedJob {
    const e = this.#alive();
    return this.#s.push(e, job, 'credits') as PushedJob; // read-only getters (PushResult); scheduled: a scheduler's entity has one
  }

  /**
   * Batch form: n identical jobs in one call into the core, their fences without handles; with
   * `after`, job i waits for fence `firstSeqno + i` of that context (the copy -> render
   * pipeline). All or nothing. Returns the first job's seqno.
   */
  pushBatch(n: number, job: SchedBatchJob): number {
    return this.#s.pushBatch(this.#alive(), n, job);
  }

  /**
   * S8: the entity takes no more jobs (push: ERR_ENTITY_KILLED); each job still queued finishes
   * -ESRCH, in order, once its predecessor finished and its dependencies signaled; its scheduled
   * fence signals too. Jobs already on the ring complete normally. Idempotent.
   */
  kill(): void {
    this.#s.kill(this.#alive());
  }

  /**
   * S9: resolves true once every queued job of the entity is on the ring (not completed), or
   * false when timeoutNs passes first.
   */
  flush(opts?: FlushOptions): Promise<boolean> {
    try {
      const e = this.#alive();
      const o = checkOptions('flush options', opts, FLUSH_KEYS);
      const { timeoutNs } = parseWaitOptions(o.timeoutNs === undefined ? undefined : ({ timeoutNs: o.timeoutNs } as WaitOptions));
      return this.#s.life.settle(this.#s.flush(e, timeoutNs));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** @internal A real Entity (brand check). */
  static _is(x: unknown): x is Entity {
    return typeof x === 'object' && x !== null && ENTITIES.has(x);
  }
}
