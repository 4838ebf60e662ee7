/**
 * F3, F6-F8, F16, C3, C4, M3 under re-entrancy: random programs whose fence callbacks themselves
 * create, signal, release, add and remove callbacks, wait, submit jobs and free buffers after
 * fences, run against a plain model. After every top-level step every callback that is due ran
 * exactly once (and none ran early), every live handle reads the model's state and every context's
 * counters match; at the end everything is signaled, every callback ran once, every wait settled
 * and no slot or buffer is left in use.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BACKENDS, runtime } from './helpers.js';
import type { DmaFence, DriverFence, FenceContext, HwRing, Runtime, DmaBuffer } from '../bindings/index.js';

type Action =
  | { op: 'create'; ctx: number }
  | { op: 'find'; fence: number }
  | { op: 'release'; handle: number }
  | { op: 'signal'; handle: number }
  | { op: 'signalUpTo'; ctx: number; back: number }
  | { op: 'addCallback'; handle: number; body: Action[] }
  | { op: 'removeCallback'; cb: number }
  | { op: 'wait'; handle: number }
  | { op: 'submit'; ring: number }
  | { op: 'freeAfter'; handle: number }
  | { op: 'advance'; ns: number };

const CTXS = 3;
const RINGS = 2;

function actions(depth: number): fc.Arbitrary<Action[]> {
  const leaf: fc.Arbitrary<Action>[] = [
    fc.record({ op: fc.constant('create' as const), ctx: fc.nat(CTXS - 1) }),
    fc.record({ op: fc.constant('find' as const), fence: fc.nat(40) }),
    fc.record({ op: fc.constant('release' as const), handle: fc.nat(40) }),
    fc.record({ op: fc.constant('signal' as const), handle: fc.nat(40) }),
    fc.record({ op: fc.constant('signalUpTo' as const), ctx: fc.nat(CTXS - 1), back: fc.nat(3) }),
    fc.record({ op: fc.constant('removeCallback' as const), cb: fc.nat(40) }),
    fc.record({ op: fc.constant('wait' as const), handle: fc.nat(40) }),
    fc.record({ op: fc.constant('submit' as const), ring: fc.nat(RINGS - 1) }),
    fc.record({ op: fc.constant('freeAfter' as const), handle: fc.nat(40) }),
  ];
  const nested: fc.Arbitrary<Action>[] =
    depth > 0 ? [fc.record({ op: fc.constant('addCallback' as const), handle: fc.nat(40), body: actions(depth - 1) })] : [];
  // Time moves only at the top level (the clock is not re-entrant).
  const top: fc.Arbitrary<Action>[] = depth === 2 ? [fc.record({ op: fc.constant('advance' as const), ns: fc.integer({ min: 0, max: 3000 }) })] : [];
  return fc.array(fc.oneof(...leaf, ...nested, ...nested, ...top), { maxLength: depth === 2 ? 30 : 4 });
}

interface MFence {
  key: string;
  ctx: number; // index into the world's contexts (plain ones first, then rings')
  seqno: number;
  signaled: boolean;
  refs: number;
  /** References held by waits and freeAfter until the fence signals. */
  holds: number;
  /** Callback ids queued, in registration order. */
  cbs: number[];
}

interface Handle {
  real: DmaFence | DriverFence;
  f: MFence;
  released: boolean;
}

class World {
  readonly ctxs: FenceContext[];
  readonly fences: MFence[] = [];
  readonly handles: Handle[] = [];
  readonly cbHandle: Handle[] = [];
  readonly cbFns: ((f: DmaFence) => void)[] = [];
  readonly due = new Set<number>();
  readonly ran = new Map<number, number>();
  readonly added = new Set<number>();
  readonly removed = new Set<number>();
  readonly waits: { p: Promise<boolean>; settled: boolean; value?: boolean }[] = [];
  readonly buffers: DmaBuffer[] = [];
  readonly errors: string[] = [];

  constructor(
    readonly rt: Runtime,
    plain: FenceContext[],
    readonly rings: HwRing[],
  ) {
    this.ctxs = [...plain, ...rings.map((r) => r.context)];
  }

  isRing(ctx: number): boolean {
    return ctx >= CTXS;
  }

  /** Ring fences signal in order when the device completes: the context's signaledSeqno is the truth (R4). */
  syncRings(): void {
    for (const f of this.fences) {
      if (!f.signaled && this.isRing(f.ctx) && f.seqno <= this.ctxs[f.ctx].signaledSeqno) this.signalModel(f);
    }
  }

  signalModel(f: MFence): void {
    f.signaled = true;
    for (const id of f.cbs) this.due.add(id);
    f.cbs = [];
    f.refs -= f.holds;
    f.holds = 0;
  }

  fenceOf(ctx: number, seqno: number): MFence {
    let f = this.fences.find((x) => x.ctx === ctx && x.seqno === seqno);
    if (!f) {
      f = { key: `${ctx}:${seqno}`, ctx, seqno, signaled: false, refs: 0, holds: 0, cbs: [] };
      this.fences.push(f);
    }
    return f;
  }

  addHandle(real: DmaFence | DriverFence, f: MFence): void {
    f.refs++;
    this.handles.push({ real, f, released: false });
  }

  /** F16: the last reference of a pending fence with callbacks queued went away: it signals -EDEADLK. */
  unref(f: MFence): void {
    f.refs--;
    if (f.refs === 0 && !f.signaled && f.cbs.length && !this.isRing(f.ctx)) this.signalModel(f);
  }

  run(list: Action[]): void {
    for (const a of list) this.step(a);
  }

  step(a: Action): void {
    this.syncRings();
    const h = 'handle' in a ? this.handles[a.handle % Math.max(1, this.handles.length)] : undefined;
    switch (a.op) {
      case 'create': {
        const ctx = this.ctxs[a.ctx];
        const df = ctx.createFence();
        this.addHandle(df, this.fenceOf(a.ctx, df.seqno));
        break;
      }
      case 'find': {
        const f = this.fences[a.fence % Math.max(1, this.fences.length)];
        if (!f) break;
        const found = this.ctxs[f.ctx].findFence(f.seqno);
        expect(found !== null, `findFence(${f.key})`).toBe(!f.signaled);
        if (found) this.addHandle(found, f);
        break;
      }
      case 'release': {
        if (!h || h.released) break;
        // The DmaFence a DriverFence made on first use (check() reads through it) goes with it.
        if ('fence' in h.real) h.real.fence.release();
        h.released = true;
        this.unref(h.f); // the model first: an F16 release runs callbacks inside the call
        expect(h.real.release()).toBe(true);
        break;
      }
      case 'signal': {
        if (!h || h.released || !('signal' in h.real) || this.isRing(h.f.ctx)) break;
        const was = h.f.signaled;
        if (!was) this.signalModel(h.f);
        expect(h.real.signal(), `signal ${h.f.key}`).toBe(!was);
        break;
      }
      case 'signalUpTo': {
        const ctx = this.ctxs[a.ctx];
        const upTo = Math.max(0, ctx.lastSeqno - a.back);
        const expected = this.fences.filter((f) => f.ctx === a.ctx && !f.signaled && f.seqno <= upTo).sort((x, y) => x.seqno - y.seqno);
        // Batch fences (none here) aside, every pending fence of a plain context is in the model.
        for (const f of expected) this.signalModel(f);
        expect(ctx.signalUpTo(upTo), `signalUpTo ${a.ctx}:${upTo}`).toBe(expected.length);
        break;
      }
      case 'addCallback': {
        if (!h || h.released) break;
        const id = this.cbFns.length;
        const fn = (fence: DmaFence) => {
          const n = (this.ran.get(id) ?? 0) + 1;
          this.ran.set(id, n);
          this.syncRings();
          if (n > 1) this.errors.push(`callback ${id} ran ${n} times`);
          if (!this.due.has(id)) this.errors.push(`callback ${id} on ${h.f.key} ran before its fence signaled in the model`);
          if (fence.seqno !== h.f.seqno) this.errors.push(`callback ${id} got fence seqno ${fence.seqno}, expected ${h.f.seqno}`);
          this.run(a.body);
        };
        this.cbFns.push(fn);
        this.cbHandle.push(h);
        const real = h.real as DmaFence;
        const target = 'addCallback' in real ? real : (h.real as DriverFence).fence;
        const expected = !h.f.signaled;
        expect(target.addCallback(fn), `addCallback on ${h.f.key}`).toBe(expected);
        if (expected) {
          h.f.cbs.push(id);
          this.added.add(id);
        }
        break;
      }
      case 'removeCallback': {
        const id = a.cb % Math.max(1, this.cbFns.length);
        const ch = this.cbHandle[id];
        if (!ch || ch.released) break;
        const target = 'addCallback' in ch.real ? ch.real : (ch.real as DriverFence).fence;
        const i = ch.f.cbs.indexOf(id);
        if (i >= 0) {
          ch.f.cbs.splice(i, 1);
          this.removed.add(id);
        }
        expect(target.removeCallback(this.cbFns[id]), `removeCallback ${id}`).toBe(i >= 0);
        break;
      }
      case 'wait': {
        if (!h || h.released) break;
        const target = 'wait' in h.real ? h.real : (h.real as DriverFence).fence;
        if (!h.f.signaled) (h.f.refs++, h.f.holds++); // a wait holds a reference (F16 cannot fire while waited on)
        const w: { p: Promise<boolean>; settled: boolean; value?: boolean } = { p: target.wait(), settled: false };
        w.p.then(
          (v) => ((w.settled = true), (w.value = v)),
          (e) => ((w.settled = true), this.errors.push(`wait rejected: ${e}`)),
        );
        this.waits.push(w);
        break;
      }
      case 'submit': {
        const ring = this.rings[a.ring];
        const buf = this.rt.memory.alloc(64);
        this.buffers.push(buf);
        const f = ring.submit({ dst: buf, bytes: 64 });
        const ctx = CTXS + a.ring;
        const mf = this.fenceOf(ctx, f.seqno);
        this.addHandle(f, mf);
        mf.refs++;
        mf.holds++;
        this.rt.memory.freeAfter(buf, f);
        break;
      }
      case 'freeAfter': {
        if (!h || h.released) break;
        const buf = this.rt.memory.alloc(64);
        this.buffers.push(buf);
        const target = 'wait' in h.real ? h.real : (h.real as DriverFence).fence;
        if (!h.f.signaled) (h.f.refs++, h.f.holds++); // freeAfter holds a reference until the signal
        this.rt.memory.freeAfter(buf, target);
        if (h.f.signaled) expect(buf.freed).toBe(true);
        break;
      }
      case 'advance':
        this.rt.sim.advance(a.ns);
        break;
    }
  }

  /** After a top-level step: nothing lost, nothing early, every reading as the model says. */
  check(): void {
    this.syncRings();
    expect(this.errors).toEqual([]);
    for (const id of this.due) expect(this.ran.get(id) ?? 0, `callback ${id} is due`).toBe(1);
    for (const h of this.handles) {
      if (h.released) continue;
      const real = 'signaled' in h.real ? h.real : (h.real as DriverFence).fence;
      expect(real.signaled, `handle of ${h.f.key}`).toBe(h.f.signaled);
    }
    for (let c = 0; c < this.ctxs.length; c++) {
      const pending = this.fences.filter((f) => f.ctx === c && !f.signaled).length;
      expect(this.ctxs[c].pending, `context ${c} pending`).toBe(pending);
    }
  }
}

describe.each(BACKENDS)('re-entrant callbacks (%s)', (backend) => {
  it('F3, F6-F8, F16, C3, C4, M3: random re-entrant callbacks never lose, repeat or advance a callback or a wait', async () => {
    await fc.assert(
      fc.asyncProperty(actions(2), async (program) => {
        const rt = await runtime(backend, { maxFences: 1024, maxContexts: 16, dmaBytes: 1 << 16, maxRingCapacity: 256 });
        const plain = Array.from({ length: CTXS }, (_, i) => rt.createContext({ timelineName: `t${i}` }));
        const dev = rt.createDevice({ latency: { baseNs: 500 } });
        const rings = Array.from({ length: RINGS }, (_, i) => rt.createRing({ device: dev, capacity: 256, name: `r${i}` }));
        const w = new World(rt, plain, rings);
        for (const a of program) {
          w.step(a);
          w.check();
        }
        // Finish: drive the rings and signal every plain context until nothing is pending (callbacks
        // may create more fences as they run).
        for (let round = 0; round < 20; round++) {
          rt.sim.runUntilIdle();
          for (let c = 0; c < CTXS; c++) if (plain[c].pending) w.step({ op: 'signalUpTo', ctx: c, back: 0 });
          w.check();
          if (w.ctxs.every((c) => c.pending === 0) && rings.every((r) => r.inFlight === 0)) break;
        }
        await new Promise((r) => setImmediate(r));
        w.check();
        for (const id of w.added) expect(w.ran.get(id) ?? 0, `callback ${id}`).toBe(w.removed.has(id) ? 0 : 1);
        for (const wt of w.waits) expect(wt).toMatchObject({ settled: true, value: true });
        for (const h of w.handles) {
          if (h.released) continue;
          if ('fence' in h.real) h.real.fence.release(); // the DmaFence a DriverFence made on first use is a handle too
          h.real.release();
        }
        expect(rt.stats.fencesInUse).toBe(0);
        expect(w.buffers.every((b) => b.freed)).toBe(true);
        await rt.dispose();
      }),
      { numRuns: 150, seed: 20261125 },
    );
  });

  it('F6, M3: a callback that submits after freeAfter freed its buffer: the new fence keeps its callbacks and waits (lifecycle issue §1)', async () => {
    const rt = await runtime(backend, { maxFences: 1024 });
    const dev = rt.createDevice();
    const copy = rt.createRing({ device: dev });
    const gfx = rt.createRing({ device: dev });
    let ran = 0;
    const waits: Promise<boolean>[] = [];
    for (let i = 0; i < 10; i++) {
      const buf = rt.memory.alloc(4096);
      const cf = copy.submit({ dst: buf });
      rt.memory.freeAfter(buf, cf);
      cf.addCallback(() => {
        const gf = gfx.submit({});
        gf.addCallback(() => ran++);
        waits.push(gf.wait());
        gf.release();
      });
      cf.release();
    }
    rt.sim.runUntilIdle();
    await rt.sim.runUntilSettled(Promise.all(waits));
    expect(ran).toBe(10);
    expect(gfx.completedSeqno).toBe(10);
  });

  it('F6, C4: a callback releases the last handles of its own fence, the next creates a fence in the recycled slot: the new fence stays pending and its context agrees', async () => {
    const rt = await runtime(backend);
    const a = rt.createContext();
    const b = rt.createContext();
    const df = a.createFence();
    const f = df.fence;
    let fresh: DriverFence | undefined;
    f.addCallback(() => {
      f.release();
      df.release();
    });
    f.addCallback(() => {
      fresh = b.createFence();
    });
    a.signalUpTo(df.seqno);
    expect(fresh!.fence.signaled).toBe(false);
    expect(b.pending).toBe(1);
    let ran = false;
    fresh!.fence.addCallback(() => (ran = true));
    fresh!.signal();
    expect(ran).toBe(true);
    expect(b.pending).toBe(0);
    fresh!.fence.release();
    fresh!.release();
    expect(rt.stats.fencesInUse).toBe(0);
  });
});
