/**
 * Differential: random operation sequences on a wasm runtime and a ts runtime give identical
 * observable results at every step, and identical arena bytes at the end (the layout is
 * deterministic, so the two cores must write the same bytes).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DriverFence, FenceContext, Runtime } from '../bindings/index.js';
import { arenaSnapshot, runtime } from './helpers.js';

type Op =
  | { op: 'create'; ctx: number }
  | { op: 'batch'; ctx: number; n: number }
  | { op: 'setError'; i: number; e: number }
  | { op: 'signal'; i: number }
  | { op: 'signalUpTo'; ctx: number; ahead: number; error: number }
  | { op: 'addCallback'; i: number }
  | { op: 'removeCallback'; i: number }
  | { op: 'wait0'; i: number }
  | { op: 'release'; i: number }
  | { op: 'advance'; ns: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), ctx: fc.nat(2) }),
  fc.record({ op: fc.constant('batch' as const), ctx: fc.nat(2), n: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('setError' as const), i: fc.nat(40), e: fc.constantFrom(-5, -62, -125, -4095, 0, 7) }),
  fc.record({ op: fc.constant('signal' as const), i: fc.nat(40) }),
  fc.record({ op: fc.constant('signalUpTo' as const), ctx: fc.nat(2), ahead: fc.integer({ min: -3, max: 10 }), error: fc.constantFrom(0, -125) }),
  fc.record({ op: fc.constant('addCallback' as const), i: fc.nat(40) }),
  fc.record({ op: fc.constant('removeCallback' as const), i: fc.nat(40) }),
  fc.record({ op: fc.constant('wait0' as const), i: fc.nat(40) }),
  fc.record({ op: fc.constant('release' as const), i: fc.nat(40) }),
  fc.record({ op: fc.constant('advance' as const), ns: fc.integer({ min: 1, max: 1000 }) }),
);

class Model {
  ctxs: FenceContext[] = [];
  fences: DriverFence[] = [];
  log: string[] = [];
  cbs = new Map<number, (f: { status: number }) => void>();
  constructor(readonly rt: Runtime) {
    this.ctxs = [rt.createContext(), rt.createContext({ startSeqno: 0xfffffff0 }), rt.createContext({ seqno64: true })];
  }
  async apply(o: Op): Promise<unknown> {
    const pick = (i: number) => (this.fences.length ? this.fences[i % this.fences.length] : undefined);
    const guard = async (fn: () => unknown) => {
      try {
        return await fn();
      } catch (e) {
        return `throw ${(e as { code?: string }).code}`;
      }
    };
    switch (o.op) {
      case 'create':
        return guard(() => {
          const df = this.ctxs[o.ctx].createFence();
          this.fences.push(df);
          return df.seqno;
        });
      case 'batch':
        return guard(() => this.ctxs[o.ctx].createFences(o.n));
      case 'setError':
        return guard(() => pick(o.i)?.setError(o.e));
      case 'signal':
        return guard(() => pick(o.i)?.signal());
      case 'signalUpTo': {
        const c = this.ctxs[o.ctx];
        return guard(() => c.signalUpTo(Math.max(0, c.signaledSeqno + o.ahead), o.error ? { error: o.error } : undefined));
      }
      case 'addCallback':
        return guard(() => {
          const df = pick(o.i);
          if (!df) return;
          const id = `${df.fence.context}:${df.seqno}`;
          const fn = (f: { status: number }) => this.log.push(`cb ${id} ${f.status}`);
          this.cbs.set(o.i % this.fences.length, fn);
          return df.fence.addCallback(fn);
        });
      case 'removeCallback':
        return guard(() => {
          const fn = this.cbs.get(o.i % Math.max(1, this.fences.length));
          return fn ? pick(o.i)?.fence.removeCallback(fn) : undefined;
        });
      case 'wait0':
        return guard(() => pick(o.i)?.fence.wait({ timeoutNs: 0 }));
      case 'release':
        return guard(() => {
          const df = pick(o.i);
          if (!df) return;
          const f = df.fence;
          return [df.release(), f.release()];
        });
      case 'advance':
        return this.rt.sim.advance(o.ns).nowNs;
    }
  }
  observe(): unknown {
    return {
      ctx: this.ctxs.map((c) => [c.lastSeqno, c.signaledSeqno, c.pending]),
      fences: this.fences.map((df) => (df.released ? 'released' : [df.seqno, df.fence.status, df.fence.error])),
      stats: this.rt.stats,
      violations: this.rt.violations.map((v) => `${v.kind} ${v.context}:${v.seqno}`),
      log: this.log.join('|'),
    };
  }
}

describe('differential: wasm vs ts', () => {
  it('F1-F8, C2-C4: identical results at every step and identical arena bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 80 }), async (ops) => {
        const a = new Model(await runtime('wasm', { maxFences: 64 }));
        const b = new Model(await runtime('ts', { maxFences: 64 }));
        for (const o of ops) {
          const ra = await a.apply(o);
          const rb = await b.apply(o);
          expect(rb).toEqual(ra);
          expect(b.observe()).toEqual(a.observe());
        }
        expect(arenaSnapshot(b.rt).equals(arenaSnapshot(a.rt))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
