/**
 * Ports of the kernel's sync selftests (tools/testing/selftests/sync): sync_alloc, sync_fence,
 * sync_merge, sync_wait, and seeded single-thread versions of the three stress tests
 * (sync_stress_parallelism, sync_stress_consumer, sync_stress_merge). X3, X4 on both backends.
 * A sync_file fd is a DmaFence; sync_merge is rt.merge; sync_fence_count_with_status reads
 * rt.fenceInfo. Fixed from the sources: sync_fence.c checked fence `a` four times where it meant
 * a, b, c and d.
 */
import { describe, expect, it } from 'vitest';
import type { DmaFence, Runtime, SwSyncTimeline } from '../bindings/index.js';
import { BACKENDS, codeOf, runtime, prng } from './helpers.js';

const ACTIVE = 0;
const SIGNALED = 1;

function countWithStatus(rt: Runtime, f: DmaFence, status: number): number {
  return rt.fenceInfo(f).fences.filter((x) => x.status === status).length;
}

/** sync_wait(fd, 0): 1 signaled, 0 not yet. */
const poll = async (f: DmaFence) => ((await f.wait({ timeoutNs: 0 })) ? 1 : 0);

describe.each(BACKENDS)('sync selftests (%s backend)', (backend) => {
  // Each merge result over several timelines is an array on a context of its own (maxContexts).
  const rt0 = () => runtime(backend, { maxFences: 1 << 14, maxContexts: 4096 });

  describe('sync_alloc', () => {
    it('X4.1 test_alloc_timeline: a timeline is created and closed', async () => {
      const rt = await rt0();
      const tl = rt.createSwSync({ name: 'allocTimeline' });
      expect(tl.context).toBeGreaterThan(0);
      tl.close();
      expect(tl.closed).toBe(true);
    });

    it('X4.2 test_alloc_fence: a point on a timeline is a valid, pending fence', async () => {
      const rt = await rt0();
      const tl = rt.createSwSync();
      const f = tl.createFence(1);
      expect(f.signaled).toBe(false);
      expect(f.context).toBe(tl.context);
    });

    it('X4.4 test_alloc_fence_negative: a bad value or a closed timeline makes no fence', async () => {
      const rt = await rt0();
      const tl = rt.createSwSync();
      const before = rt.stats.fencesCreated;
      expect(codeOf(() => tl.createFence(-1))).toBe('ERR_INVALID_SEQNO');
      tl.close();
      expect(codeOf(() => tl.createFence(1))).toBe('ERR_CLOSED');
      expect(rt.stats.fencesCreated).toBe(before);
    });
  });

  describe('sync_fence', () => {
    it('X4.3 test_fence_one_timeline_wait: a point at 5 signals when the value reaches 5', async () => {
      const rt = await rt0();
      const tl = rt.createSwSync();
      const fence = tl.createFence(5);
      tl.inc(1);
      expect(await poll(fence)).toBe(0);
      tl.inc(1);
      expect(await poll(fence)).toBe(0);
      tl.inc(3);
      expect(await poll(fence)).toBe(1);
      tl.inc(10); // past it: nothing changes
      expect(fence.status).toBe(1);
      expect(tl.createFence(5).signaled).toBe(true); // born signaled
    });

    it('X3.2 test_fence_one_timeline_merge: merges of one timeline keep its latest point (a, b, c and d each checked)', async () => {
      const rt = await rt0();
      const tl = rt.createSwSync();
      const a = tl.createFence(1);
      const b = tl.createFence(2);
      const c = tl.createFence(3);
      let d = rt.merge(b, a);
      d = rt.merge(c, d);
      for (const f of [a, b, c, d]) expect(countWithStatus(rt, f, ACTIVE)).toBe(1);
      tl.inc(1);
      expect(await poll(a)).toBe(1);
      expect(await poll(d)).toBe(0);
      tl.inc(1);
      expect(await poll(b)).toBe(1);
      expect(await poll(d)).toBe(0);
      tl.inc(1);
      expect(await poll(c)).toBe(1);
      expect(await poll(d)).toBe(1);
      expect(countWithStatus(rt, d, SIGNALED)).toBe(1);
    });
  });

  it('X3.2 sync_merge test_fence_merge_same_fence: a fence merged with itself has one point', async () => {
    const rt = await rt0();
    const tl = rt.createSwSync();
    const fence = tl.createFence(5);
    const merged = rt.merge(fence, fence);
    expect(countWithStatus(rt, merged, ACTIVE)).toBe(1);
    tl.inc(5);
    expect(await poll(merged)).toBe(1);
  });

  it('X3.3 sync_wait test_fence_multi_timeline_wait: a merge over three timelines counts down', async () => {
    const rt = await rt0();
    const [A, B, C] = [rt.createSwSync(), rt.createSwSync(), rt.createSwSync()];
    const d = rt.merge(rt.merge(A.createFence(5), B.createFence(5)), C.createFence(5));
    expect(countWithStatus(rt, d, ACTIVE)).toBe(3);
    expect(await poll(d)).toBe(0);
    A.inc(5);
    expect([countWithStatus(rt, d, ACTIVE), countWithStatus(rt, d, SIGNALED)]).toEqual([2, 1]);
    B.inc(5);
    expect([countWithStatus(rt, d, ACTIVE), countWithStatus(rt, d, SIGNALED)]).toEqual([1, 2]);
    C.inc(5);
    expect([countWithStatus(rt, d, ACTIVE), countWithStatus(rt, d, SIGNALED)]).toEqual([0, 3]);
    expect(await rt.sim.runUntilSettled(d.wait({ timeoutNs: 100 }))).toBe(true);
  });

  describe('stress (seeded, single thread)', () => {
    it('X4.3 sync_stress_parallelism: two workers take turns on one timeline, in value order', async () => {
      const rt = await rt0();
      const rnd = prng(7);
      const tl = rt.createSwSync();
      const iterations = 1 << 10;
      let counter = 0;
      const worker = async (id: number) => {
        for (let i = 0; i < iterations; i++) {
          const fence = tl.createFence(i * 2 + id);
          if (rnd() < 0.5) await Promise.resolve(); // a seeded yield: the other worker may run
          await fence.wait();
          expect(counter).toBe(i * 2 + id);
          counter++;
          tl.inc(1);
          fence.release();
        }
      };
      await Promise.all(rnd() < 0.5 ? [worker(0), worker(1)] : [worker(1), worker(0)]);
      expect(counter).toBe(iterations * 2);
    });

    it('X3.2 sync_stress_consumer: producers and one consumer meet through merged points', async () => {
      const rt = await rt0();
      const rnd = prng(11);
      const n = 4;
      const iterations = 1 << 9;
      const producers: SwSyncTimeline[] = Array.from({ length: n }, () => rt.createSwSync());
      const consumer = rt.createSwSync();
      let counter = 0;
      const producer = async (id: number) => {
        for (let i = 0; i < iterations; i++) {
          const fence = consumer.createFence(i);
          if ((iterations + id) % 8 !== 0) await fence.wait();
          else {
            // The busy wait (bounded: a failed consumer must not leave it spinning).
            for (let spin = 0; !fence.signaled; spin++) {
              if (spin > 1e5) throw new Error(`producer ${id} spun out at ${i}`);
              await Promise.resolve();
            }
          }
          counter++;
          producers[id].inc(1);
          fence.release();
        }
      };
      const consume = async () => {
        for (let it = 1; it <= iterations; it++) {
          let fence = producers[0].createFence(it);
          for (let i = 1; i < n; i++) fence = rt.merge(producers[i].createFence(it), fence);
          if (rnd() < 0.5) await Promise.resolve();
          await fence.wait();
          expect(counter).toBe(n * it);
          consumer.inc(1);
        }
      };
      await Promise.all([consume(), ...producers.map((_, id) => producer(id))]);
      expect(counter).toBe(n * iterations);
    });

    it('X3.2 sync_stress_merge: random merges over 32 timelines keep one point per timeline; signal last', async () => {
      const rt = await rt0();
      const rnd = prng(1234);
      const timelineCount = 32;
      const mergeCount = 2048;
      const timelines = Array.from({ length: timelineCount }, () => rt.createSwSync());
      const latest = new Array<number>(timelineCount).fill(-1);
      let fence = timelines[0].createFence(0); // born signaled: merged away
      for (let i = 0; i < mergeCount; i++) {
        const t = Math.floor(rnd() * timelineCount);
        const point = 1 + Math.floor(rnd() * 0x3fffffff);
        if (latest[t] < point) latest[t] = point;
        const next = rt.merge(timelines[t].createFence(point), fence);
        fence.release();
        fence = next;
      }
      const used = latest.filter((p) => p !== -1).length;
      expect(rt.fenceInfo(fence).fences.length).toBe(used);
      for (let i = 0; i < timelineCount; i++) {
        if (latest[i] === -1) continue;
        expect(await poll(fence)).toBe(0);
        timelines[i].inc(latest[i]);
      }
      expect(await poll(fence)).toBe(1);
      expect(rt.violations).toEqual([]);
    });
  });
});
