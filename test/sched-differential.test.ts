/**
 * Differential property test of the scheduler core: random scheduler operations (push with random
 * dependencies and credits, pushBatch after another entity, kill, flush, fini, faults through
 * dev.inject, user fences signaled, the clock driven) on the wasm core and on the generated ts
 * core give the same observable results (every return value, every callback with its status and
 * time) and leave identical arena bytes after every operation.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DmaDevice, DmaFence, DriverFence, Entity, HwRing, Runtime, Scheduler } from '../bindings/index.js';
import { arenaSnapshot, runtime } from './helpers.js';

type Op =
  | { op: 'entity'; sched: number; prio: number }
  | { op: 'push'; ent: number; credits: number; deps: number[]; ctxDep: boolean; hold: boolean }
  | { op: 'batch'; ent: number; n: number; after: number; credits: number }
  | { op: 'kill'; ent: number }
  | { op: 'flush'; ent: number; timeoutNs: number }
  | { op: 'fini'; sched: number }
  | { op: 'inject'; dev: number; kind: 'hang' | 'slow' | 'lostIrq' }
  | { op: 'signal' }
  | { op: 'advance'; ns: number }
  | { op: 'idle' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('entity' as const), sched: fc.nat(1), prio: fc.nat(3) }),
  { weight: 10, arbitrary: fc.record({ op: fc.constant('push' as const), ent: fc.nat(5), credits: fc.integer({ min: 1, max: 6 }), deps: fc.array(fc.nat(40), { maxLength: 3 }), ctxDep: fc.nat(3).map((n) => n === 0), hold: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('batch' as const), ent: fc.nat(5), n: fc.integer({ min: 1, max: 6 }), after: fc.nat(5), credits: fc.integer({ min: 1, max: 3 }) }) },
  fc.record({ op: fc.constant('kill' as const), ent: fc.nat(5) }),
  fc.record({ op: fc.constant('flush' as const), ent: fc.nat(5), timeoutNs: fc.constantFrom(0, 3000, Infinity) }),
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fini' as const), sched: fc.nat(1) }) },
  fc.record({ op: fc.constant('inject' as const), dev: fc.nat(1), kind: fc.constantFrom('hang' as const, 'slow' as const, 'lostIrq' as const) }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('signal' as const) }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('advance' as const), ns: fc.integer({ min: 1, max: 20_000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('idle' as const) }) },
);

const PRIOS = ['kernel', 'high', 'normal', 'low'] as const;

class Model {
  devs: DmaDevice[];
  rings: HwRing[];
  scheds: Scheduler[];
  ents: Entity[] = [];
  held: DmaFence[] = [];
  user: DriverFence[] = [];
  log: string[] = [];
  constructor(readonly rt: Runtime) {
    this.devs = [
      rt.createDevice({ latency: { baseNs: 700, jitter: 0.3 }, faults: { hang: 0.02, slow: 0.05 }, resetNs: 2000, ackNs: 300 }),
      rt.createDevice({ stoppable: false, latency: { baseNs: 400 }, resetNs: 1500, ackNs: 200 }),
    ];
    this.rings = [rt.createRing({ device: this.devs[0], capacity: 8, timeoutNs: 30_000 }), rt.createRing({ device: this.devs[1], capacity: 4, timeoutNs: 20_000 })];
    this.scheds = [rt.createScheduler({ ring: this.rings[0], creditLimit: 5, hangLimit: 2 }), rt.createScheduler({ ring: this.rings[1], creditLimit: 3, order: 'rr' })];
    const ctx = rt.createContext();
    for (let i = 0; i < 4; i++) this.user.push(ctx.createFence());
    this.ents.push(this.scheds[0].createEntity(), this.scheds[1].createEntity({ priority: 'high' }));
  }
  now(): number | string {
    return this.rt.disposed ? 'disposed' : this.rt.sim.now;
  }
  watch(name: string, f: DmaFence): void {
    f.addCallback((g) => this.log.push(`${name} ${g.status} @${this.now()}`));
  }
  apply(o: Op): unknown {
    const ent = (i: number) => this.ents[i % this.ents.length];
    const guard = (fn: () => unknown) => {
      try {
        const v = fn();
        if (v instanceof Promise) {
          const id = this.log.length;
          v.then(
            (r) => this.log.push(`${o.op}#${id} ok ${String(r)} @${this.now()}`),
            (e) => this.log.push(`${o.op}#${id} ${(e as { code?: string }).code} @${this.now()}`),
          );
          return 'promise';
        }
        return v;
      } catch (e) {
        return `throw ${(e as { code?: string }).code ?? e}`;
      }
    };
    switch (o.op) {
      case 'entity':
        return guard(() => {
          const e = this.scheds[o.sched].createEntity({ priority: PRIOS[o.prio] });
          this.ents.push(e);
          return e.name;
        });
      case 'push':
        return guard(() => {
          const e = ent(o.ent);
          const deps: (DmaFence | null)[] = o.deps.map((i) => (this.held.length ? this.held[i % this.held.length] : null));
          if (o.ctxDep) deps.push(this.user[o.deps.length % this.user.length].fence);
          const j = e.push({ credits: o.credits, deps });
          const id = `${e.name}:${j.seqno}`;
          this.watch(`run ${id}`, j.scheduled);
          this.watch(`fin ${id}`, j.finished);
          if (o.hold) this.held.push(j.finished, j.scheduled);
          else {
            j.scheduled.release();
            j.finished.release();
          }
          return id;
        });
      case 'batch':
        return guard(() => {
          const e = ent(o.ent);
          const a = ent(o.after);
          return e.pushBatch(o.n, { credits: o.credits, after: { context: a.finishedContext, firstSeqno: 1 + 2 * o.after } });
        });
      case 'kill':
        return guard(() => ent(o.ent).kill());
      case 'flush':
        return guard(() => ent(o.ent).flush({ timeoutNs: o.timeoutNs }));
      case 'fini':
        return guard(() => this.scheds[o.sched].fini());
      case 'inject':
        return guard(() => this.devs[o.dev].inject(o.kind));
      case 'signal':
        return guard(() => {
          const f = this.user.find((u) => !u.fence.signaled);
          return f ? f.signal() : 'none';
        });
      case 'advance':
        return guard(() => this.rt.sim.advance(o.ns).nowNs);
      case 'idle':
        return guard(() => this.rt.sim.runUntilIdle().nowNs);
    }
  }
  state(): unknown {
    return {
      scheds: this.scheds.map((s) => s.creditCount),
      ents: this.ents.map((e) => [e.queued, e.killed, e.guilty]),
      rings: this.rings.map((r) => [r.state, r.inFlight]),
      stats: this.rt.stats,
      violations: this.rt.violations.map((v) => `${v.kind} ${v.rule} ${v.seqno}`),
    };
  }
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 0));
}

describe('scheduler differential: wasm core vs generated ts core', () => {
  it('random scheduler operations give identical results, callbacks and arena bytes', async () => {
    const seen = { finished: 0, errors: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 60 }), fc.integer({ min: 1, max: 1000 }), async (ops, seed) => {
        const rts = await Promise.all((['wasm', 'ts'] as const).map((b) => runtime(b, { seed, maxFences: 2048, maxContexts: 64, maxJobs: 512, maxRingCapacity: 16 })));
        const [w, t] = rts.map((rt) => new Model(rt));
        try {
          for (let i = 0; i < ops.length; i++) {
            const rw = w.apply(ops[i]);
            const rtv = t.apply(ops[i]);
            await settle();
            expect(rtv, `op ${i} ${JSON.stringify(ops[i])}`).toEqual(rw);
            expect(t.log, `op ${i}`).toEqual(w.log);
            expect(t.state()).toEqual(w.state());
            expect(arenaSnapshot(t.rt).equals(arenaSnapshot(w.rt)), `arena after op ${i} ${JSON.stringify(ops[i])}`).toBe(true);
          }
          // Everything ends: drive both to idle; then every finished fence held has signaled
          // unless it waits on something that can never come.
          for (const m of [w, t]) {
            for (let k = 0; k < 4; k++) m.apply({ op: 'signal' });
            m.apply({ op: 'idle' });
          }
          await settle();
          expect(t.log).toEqual(w.log);
          expect(arenaSnapshot(t.rt).equals(arenaSnapshot(w.rt))).toBe(true);
          // S6: finished fences signal in seqno order per entity, each after its scheduled fence.
          const last = new Map<string, number>();
          const ran = new Set<string>();
          for (const l of w.log) {
            const m = /^(run|fin) (\S+):(\d+) /.exec(l);
            if (!m) continue;
            if (m[1] === 'run') ran.add(`${m[2]}:${m[3]}`);
            else {
              expect(ran.has(`${m[2]}:${m[3]}`), l).toBe(true);
              expect(Number(m[3]), l).toBeGreaterThan(last.get(m[2]) ?? 0);
              last.set(m[2], Number(m[3]));
            }
          }
          seen.finished += w.log.filter((l) => l.startsWith('fin ')).length;
          seen.errors += w.log.filter((l) => /^fin \S+ -/.test(l)).length;
        } finally {
          await Promise.all(rts.map((rt) => rt.dispose()));
        }
      }),
      { numRuns: 60 },
    );
    // The runs did exercise the scheduler: jobs finished, some with errors (faults, kill, fini).
    expect(seen.finished).toBeGreaterThan(100);
    expect(seen.errors).toBeGreaterThan(0);
  }, 120_000);
});
