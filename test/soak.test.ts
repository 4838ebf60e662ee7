/** Recycling: slots come back with a new generation; fences in use stay bounded; no stale data. */
import { describe, expect, it } from 'vitest';
import { BACKENDS, codeOf, runtime } from './helpers.js';

describe.each(BACKENDS)('recycling soak (%s backend)', (backend) => {
  it('10 million fences through maxFences 1024: in use bounded by what is kept alive, fresh state every time, stale handles caught', async () => {
    const rt = await runtime(backend, { maxFences: 1024 });
    const ctx = rt.createContext();
    const TOTAL = 10_000_000;
    const BATCH = 1000;
    let done = 0;
    let round = 0;
    // High-water of fences in use: the test keeps at most one batch alive at a time.
    let highWater = 0;
    while (done < TOTAL) {
      const first = ctx.createFences(BATCH - 1);
      // One handle fence a round: it must read as brand new although its slot was recycled.
      const df = ctx.createFence();
      const f = df.fence;
      highWater = Math.max(highWater, rt.stats.fencesInUse);
      expect(df.seqno).toBe(first + BATCH - 1);
      if (f.signaled || f.error !== 0 || f.status !== 0) throw new Error(`stale data in round ${round}`);
      if (round % 2) df.setError(-5);
      expect(ctx.signalUpTo(df.seqno)).toBe(BATCH);
      expect(f.status).toBe(round % 2 ? -5 : 1);
      df.release();
      f.release();
      if (codeOf(() => f.seqno) !== 'ERR_STALE_HANDLE') throw new Error('released handle still reads');
      highWater = Math.max(highWater, rt.stats.fencesInUse);
      done += BATCH;
      round++;
    }
    expect(rt.stats.fencesSignaled).toBe(TOTAL);
    expect(rt.stats.fencesInUse).toBe(0);
    expect(ctx.pending).toBe(0);
    expect(highWater).toBe(BATCH);
  });
});
