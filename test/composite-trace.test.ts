/**
 * Composite fences traced (issue 9 item 6): with createRuntime({ trace: true }) every composite
 * signal is a 'composite-signaled' event (args: kind, context, seqno, trigger, children for an
 * array; onRing/onSeqno when a ring job's fence completed it) at the composite's timestamp. The
 * export puts them on a track of their own ('composite fences') as zero-length slices, with a flow
 * arrow from the ring job's signal, and stays valid Trace Event Format (trace-format.ts). Both backends.
 */
import { describe, expect, it } from 'vitest';
import { BACKENDS, runtime } from './helpers.js';
import { checkTrace, threadNames } from './trace-format.js';
import type { Ev } from './trace-format.js';

describe.each(BACKENDS)('composite fences traced (%s backend)', (backend) => {
  it('X1, X2: array and chain signals are recorded at the child\'s time, with what completed them', async () => {
    const rt = await runtime(backend, { trace: true, maxFences: 256, maxContexts: 32, maxRingCapacity: 16 });
    const gpu = rt.createDevice({ name: 'gpu', latency: { baseNs: 1000 } });
    const gfx = rt.createRing({ device: gpu, capacity: 8, name: 'gfx0' });
    const ctx = rt.createContext();
    const plain = ctx.createFence();
    const j1 = gfx.submit({});
    const j2 = gfx.submit({});
    const arr = rt.fenceArray([j1, plain.fence, j2]);
    const link = rt.fenceChain(null, j2, 7);
    arr.enableSignaling();
    link.enableSignaling();
    plain.signal();
    const unenabled = rt.fenceArray([plain.fence]); // polled: traced when polling signals it
    expect(unenabled.signaled).toBe(true);
    rt.sim.runUntilIdle();
    expect(arr.timestamp).toBe(j2.timestamp);
    const evs = rt.events.filter((e) => e.name === 'composite-signaled');
    const ringCtx = j2.context;
    expect(evs.map((e) => [e.args.kind, e.args.context, e.args.seqno, e.timeNs])).toEqual([
      ['array', unenabled.context, 1, 0],
      ['array', arr.context, 1, j2.timestamp],
      ['chain', link.context, 7, j2.timestamp],
    ]);
    const a = evs[1].args;
    expect(a.trigger).toEqual({ context: ringCtx, seqno: j2.seqno });
    expect(a).toMatchObject({ onRing: 'gfx0', onSeqno: j2.seqno });
    expect(a.children).toEqual([
      { context: ringCtx, seqno: j1.seqno },
      { context: ctx.id, seqno: plain.seqno },
      { context: ringCtx, seqno: j2.seqno },
    ]);
    expect(evs[2].args).toMatchObject({ trigger: { context: ringCtx, seqno: j2.seqno }, onRing: 'gfx0' });

    const trace = JSON.parse(rt.exportTrace());
    expect(checkTrace(trace)).toEqual([]);
    const all = trace.traceEvents as Ev[];
    const names = threadNames(all);
    expect([...names.values()]).toContain('composite fences');
    const onTrack = all.filter((e) => names.get(`${e.pid}/${e.tid}`) === 'composite fences');
    const slices = onTrack.filter((e) => e.ph === 'X');
    expect(slices.map((e) => e.name)).toEqual([`array ${unenabled.context}:1 signaled`, `array ${arr.context}:1 signaled`, `chain ${link.context}:7 signaled`]);
    expect(slices.every((e) => e.dur === 0 && e.cat === 'composite')).toBe(true);
    // Arrows from gfx0's signal of job 2 to the array's and the link's signal.
    const ends = onTrack.filter((e) => e.ph === 'f');
    expect(ends.length).toBe(2);
    for (const f of ends) {
      const s = all.find((e) => e.ph === 's' && e.id === f.id)!;
      expect(names.get(`${s.pid}/${s.tid}`)).toBe('ring gfx0');
      expect(s.ts).toBe(f.ts);
    }
    await rt.dispose();
  });

  it('without trace: true nothing is recorded for composites', async () => {
    const rt = await runtime(backend, { maxFences: 64, maxContexts: 16 });
    const ctx = rt.createContext();
    const a = ctx.createFence();
    const arr = rt.fenceArray([a.fence]);
    arr.enableSignaling();
    a.signal();
    await Promise.resolve();
    expect(arr.signaled).toBe(true);
    expect(rt.events.filter((e) => e.name === 'composite-signaled')).toEqual([]);
    await rt.dispose();
  });
});
