/**
 * One scheduler's JS side (a job queue is one too, with a single entity and no scheduled
 * context): its arena records, entity creation, push (S2, S3: credits, dependencies, pipelining),
 * kill (S8), flush (S9), timeout blame (S7) through the ring's timeout handler, fini (S10, Q4)
 * through the ring's stop protocol (T3), and trace events. The per-job work is the core's.
 *
 * Contract: driver thread only. Every entry point checks the runtime's lifetime first and
 * changes nothing when it throws.
 */
import * as L from '../core/layout.js';
import { DmaFence } from '../dma-fence.js';
import type { FenceContext } from '../fence-context.js';
import type { HwRing } from '../hw-ring.js';
import type { RingProtocols } from '../ring/protocols.js';
import type { Timer } from '../sim/clock.js';
import { seqnoLater } from '../core/seqno.js';
import { DmaFenceError, DmaFenceRangeError, DmaFenceTypeError, checkInteger, checkOptions, describe } from '../errors.js';
import { JOB_KEYS } from '../ring/types.js';
import type { SchedDriver, SchedMember } from './sched-driver.js';
import { Words } from './sched-driver.js';

const SCHED_JOB_KEYS = [...JOB_KEYS, 'credits', 'deps'];
const QUEUE_JOB_KEYS = [...JOB_KEYS, 'cost', 'deps'];
const BATCH_JOB_KEYS = [...JOB_KEYS, 'credits', 'after'];

/** An entity's priority (S5): 'kernel' first, 'low' last. */
export type Priority = 'kernel' | 'high' | 'normal' | 'low';
export const PRIORITIES: readonly Priority[] = ['kernel', 'high', 'normal', 'low'];
/** How a scheduler picks among the entities of one priority (S5): 'fifo' (oldest job first) or 'rr' (round robin). */
export type SchedOrder = 'fifo' | 'rr';

/** One entity's JS side. */
export class EntityState {
  killed = false;
  flushWaiters: { done(ok: boolean): void }[] = [];
  /** Trace: the last scheduled and finished seqnos recorded. */
  tracedRun = 0;
  tracedFin = 0;
  constructor(
    readonly index: number,
    readonly k: number,
    readonly name: string,
    readonly w: Words,
    readonly priority: Priority,
    readonly schedCtx: FenceContext | undefined,
    readonly finCtx: FenceContext,
  ) {}
  get guilty(): boolean {
    return (this.w.getU(L.ET_FLAGS) & L.ETF_GUILTY) !== 0;
  }
  get queued(): number {
    return this.w.getU(L.ET_QUEUED);
  }
}

/**
 * What push returns (Entity.push's `PushedJob`): the job's seqno and its two fences, read-only.
 * The fields are getters over private fields, as the fence handles' are: an assignment throws a
 * TypeError (strict code) or is ignored, and nothing changes. Not a frozen object literal: its
 * `Object.freeze` was a runtime call on every push (README Performance, the scheduled pipeline).
 */
export class PushResult {
  readonly #seqno: number;
  readonly #scheduled: DmaFence | undefined;
  readonly #finished: DmaFence;
  /** @internal Made by SchedState.push. */
  constructor(seqno: number, scheduled: DmaFence | undefined, finished: DmaFence) {
    this.#seqno = seqno;
    this.#scheduled = scheduled;
    this.#finished = finished;
  }
  /** Its seqno, the same on both fences. */
  get seqno(): number {
    return this.#seqno;
  }
  /** Signals when the job is written into the ring (S4), or when it is cancelled or killed. */
  get scheduled(): DmaFence | undefined {
    return this.#scheduled;
  }
  /** Signals when the job completed, with the hardware fence's error (S6), in seqno order per entity. */
  get finished(): DmaFence {
    return this.#finished;
  }
  /** JSON.stringify and spreading see no own fields: this gives the three. */
  toJSON(): { seqno: number; scheduled: DmaFence | undefined; finished: DmaFence } {
    return { seqno: this.#seqno, scheduled: this.#scheduled, finished: this.#finished };
  }
  /** console.log / util.inspect (Node): the three fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return this.toJSON();
  }
}

/** The zero-byte job (no dst, bytes, offset or pattern): what the ring's parse gives it. */
const ZERO_JOB = Object.freeze({ dst: 0, bytes: 0, pattern: 0xab, allocId: 0 });

export interface SchedConfig {
  name: string;
  creditLimit: number;
  timeoutNs: number;
  hangLimit: number;
  order: SchedOrder;
  /** A job queue (Q): one entity, no scheduled context, 0-cost jobs allowed. */
  jobQueue: boolean;
}

export class SchedState implements SchedMember {
  readonly w: Words;
  readonly index: number;
  readonly ringIndex: number;
  readonly p: RingProtocols;
  readonly entities: EntityState[] = [];
  /** Finished context index -> entity: dependencies on them pipeline (S3). */
  readonly #byFinCtx: (EntityState | undefined)[] = [];
  /** fini/drop began: nothing more is pushed or run. */
  stopped = false;
  fini: Promise<void> | undefined;

  constructor(
    readonly d: SchedDriver,
    readonly ring: HwRing,
    readonly c: SchedConfig,
  ) {
    const a = d.h.arena;
    const index = a.header(L.H_SCHED_COUNT);
    if (index >= a.header(L.H_MAX_SCHEDS)) throw new DmaFenceRangeError('ERR_CAPACITY', `all ${a.header(L.H_MAX_SCHEDS)} schedulers are in use (raise maxSchedulers)`);
    const p = ring._protocols;
    if (p.sched) throw new DmaFenceTypeError('ERR_INVALID_ARG', `ring ${p.name} already has a scheduler or job queue: one per ring`);
    if (p.drop || p.w.state() === L.RS_DROPPED) throw new DmaFenceError('ERR_RING_STATE', `ring ${p.name} is dropped or being dropped`);
    this.index = index;
    this.ringIndex = ring.index;
    this.p = p;
    const w = (this.w = new Words(a, d.schedOff(index)));
    w.set(L.SC_RING, ring.index);
    w.set(L.SC_FLAGS, L.SCF_LIVE);
    w.set(L.SC_CREDIT_LIMIT, c.creditLimit);
    w.set(L.SC_CREDIT_COUNT, 0);
    for (const o of [L.SC_ENT_HEAD, L.SC_ENT_TAIL, L.SC_RING_HEAD, L.SC_RING_TAIL, L.SC_RR_LAST]) w.set(o, L.NIL);
    w.set(L.SC_ORDER, c.order === 'rr' ? 1 : 0);
    w.setF(L.SC_PUSHED, 0);
    w.set(L.SC_QUEUED, 0);
    w.set(L.SC_HANG_LIMIT, c.jobQueue ? 0 : c.hangLimit);
    a.setHeader(L.H_SCHED_COUNT, index + 1);
    // S1: the scheduler's timeout is the ring's timeout handler's limit while it feeds the ring.
    if (c.timeoutNs !== p.w.getF(L.R_TIMEOUT_NS)) {
      p.w.setF(L.R_TIMEOUT_NS, c.timeoutNs);
      p.reschedule();
    }
    p.sched = { onTimeout: (s) => this.#blame(s), onRecovered: (r) => this.#recovered(r) };
    d.members.push(this);
    d.syncWake(this);
  }

  get life() {
    return this.d.h.life;
  }
  get creditCount(): number {
    return this.w.getU(L.SC_CREDIT_COUNT);
  }

  // ── entities (S1) ──

  createEntity(priority: Priority): EntityState {
    const h = this.d.h;
    const a = h.arena;
    if (this.stopped) throw new DmaFenceError('ERR_ENTITY_KILLED', `scheduler ${this.c.name} was finalized: it takes no new entity`);
    if (this.c.jobQueue && this.entities.length) throw new DmaFenceError('ERR_INVALID_ARG', 'a job queue has one entity');
    const e = a.header(L.H_ENT_COUNT);
    if (e >= a.header(L.H_MAX_ENTS)) throw new DmaFenceRangeError('ERR_CAPACITY', `all ${a.header(L.H_MAX_ENTS)} scheduler entities are in use (raise maxEntities)`);
    const ctxs = this.c.jobQueue ? 1 : 2;
    if (a.header(L.H_CTX_COUNT) + ctxs > a.layout.maxContexts) throw new DmaFenceRangeError('ERR_CAPACITY', `an entity needs ${ctxs} fence contexts and the runtime has fewer left (raise maxContexts)`);
    const k = this.entities.length;
    const name = this.c.jobQueue ? this.c.name : `${this.c.name}/e${k}`;
    // S1: two consecutive contexts, scheduled (C) and finished (C + 1).
    const schedCtx = this.c.jobQueue ? undefined : h.createContext(this.c.name, `${name}.scheduled`);
    const finCtx = h.createContext(this.c.name, this.c.jobQueue ? name : `${name}.finished`);
    if (schedCtx) schedCtx._held = true;
    finCtx._held = true;
    const w = new Words(a, this.d.entOff(e));
    w.set(L.ET_SCHED, this.index);
    w.set(L.ET_FLAGS, L.ETF_LIVE);
    w.set(L.ET_PRIORITY, PRIORITIES.indexOf(priority));
    w.set(L.ET_SCHED_CTX, schedCtx ? schedCtx.index : L.NIL);
    w.set(L.ET_FIN_CTX, finCtx.index);
    for (const o of [L.ET_NEXT, L.ET_HEAD, L.ET_TAIL, L.ET_CURSOR]) w.set(o, L.NIL);
    w.set(L.ET_KARMA, 0);
    w.setF(L.ET_SEQNO, finCtx.lastSeqno);
    w.set(L.ET_QUEUED, 0);
    const tail = this.w.get(L.SC_ENT_TAIL);
    if (tail === L.NIL) this.w.set(L.SC_ENT_HEAD, e);
    else new Words(a, this.d.entOff(tail)).set(L.ET_NEXT, e);
    this.w.set(L.SC_ENT_TAIL, e);
    a.setHeader(L.H_ENT_COUNT, e + 1);
    const ent = new EntityState(e, k, name, w, priority, schedCtx, finCtx);
    ent.tracedRun = ent.tracedFin = finCtx.lastSeqno;
    this.entities.push(ent);
    this.#byFinCtx[finCtx.index] = ent;
    return ent;
  }

  // ── push (S2, S3, Q2) ──

  /**
   * Checks a job and queues it (one core call, plus one per dependency); its seqno and fences
   * (scheduled: undefined in a job queue), as a `PushResult`. Allocation-free but for the
   * handles, their records and the result. The rare cases (a killed entity, credits or a buffer
   * given, composites among the dependencies, an over-limit job) are calls of their own, so that
   * the usual push stays small for TurboFan's inlining budget (README Performance).
   */
  push(e: EntityState, job: unknown, costKey: 'credits' | 'cost'): PushResult {
    const h = this.d.h;
    const keys = costKey === 'cost' ? QUEUE_JOB_KEYS : SCHED_JOB_KEYS;
    const o = checkOptions('job', job, keys) as Record<string, unknown>;
    if (e.killed || this.stopped) this.#checkOpen(e);
    const cost = o[costKey];
    const credits = cost === undefined ? 1 : this.#credits(cost, costKey);
    // A job with no buffer and no ring field is the zero-byte job: no parse (the same values).
    const pj = o.dst === undefined && o.bytes === undefined && o.offset === undefined && o.pattern === undefined ? ZERO_JOB : this.ring._parseJob(job, keys);
    const deps = o.deps;
    const nDeps = deps === undefined ? 0 : this.#deps(e, deps);
    this.#room(1, nDeps);
    // (a clamp refuses the push under strict: before anything below changes state)
    const cr = credits > this.c.creditLimit ? this.#clamp(e, credits) : credits;
    // Composites signal in the arena once enabled (#deps saw whether any is among them).
    if (nDeps !== 0 && this.#depComposite) this.#enableDeps(deps as (DmaFence | null)[]);
    const a = h.arena;
    const j = h.core.schedPush(a.base, e.index, 1, cr, pj.dst, pj.bytes, pj.pattern, pj.allocId, L.NIL, 0, L.PUSH_PIN);
    if (j < 0) throw new DmaFenceRangeError('ERR_CAPACITY', 'no room for the job (raise maxJobs or maxFences)');
    if (nDeps !== 0) this.#addDeps(j, nDeps);
    // The two fences schedPush just made and pinned, at their contexts' tails (a call of their own:
    // push's body is past what TurboFan inlines into its callers, and this keeps its budget for the rest).
    const t = h.fences;
    const fin = e.finCtx.index;
    const finished = t.tailHandle(fin);
    const sc = e.schedCtx;
    const scheduled = sc === undefined ? undefined : t.tailHandle(sc.index);
    this.d.kick();
    return new PushResult(a.ctxLastSeqno(fin), scheduled, finished);
  }

  #addDeps(j: number, n: number): void {
    const { arena: a, core } = this.d.h;
    const r = this.#refs;
    for (let k = 0; k < n; k++) core.schedAddDep(a.base, j, r.slot[k], r.gen[k], r.ctx[k], r.seqno[k]);
  }

  #enableDeps(deps: (DmaFence | null)[]): void {
    this.#depComposite = false;
    for (const f of deps) this.d.h.fences.enableDependency(f);
  }

  /** The batch form (S2 without handles): n jobs, job i after fence firstSeqno + i of `after`. */
  pushBatch(e: EntityState, n: unknown, job: unknown): number {
    const h = this.d.h;
    const keys = BATCH_JOB_KEYS;
    const o = checkOptions('job', job, keys) as Record<string, unknown>;
    this.#checkOpen(e);
    const count = checkInteger('n', n, 1, h.arena.header(L.H_MAX_JOBS) || 1);
    let credits = this.#credits(o.credits, 'credits');
    const pj = this.ring._parseJob(job, keys);
    let afterCtx = L.NIL;
    let afterSeqno = 0;
    let pushFlags = 0;
    if (o.after !== undefined) {
      const af = checkOptions('after', o.after, ['context', 'firstSeqno']) as Record<string, unknown>;
      const ctx = this.#contextIndex(af.context);
      afterSeqno = checkInteger('after.firstSeqno', af.firstSeqno, 0, Number.MAX_SAFE_INTEGER, 'ERR_INVALID_SEQNO');
      if (ctx !== e.finCtx.index && ctx !== e.schedCtx?.index) {
        // S3 pipelining: a finished context of this scheduler is waited for by its scheduled one.
        const owner = this.#byFinCtx[ctx];
        afterCtx = owner?.schedCtx ? owner.schedCtx.index : ctx;
        if (owner?.schedCtx) pushFlags = L.PUSH_AFTER_PIPELINED;
      }
    }
    this.#room(count, 0);
    credits = this.#clamp(e, credits);
    const first = e.finCtx.lastSeqno + 1;
    const a = h.arena;
    if (h.core.schedPush(a.base, e.index, count, credits, pj.dst, pj.bytes, pj.pattern, pj.allocId, afterCtx, afterSeqno, pushFlags) < 0) {
      throw new DmaFenceRangeError('ERR_CAPACITY', `no room for ${count} jobs (raise maxJobs or maxFences)`);
    }
    this.d.kick();
    return first;
  }

  #checkOpen(e: EntityState): void {
    if (e.killed || this.stopped) {
      throw new DmaFenceError('ERR_ENTITY_KILLED', `entity ${e.name} was ${e.killed ? 'killed' : 'finalized with its scheduler'}: it takes no new job (S8)`);
    }
  }

  #credits(v: unknown, key: 'credits' | 'cost'): number {
    if (v === undefined) return 1;
    // R7, S2: at least 1 credit (a job queue's cost may be 0, Q2).
    const n = checkInteger(key, v, key === 'cost' ? 0 : 1, 0xffffffff);
    if (key === 'cost' && n > this.c.creditLimit) {
      throw new DmaFenceRangeError('ERR_INVALID_ARG', `cost ${n} exceeds the job queue's capacity ${this.c.creditLimit}: it could never run`);
    }
    return n;
  }

  /** S2: above the limit: clamped, and a violation (thrown under strict before anything changes). */
  #clamp(e: EntityState, credits: number): number {
    if (credits <= this.c.creditLimit) return credits;
    this.d.h.log.record({
      kind: 'credit-limit',
      rule: 'S2',
      message: `entity ${e.name}: a job of ${credits} credits exceeds the credit limit ${this.c.creditLimit}; clamped, it runs alone`,
      context: e.finCtx.id,
      seqno: e.finCtx.lastSeqno + 1,
      detail: { credits, creditLimit: this.c.creditLimit },
    });
    return this.c.creditLimit;
  }

  #room(n: number, deps: number): void {
    const a = this.d.h.arena;
    const jobs = a.header(L.H_MAX_JOBS) - a.header(L.H_JOBS_IN_USE);
    if (jobs < n) throw new DmaFenceRangeError('ERR_CAPACITY', `${jobs} scheduler job record(s) free, ${n} needed (raise maxJobs)`);
    const refs = a.header(L.H_MAX_DEPS) - a.header(L.H_DEPS_IN_USE);
    if (refs < deps) throw new DmaFenceRangeError('ERR_CAPACITY', `${refs} dependency reference(s) free, ${deps} needed (raise maxJobs)`);
    // Each queued job holds its fences; room stays for the ring's own fences, or nothing could run.
    const need = n * (this.c.jobQueue ? 1 : 2) + this.p.capacity;
    const free = a.layout.maxFences - a.inUse();
    if (free < need) throw new DmaFenceRangeError('ERR_CAPACITY', `${free} fence slot(s) free, ${need} needed with room for the ring's own (raise maxFences)`);
  }

  /** The dependency references of the job being pushed (reused: #deps fills the first n). */
  readonly #refs = { slot: [] as number[], gen: [] as number[], ctx: [] as number[], seqno: [] as number[] };
  /** #deps met a composite fence: push enables them once every check passed. */
  #depComposite = false;

  /** S3: the dependencies of a job, into #refs (how many): null ignored, signaled ones dropped,
   *  own contexts ignored, the latest per context, and same-scheduler finished fences without
   *  error pipelined. */
  #deps(e: EntityState, deps: unknown): number {
    if (!Array.isArray(deps)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `deps must be an array of DmaFence, got ${describe(deps)}`);
    const t = this.d.h.fences;
    const a = t.arena;
    const r = this.#refs;
    this.#depComposite = false;
    let n = 0; // the latest per context; a few entries: a linear search
    for (let i = 0; i < deps.length; i++) {
      const f: unknown = deps[i];
      if (f === null) continue;
      const rec = DmaFence._recordIn(f, t) ?? this.#badDep(f, i);
      if (rec.x.composite !== undefined) this.#depComposite = true;
      if (t.isSignaledRaw(rec)) continue;
      const ctx = rec.ctx;
      if (ctx === e.finCtx.index || ctx === e.schedCtx?.index) continue;
      const seqno = a.slotSeqno(rec.slot);
      let k = 0;
      while (k < n && r.ctx[k] !== ctx) k++;
      if (k < n && !seqnoLater(seqno, r.seqno[k], (a.ctxFlags(ctx) & L.CF_SEQNO64) !== 0)) continue;
      r.slot[k] = rec.slot;
      r.gen[k] = a.slotGen(rec.slot); // stable while the record pins the slot
      r.ctx[k] = ctx;
      r.seqno[k] = seqno;
      if (k === n) n++;
    }
    // S3 pipelining: a finished fence of this scheduler, without error, waits as its scheduled context.
    for (let k = 0; k < n; k++) {
      const owner = this.#byFinCtx[r.ctx[k]];
      if (owner !== undefined && owner.schedCtx !== undefined && a.slotError(r.slot[k]) === 0) {
        r.slot[k] = L.PIPELINED_SLOT;
        r.gen[k] = 0;
        r.ctx[k] = owner.schedCtx.index;
      }
    }
    return n;
  }

  /** deps[i] is neither null nor a handle of this runtime: the coded error. */
  #badDep(f: unknown, i: number): never {
    if (!DmaFence._is(f)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `deps[${i}] is not a DmaFence, got ${describe(f)}`);
    throw new DmaFenceTypeError('ERR_FOREIGN_HANDLE', `deps[${i}] belongs to another runtime`);
  }

  /** A context given by id (or a FenceContext of this runtime): its arena index. */
  #contextIndex(v: unknown): number {
    const issuers = this.d.h.fences.issuers as unknown as FenceContext[];
    if (typeof v === 'number') {
      for (let i = 1; i < issuers.length; i++) if (issuers[i]?.index === i && this.d.h.arena.ctxId(i) === v) return i;
      throw new DmaFenceTypeError('ERR_INVALID_ARG', `after.context: no context of this runtime has id ${v}`);
    }
    if (typeof v === 'object' && v !== null) {
      const i = issuers.indexOf(v as FenceContext);
      if (i > 0) return i;
    }
    throw new DmaFenceTypeError('ERR_INVALID_ARG', `after.context must be a context id (or a FenceContext of this runtime), got ${describe(v)}`);
  }

  // ── kill (S8), flush (S9) ──

  kill(e: EntityState): void {
    if (e.killed) return;
    e.killed = true;
    e.w.set(L.ET_FLAGS, e.w.getU(L.ET_FLAGS) | L.ETF_KILLED);
    this.d.h.trace('entity-kill', { ring: this.p.name, entity: e.name });
    this.d.kick();
  }

  flush(e: EntityState, timeoutNs: number): Promise<boolean> {
    if (e.queued === 0) return Promise.resolve(true);
    if (timeoutNs === 0) return Promise.resolve(false);
    const sim = this.d.h.sim;
    return new Promise<boolean>((resolve) => {
      let timer: Timer | undefined;
      const w = {
        done: (ok: boolean) => {
          const i = e.flushWaiters.indexOf(w);
          if (i >= 0) e.flushWaiters.splice(i, 1);
          timer?.cancel();
          this.d.syncWake(this);
          resolve(ok);
        },
      };
      e.flushWaiters.push(w);
      if (timeoutNs < Infinity) timer = sim.schedule(sim.now + timeoutNs, () => w.done(e.queued === 0));
      this.d.syncWake(this);
    });
  }

  // ── S7: timeout blame, recovery ──

  #blame(seqno: number): void {
    const a = this.d.h.arena;
    if (this.c.jobQueue) return;
    for (let j = this.w.get(L.SC_RING_HEAD); j !== L.NIL; ) {
      const jw = new Words(a, a.header(L.H_JOB_OFF) + j * L.SJ_SIZE);
      const slot = jw.get(L.SJ_HW_SLOT);
      if (slot !== L.NIL && a.slotSeqno(slot) === seqno) {
        const e = this.entities.find((x) => x.index === jw.get(L.SJ_ENTITY))!;
        const karma = e.w.getU(L.ET_KARMA) + 1;
        e.w.set(L.ET_KARMA, karma);
        if (karma >= this.c.hangLimit) e.w.set(L.ET_FLAGS, e.w.getU(L.ET_FLAGS) | L.ETF_GUILTY);
        this.d.h.trace('job-guilty', { ring: this.p.name, entity: e.name, seqno: jw.getF(L.SJ_SEQNO), karma, guilty: karma >= this.c.hangLimit });
        return;
      }
      j = jw.get(L.SJ_RING_NEXT);
    }
  }

  /** After a timeout's recovery the ring is stopped: the scheduler starts it again (drm_sched_start). */
  #recovered(reason: string): void {
    const p = this.p;
    if (reason !== 'timeout' || this.stopped || p.drop || p.stop || p.w.state() !== L.RS_STOPPED || p.device._lost) return;
    p.restart();
    this.d.kick();
  }

  // ── S10, Q4: fini through the emitter ──

  finalize(): Promise<void> {
    if (this.fini) return this.fini;
    this.stopped = true;
    this.w.set(L.SC_FLAGS, this.w.getU(L.SC_FLAGS) | L.SCF_STOPPED);
    const p = this.p;
    this.d.h.trace('sched-fini', { ring: p.name, scheduler: this.c.name });
    const run = async () => {
      // T3: the device proven idle; the ring's jobs signal (finished ones normally, the rest
      // -ECANCELED), and the scheduler finishes them in order with those errors.
      // (A drop under way does this by its own policy: its signals finish the ring's jobs.)
      let stopped = false;
      if (!p.drop && p.w.state() !== L.RS_DROPPED && p.w.state() !== L.RS_STOPPED) {
        // A drop that does not wait for the stop ('signal-on-drop', 'leak') rejects it: the
        // drop's policy then decides how the ring's jobs end (a dropped ring's: -ECANCELED here).
        stopped = await p.stopProtocol(true).then(
          () => true,
          () => false,
        );
      }
      if (this.life.disposed) return;
      // Then every job not yet run: -ECANCELED, in order (S10), scheduled fence first.
      this.w.set(L.SC_FLAGS, this.w.getU(L.SC_FLAGS) | L.SCF_CANCEL);
      this.d.service();
      // A drop under way ends the ring's jobs by its policy: wait until every job has finished.
      if (!this.#allFinished()) {
        await new Promise<void>((resolve) => {
          this.#finiWaiter = resolve;
          this.d.syncWake(this);
        });
        if (this.life.disposed) return;
      }
      if (stopped && !p.drop && p.w.state() === L.RS_STOPPED && !p.device._lost) p.restart();
      p.sched = undefined;
      // Nothing left: the core skips it from now on (a ring still being dropped keeps it live).
      if (this.#allFinished()) this.w.set(L.SC_FLAGS, this.w.getU(L.SC_FLAGS) & ~L.SCF_LIVE);
    };
    this.fini = run();
    return this.fini;
  }

  #finiWaiter: (() => void) | undefined;

  #allFinished(): boolean {
    return this.entities.every((e) => e.w.get(L.ET_HEAD) === L.NIL);
  }

  // ── SchedMember ──

  /** A pass is due though nothing signaled: fini waits and the ring was dropped (its jobs end here). */
  get finiDue(): boolean {
    return this.#finiWaiter !== undefined && this.p.w.state() === L.RS_DROPPED;
  }

  wantsWake(): boolean {
    return this.d.h.tracing || this.#finiWaiter !== undefined || this.entities.some((e) => e.flushWaiters.length > 0);
  }

  busy(): boolean {
    return this.entities.some((e) => e.w.get(L.ET_HEAD) !== L.NIL);
  }

  afterPass(): void {
    if (this.#finiWaiter && this.#allFinished()) {
      const w = this.#finiWaiter;
      this.#finiWaiter = undefined;
      this.d.syncWake(this);
      w();
    }
    for (const e of this.entities) {
      if (e.flushWaiters.length && e.queued === 0) for (const w of e.flushWaiters.slice()) w.done(true);
      if (this.d.h.tracing) this.#trace(e);
    }
  }

  /** Trace: job-run (scheduled signaled) and job-finished events since the last look. */
  #trace(e: EntityState): void {
    const a = this.d.h.arena;
    const ring = this.p.name;
    const run = e.schedCtx ? a.ctxSignaledSeqno(e.schedCtx.index) : undefined;
    if (run !== undefined) {
      for (let s = e.tracedRun + 1; s <= run; s++) this.d.h.trace('job-run', { ring, entity: e.name, seqno: s, context: e.schedCtx!.id });
      e.tracedRun = Math.max(e.tracedRun, run);
    }
    const fin = a.ctxSignaledSeqno(e.finCtx.index);
    for (let s = e.tracedFin + 1; s <= fin; s++) this.d.h.trace('job-finished', { ring, entity: e.name, seqno: s, context: e.finCtx.id });
    e.tracedFin = Math.max(e.tracedFin, fin);
  }
}
