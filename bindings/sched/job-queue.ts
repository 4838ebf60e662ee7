/**
 * JobQueue, the public face of the job queue (the 2026 Rust Jobqueue RFC, Q1-Q4): one ring, one
 * fence context, a capacity in credits, strict FIFO. Built on the scheduler core: a scheduler with
 * one entity that has no scheduled context (sched-state.ts, assembly/sched.ts).
 *
 * Contract: driver thread only. Frozen; every member throws (or rejects) ERR_DISPOSED once the
 * runtime is disposed, and a call that throws changes nothing.
 */
import type { DmaFence } from '../dma-fence.js';
import type { HwRing, Job } from '../hw-ring.js';
import type { EntityState, SchedState } from './sched-state.js';

/** Options of rt.createJobQueue. */
export interface JobQueueOptions {
  /** The ring it feeds (one scheduler or job queue per ring), from this runtime. Required. */
  ring: HwRing;
  /** Credits of the jobs on the ring at once (Q1): an integer >= 1 (0 is ERR_INVALID_ARG). Default: the ring's capacity. */
  capacity?: number;
  /** Its name (its context's timeline name, traces). Default "jobqueue<N>". */
  name?: string;
}

/** A job-queue job: a ring Job plus its cost and dependencies. */
export interface QueueJob extends Job {
  /** Credits it takes while on the ring (Q2): an integer >= 0, at most the capacity. Default 1. */
  cost?: number;
  /** Fences it waits for: any DmaFence of this runtime; null entries are ignored. Default none. */
  deps?: readonly (DmaFence | null)[];
}

/**
 * A job queue (Q1-Q4) feeding one ring, from `rt.createJobQueue(opts)`: strict FIFO (the head
 * runs when its dependencies signaled and the capacity allows; nothing overtakes it), jobs may
 * cost 0, done fences signal in submission order, and `drop()` tears it down through the
 * ring's stop protocol (T3). Every member throws ERR_DISPOSED after `rt.dispose()`.
 *
 * @example
 * ```ts
 * const jq = rt.createJobQueue({ ring, capacity: 8 });
 * const done = jq.submit({ dst: buf, cost: 2, deps: [upload] });
 * await rt.sim.runUntilSettled(done.wait());
 * await rt.sim.runUntilSettled(jq.drop());
 * ```
 */
export class JobQueue {
  readonly #s: SchedState;
  readonly #e: EntityState;

  /** @internal Made by Runtime.createJobQueue. */
  constructor(s: SchedState) {
    this.#s = s;
    this.#e = s.createEntity('normal');
    Object.freeze(this);
  }

  #alive(): SchedState {
    this.#s.life.check();
    return this.#s;
  }

  /** Its name. */
  get name(): string {
    return this.#alive().c.name;
  }
  /** The ring it feeds. */
  get ring(): HwRing {
    return this.#alive().ring;
  }
  /** Credits of the jobs on the ring at once (Q1). */
  get capacity(): number {
    return this.#alive().c.creditLimit;
  }
  /** Credits of its jobs on the ring now. */
  get creditCount(): number {
    return this.#alive().creditCount;
  }
  /** The id of its one context, where its done fences live (Q1). */
  get context(): number {
    this.#alive();
    return this.#e.finCtx.id;
  }
  /** Jobs submitted and not yet on the ring. */
  get queued(): number {
    this.#alive();
    return this.#e.queued;
  }
  /** True once drop() was called: submit is refused (ERR_ENTITY_KILLED). */
  get dropped(): boolean {
    return this.#alive().stopped;
  }

  /**
   * Q2, Q3: queues a job (the ring's Job fields, `cost`, `deps`) and returns its done fence.
   * Refused with a coded error and nothing changed: bad fields or a cost above the capacity
   * (ERR_INVALID_ARG), a fence of another runtime (ERR_FOREIGN_HANDLE), no room (ERR_CAPACITY),
   * after drop() (ERR_ENTITY_KILLED).
   */
  submit(job: QueueJob): DmaFence {
    const s = this.#alive();
    return s.push(this.#e, job, 'cost').finished;
  }

  /**
   * Q4: teardown through the emitter: no job runs any more; the ring's jobs end once its stop
   * protocol proved the device idle (T3), then every queued job's done fence signals -ECANCELED,
   * in order. Idempotent: a second call returns the same promise.
   */
  drop(): Promise<void> {
    try {
      const s = this.#alive();
      return s.life.settle(s.finalize());
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
