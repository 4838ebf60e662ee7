/**
 * The job queue's rules (SEMANTICS.md Q1-Q4) on both backends, and bad input on every new
 * scheduler and job-queue function and option: a coded error, and the arena unchanged.
 */
import { describe, expect, it } from 'vitest';
import { Errno } from '../bindings/index.js';
import { BACKENDS, arenaSnapshot, codeOf, rejectionCode, rig, runtime } from './helpers.js';

describe.each(BACKENDS)('job queue rules (%s backend)', (backend) => {
  it('Q1: a job queue feeds one ring with a capacity in credits (0 is ERR_INVALID_ARG) and one context', async () => {
    const { rt, ring } = await rig(backend);
    expect(codeOf(() => rt.createJobQueue({ ring, capacity: 0 }))).toBe('ERR_INVALID_ARG');
    const before = rt.createContext().id;
    const jq = rt.createJobQueue({ ring, capacity: 4, name: 'q' });
    expect(jq.capacity).toBe(4);
    expect(jq.ring).toBe(ring);
    expect(jq.context).toBe(before + 1); // exactly one context
    expect(rt.createContext().id).toBe(before + 2);
    const done = jq.submit({});
    expect(done.context).toBe(jq.context);
    const r2 = rt.createRing({ device: ring.device });
    expect(rt.createJobQueue({ ring: r2 }).capacity).toBe(r2.capacity);
    await rt.dispose();
  });

  it('Q2: a job may cost 0 credits; done fences signal in submission order', async () => {
    const { rt, ring } = await rig(backend);
    const jq = rt.createJobQueue({ ring, capacity: 1 });
    const fences = [jq.submit({ cost: 1 }), jq.submit({ cost: 0 }), jq.submit({ cost: 0 }), jq.submit({})];
    const order: number[] = [];
    for (const f of fences) f.addCallback((g) => order.push(g.seqno));
    rt.sim.advance(10);
    // The 0-cost jobs run beside the 1-credit one; the next 1-credit job waits for credit.
    expect(ring.inFlight).toBe(3);
    rt.sim.runUntilIdle();
    expect(order).toEqual([1, 2, 3, 4]);
    expect(fences.every((f) => f.status === 1)).toBe(true);
    expect(codeOf(() => jq.submit({ cost: 2 }))).toBe('ERR_INVALID_ARG');
    await rt.dispose();
  });

  it('Q3: strict FIFO: the head runs when its dependencies signaled and capacity allows; nothing overtakes a blocked head', async () => {
    const { rt, ring } = await rig(backend);
    const jq = rt.createJobQueue({ ring, capacity: 8 });
    const ctx = rt.createContext();
    const dep = ctx.createFence();
    const head = jq.submit({ deps: [dep.fence] });
    const next = jq.submit({});
    rt.sim.advance(10_000);
    expect(ring.inFlight).toBe(0);
    expect(next.signaled).toBe(false);
    expect(jq.queued).toBe(2);
    dep.signal();
    rt.sim.runUntilIdle();
    expect(head.status).toBe(1);
    expect(next.timestamp).toBeGreaterThan(head.timestamp);
    await rt.dispose();
  });

  it('Q4: drop tears down through the emitter: ring jobs after the device is proven idle, queued jobs -ECANCELED in order', async () => {
    const { rt, ring } = await rig(backend, { ackNs: 100 });
    const jq = rt.createJobQueue({ ring, capacity: 1 });
    const ctx = rt.createContext();
    const never = ctx.createFence();
    const fences = [jq.submit({}), jq.submit({}), jq.submit({ deps: [never.fence] })];
    const order: number[] = [];
    for (const f of fences) f.addCallback((g) => order.push(g.seqno));
    rt.sim.advance(300);
    const dropped = jq.drop();
    expect(jq.dropped).toBe(true);
    expect(codeOf(() => jq.submit({}))).toBe('ERR_ENTITY_KILLED');
    await rt.sim.runUntilSettled(dropped);
    expect(order).toEqual([1, 2, 3]);
    expect(fences.map((f) => f.error)).toEqual([-Errno.ECANCELED, -Errno.ECANCELED, -Errno.ECANCELED]);
    expect(fences[0].timestamp).toBeGreaterThanOrEqual(400); // after the ACK
    expect(rt.violations).toEqual([]);
    expect(ctx.pending).toBe(1);
    expect(await rt.sim.runUntilSettled(jq.drop())).toBeUndefined();
    await rt.dispose();
  });

  it('dispose: every member of a job queue throws ERR_DISPOSED; drop rejects', async () => {
    const { rt, ring } = await rig(backend);
    const jq = rt.createJobQueue({ ring });
    await rt.dispose();
    expect(codeOf(() => jq.submit({}))).toBe('ERR_DISPOSED');
    expect(codeOf(() => jq.capacity)).toBe('ERR_DISPOSED');
    expect(codeOf(() => jq.context)).toBe('ERR_DISPOSED');
    expect(await rejectionCode(jq.drop())).toBe('ERR_DISPOSED');
  });
});

describe.each(BACKENDS)('scheduler and job queue bad input (%s backend)', (backend) => {
  it('createScheduler / createJobQueue / createEntity: a coded error and nothing made', async () => {
    const { rt, ring } = await rig(backend);
    const other = await runtime(backend);
    const foreign = other.createRing({ device: other.createDevice() });
    const snap = arenaSnapshot(rt);
    const cases: [unknown, string][] = [
      [undefined, 'ERR_INVALID_ARG'],
      [{}, 'ERR_INVALID_ARG'],
      [{ ring: {} }, 'ERR_INVALID_ARG'],
      [{ ring: foreign }, 'ERR_FOREIGN_HANDLE'],
      [{ ring, creditLimit: 0 }, 'ERR_INVALID_ARG'],
      [{ ring, creditLimit: '4' }, 'ERR_INVALID_ARG'],
      [{ ring, timeoutNs: -1 }, 'ERR_INVALID_TIMEOUT'],
      [{ ring, hangLimit: 0 }, 'ERR_INVALID_ARG'],
      [{ ring, order: 'lifo' }, 'ERR_INVALID_ARG'],
      [{ ring, name: 7 }, 'ERR_INVALID_ARG'],
      [{ ring, credits: 4 }, 'ERR_INVALID_ARG'],
      [null, 'ERR_INVALID_ARG'],
    ];
    for (const [o, code] of cases) expect(codeOf(() => rt.createScheduler(o as never)), JSON.stringify(o) ?? 'undefined').toBe(code);
    for (const [o, code] of [
      [{ ring, capacity: -1 }, 'ERR_INVALID_ARG'],
      [{ ring, capacity: 1.5 }, 'ERR_INVALID_ARG'],
      [{ ring, cap: 4 }, 'ERR_INVALID_ARG'],
      [{ ring: foreign }, 'ERR_FOREIGN_HANDLE'],
    ] as [unknown, string][]) {
      expect(codeOf(() => rt.createJobQueue(o as never))).toBe(code);
    }
    expect(arenaSnapshot(rt).equals(snap)).toBe(true);
    const sched = rt.createScheduler({ ring });
    const snap2 = arenaSnapshot(rt);
    expect(codeOf(() => sched.createEntity({ priority: 'urgent' as never }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => sched.createEntity({ prio: 'high' } as never))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => sched.createEntity(5 as never))).toBe('ERR_INVALID_ARG');
    expect(arenaSnapshot(rt).equals(snap2)).toBe(true);
    await other.dispose();
    await rt.dispose();
  });

  it('push / pushBatch / flush / submit: a coded error and nothing changed', async () => {
    const { rt, ring, dev } = await rig(backend);
    const other = await runtime(backend);
    const foreignFence = other.createContext().createFence().fence;
    const e = rt.createScheduler({ ring }).createEntity();
    const jq = rt.createJobQueue({ ring: rt.createRing({ device: dev }) });
    const released = rt.createContext().createFence();
    const stale = released.fence;
    stale.release();
    const buf = rt.memory.alloc(64);
    const snap = arenaSnapshot(rt);
    const jobs: [unknown, string][] = [
      [null, 'ERR_INVALID_ARG'],
      [7, 'ERR_INVALID_ARG'],
      [{ credits: 0 }, 'ERR_INVALID_ARG'],
      [{ credits: -1 }, 'ERR_INVALID_ARG'],
      [{ credits: NaN }, 'ERR_INVALID_ARG'],
      [{ credit: 1 }, 'ERR_INVALID_ARG'],
      [{ deps: 'x' }, 'ERR_INVALID_ARG'],
      [{ deps: [{}] }, 'ERR_INVALID_ARG'],
      [{ deps: [undefined] }, 'ERR_INVALID_ARG'],
      [{ deps: [foreignFence] }, 'ERR_FOREIGN_HANDLE'],
      [{ deps: [stale] }, 'ERR_STALE_HANDLE'],
      [{ dst: {} }, 'ERR_INVALID_ARG'],
      [{ dst: buf, bytes: 65 }, 'ERR_INVALID_ARG'],
      [{ after: { context: 1, firstSeqno: 1 } }, 'ERR_INVALID_ARG'],
    ];
    for (const [j, code] of jobs) expect(codeOf(() => e.push(j as never)), JSON.stringify(j)).toBe(code);
    const batch: [unknown, unknown, string][] = [
      [0, {}, 'ERR_INVALID_ARG'],
      [1.5, {}, 'ERR_INVALID_ARG'],
      ['1', {}, 'ERR_INVALID_ARG'],
      [1, { deps: [] }, 'ERR_INVALID_ARG'],
      [1, { after: 3 }, 'ERR_INVALID_ARG'],
      [1, { after: { context: 999_999, firstSeqno: 1 } }, 'ERR_INVALID_ARG'],
      [1, { after: { context: ring.context.id } }, 'ERR_INVALID_SEQNO'],
      [1, { after: { context: ring.context.id, firstSeqno: -1 } }, 'ERR_INVALID_SEQNO'],
      [1, { after: { ctx: ring.context.id, firstSeqno: 1 } }, 'ERR_INVALID_ARG'],
      [1, { credits: 0 }, 'ERR_INVALID_ARG'],
      [1e9, {}, 'ERR_INVALID_ARG'],
    ];
    for (const [n, j, code] of batch) expect(codeOf(() => e.pushBatch(n as never, j as never)), JSON.stringify([n, j])).toBe(code);
    for (const [j, code] of [
      [{ cost: -1 }, 'ERR_INVALID_ARG'],
      [{ cost: 1 << 20 }, 'ERR_INVALID_ARG'],
      [{ credits: 1 }, 'ERR_INVALID_ARG'],
      [{ deps: [foreignFence] }, 'ERR_FOREIGN_HANDLE'],
    ] as [unknown, string][]) {
      expect(codeOf(() => jq.submit(j as never))).toBe(code);
    }
    expect(await rejectionCode(e.flush({ timeoutNs: -1 }))).toBe('ERR_INVALID_TIMEOUT');
    expect(await rejectionCode(e.flush({ timeout: 1 } as never))).toBe('ERR_INVALID_ARG');
    expect(arenaSnapshot(rt).equals(snap)).toBe(true);
    await other.dispose();
    await rt.dispose();
  });

  it('capacity: maxSchedulers, maxEntities and maxJobs are refused with ERR_CAPACITY and nothing changed', async () => {
    const rt = await runtime(backend, { maxSchedulers: 1, maxEntities: 1, maxJobs: 2, maxFences: 4096 });
    const dev = rt.createDevice();
    const r1 = rt.createRing({ device: dev, capacity: 8 });
    const r2 = rt.createRing({ device: dev, capacity: 8 });
    const sched = rt.createScheduler({ ring: r1 });
    const snap = arenaSnapshot(rt);
    expect(codeOf(() => rt.createScheduler({ ring: r2 }))).toBe('ERR_CAPACITY');
    expect(codeOf(() => rt.createJobQueue({ ring: r2 }))).toBe('ERR_CAPACITY');
    expect(arenaSnapshot(rt).equals(snap)).toBe(true);
    const e = sched.createEntity();
    expect(codeOf(() => sched.createEntity())).toBe('ERR_CAPACITY');
    e.push({});
    e.push({});
    const snap2 = arenaSnapshot(rt);
    expect(codeOf(() => e.push({}))).toBe('ERR_CAPACITY');
    expect(codeOf(() => e.pushBatch(1, {}))).toBe('ERR_CAPACITY');
    expect(arenaSnapshot(rt).equals(snap2)).toBe(true);
    rt.sim.runUntilIdle();
    expect(e.push({}).seqno).toBe(3); // records are recycled
    await rt.dispose();
  });

  it('createRuntime: maxSchedulers, maxEntities and maxJobs are checked', async () => {
    for (const o of [{ maxSchedulers: -1 }, { maxEntities: 1.5 }, { maxJobs: '4' }, { maxJob: 4 }]) {
      expect(await rejectionCode(runtime(backend, o as never))).toBe('ERR_INVALID_ARG');
    }
  });
});
