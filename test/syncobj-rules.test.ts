/**
 * Syncobj rules (Y1-Y8: binary and timeline syncobjs, rt.syncobjWait), on both backends.
 */
import { describe, expect, it } from 'vitest';
import { Errno } from '../bindings/index.js';
import type { Runtime } from '../bindings/index.js';
import { BACKENDS, codeOf, rejectionCode, runtime } from './helpers.js';

describe.each(BACKENDS)('syncobj (%s backend)', (backend) => {
  const rt0 = (): Promise<Runtime> => runtime(backend, { maxFences: 1 << 12, maxContexts: 256 });

  it('Y1: a syncobj holds a fence or nothing; created signaled it holds a signaled stub', async () => {
    const rt = await rt0();
    expect(rt.createSyncobj().fence).toBe(null);
    const so = rt.createSyncobj({ signaled: true });
    const f = so.fence!;
    expect(f.kind).toBe('stub');
    expect(f.signaled).toBe(true);
    expect(f.context).toBe(0);
  });

  it('Y2: replace(fence | null), reset() (nothing), signal() (a new signaled stub)', async () => {
    const rt = await rt0();
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const so = rt.createSyncobj();
    so.replace(df.fence);
    expect(so.fence!.seqno).toBe(df.seqno);
    expect(so.fence!.context).toBe(ctx.id);
    so.reset();
    expect(so.fence).toBe(null);
    so.replace(df.fence);
    so.replace(null);
    expect(so.fence).toBe(null);
    rt.sim.advance(50);
    so.signal();
    expect(so.fence!.kind).toBe('stub');
    expect(so.fence!.timestamp).toBe(50);
  });

  it('Y3: addPoint appends a chain link over the current fence; a point not above the last starts a new context', async () => {
    const rt = await rt0();
    const ctx = rt.createContext();
    const so = rt.createSyncobj();
    so.addPoint(1, ctx.createFence().fence);
    so.addPoint(2, ctx.createFence().fence);
    const head = so.fence!;
    expect(head.kind).toBe('chain');
    expect(head.seqno).toBe(2);
    expect(so.find(1).context).toBe(head.context);
    so.addPoint(2, ctx.createFence().fence);
    expect(so.fence!.context).not.toBe(head.context);
    expect(codeOf(() => so.addPoint(3, head))).toBe('ERR_INVALID_ARG'); // no chain inside a chain
  });

  it('Y4: timelineSignal adds a signaled point that completes once every earlier point has', async () => {
    const rt = await rt0();
    const ctx = rt.createContext();
    const so = rt.createSyncobj();
    const df = ctx.createFence();
    so.addPoint(1, df.fence);
    so.timelineSignal(2);
    const p2 = so.find(2);
    expect(p2.signaled).toBe(false);
    expect(so.query()).toBe(0);
    df.signal();
    expect(p2.signaled).toBe(true);
    expect(so.query()).toBe(2);
  });

  it('Y5: find(0) is the current fence; a point on a non-chain, or not yet submitted, is ERR_INVALID_SEQNO; collected: a signaled stub', async () => {
    const rt = await rt0();
    const ctx = rt.createContext();
    const bin = rt.createSyncobj({ signaled: true });
    expect(bin.find(0).kind).toBe('stub');
    expect(codeOf(() => bin.find(1))).toBe('ERR_INVALID_SEQNO');
    expect(codeOf(() => rt.createSyncobj().find(0))).toBe('ERR_INVALID_SEQNO');
    const so = rt.createSyncobj();
    const [a, b] = [ctx.createFence(), ctx.createFence()];
    so.addPoint(1, a.fence);
    so.addPoint(2, b.fence);
    expect(so.find(0).seqno).toBe(2); // the newest link, even while pending
    expect(codeOf(() => so.find(3))).toBe('ERR_INVALID_SEQNO');
    a.signal();
    const p1 = so.find(1);
    expect(p1.kind).toBe('stub');
    expect(p1.signaled).toBe(true);
  });

  it('Y6: without waitForSubmit / waitAvailable an unsubmitted point fails at once', async () => {
    const rt = await rt0();
    const so = rt.createSyncobj();
    expect(await rejectionCode(rt.syncobjWait([{ syncobj: so, point: 1 }]))).toBe('ERR_INVALID_SEQNO');
    so.timelineSignal(1);
    expect(await rejectionCode(rt.syncobjWait([{ syncobj: so, point: 2 }], { all: false }))).toBe('ERR_INVALID_SEQNO');
  });

  it('Y6: waitForSubmit waits for the point to be added, then for it to signal', async () => {
    const rt = await rt0();
    const ctx = rt.createContext();
    const so = rt.createSyncobj();
    let settled: unknown = 'pending';
    const w = rt.syncobjWait([{ syncobj: so, point: 2 }], { waitForSubmit: true }).then((v) => (settled = v));
    const df = ctx.createFence();
    so.addPoint(1, ctx.createFence().fence);
    so.addPoint(2, df.fence);
    await Promise.resolve();
    expect(settled).toBe('pending');
    df.signal(); // point 2's fence; point 1's is still pending
    await Promise.resolve();
    expect(settled).toBe('pending');
    ctx.signalUpTo(ctx.lastSeqno);
    await w;
    expect(settled).toBe(true);
  });

  it('Y6: waitAvailable completes when the point is submitted, not signaled', async () => {
    const rt = await rt0();
    const ctx = rt.createContext();
    const so = rt.createSyncobj();
    const w = rt.syncobjWait([{ syncobj: so, point: 1 }], { waitAvailable: true });
    so.addPoint(1, ctx.createFence().fence);
    await expect(w).resolves.toBe(true);
  });

  it('Y6: an error counts as done; any returns the first done index; timeouts: false / -1', async () => {
    const rt = await rt0();
    const ctx = rt.createContext();
    const [s1, s2] = [rt.createSyncobj(), rt.createSyncobj()];
    const [a, b] = [ctx.createFence(), ctx.createFence()];
    s1.addPoint(1, a.fence);
    s2.addPoint(1, b.fence);
    const entries = [
      { syncobj: s1, point: 1 },
      { syncobj: s2, point: 1 },
    ];
    expect(await rt.syncobjWait(entries, { timeoutNs: 0 })).toBe(false);
    expect(await rt.syncobjWait(entries, { all: false, timeoutNs: 0 })).toBe(-1);
    expect(await rt.sim.runUntilSettled(rt.syncobjWait(entries, { timeoutNs: 100 }))).toBe(false);
    const any = rt.syncobjWait(entries, { all: false });
    a.setError(-Errno.EIO);
    a.signal();
    expect(await any).toBe(0);
    const all = rt.syncobjWait(entries);
    b.signal();
    expect(await all).toBe(true);
  });

  it('Y6: abort rejects with the signal\'s reason; dispose rejects ERR_DISPOSED', async () => {
    const rt = await rt0();
    const so = rt.createSyncobj();
    const ac = new AbortController();
    const w = rt.syncobjWait([{ syncobj: so, point: 1 }], { waitForSubmit: true, signal: ac.signal });
    ac.abort();
    expect(await rejectionCode(w)).toBe('AbortError');
    const w2 = rt.syncobjWait([{ syncobj: so, point: 1 }], { waitForSubmit: true });
    await rt.dispose();
    expect(await rejectionCode(w2)).toBe('ERR_DISPOSED');
  });

  it('Y7: query is the last signaled point; lastSubmitted the newest; 0 for a non-chain', async () => {
    const rt = await rt0();
    const ctx = rt.createContext();
    const so = rt.createSyncobj({ signaled: true });
    expect(so.query()).toBe(0);
    expect(so.query({ lastSubmitted: true })).toBe(0);
    const fs = [ctx.createFence(), ctx.createFence(), ctx.createFence()];
    fs.forEach((f, i) => so.addPoint(i + 1, f.fence));
    expect(so.query()).toBe(0);
    expect(so.query({ lastSubmitted: true })).toBe(3);
    fs[0].signal();
    expect(so.query()).toBe(1);
    fs[1].signal();
    expect(so.query()).toBe(2);
  });

  it('Y7: after an out-of-order point, query() reads 0 until that point signals', async () => {
    const rt = await rt0();
    const ctx = rt.createContext();
    const so = rt.createSyncobj();
    so.timelineSignal(1);
    so.timelineSignal(2);
    expect(so.query()).toBe(2);
    const late = ctx.createFence();
    so.addPoint(1, late.fence);
    expect(so.query()).toBe(0);
    expect(so.query({ lastSubmitted: true })).toBe(2);
    late.signal();
    expect(so.query()).toBe(2);
  });

  it('Y8: transfer flattens the source point with merge and adds it at dstPoint (0: replaces)', async () => {
    const rt = await rt0();
    const [c1, c2] = [rt.createContext(), rt.createContext()];
    const src = rt.createSyncobj();
    const [a, b] = [c1.createFence(), c2.createFence()];
    src.addPoint(1, a.fence);
    src.addPoint(2, b.fence);
    const dst = rt.createSyncobj();
    src.transfer(dst, 5, 2);
    const p5 = dst.find(5);
    expect(p5.kind).toBe('chain');
    for (const leaf of rt.unwrap(p5)) expect(leaf.kind).toBe('fence');
    expect(rt.unwrap(p5).map((f) => f.context).sort()).toEqual([c1.id, c2.id].sort());
    const bin = rt.createSyncobj();
    src.transfer(bin, 0, 1);
    expect(bin.fence!.kind).toBe('fence'); // point 1 is a alone: merge returns it
    expect(bin.fence!.context).toBe(c1.id);
    a.signal();
    b.signal();
    expect(dst.query()).toBe(5);
  });

  it('Y3: a callback on a point that throws is thrown by the call that completed the point, after its work (ERR_CALLBACK)', async () => {
    const rt = await rt0();
    const ctx = rt.createContext();
    const so = rt.createSyncobj();
    const df = ctx.createFence();
    so.addPoint(1, df.fence);
    const p1 = so.find(1);
    let ran = 0;
    p1.addCallback(() => {
      ran++;
      throw new Error('boom');
    });
    df.setError(-Errno.EIO);
    expect(codeOf(() => df.signal())).toBe('ERR_CALLBACK');
    expect(ran).toBe(1);
    so.timelineSignal(2);
    expect(so.query()).toBe(2);
  });
});
