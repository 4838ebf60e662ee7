/**
 * The scheduler on the real clock (the device in its own thread: the pass runs in the driver's
 * interrupt handler) and its trace events (runtime `trace: true`), on both backends. The real
 * clock's worker runs built JS (dist/), which `npm test` builds first.
 */
import { describe, expect, it } from 'vitest';
import { Errno, createRuntime } from '../bindings/index.js';
import { BACKENDS, rig } from './helpers.js';

describe.each(BACKENDS)('scheduler on the real clock (%s backend)', (backend) => {
  it('S4, S6: jobs with dependencies across rings run and finish in order, driven by the interrupt handler', async () => {
    const rt = await createRuntime({ backend, clock: 'real' });
    try {
      const dev = rt.createDevice({ latency: { baseNs: 100_000 } }); // 0.1 ms a job
      const copyRing = rt.createRing({ device: dev, capacity: 8, timeoutNs: 10e9 });
      const renderRing = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 50_000 } }), capacity: 8, timeoutNs: 10e9 });
      const copy = rt.createScheduler({ ring: copyRing, creditLimit: 2 }).createEntity();
      const render = rt.createScheduler({ ring: renderRing }).createEntity();
      const order: string[] = [];
      const jobs = [];
      for (let i = 0; i < 6; i++) {
        const c = copy.push({});
        const r = render.push({ deps: [c.finished] });
        c.finished.addCallback(() => order.push(`c${i}`));
        r.scheduled.addCallback(() => order.push(`r${i}run`));
        jobs.push(c, r);
      }
      const first = copy.pushBatch(4, {});
      const batchFirst = render.pushBatch(4, { after: { context: copy.finishedContext, firstSeqno: first } });
      const last = render.push({});
      expect(await last.finished.wait({ timeoutNs: 5e9 })).toBe(true);
      expect(jobs.every((j) => j.finished.status === 1)).toBe(true);
      expect(batchFirst).toBe(7);
      // Each render job ran only after its copy job finished; copies finished in order.
      for (let i = 0; i < 6; i++) expect(order.indexOf(`r${i}run`)).toBeGreaterThan(order.indexOf(`c${i}`));
      expect(order.filter((s) => s.startsWith('c'))).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
    } finally {
      await rt.dispose();
    }
  }, 20_000);

  it('S10: fini on the real clock: the device proven idle, everything signaled', async () => {
    const rt = await createRuntime({ backend, clock: 'real' });
    try {
      const dev = rt.createDevice({ latency: { baseNs: 2_000_000 }, ackNs: 100_000 });
      const ring = rt.createRing({ device: dev, capacity: 8, timeoutNs: 10e9 });
      const sched = rt.createScheduler({ ring, creditLimit: 1 });
      const e = sched.createEntity();
      const jobs = [e.push({}), e.push({}), e.push({})];
      await jobs[0].scheduled.wait({ timeoutNs: 5e9 });
      await rt.sim.runUntilSettled(sched.fini());
      expect(jobs.every((j) => j.finished.signaled)).toBe(true);
      expect(jobs[2].finished.error).toBe(-Errno.ECANCELED);
      expect(rt.violations).toEqual([]);
    } finally {
      await rt.dispose();
    }
  }, 20_000);
});

describe.each(BACKENDS)('scheduler trace (%s backend)', (backend) => {
  it('trace: job-run and job-finished events carry the ring, the entity, the seqno and the context, at their times', async () => {
    const { rt, ring } = await rig(backend, {}, { name: 'gfx0' }, { trace: true });
    const sched = rt.createScheduler({ ring, name: 'gfx', creditLimit: 1 });
    const e = sched.createEntity();
    const a = e.push({});
    e.pushBatch(2, {});
    rt.sim.runUntilIdle();
    const jobEvents = rt.events.filter((x) => x.name === 'job-run' || x.name === 'job-finished');
    // Each also carries the scheduler's credits in use (the trace's credits counter), within its limit.
    expect(jobEvents.every((x) => typeof x.args.credits === 'number' && x.args.credits >= 0 && x.args.credits <= 1)).toBe(true);
    const ev = jobEvents.map((x) => {
      const { credits: _credits, ...args } = x.args;
      return [x.name, x.timeNs, args];
    });
    expect(ev).toEqual([
      ['job-run', 0, { ring: 'gfx0', entity: 'gfx/e0', seqno: 1, context: e.scheduledContext }],
      ['job-run', 1000, { ring: 'gfx0', entity: 'gfx/e0', seqno: 2, context: e.scheduledContext }],
      ['job-finished', 1000, { ring: 'gfx0', entity: 'gfx/e0', seqno: 1, context: e.finishedContext }],
      ['job-run', 2000, { ring: 'gfx0', entity: 'gfx/e0', seqno: 3, context: e.scheduledContext }],
      ['job-finished', 2000, { ring: 'gfx0', entity: 'gfx/e0', seqno: 2, context: e.finishedContext }],
      ['job-finished', 3000, { ring: 'gfx0', entity: 'gfx/e0', seqno: 3, context: e.finishedContext }],
    ]);
    expect(a.finished.status).toBe(1);
    await rt.dispose();
  });

  it('without trace, no scheduler job events are recorded', async () => {
    const { rt, ring } = await rig(backend);
    rt.createScheduler({ ring }).createEntity().pushBatch(3, {});
    rt.sim.runUntilIdle();
    expect(rt.events.filter((x) => x.name.startsWith('job-'))).toEqual([]);
    await rt.dispose();
  });
});

describe.each(BACKENDS)('scheduler on the real clock, user fences (%s backend)', (backend) => {
  it('S4: a job waiting for a fence signaled from JS later runs without any other event', async () => {
    const rt = await createRuntime({ backend, clock: 'real' });
    try {
      const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 10_000 } }), capacity: 8, timeoutNs: 10e9 });
      const e = rt.createScheduler({ ring }).createEntity();
      const dep = rt.createContext().createFence();
      const j = e.push({ deps: [dep.fence] });
      await new Promise((r) => setTimeout(r, 30));
      expect(j.scheduled.signaled).toBe(false);
      setTimeout(() => dep.signal(), 10);
      // Only a timer waits here: nothing else drives the runtime.
      await new Promise((r) => setTimeout(r, 200));
      expect(j.finished.status).toBe(1);
    } finally {
      await rt.dispose();
    }
  }, 20_000);
});
