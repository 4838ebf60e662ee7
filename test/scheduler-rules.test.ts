/**
 * The job scheduler's rules (SEMANTICS.md S1-S10, R7) on both backends: each test names its rule
 * and checks what a user sees (fence states, errors, times, the ring's jobs).
 */
import { describe, expect, it } from 'vitest';
import type { DmaFence, Runtime } from '../bindings/index.js';
import { Errno } from '../bindings/index.js';
import { BACKENDS, codeOf, rejectionCode, rig } from './helpers.js';

/** Records when each fence signals, and with which status. */
function watch(rt: Runtime, fences: Record<string, DmaFence>): string[] {
  const log: string[] = [];
  for (const [name, f] of Object.entries(fences)) f.addCallback((g) => log.push(`${name}:${g.status}@${rt.sim.now}`));
  return log;
}

describe.each(BACKENDS)('scheduler rules (%s backend)', (backend) => {
  it('S1: a scheduler feeds one ring with a credit limit (default the ring capacity) and a timeout; an entity has two consecutive contexts', async () => {
    const { rt, ring } = await rig(backend);
    const sched = rt.createScheduler({ ring, name: 'gfx' });
    expect(sched.creditLimit).toBe(ring.capacity);
    expect(sched.timeoutNs).toBe(ring.timeoutNs);
    expect(sched.hangLimit).toBe(1);
    expect(sched.order).toBe('fifo');
    expect(sched.ring).toBe(ring);
    const e = sched.createEntity();
    expect(e.finishedContext).toBe(e.scheduledContext + 1);
    expect(e.priority).toBe('normal');
    expect(e.name).toBe('gfx/e0');
    const j = e.push({});
    expect(j.scheduled.context).toBe(e.scheduledContext);
    expect(j.finished.context).toBe(e.finishedContext);
    // One scheduler per ring.
    expect(codeOf(() => rt.createScheduler({ ring }))).toBe('ERR_INVALID_ARG');
    await rt.dispose();
  });

  it('S2: each job gets the next seqno on both fences; 0 credits is ERR_INVALID_ARG and changes nothing', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring }).createEntity();
    const a = e.push({});
    const b = e.push({ credits: 3 });
    expect([a.seqno, a.scheduled.seqno, a.finished.seqno]).toEqual([1, 1, 1]);
    expect([b.seqno, b.scheduled.seqno, b.finished.seqno]).toEqual([2, 2, 2]);
    expect(codeOf(() => e.push({ credits: 0 }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => e.push({ credits: 1.5 }))).toBe('ERR_INVALID_ARG');
    const c = e.push({});
    expect(c.seqno).toBe(3);
    expect(e.pushBatch(4, {})).toBe(4);
    expect(e.push({}).seqno).toBe(8);
    rt.sim.runUntilIdle();
    expect(c.finished.status).toBe(1);
    await rt.dispose();
  });

  it('S2: what push returns is read-only: assigning a field throws and changes nothing; toJSON and spreading through it give the three fields', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring }).createEntity();
    const a = e.push({});
    const b = e.push({ deps: [a.finished] });
    for (const [k, v] of [['seqno', 99], ['scheduled', b.scheduled], ['finished', b.finished]] as const) {
      const before = a[k];
      expect(() => ((a as unknown as Record<string, unknown>)[k] = v), k).toThrow(TypeError);
      expect(a[k], k).toBe(before);
    }
    expect(a.seqno).toBe(1);
    expect(a.finished.seqno).toBe(1);
    expect(a.toJSON()).toEqual({ seqno: 1, scheduled: a.scheduled, finished: a.finished });
    expect({ ...a.toJSON() }.finished).toBe(a.finished);
    const { seqno, finished } = b; // destructuring reads the getters
    expect([seqno, finished.seqno]).toEqual([2, 2]);
    rt.sim.runUntilIdle();
    expect([a.finished.status, b.finished.status]).toEqual([1, 1]);
    await rt.dispose();
  });

  it('R7: a job above the credit limit is clamped, recorded as a violation, and runs alone', async () => {
    const { rt, ring } = await rig(backend);
    const sched = rt.createScheduler({ ring, creditLimit: 4 });
    const e = sched.createEntity();
    const small = e.push({ credits: 1 });
    const big = e.push({ credits: 9 });
    const after = e.push({ credits: 1 });
    expect(rt.violations.map((v) => [v.kind, v.rule])).toEqual([['credit-limit', 'S2']]);
    const log = watch(rt, { small: small.scheduled, big: big.scheduled, after: after.scheduled, bigDone: big.finished });
    const counts: number[] = [];
    big.scheduled.addCallback(() => counts.push(sched.creditCount));
    rt.sim.runUntilIdle();
    // big waits for small to complete (1000 ns), runs alone with all 4 credits, then after runs.
    expect(log).toEqual(['small:1@0', 'big:1@1000', 'bigDone:1@2000', 'after:1@2000']);
    expect(counts).toEqual([4]);
    expect(sched.creditCount).toBe(0);
    await rt.dispose();
  });

  it('R7: under strict, a job above the limit throws the violation and changes nothing', async () => {
    const { rt, ring } = await rig(backend, {}, {}, { strict: true });
    const e = rt.createScheduler({ ring, creditLimit: 2 }).createEntity();
    expect(codeOf(() => e.push({ credits: 3 }))).toBe('ERR_VIOLATION');
    expect(e.push({}).seqno).toBe(1);
    await rt.dispose();
  });

  it('S3: null is ignored, own contexts are ignored, and only the latest fence per context is kept', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring }).createEntity();
    const ctx = rt.createContext();
    const f1 = ctx.createFence();
    const f2 = ctx.createFence();
    const first = e.push({});
    // Depending on the entity's own earlier finished fence is ignored: it runs right behind it.
    const own = e.push({ deps: [null, first.finished] });
    const j = e.push({ deps: [f2.fence, null, f1.fence] });
    rt.sim.advance(10);
    expect(own.scheduled.signaled).toBe(true);
    expect(first.finished.signaled).toBe(false);
    f1.signal();
    rt.sim.advance(10);
    expect(j.scheduled.signaled).toBe(false); // f2, the latest of that context, is still pending
    f2.signal();
    rt.sim.advance(10);
    expect(j.scheduled.signaled).toBe(true);
    await rt.dispose();
  });

  it('S3: a dependency on a finished fence of the same scheduler is satisfied by its scheduled fence (pipelining); of another scheduler it is not', async () => {
    const { rt, ring, dev } = await rig(backend);
    const other = rt.createRing({ device: dev, capacity: 8 });
    const s1 = rt.createScheduler({ ring });
    const s2 = rt.createScheduler({ ring: other });
    const a = s1.createEntity();
    const b = s1.createEntity();
    const c = s2.createEntity();
    const ja = a.push({});
    const jb = b.push({ deps: [ja.finished] });
    const jc = c.push({ deps: [ja.finished] });
    const log = watch(rt, { aDone: ja.finished, bRun: jb.scheduled, cRun: jc.scheduled });
    rt.sim.runUntilIdle();
    expect(log).toEqual(['bRun:1@0', 'aDone:1@1000', 'cRun:1@1000']);
    // Ring order still holds: b completes after a.
    expect(jb.finished.timestamp).toBeGreaterThan(ja.finished.timestamp);
    await rt.dispose();
  });

  it('S3: pushBatch after a context given as a FenceContext: job i waits for fence firstSeqno + i of it', async () => {
    const { rt, ring } = await rig(backend);
    const other = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 1000 } }), capacity: 8 });
    const e = rt.createScheduler({ ring: other }).createEntity();
    const first = ring.submitBatch(3, {});
    expect(e.pushBatch(3, { after: { context: ring.context, firstSeqno: first } })).toBe(1);
    const started: number[] = [];
    for (let t = 0; t <= 4000; t += 500) {
      rt.sim.runUntil(t);
      started.push(other.context.lastSeqno);
    }
    // ring's jobs complete at 1000, 2000, 3000: each releases one job on the other ring.
    expect(started).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 3]);
    await rt.dispose();
  });

  it('S4: a job runs when it is its entity\'s oldest, its dependencies have signaled and credits are free: creditCount grows, then its scheduled fence signals', async () => {
    const { rt, ring } = await rig(backend);
    const sched = rt.createScheduler({ ring, creditLimit: 1 });
    const e = sched.createEntity();
    const ctx = rt.createContext();
    const dep = ctx.createFence();
    const j1 = e.push({ deps: [dep.fence] });
    const j2 = e.push({});
    const seen: number[] = [];
    j1.scheduled.addCallback(() => seen.push(sched.creditCount));
    rt.sim.advance(5000);
    expect(j1.scheduled.signaled).toBe(false);
    expect(j2.scheduled.signaled).toBe(false); // not its entity's oldest
    expect(ring.inFlight).toBe(0);
    dep.signal();
    rt.sim.advance(1);
    expect(seen).toEqual([1]);
    expect(ring.inFlight).toBe(1);
    expect(j2.scheduled.signaled).toBe(false); // no credit free
    rt.sim.runUntilIdle();
    expect(j2.scheduled.timestamp).toBe(j1.finished.timestamp);
    expect(sched.creditCount).toBe(0);
    await rt.dispose();
  });

  it('S5: the highest priority first, FIFO by the oldest waiting job within a priority', async () => {
    const { rt, ring } = await rig(backend);
    const sched = rt.createScheduler({ ring, creditLimit: 1 });
    const low = sched.createEntity({ priority: 'low' });
    const n1 = sched.createEntity();
    const n2 = sched.createEntity();
    const kern = sched.createEntity({ priority: 'kernel' });
    const order: string[] = [];
    const push = (e: typeof low, name: string) => e.push({}).scheduled.addCallback(() => order.push(name));
    push(low, 'low');
    push(n2, 'n2a');
    push(n1, 'n1a');
    push(n2, 'n2b');
    push(kern, 'kernel');
    rt.sim.runUntilIdle();
    expect(order).toEqual(['kernel', 'n2a', 'n1a', 'n2b', 'low']);
    await rt.dispose();
  });

  it('S5: round robin takes the entities of a priority in turn', async () => {
    const { rt, ring } = await rig(backend);
    const sched = rt.createScheduler({ ring, creditLimit: 1, order: 'rr' });
    const a = sched.createEntity();
    const b = sched.createEntity();
    const order: string[] = [];
    for (let i = 0; i < 3; i++) a.push({}).scheduled.addCallback(() => order.push(`a${i}`));
    for (let i = 0; i < 3; i++) b.push({}).scheduled.addCallback(() => order.push(`b${i}`));
    rt.sim.runUntilIdle();
    expect(order).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
    await rt.dispose();
  });

  it('S5: round robin within a priority, the higher priority first', async () => {
    const { rt, ring } = await rig(backend);
    const sched = rt.createScheduler({ ring, creditLimit: 1, order: 'rr' });
    const low = sched.createEntity({ priority: 'low' });
    const a = sched.createEntity({ priority: 'high' });
    const b = sched.createEntity({ priority: 'high' });
    const order: string[] = [];
    low.push({}).scheduled.addCallback(() => order.push('low'));
    for (let i = 0; i < 2; i++) a.push({}).scheduled.addCallback(() => order.push(`a${i}`));
    for (let i = 0; i < 2; i++) b.push({}).scheduled.addCallback(() => order.push(`b${i}`));
    rt.sim.runUntilIdle();
    expect(order).toEqual(['a0', 'b0', 'a1', 'b1', 'low']);
    await rt.dispose();
  });

  it('S5: a chosen head job that does not fit the free credits blocks everything behind it (head-of-line)', async () => {
    const { rt, ring } = await rig(backend);
    const sched = rt.createScheduler({ ring, creditLimit: 2 });
    const a = sched.createEntity({ priority: 'high' });
    const b = sched.createEntity();
    const a1 = a.push({ credits: 1 });
    const a2 = a.push({ credits: 2 });
    const b1 = b.push({ credits: 1 });
    const log = watch(rt, { a1: a1.scheduled, a2: a2.scheduled, b1: b1.scheduled });
    rt.sim.runUntilIdle();
    expect(log).toEqual(['a1:1@0', 'a2:1@1000', 'b1:1@2000']);
    await rt.dispose();
  });

  it('S6: credits return and finished fences signal with the hardware fence\'s error, in seqno order per entity', async () => {
    const { rt, ring, dev } = await rig(backend, {}, { timeoutNs: 5000 }, {});
    const sched = rt.createScheduler({ ring, hangLimit: 5 });
    const e = sched.createEntity();
    dev.inject('hang');
    const a = e.push({});
    const b = e.push({});
    const log = watch(rt, { a: a.finished, b: b.finished });
    rt.sim.runUntilIdle();
    // a hangs: the timeout handler resets the ring; a ends -ETIME, b (in flight) -ECANCELED.
    expect(a.finished.error).toBe(-Errno.ETIME);
    expect(b.finished.error).toBe(-Errno.ECANCELED);
    expect(log.map((l) => l.split('@')[0])).toEqual([`a:${-Errno.ETIME}`, `b:${-Errno.ECANCELED}`]);
    expect(sched.creditCount).toBe(0);
    // The scheduler restarted the ring after the recovery: later jobs run normally.
    const c = e.push({});
    rt.sim.runUntilIdle();
    expect(c.finished.status).toBe(1);
    await rt.dispose();
  });

  it('S7: a timeout blames the oldest job\'s entity; at the hang limit later jobs finish -ECANCELED without touching the hardware; the timeout itself signals nothing', async () => {
    const { rt, ring, dev } = await rig(backend, { resetNs: 2000 }, { timeoutNs: 5000 });
    const sched = rt.createScheduler({ ring, creditLimit: 1, hangLimit: 1 });
    const bad = sched.createEntity();
    const good = sched.createEntity();
    dev.inject('hang');
    const b1 = bad.push({});
    const g1 = good.push({});
    const b2 = bad.push({});
    rt.sim.runUntil(5000); // the timeout fires at 5000: nothing signals yet (R6)
    expect(b1.finished.signaled).toBe(false);
    expect(bad.guilty).toBe(true);
    expect(good.guilty).toBe(false);
    const ringSeqno = ring.context.lastSeqno;
    rt.sim.runUntilIdle();
    expect(b1.finished.error).toBe(-Errno.ETIME);
    expect(g1.finished.status).toBe(1);
    expect(b2.scheduled.signaled).toBe(true);
    expect(b2.finished.error).toBe(-Errno.ECANCELED);
    // Only g1 reached the ring after the timeout.
    expect(ring.context.lastSeqno).toBe(ringSeqno + 1);
    expect(rt.events.some((ev) => ev.name === 'job-guilty')).toBe(true);
    await rt.dispose();
  });

  it('S7: below the hang limit the entity stays innocent and its later jobs run', async () => {
    const { rt, ring, dev } = await rig(backend, {}, { timeoutNs: 5000 });
    const sched = rt.createScheduler({ ring, hangLimit: 2 });
    const e = sched.createEntity();
    dev.inject('hang');
    const a = e.push({});
    rt.sim.runUntilIdle();
    expect(a.finished.error).toBe(-Errno.ETIME);
    expect(e.guilty).toBe(false);
    const b = e.push({});
    rt.sim.runUntilIdle();
    expect(b.finished.status).toBe(1);
    await rt.dispose();
  });

  it('S8: kill: push is refused; queued jobs finish -ESRCH in order, each after its predecessor and its dependencies, scheduled fence too', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring, creditLimit: 1 }).createEntity();
    const ctx = rt.createContext();
    const dep = ctx.createFence();
    const j1 = e.push({});
    const j2 = e.push({ deps: [dep.fence] });
    const j3 = e.push({});
    rt.sim.advance(10); // j1 is on the ring
    e.kill();
    expect(e.killed).toBe(true);
    expect(codeOf(() => e.push({}))).toBe('ERR_ENTITY_KILLED');
    expect(codeOf(() => e.pushBatch(1, {}))).toBe('ERR_ENTITY_KILLED');
    const log = watch(rt, { j1: j1.finished, j2s: j2.scheduled, j2: j2.finished, j3: j3.finished });
    rt.sim.runUntil(5000);
    expect(log).toEqual(['j1:1@1000']); // j2 waits for its dependency, j3 for j2
    dep.signal();
    rt.sim.runUntilIdle();
    expect(log).toEqual(['j1:1@1000', 'j2s:1@5000', `j2:${-Errno.ESRCH}@5000`, `j3:${-Errno.ESRCH}@5000`]);
    expect(j3.scheduled.signaled).toBe(true);
    await rt.dispose();
  });

  it('S8, S3: a killed job pipelined on a job of the same scheduler waits for that job\'s finished fence, not its scheduled one', async () => {
    const { rt, ring } = await rig(backend);
    const sched = rt.createScheduler({ ring });
    const a = sched.createEntity();
    const b = sched.createEntity();
    const ja = a.push({});
    const jb = b.push({ deps: [ja.finished] });
    const first = a.pushBatch(1, {});
    const jc = b.pushBatch(1, { after: { context: a.finishedContext, firstSeqno: first } });
    expect(jc).toBe(2);
    b.kill();
    const log = watch(rt, { aDone: ja.finished, bDone: jb.finished });
    rt.sim.runUntilIdle();
    // Killed jobs never reach the ring: ring order cannot stand in for the finished fence.
    expect(log).toEqual(['aDone:1@1000', `bDone:${-Errno.ESRCH}@1000`]);
    expect(jb.scheduled.timestamp).toBe(1000);
    await rt.dispose();
  });

  it('S9: flush waits until every queued job is on the ring (not completed), or times out', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring, creditLimit: 2 }).createEntity();
    const jobs = [e.push({}), e.push({}), e.push({}), e.push({})];
    const flushed = e.flush();
    const at: number[] = [];
    void flushed.then(() => at.push(rt.sim.now));
    expect(await rt.sim.runUntilSettled(flushed)).toBe(true);
    // The last two went on the ring at 1000 and 2000; the last completes later.
    expect(at).toEqual([2000]);
    expect(jobs[3].scheduled.signaled).toBe(true);
    expect(jobs[3].finished.signaled).toBe(false);
    const ctx = rt.createContext();
    const never = ctx.createFence();
    e.push({ deps: [never.fence] });
    expect(await rt.sim.runUntilSettled(e.flush({ timeoutNs: 10_000 }))).toBe(false);
    expect(await e.flush({ timeoutNs: 0 })).toBe(false);
    never.signal();
    expect(await rt.sim.runUntilSettled(e.flush())).toBe(true);
    await rt.dispose();
  });

  it('S9: flush of a killed entity resolves once its queued jobs are finished by the kill', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring, creditLimit: 1 }).createEntity();
    const jobs = [e.push({}), e.push({}), e.push({})];
    const flushed = e.flush();
    e.kill();
    expect(await rt.sim.runUntilSettled(flushed)).toBe(true);
    expect(e.queued).toBe(0);
    expect(jobs[2].finished.error).toBe(-Errno.ESRCH);
    await rt.dispose();
  });

  it('S10: fini cancels through the emitter: ring jobs after the device is proven idle, queued jobs -ECANCELED in order; nothing unsignaled, nothing early', async () => {
    const { rt, ring } = await rig(backend, { ackNs: 100 });
    const sched = rt.createScheduler({ ring, creditLimit: 2 });
    const e = sched.createEntity();
    const f = sched.createEntity();
    const ctx = rt.createContext();
    const never = ctx.createFence();
    const jobs = [e.push({}), e.push({}), e.push({}), f.push({ deps: [never.fence] })];
    rt.sim.advance(500); // two on the ring, one running
    const fin = sched.fini();
    expect(codeOf(() => e.push({}))).toBe('ERR_ENTITY_KILLED');
    expect(codeOf(() => sched.createEntity())).toBe('ERR_ENTITY_KILLED');
    expect(e.killed).toBe(true);
    await rt.sim.runUntilSettled(fin);
    for (const j of jobs) {
      expect(j.scheduled.signaled).toBe(true);
      expect(j.finished.signaled).toBe(true);
    }
    expect(jobs.map((j) => j.finished.error)).toEqual([-Errno.ECANCELED, -Errno.ECANCELED, -Errno.ECANCELED, -Errno.ECANCELED]);
    // Nothing before the ACK (500 + 100 ns): the device was proven idle first (T3).
    for (const j of jobs) expect(j.finished.timestamp).toBeGreaterThanOrEqual(600);
    expect(rt.violations).toEqual([]);
    expect(ring.state).toBe('running'); // the ring is handed back
    expect(await rt.sim.runUntilSettled(sched.fini())).toBeUndefined();
    await rt.dispose();
  });

  it('S10: fini on an idle scheduler resolves and leaves nothing pending', async () => {
    const { rt, ring } = await rig(backend);
    const sched = rt.createScheduler({ ring });
    const e = sched.createEntity();
    const j = e.push({});
    rt.sim.runUntilIdle();
    await rt.sim.runUntilSettled(sched.fini());
    expect(j.finished.status).toBe(1);
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });

  it('dispose: every member of a scheduler and an entity throws ERR_DISPOSED; fini rejects', async () => {
    const { rt, ring } = await rig(backend);
    const sched = rt.createScheduler({ ring });
    const e = sched.createEntity();
    await rt.dispose();
    expect(codeOf(() => sched.creditCount)).toBe('ERR_DISPOSED');
    expect(codeOf(() => sched.createEntity())).toBe('ERR_DISPOSED');
    expect(codeOf(() => e.push({}))).toBe('ERR_DISPOSED');
    expect(codeOf(() => e.pushBatch(1, {}))).toBe('ERR_DISPOSED');
    expect(codeOf(() => e.kill())).toBe('ERR_DISPOSED');
    expect(codeOf(() => e.killed)).toBe('ERR_DISPOSED');
    expect(await rejectionCode(e.flush())).toBe('ERR_DISPOSED');
    expect(await rejectionCode(sched.fini())).toBe('ERR_DISPOSED');
    expect(codeOf(() => rt.createScheduler({ ring }))).toBe('ERR_DISPOSED');
    expect(codeOf(() => rt.createJobQueue({ ring }))).toBe('ERR_DISPOSED');
  });
});

describe.each(BACKENDS)('scheduler teardown under ring drops (%s backend)', (backend) => {
  for (const policy of ['emitter-guarantee', 'wait', 'signal-on-drop', 'leak'] as const) {
    it(`S10: fini while the ring is dropped under '${policy}': every finished fence signals`, async () => {
      const { rt, ring } = await rig(backend, { ackNs: 100 });
      const sched = rt.createScheduler({ ring, creditLimit: 2 });
      const e = sched.createEntity();
      const jobs = [e.push({}), e.push({}), e.push({}), e.push({})];
      rt.sim.advance(500);
      const drop = ring.drop({ policy });
      const fin = sched.fini();
      await rt.sim.runUntilSettled(Promise.allSettled([drop, fin]));
      expect(jobs.every((j) => j.scheduled.signaled && j.finished.signaled)).toBe(true);
      expect(jobs.slice(2).map((j) => j.finished.error)).toEqual([-Errno.ECANCELED, -Errno.ECANCELED]);
      await rt.dispose();
    });
  }

  it('S10: a scheduler on a ring the user stopped waits, runs again after restart', async () => {
    const { rt, ring } = await rig(backend);
    const e = rt.createScheduler({ ring }).createEntity();
    await rt.sim.runUntilSettled(ring.stop());
    const j = e.push({});
    rt.sim.runUntilIdle();
    expect(j.scheduled.signaled).toBe(false);
    ring.restart();
    rt.sim.runUntilIdle();
    expect(j.finished.status).toBe(1);
    await rt.dispose();
  });
});
