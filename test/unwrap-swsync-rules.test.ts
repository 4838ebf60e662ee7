/**
 * Composite fences, rule by rule, on both backends: X3 (unwrap, merge, fence info) and X4 (the
 * sw_sync timeline). X1, X2: composite-rules.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Errno } from '../bindings/index.js';
import type { Runtime } from '../bindings/index.js';
import { BACKENDS, codeOf, runtime } from './helpers.js';

const big = { maxFences: 1 << 12, maxContexts: 256 };

describe.each(BACKENDS)('unwrap, merge, sw_sync (%s backend)', (backend) => {
  async function rt0(): Promise<Runtime> {
    return runtime(backend, big);
  }

  describe('X3 unwrap, merge, info', () => {
    it('X3.1: unwrap(plain) = [plain]; unwrap(array) = children in order; unwrap(chain) = newest first, plain prev last', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const [a, b, c, d] = [1, 2, 3, 4].map(() => ctx.createFence());
      expect(rt.unwrap(a.fence).map((f) => f.seqno)).toEqual([a.seqno]);
      const arr = rt.fenceArray([b.fence, a.fence]);
      expect(rt.unwrap(arr).map((f) => f.seqno)).toEqual([b.seqno, a.seqno]);
      const l1 = rt.fenceChain(d.fence, arr, 1);
      const l2 = rt.fenceChain(l1, c.fence, 2);
      expect(rt.unwrap(l2).map((f) => f.seqno)).toEqual([c.seqno, b.seqno, a.seqno, d.seqno]);
    });

    it('X3.2: merge drops signaled leaves; none left: a new stub stamped with the latest timestamp', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const [a, b] = [ctx.createFence(), ctx.createFence()];
      a.signal({ timestamp: 30 });
      b.signal({ timestamp: 20 });
      const m = rt.merge(a.fence, b.fence);
      expect(m.kind).toBe('stub');
      expect(m.signaled).toBe(true);
      expect(m.timestamp).toBe(30);
      expect(m.context).toBe(0);
    });

    it('X3.2: one left: that very fence; more: sorted by context, latest per context (32-bit wrap), one flat array', async () => {
      const rt = await rt0();
      const late = rt.createContext({ startSeqno: 0xfffffffe });
      const early = rt.createContext();
      const x = early.createFence();
      const y = late.createFence(); // 0xfffffffe
      const z = late.createFence(); // 0xffffffff
      const w = late.createFence(); // 0x100000000: later than z by the 32-bit rule
      const one = rt.merge(x.fence);
      expect(one.context).toBe(x.fence.context);
      expect(one.seqno).toBe(x.seqno);
      const m = rt.merge(rt.fenceArray([w.fence, y.fence]), z.fence, x.fence);
      expect(m.kind).toBe('array');
      expect(rt.unwrap(m).map((f) => [f.context, f.seqno])).toEqual([
        [late.id, w.seqno],
        [early.id, x.seqno],
      ].sort((p, q) => p[0] - q[0]));
      const same = rt.merge(y.fence, z.fence);
      expect(same.kind).toBe('fence');
      expect(same.seqno).toBe(z.seqno);
    });

    it('X3.2: a merge result is never a nested container', async () => {
      const rt = await rt0();
      const [c1, c2, c3] = [rt.createContext(), rt.createContext(), rt.createContext()];
      const a1 = rt.fenceArray([c1.createFence().fence, c2.createFence().fence]);
      const ch = rt.fenceChain(null, rt.fenceArray([c3.createFence().fence]), 1);
      const m = rt.merge(a1, ch);
      expect(m.kind).toBe('array');
      for (const leaf of rt.unwrap(m)) expect(leaf.kind).toBe('fence');
    });

    it('X3.3: info lists the leaves; status 1 unless a leaf is active or failed (the first such)', async () => {
      const rt = await rt0();
      const c1 = rt.createContext({ driverName: 'drv', timelineName: 'tl1' });
      const c2 = rt.createContext({ driverName: 'drv', timelineName: 'tl2' });
      const [a, b] = [c1.createFence(), c2.createFence()];
      const arr = rt.fenceArray([a.fence, b.fence]);
      let info = rt.fenceInfo(arr);
      expect(info.status).toBe(0);
      expect(info.fences).toEqual([
        { driverName: 'drv', timelineName: 'tl1', status: 0, timestampNs: 0 },
        { driverName: 'drv', timelineName: 'tl2', status: 0, timestampNs: 0 },
      ]);
      b.setError(-Errno.EIO);
      b.signal({ timestamp: 9 });
      info = rt.fenceInfo(arr);
      expect(info.status).toBe(0); // a is still active, and first
      expect(info.fences[1]).toEqual({ driverName: 'detached-driver', timelineName: 'signaled-timeline', status: -Errno.EIO, timestampNs: 9 });
      a.signal({ timestamp: 11 });
      expect(rt.fenceInfo(arr).status).toBe(-Errno.EIO);
      expect(rt.fenceInfo(a.fence)).toEqual({ status: 1, fences: [{ driverName: 'detached-driver', timelineName: 'signaled-timeline', status: 1, timestampNs: 11 }] });
    });
  });

  describe('X4 sw_sync', () => {
    it('X4.1: a fresh context and a 32-bit value starting at 0', async () => {
      const rt = await rt0();
      const tl = rt.createSwSync({ name: 'tl' });
      const ctx = rt.createContext();
      expect(tl.value).toBe(0);
      expect(tl.closed).toBe(false);
      expect(ctx.id).toBeGreaterThan(tl.context);
      expect(tl.createFence(1).context).toBe(tl.context);
    });

    it('X4.2: a point not later than the value is born signaled; a duplicate value returns the same fence', async () => {
      const rt = await rt0();
      const tl = rt.createSwSync({ name: 'tl' });
      tl.inc(5);
      expect(tl.createFence(5).signaled).toBe(true);
      expect(tl.createFence(0xfffffff0).signaled).toBe(true); // earlier by the 32-bit rule
      const p = tl.createFence(9);
      const created = rt.stats.fencesCreated;
      const q = tl.createFence(9);
      expect(rt.stats.fencesCreated).toBe(created); // the same fence, a new handle
      expect(q.seqno).toBe(9);
      expect(p.timelineName).toBe('tl');
      expect(p.driverName).toBe('sw_sync');
      let ran = 0;
      p.addCallback(() => ran++);
      expect(q.addCallback(() => ran++)).toBe(true);
      tl.inc(4);
      expect(ran).toBe(2);
    });

    it('X4.3: inc(n) signals synchronously, in value order, every point not later than the new value', async () => {
      const rt = await rt0();
      const tl = rt.createSwSync();
      const order: number[] = [];
      for (const v of [3, 1, 4, 2]) tl.createFence(v).addCallback((f) => order.push(f.seqno));
      tl.inc(3);
      expect(order).toEqual([1, 2, 3]);
      expect(tl.value).toBe(3);
      tl.inc(1);
      expect(order).toEqual([1, 2, 3, 4]);
      // Across the wrap: 1 is later than 0xfffffffe.
      const wrap = rt.createSwSync();
      wrap.inc(0xfffffffe);
      const seen: number[] = [];
      for (const v of [1, 0xffffffff]) wrap.createFence(v).addCallback((f) => seen.push(f.seqno));
      wrap.inc(1);
      expect(seen).toEqual([0xffffffff]);
      wrap.inc(2);
      expect(wrap.value).toBe(1);
      expect(seen).toEqual([0xffffffff, 1]);
      expect(rt.violations).toEqual([]);
      expect(rt.stats.orderingViolations).toBe(0);
    });

    it('X4.4: close() signals the rest -ENOENT in value order; later calls are ERR_CLOSED; fences stay readable', async () => {
      const rt = await rt0();
      const tl = rt.createSwSync();
      const order: number[] = [];
      const fs = [7, 6].map((v) => tl.createFence(v));
      for (const f of fs) f.addCallback((x) => order.push(x.seqno));
      tl.close();
      expect(order).toEqual([6, 7]);
      expect(fs[0].error).toBe(-Errno.ENOENT);
      expect(tl.closed).toBe(true);
      expect(codeOf(() => tl.inc(1))).toBe('ERR_CLOSED');
      expect(codeOf(() => tl.createFence(1))).toBe('ERR_CLOSED');
      expect(codeOf(() => tl.close())).toBe('ERR_CLOSED');
      expect(fs[1].status).toBe(-Errno.ENOENT);
    });

    it('X4.5: a point\'s deadline keeps the earliest set; before any it is null', async () => {
      const rt = await rt0();
      const tl = rt.createSwSync();
      const p = tl.createFence(3);
      expect(tl.deadline(p)).toBe(null);
      p.setDeadline(500);
      p.setDeadline(900);
      expect(tl.deadline(p)).toBe(500);
      p.setDeadline(100);
      expect(tl.deadline(p)).toBe(100);
    });
  });
});
