/**
 * Composite fences as scheduler dependencies (issue 9 item 6, S3 with X1-X4, Y): an array, a chain
 * link, a syncobj point, a sw_sync point and a merge result can be given in `deps` of `ent.push` and
 * `jq.submit`. Pushing enables a composite dependency (drm_sched adds a callback to each), so it
 * signals in the arena from its children and the scheduler's core pass sees it. Both backends.
 */
import { describe, expect, it } from 'vitest';
import type { DmaFence, Runtime } from '../bindings/index.js';
import { BACKENDS, arenaWithoutMode, outcome, rig } from './helpers.js';

/** Signals each fence at its time on the virtual clock. */
function at(rt: Runtime, plan: [number, () => void][]): void {
  for (const [t, fn] of plan) rt.sim.schedule(t, fn);
}

/** When a fence signaled (virtual ns), or -1 if it has not. */
function when(f: DmaFence): number {
  return f.signaled ? f.timestamp : -1;
}

describe.each(BACKENDS)('composite fences as scheduler dependencies (%s backend)', (backend) => {
  it('S3, X1: a job depending on an array runs only after every child signaled (the array is enabled by push)', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring }).createEntity();
    const ctx = rt.createContext();
    const c2 = rt.createContext();
    const [a, b, c] = [ctx.createFence(), c2.createFence(), ctx.createFence()];
    const arr = rt.fenceArray([a.fence, b.fence, c.fence]);
    const job = e.push({ deps: [arr] });
    arr.release(); // the array references itself while it listens: the dependency still holds
    const runs: number[] = [];
    job.scheduled.addCallback(() => runs.push(rt.sim.now));
    at(rt, [
      [100, () => a.signal()],
      [200, () => b.signal()],
      [300, () => c.signal()],
    ]);
    rt.sim.runUntil(299);
    expect(runs).toEqual([]);
    rt.sim.runUntilIdle();
    expect(runs).toEqual([300]);
    expect(when(job.finished)).toBe(1300);
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });

  it('S3: a push refused for a bad dependency after an array changes nothing; the next pushes, without deps and with the array, run', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring }).createEntity();
    const ctx = rt.createContext();
    const [a, b] = [ctx.createFence(), rt.createContext().createFence()];
    const arr = rt.fenceArray([a.fence, b.fence]);
    let code: string | undefined;
    try {
      e.push({ deps: [arr, {} as DmaFence] });
    } catch (err) {
      code = (err as { code?: string }).code;
    }
    expect(code).toBe('ERR_INVALID_ARG');
    expect(e.queued).toBe(0);
    a.signal();
    b.signal();
    const plain = e.push({}); // (a push without deps right after the refused one)
    rt.sim.runUntilIdle();
    expect(arr.signaled).toBe(true);
    const withArr = e.push({ deps: [arr] }); // signaled by now: dropped
    rt.sim.runUntilIdle();
    expect([plain.finished.status, withArr.finished.status]).toEqual([1, 1]);
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });

  it('S2, S3: a push refused under strict for its credits, with an array among its deps, changes nothing (the array is not enabled)', async () => {
    const { rt, ring } = await rig(backend, {}, {}, { strict: true });
    const e = rt.createScheduler({ ring, creditLimit: 4 }).createEntity();
    const [a, b] = [rt.createContext().createFence(), rt.createContext().createFence()];
    const arr = rt.fenceArray([a.fence, b.fence]);
    const before = arenaWithoutMode(rt);
    expect(outcome(() => e.push({ credits: 5, deps: [arr] }))).toBe('throw ERR_VIOLATION');
    expect(arenaWithoutMode(rt).equals(before)).toBe(true);
    const inUse = rt.stats.fencesInUse;
    arr.release(); // not listening: it goes at once
    expect(rt.stats.fencesInUse).toBe(inUse - 1);
    await rt.dispose();
  });

  it('S3, X1: a signal-on-any array and a merge result as dependencies of one job', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring }).createEntity();
    const [x, y] = [rt.createContext(), rt.createContext()];
    const [a, b, c, d] = [x.createFence(), y.createFence(), x.createFence(), y.createFence()];
    const any = rt.fenceArray([a.fence, b.fence], { signalOnAny: true });
    const merged = rt.merge(c.fence, d.fence);
    expect(merged.kind).toBe('array');
    const job = e.push({ deps: [any, merged] });
    at(rt, [
      [50, () => b.signal()], // any is done at 50
      [70, () => a.signal()],
      [80, () => c.signal()],
      [90, () => d.signal()], // merged is done at 90 (x's c, y's d signaled in order)
    ]);
    rt.sim.runUntilIdle();
    expect(when(any)).toBe(50);
    expect(when(merged)).toBe(90);
    expect(when(job.scheduled)).toBe(90);
    await rt.dispose();
  });

  it('S3, X2, Y: a job depending on a chain link or a syncobj point runs once every point up to it signaled', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring }).createEntity();
    const ctx = rt.createContext();
    const other = rt.createContext();
    const [f1, f2] = [ctx.createFence(), other.createFence()];
    const so = rt.createSyncobj();
    so.addPoint(1, f1.fence);
    so.addPoint(2, f2.fence);
    const point2 = so.find(2);
    expect(point2.kind).toBe('chain');
    const [g1, g2] = [ctx.createFence(), other.createFence()];
    const link = rt.fenceChain(rt.fenceChain(null, g1.fence, 1), g2.fence, 2);
    const onPoint = e.push({ deps: [point2] });
    const onLink = e.push({ deps: [link] });
    point2.release();
    link.release();
    at(rt, [
      [100, () => f2.signal()], // point 2's own fence, but point 1 is still pending: not yet
      [200, () => g2.signal()],
      [300, () => ctx.signalUpTo(g1.seqno)], // f1 and g1: both timelines complete at 300
    ]);
    rt.sim.runUntil(299);
    expect(when(onPoint.scheduled)).toBe(-1);
    expect(so.query()).toBe(0);
    rt.sim.runUntilIdle();
    expect(when(onPoint.scheduled)).toBe(300);
    expect(when(onLink.finished)).toBeGreaterThan(when(onPoint.finished));
    expect(so.query()).toBe(2);
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });

  it('S3, X4: a job depending on a sw_sync point runs when inc() reaches it', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring }).createEntity();
    const tl = rt.createSwSync({ name: 'test' });
    const p5 = tl.createFence(5);
    const job = e.push({ deps: [p5] });
    at(rt, [
      [100, () => tl.inc(4)],
      [200, () => tl.inc(1)],
    ]);
    rt.sim.runUntil(199);
    expect(when(job.scheduled)).toBe(-1);
    rt.sim.runUntilIdle();
    expect(when(job.scheduled)).toBe(200);
    await rt.dispose();
  });

  it('Q2, S3: jq.submit with an array and a syncobj point as dependencies', async () => {
    const { rt, ring } = await rig(backend);
    const jq = rt.createJobQueue({ ring, capacity: 4 });
    const ctx = rt.createContext();
    const [a, b] = [ctx.createFence(), ctx.createFence()];
    const so = rt.createSyncobj();
    so.addPoint(3, b.fence);
    const done = jq.submit({ deps: [rt.fenceArray([a.fence]), so.find(3)] });
    at(rt, [
      [100, () => a.signal()],
      [400, () => b.signal()],
    ]);
    rt.sim.runUntil(399);
    expect(done.signaled).toBe(false);
    rt.sim.runUntilIdle();
    expect(when(done)).toBe(1400);
    await rt.dispose();
  });

  it('S3: rules still hold with composites: null ignored, a signaled composite dropped, the latest link of a chain context kept', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring }).createEntity();
    const ctx = rt.createContext();
    const [a, b, c] = [ctx.createFence(), ctx.createFence(), ctx.createFence()];
    const done = rt.fenceArray([a.fence]);
    a.signal();
    expect(done.signaled).toBe(true);
    const l1 = rt.fenceChain(null, b.fence, 1);
    const l2 = rt.fenceChain(l1, c.fence, 2);
    const job = e.push({ deps: [null, done, l1, l2] });
    at(rt, [
      [100, () => b.signal()], // l1 complete: the job still waits for l2, the latest of that context
      [200, () => c.signal()],
    ]);
    rt.sim.runUntil(150);
    expect(when(l1)).toBe(100);
    expect(when(job.scheduled)).toBe(-1);
    rt.sim.runUntilIdle();
    expect(when(job.scheduled)).toBe(200);
    await rt.dispose();
  });

  it('S3, X1.3: on the real clock, a job after an array runs once its children signaled from user code', async () => {
    const { rt, ring } = await rig(backend, { latency: { baseNs: 1000 } }, {}, { clock: 'real' });
    const e = rt.createScheduler({ ring }).createEntity();
    const ctx = rt.createContext();
    const [a, b] = [ctx.createFence(), ctx.createFence()];
    const job = e.push({ deps: [rt.fenceArray([a.fence, b.fence])] });
    a.signal();
    await new Promise((r) => setTimeout(r, 5));
    expect(job.scheduled.signaled).toBe(false);
    b.signal();
    await expect(job.finished.wait({ timeoutNs: 5e9 })).resolves.toBe(true);
    await rt.dispose();
  });
});
