/** R3 under load: a producer faster than the device loses no job; every fence signals exactly once. */
import { describe, expect, it } from 'vitest';
import { BACKENDS, rig } from './helpers.js';

describe.each(BACKENDS)('backpressure (%s backend)', (backend) => {
  it('R3: 2,000 jobs through a ring of 8 with submitAsync: none lost, each signaled once, in order', async () => {
    const { rt, ring } = await rig(backend, { latency: { baseNs: 1000, jitter: 0.5 }, faults: { lostIrq: 0.05, slow: 0.05 } }, { capacity: 8, timeoutNs: 50_000 });
    const signaled: number[] = [];
    const producer = (async () => {
      for (let i = 0; i < 2000; i++) {
        const f = await ring.submitAsync({ pattern: i & 0xff });
        f.addCallback((x) => signaled.push(x.seqno));
        f.release();
      }
    })();
    await rt.sim.runUntilSettled(producer);
    rt.sim.runUntilIdle();
    expect(signaled.length).toBe(2000);
    expect(signaled).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(rt.stats.jobsCompleted).toBe(2000);
    expect(rt.violations).toEqual([]);
  });

  it('R3: with aborted waiters and stops in the middle nothing is lost: each submitAsync ran once or was refused with a code and submitted nothing', async () => {
    const { rt, ring } = await rig(backend, { latency: { baseNs: 1000, jitter: 0.5 } }, { capacity: 4 });
    const outcomes: Promise<string>[] = [];
    let signaled = 0;
    const count = (f: { addCallback(fn: () => void): boolean; release(): boolean }) => {
      if (!f.addCallback(() => signaled++)) signaled++;
      f.release();
      return 'ok';
    };
    for (let round = 0; round < 40; round++) {
      const acs: AbortController[] = [];
      for (let i = 0; i < 10; i++) {
        const ac = new AbortController();
        acs.push(ac);
        outcomes.push(ring.submitAsync({ pattern: i }, { signal: ac.signal }).then(count, (e) => (e instanceof DOMException ? e.name : e.code)));
      }
      acs.forEach((ac, i) => (i + round) % 3 === 0 && ac.abort()); // some waiters give up
      rt.sim.advance(2500 + 300 * (round % 7));
      if (round % 10 === 9) {
        await rt.sim.runUntilSettled(ring.stop()); // the waiters still queued are refused
        ring.restart();
      }
    }
    await rt.sim.runUntilSettled(ring.stop());
    const seen = await Promise.all(outcomes);
    const ok = seen.filter((x) => x === 'ok').length;
    expect(new Set(seen)).toEqual(new Set(['ok', 'AbortError', 'ERR_RING_STOPPED']));
    expect(seen.filter((x) => x === 'AbortError').length).toBeGreaterThan(50);
    // Every accepted job was submitted exactly once and its fence signaled exactly once; a refused
    // one submitted nothing.
    expect(rt.stats.jobsSubmitted).toBe(ok);
    expect(ring.context.lastSeqno).toBe(ok);
    expect(signaled).toBe(ok);
    expect(ring.context.pending).toBe(0);
    expect(rt.violations).toEqual([]);
  });

  it('R3: submit never loses a job: every refusal is ERR_RING_FULL, and the batch path accounts for every fence', async () => {
    const { rt, ring } = await rig(backend, { latency: { baseNs: 100 } }, { capacity: 64 });
    let accepted = 0;
    let refused = 0;
    for (let round = 0; round < 500; round++) {
      try {
        ring.submitBatch(48, {});
        accepted += 48;
      } catch (e) {
        expect((e as { code: string }).code).toBe('ERR_RING_FULL');
        refused++;
      }
      rt.sim.advance(2000);
    }
    rt.sim.runUntilIdle();
    expect(refused).toBeGreaterThan(0);
    expect(rt.stats.jobsCompleted).toBe(accepted);
    expect(rt.stats.fencesSignaled).toBe(accepted);
    expect(ring.context.lastSeqno).toBe(accepted);
    expect(ring.context.pending).toBe(0);
  });
});
