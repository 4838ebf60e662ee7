/**
 * Submission (R2, R3): a job's fields checked at the binding, the descriptor written by the core,
 * and backpressure: submitAsync's waiters for space, served in call order between core steps.
 *
 * Contract: driver thread only; HwRing's submit members delegate here. The core never sees an
 * address outside the job's buffer.
 */
import * as L from '../core/layout.js';
import type { DmaFence } from '../dma-fence.js';
import { checkAbortSignal } from '../dma-fence.js';
import { DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, abortReason, checkInteger, checkOptions, unknownOption } from '../errors.js';
import type { RingProtocols, SpaceQueue } from './protocols.js';
import { JOB_KEYS, PROTOCOL_KEYS, STATES } from './types.js';
import type { Job, ParsedJob, ProtocolOptions, SpaceWaiter } from './types.js';

/**
 * checkOptions('job', job, JOB_KEYS) without its array of the job's keys (a submit's fixed cost):
 * the own enumerable keys looked at in place, an unknown one refused with checkOptions' error
 * (found once: a Proxy that answers differently the second time is not asked again). Anything but
 * a plain object, or an object whose walk throws (a Proxy's trap: `for…in` also asks for its
 * prototype, which Object.keys does not), goes to checkOptions, which throws or accepts as ever.
 */
function checkJob(job: unknown): Job {
  if (job === null || typeof job !== 'object' || Array.isArray(job)) return checkOptions('job', job, JOB_KEYS) as Job;
  let unknown: string | undefined;
  try {
    for (const k in job) {
      if (k === 'dst' || k === 'offset' || k === 'bytes' || k === 'pattern' || !Object.hasOwn(job, k)) continue;
      unknown = k;
      break;
    }
  } catch {
    return checkOptions('job', job, JOB_KEYS) as Job;
  }
  if (unknown !== undefined) throw unknownOption('job', unknown, JOB_KEYS);
  return job as Job;
}

export class RingSubmission implements SpaceQueue {
  #spaceWaiters: SpaceWaiter[] = [];

  constructor(private readonly p: RingProtocols) {
    p.waiters = this;
  }

  count(): number {
    return this.#spaceWaiters.length;
  }

  clear(): void {
    this.#spaceWaiters = [];
  }

  serve(): void {
    while (this.#spaceWaiters.length && this.p.capacity - this.p.w.inFlight() > 0 && this.p.w.state() === L.RS_RUNNING) {
      const w = this.#spaceWaiters.shift()!;
      try {
        if (w.job.buf?._freed) throw new DmaFenceError('ERR_STALE_HANDLE', `dst buffer ${w.job.buf._id} was freed while its job waited for space`);
        w.resolve(this.submitParsed(w.job));
      } catch (e) {
        w.reject(e);
      }
    }
  }

  
  /**
   * A job's fields, checked at the binding against the buffer's real (private) offset and size:
   * the core never sees an address outside the buffer. dst must be a buffer this runtime's memory
   * issued and not freed (a look-alike object is ERR_INVALID_ARG, another runtime's buffer
   * ERR_FOREIGN_HANDLE, a freed one ERR_STALE_HANDLE).
   */
  parseJob(job: unknown, keys: readonly string[] = JOB_KEYS): ParsedJob {
    const o = keys === JOB_KEYS ? checkJob(job) : (checkOptions('job', job, keys) as Job);
    const pattern = o.pattern === undefined ? 0xab : checkInteger('pattern', o.pattern, 0, 255);
    if (o.dst === undefined) {
      if (o.bytes !== undefined && o.bytes !== 0) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'a job that writes bytes needs a dst buffer');
      if (o.offset !== undefined) throw new DmaFenceTypeError('ERR_INVALID_ARG', 'offset needs a dst buffer');
      return { dst: 0, bytes: 0, pattern, allocId: 0 };
    }
    const mem = this.p.h.memory;
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

  checkRunning(): void {
    const s = this.p.w.state();
    if (s !== L.RS_RUNNING) throw new DmaFenceError('ERR_RING_STOPPED', `ring ${this.p.name} is ${STATES[s]}: it takes jobs only while running`);
    if (this.p.drop) throw new DmaFenceError('ERR_RING_STOPPED', `ring ${this.p.name} is being dropped (${this.p.drop.policy}): it takes no more jobs`);
  }

  submitParsed(j: ParsedJob): DmaFence {
    const h = this.p.h;
    const r = h.core.ringSubmit(h.arena.base, this.p.index, 1, j.dst, j.bytes, j.pattern, j.allocId, 1, h.sim.now);
    if (r === -1) throw new DmaFenceRangeError('ERR_RING_FULL', `ring ${this.p.name} is full (${this.p.capacity} jobs in flight): wait for completions or use submitAsync`);
    if (r === -2) throw new DmaFenceRangeError('ERR_CAPACITY', 'no free fence slot (raise maxFences)');
    h.kick();
    return h.fences.handle(r);
  }

  /** R2: writes the job's descriptor and returns its fence. Full: ERR_RING_FULL, nothing changes. */
  submit(job: Job): DmaFence {
    this.p.h.life.check();
    this.checkRunning();
    return this.submitParsed(this.parseJob(job));
  }

  /**
   * Batch form: n identical jobs in one call into the core; their fences have no handles (they
   * are recycled as they signal). All or nothing. Returns the first job's seqno.
   */
  submitBatch(n: number, job: Job): number {
    const p = this.p;
    const h = p.h;
    h.life.check();
    this.checkRunning();
    checkInteger('n', n, 1, p.capacity);
    const j = this.parseJob(job);
    const r = h.core.ringSubmit(h.arena.base, p.index, n, j.dst, j.bytes, j.pattern, j.allocId, 0, h.sim.now);
    if (r === -1) throw new DmaFenceRangeError('ERR_RING_FULL', `ring ${p.name} has room for ${p.capacity - p.w.inFlight()} jobs, not ${n}`);
    if (r === -2) throw new DmaFenceRangeError('ERR_CAPACITY', `no room for ${n} fences (raise maxFences)`);
    h.kick();
    return h.arena.ctxLastSeqno(p.ctx.index) - n + 1; // (the runtime is alive: checked above)
  }

  /**
   * R3: like submit, but waits (on the clock) for space instead of throwing ERR_RING_FULL; waiters
   * are served in call order. Rejects ERR_RING_STOPPED if the ring stops taking jobs first.
   * Aborting `signal` takes the waiter out of the queue (its job is never submitted) and rejects
   * with the signal's reason.
   */
  submitAsync(job: Job, opts?: ProtocolOptions): Promise<DmaFence> {
    try {
      this.p.h.life.check();
      const o = checkOptions('submitAsync options', opts, PROTOCOL_KEYS);
      const signal = checkAbortSignal(o.signal);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      this.checkRunning();
      const j = this.parseJob(job);
      if (this.p.capacity - this.p.w.inFlight() > 0 && this.#spaceWaiters.length === 0) return Promise.resolve(this.submitParsed(j));
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
          this.p.syncWake();
          end(() => reject(abortReason(signal!)));
        };
        const w: SpaceWaiter = { job: j, resolve: (f) => end(() => resolve(f)), reject: (e) => end(() => reject(e)) };
        const untrack = this.p.h.life.track((e) => {
          leave();
          end(() => reject(e));
        });
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#spaceWaiters.push(w);
        this.p.syncWake();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  rejectAll(): void {
    const ws = this.#spaceWaiters;
    if (!ws.length) return;
    this.#spaceWaiters = [];
    for (const w of ws) w.reject(new DmaFenceError('ERR_RING_STOPPED', `ring ${this.p.name} stopped taking jobs`));
  }
}
