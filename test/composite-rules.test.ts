/**
 * Composite fences, rule by rule, on both backends: X1 arrays, X2 chains, and handles released
 * while composites listen. X3 (unwrap, merge, info) and X4 (sw_sync): unwrap-swsync-rules.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Errno } from '../bindings/index.js';
import type { DmaFence, Runtime } from '../bindings/index.js';
import { BACKENDS, codeOf, runtime } from './helpers.js';

const big = { maxFences: 1 << 12, maxContexts: 256 };

describe.each(BACKENDS)('composite fences (%s backend)', (backend) => {
  async function rt0(): Promise<Runtime> {
    return runtime(backend, big);
  }

  describe('X1 fence arrays', () => {
    it('X1.1: wait-all signals after every child; signal-on-any after the first; own context, seqno 1', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const [a, b] = [ctx.createFence(), ctx.createFence()];
      const all = rt.fenceArray([a.fence, b.fence]);
      const any = rt.fenceArray([a.fence, b.fence], { signalOnAny: true });
      expect(all.kind).toBe('array');
      expect(all.seqno).toBe(1);
      expect(all.context).not.toBe(ctx.id);
      expect(any.context).not.toBe(all.context);
      all.enableSignaling();
      any.enableSignaling();
      a.signal();
      expect(any.signaled).toBe(true);
      expect(all.signaled).toBe(false);
      b.signal();
      expect(all.signaled).toBe(true);
      expect(rt.violations).toEqual([]);
    });

    it('X1.1: an empty list, or a child that is an array or a chain, is ERR_INVALID_ARG and creates nothing', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const a = ctx.createFence();
      const arr = rt.fenceArray([a.fence]);
      const link = rt.fenceChain(null, a.fence, 1);
      const before = rt.stats.fencesCreated;
      expect(codeOf(() => rt.fenceArray([]))).toBe('ERR_INVALID_ARG');
      expect(codeOf(() => rt.fenceArray([a.fence, arr]))).toBe('ERR_INVALID_ARG');
      expect(codeOf(() => rt.fenceArray([link]))).toBe('ERR_INVALID_ARG');
      expect(rt.stats.fencesCreated).toBe(before);
    });

    it('X1.2: children get callbacks (their issuer enable hooks run) only once the array is enabled, in index order', async () => {
      const rt = await rt0();
      const enabled: number[] = [];
      const c1 = rt.createContext({ enableSignaling: () => (enabled.push(1), true) });
      const c2 = rt.createContext({ enableSignaling: () => (enabled.push(2), true) });
      const a = c1.createFence();
      const b = c2.createFence();
      const arr = rt.fenceArray([a.fence, b.fence]);
      expect(arr.signaled).toBe(false);
      expect(enabled).toEqual([]);
      arr.enableSignaling();
      expect(enabled).toEqual([1, 2]);
    });

    it('X1.2: children already signaled count at once; if that completes the array it signals inside the enable call', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const a = ctx.createFence();
      const arr = rt.fenceArray([a.fence]);
      a.signal();
      const seen: number[] = [];
      expect(arr.addCallback(() => seen.push(1))).toBe(false);
      expect(arr.signaled).toBe(true);
    });

    it('X1.3: deferred: the array signals after the child\'s callbacks returned, stamped with the child\'s time', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const a = ctx.createFence();
      const arr = rt.fenceArray([a.fence]);
      const order: string[] = [];
      arr.addCallback(() => order.push('array'));
      a.fence.addCallback(() => order.push('child'));
      a.signal({ timestamp: 1234 });
      expect(order).toEqual(['child', 'array']);
      expect(arr.timestamp).toBe(1234);
    });

    it('X1.3: through a batch signalUpTo, arrays signal after every callback of the pass', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const fs = [ctx.createFence(), ctx.createFence(), ctx.createFence()];
      const arr = rt.fenceArray(fs.map((f) => f.fence));
      const order: string[] = [];
      arr.addCallback(() => order.push('array'));
      fs[2].fence.addCallback(() => order.push('last child'));
      ctx.signalUpTo(fs[2].seqno);
      expect(order).toEqual(['last child', 'array']);
    });

    it('X1.4: polling an un-enabled array counts signaled children and signals it then', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const [a, b] = [ctx.createFence(), ctx.createFence()];
      const arr = rt.fenceArray([a.fence, b.fence]);
      a.signal({ timestamp: 10 });
      b.signal({ timestamp: 20 });
      // Nobody enabled it: it is still pending until someone looks (stats count fences signaled).
      const before = rt.stats.fencesSignaled;
      expect(arr.signaled).toBe(true);
      expect(rt.stats.fencesSignaled).toBe(before + 1);
      expect(arr.timestamp).toBe(20);
    });

    it('X1.5: the first failing child\'s error in callback order; 0 if none failed; on-any: the trigger\'s', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const c2 = rt.createContext();
      const [a, b] = [ctx.createFence(), c2.createFence()];
      const arr = rt.fenceArray([a.fence, b.fence]);
      arr.enableSignaling();
      b.setError(-Errno.EIO);
      b.signal();
      a.setError(-Errno.ETIME);
      a.signal();
      expect(arr.error).toBe(-Errno.EIO); // b failed first, though a is index 0
      const [x, y] = [ctx.createFence(), ctx.createFence()];
      const ok = rt.fenceArray([x.fence, y.fence]);
      ok.enableSignaling();
      ctx.signalUpTo(y.seqno);
      expect(ok.status).toBe(1);
      const [p, q] = [ctx.createFence(), c2.createFence()];
      const any = rt.fenceArray([p.fence, q.fence], { signalOnAny: true });
      any.enableSignaling();
      q.setError(-Errno.ECANCELED);
      q.signal();
      expect(any.error).toBe(-Errno.ECANCELED);
    });

    it('X1.5: children already signaled at enable give the error in index order', async () => {
      const rt = await rt0();
      const [c1, c2] = [rt.createContext(), rt.createContext()];
      const [a, b] = [c1.createFence(), c2.createFence()];
      b.setError(-Errno.EIO);
      b.signal();
      a.setError(-Errno.ETIME);
      a.signal();
      const arr = rt.fenceArray([a.fence, b.fence]);
      arr.enableSignaling();
      expect(arr.error).toBe(-Errno.ETIME);
    });

    it('X1.6: set_deadline is forwarded to every child', async () => {
      const rt = await rt0();
      const got: [number, number][] = [];
      const c1 = rt.createContext({ setDeadline: (_f, t) => got.push([1, t]) });
      const c2 = rt.createContext({ setDeadline: (_f, t) => got.push([2, t]) });
      const arr = rt.fenceArray([c1.createFence().fence, c2.createFence().fence]);
      arr.setDeadline(500);
      expect(got).toEqual([[1, 500], [2, 500]]);
    });
  });

  describe('X2 chains', () => {
    it('X2.1: prev is null, a link or a plain fence; fence must not be a chain (an array is fine)', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const a = ctx.createFence();
      const l1 = rt.fenceChain(null, a.fence, 1);
      const l2 = rt.fenceChain(a.fence, ctx.createFence().fence, 1);
      expect(l1.kind).toBe('chain');
      expect(l2.kind).toBe('chain');
      expect(codeOf(() => rt.fenceChain(null, l1, 2))).toBe('ERR_INVALID_ARG');
      const arr = rt.fenceArray([a.fence]);
      expect(rt.fenceChain(l1, arr, 2).kind).toBe('chain');
      expect(codeOf(() => rt.fenceChain(null, a.fence, -1))).toBe('ERR_INVALID_SEQNO');
    });

    it('X2.1: links compare as 64-bit seqnos (no wrap)', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const l1 = rt.fenceChain(null, ctx.createFence().fence, 0xffffffff);
      const l2 = rt.fenceChain(l1, ctx.createFence().fence, 0x100000001);
      expect(l2.context).toBe(l1.context); // later as 64-bit
      expect(l2.seqno).toBe(0x100000001);
    });

    it('X2.2: a later seqno joins prev\'s context; a non-increasing one gets a fresh context and max(prev, seqno)', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const l1 = rt.fenceChain(null, ctx.createFence().fence, 5);
      const l2 = rt.fenceChain(l1, ctx.createFence().fence, 7);
      expect(l2.context).toBe(l1.context);
      const l3 = rt.fenceChain(l2, ctx.createFence().fence, 3);
      expect(l3.context).not.toBe(l2.context);
      expect(l3.seqno).toBe(7);
      const l4 = rt.fenceChain(ctx.createFence().fence, ctx.createFence().fence, 2); // plain prev: fresh
      expect(l4.context).not.toBe(l3.context);
      expect(l4.seqno).toBe(2);
    });

    it('X2.3: a link is signaled iff its fence and everything reachable is; it never carries an error', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const c2 = rt.createContext();
      const [a, b] = [ctx.createFence(), c2.createFence()];
      const l1 = rt.fenceChain(null, a.fence, 1);
      const l2 = rt.fenceChain(l1, b.fence, 2);
      b.setError(-Errno.EIO);
      b.signal();
      expect(l2.signaled).toBe(false);
      a.signal();
      expect(l2.signaled).toBe(true);
      expect(l2.error).toBe(0);
      expect(l2.status).toBe(1);
    });

    it('X2.4: reading signaled on a link answers at once, without enabling anything', async () => {
      const rt = await rt0();
      let enables = 0;
      const ctx = rt.createContext({ enableSignaling: () => (enables++, true) });
      const a = ctx.createFence();
      const l = rt.fenceChain(null, a.fence, 1);
      expect(l.signaled).toBe(false);
      a.signal();
      expect(l.signaled).toBe(true);
      expect(enables).toBe(0);
    });

    it('X2.4: an enabled link signals from its fences (waits and callbacks work)', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const [a, b] = [ctx.createFence(), ctx.createFence()];
      const l2 = rt.fenceChain(rt.fenceChain(null, a.fence, 1), b.fence, 2);
      let ran = 0;
      l2.addCallback(() => ran++);
      const w = l2.wait();
      ctx.signalUpTo(b.seqno);
      expect(ran).toBe(1);
      await expect(w).resolves.toBe(true);
    });

    it('X2.5: walking drops links whose own fence signaled, even while older links are pending', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const c2 = rt.createContext();
      const [a, b, c] = [ctx.createFence(), c2.createFence(), c2.createFence()];
      const l1 = rt.fenceChain(null, a.fence, 1);
      const l2 = rt.fenceChain(l1, b.fence, 2);
      const l3 = rt.fenceChain(l2, c.fence, 3);
      l1.release();
      l2.release();
      b.signal();
      // l2's fence signaled: a walk from l3 skips it; l1 (pending) still covers point 2.
      expect(rt.unwrap(l3).map((f) => f.seqno)).toEqual([c.seqno, a.seqno]);
      expect(rt.chainFind(l3, 2)!.seqno).toBe(1);
    });

    it('X2.6: find(head, 0) is head; a future point or a non-chain head is ERR_INVALID_SEQNO', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const a = ctx.createFence();
      const l = rt.fenceChain(null, a.fence, 4);
      expect(rt.chainFind(l, 0)!.seqno).toBe(4);
      expect(rt.chainFind(a.fence, 0)!.seqno).toBe(a.seqno);
      expect(codeOf(() => rt.chainFind(l, 5))).toBe('ERR_INVALID_SEQNO');
      expect(codeOf(() => rt.chainFind(a.fence, 1))).toBe('ERR_INVALID_SEQNO');
    });

    it('X2.6: a point in a gap maps to the next link above it; a collected point is null', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const fs = [ctx.createFence(), ctx.createFence(), ctx.createFence()];
      let head: DmaFence | null = null;
      for (let i = 0; i < 3; i++) head = rt.fenceChain(head, fs[i].fence, (i + 1) * 10);
      expect(rt.chainFind(head!, 15)!.seqno).toBe(20);
      expect(rt.chainFind(head!, 10)!.seqno).toBe(10);
      expect(rt.chainFind(head!, 1)!.seqno).toBe(10);
      fs[0].signal();
      fs[1].signal();
      expect(rt.chainFind(head!, 15)).toBe(null);
      expect(rt.chainFind(head!, 25)!.seqno).toBe(30);
    });

    it('X2.7: releasing a chain of 10^6 links takes constant stack and recycles every slot', async () => {
      const rt = await runtime(backend, { maxFences: (1 << 20) + 64, maxContexts: 16 });
      const ctx = rt.createContext();
      const first = ctx.createFences(1);
      const plain = ctx.findFence(first)!;
      let head = rt.fenceChain(null, plain, 1);
      for (let i = 2; i <= 1_000_000; i++) {
        const next = rt.fenceChain(head, plain, i);
        head.release();
        head = next;
      }
      expect(rt.arena.inUse()).toBeGreaterThan(1_000_000);
      head.release();
      plain.release();
      ctx.signalUpTo(first);
      expect(rt.arena.inUse()).toBe(1); // the runtime's stub
      await rt.dispose();
    }, 60_000);
  });

  describe('handles released while listening (F6, F16 with composites)', () => {
    it('X1.2: an enabled array whose last handle is released still runs its callbacks once (it references itself)', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const [a, b] = [ctx.createFence(), ctx.createFence()];
      const arr = rt.fenceArray([a.fence, b.fence]);
      let ran = 0;
      arr.addCallback(() => ran++);
      arr.release();
      a.fence.addCallback(() => b.signal()); // re-entrant: the second child signals inside the first's callbacks
      a.signal();
      expect(ran).toBe(1);
      expect(rt.violations).toEqual([]);
    });

    it('X2.4: a chain link released after addCallback still calls back once, and a wait on it still ends', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const [a, b] = [ctx.createFence(), ctx.createFence()];
      const l1 = rt.fenceChain(null, a.fence, 1);
      const l2 = rt.fenceChain(l1, b.fence, 2);
      let ran = 0;
      l2.addCallback(() => ran++);
      const w = l2.wait();
      l1.release();
      l2.release();
      ctx.signalUpTo(b.seqno);
      expect(ran).toBe(1);
      await expect(w).resolves.toBe(true);
      expect(rt.violations).toEqual([]);
    });

    it('X2.7: an un-enabled composite whose handles all go frees its slot and its children', async () => {
      const rt = await rt0();
      const ctx = rt.createContext();
      const a = ctx.createFence();
      const inUse = rt.stats.fencesInUse;
      const arr = rt.fenceArray([a.fence]);
      const link = rt.fenceChain(null, arr, 1);
      expect(rt.stats.fencesInUse).toBe(inUse + 2);
      link.release();
      arr.release();
      expect(rt.stats.fencesInUse).toBe(inUse);
      a.signal();
      expect(rt.violations).toEqual([]);
    });
  });

});
