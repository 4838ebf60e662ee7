/**
 * The schedulers of one runtime, as the drivers see them: the arena words of each scheduler and
 * entity, when a core pass is due (virtual clock: the engine asks `dirty()` and runs it at once),
 * the real clock's pass in the interrupt handler, and what JS does after a pass: flush waiters,
 * trace events.
 *
 * Contract: driver thread only. Made lazily by the runtime at its first createScheduler or
 * createJobQueue; the core does the per-job work (assembly/sched.ts), this file only the
 * per-call and per-waiter work.
 */
import * as L from '../core/layout.js';
import type { Arena } from '../arena.js';
import type { Core } from '../core/core.js';
import type { FenceContext } from '../fence-context.js';
import type { FenceTable } from '../fence-table.js';
import type { HwRing } from '../hw-ring.js';
import type { Lifetime } from '../lifetime.js';
import type { Clock } from '../sim/clock.js';
import type { ViolationLog } from '../violations.js';

/** What the schedulers need of their runtime. */
export interface SchedHost {
  readonly arena: Arena;
  readonly core: Core;
  readonly fences: FenceTable;
  readonly sim: Clock;
  readonly log: ViolationLog;
  readonly life: Lifetime;
  readonly real: boolean;
  readonly tracing: boolean;
  /** The runtime's rings (a scheduler's ring must be one of them). */
  rings(): readonly HwRing[];
  /** A new context of the runtime (registered as an issuer). */
  createContext(driverName: string, timelineName: string): FenceContext;
  trace(name: string, args: Record<string, unknown>): void;
  /** Wakes the device thread (real clock). */
  kick(): void;
}

/** Arena words of one record (scheduler or entity) at a byte offset from the arena base. */
export class Words {
  constructor(
    private readonly a: Arena,
    readonly off: number,
  ) {}
  get(o: number): number {
    return this.a.i32[(this.a.base + this.off + o) >> 2];
  }
  getU(o: number): number {
    return this.a.u32[(this.a.base + this.off + o) >> 2];
  }
  set(o: number, v: number): void {
    this.a.i32[(this.a.base + this.off + o) >> 2] = v;
  }
  getF(o: number): number {
    return this.a.f64[(this.a.base + this.off + o) >> 3];
  }
  setF(o: number, v: number): void {
    this.a.f64[(this.a.base + this.off + o) >> 3] = v;
  }
}

/** What the driver needs of each scheduler (sched/sched-state.ts implements it). */
export interface SchedMember {
  readonly w: Words;
  readonly ringIndex: number;
  /** After a pass that changed it (DR_SCHED) or any step: waiters, trace. */
  afterPass(): void;
  /** Wants DR_SCHED returns (flush waiters, tracing). */
  wantsWake(): boolean;
  /** Has jobs not yet finished (the real clock keeps servicing). */
  busy(): boolean;
  /** A pass is due for a reason no word shows (fini waiting on a dropped ring). */
  readonly finiDue: boolean;
}

export class SchedDriver {
  readonly members: SchedMember[] = [];
  #serviceQueued = false;

  constructor(readonly h: SchedHost) {}

  /** The arena byte offset of scheduler record `i` / entity record `e`. */
  schedOff(i: number): number {
    return this.h.arena.header(L.H_SCHED_OFF) + i * L.SC_SIZE;
  }
  entOff(e: number): number {
    return this.h.arena.header(L.H_ENT_OFF) + e * L.ET_SIZE;
  }

  /** Marks a pass due (a push, a kill, a flag change). On the real clock, runs it soon. */
  kick(): void {
    this.h.arena.setHeader(L.H_SCHED_KICK, 1);
    if (this.h.real && !this.#serviceQueued) {
      this.#serviceQueued = true;
      queueMicrotask(() => {
        this.#serviceQueued = false;
        this.service();
      });
    }
  }

  /** Virtual clock: a pass is due now. */
  dirty(): boolean {
    const a = this.h.arena;
    if (a.header(L.H_SCHED_KICK) !== 0 || a.stat(L.ST_SIGNAL_CALLS) !== a.stat(L.H_SCHED_SEEN)) return true;
    for (const m of this.members) {
      if (m.finiDue) return true;
      if (!(m.w.getU(L.SC_FLAGS) & L.SCF_RING_WAIT)) continue;
      // Blocked on its ring (not running, or no fence slot): due once that changed.
      const ring = this.h.rings()[m.ringIndex];
      if (ring._protocols.w.state() === L.RS_RUNNING && a.inUse() < a.layout.maxFences) return true;
    }
    return false;
  }

  /** After each engine step (virtual clock) or interrupt (real clock). */
  afterStep(_status: number): void {
    if (this.h.life.disposed) return;
    for (const m of this.members) m.afterPass();
  }

  /** Runs a pass now (real clock; and fini/drop on both clocks), then what JS must do after it. */
  service(): void {
    if (this.h.life.disposed) return;
    const { arena, core, sim } = this.h;
    const st = core.schedPass(arena.base, sim.now);
    // Real clock: the doorbell for the jobs written, and the driver's interrupt timer kept
    // running while jobs are unfinished (a signal from JS then reaches a pass within a tick).
    if (this.h.real && (st & L.SP_RAN || this.busy())) this.h.kick();
    if (st & L.DR_NOTIFY) this.h.fences.drain();
    else this.h.fences.publish();
    this.afterStep(st);
  }

  /** Real clock: jobs are not finished yet (the driver keeps its interrupt timer running). */
  busy(): boolean {
    return this.members.some((m) => m.busy());
  }

  /** SCF_WAKE on every scheduler that wants it (the core then returns at each change). */
  syncWake(m: SchedMember): void {
    const f = m.w.getU(L.SC_FLAGS);
    const want = m.wantsWake();
    if (want !== ((f & L.SCF_WAKE) !== 0)) m.w.set(L.SC_FLAGS, want ? f | L.SCF_WAKE : f & ~L.SCF_WAKE);
  }
}
