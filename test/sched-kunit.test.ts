/**
 * Ports of the kernel's drm_sched KUnit tests (drivers/gpu/drm/scheduler/tests/tests_basic.c, the
 * mock scheduler of sched_tests.h / mock_scheduler.c) to the scheduler of this model, on both
 * backends. The kernel's mock "GPU" completes a job when the test advances its timeline; here the
 * modeled device completes it after its duration on the virtual clock, so "advance the mock by one
 * job" is "advance the clock by one job's duration". Each test names the kernel test it ports and
 * the rules (S, R7) it checks, and asserts what a user can observe: fence states, errors,
 * timestamps, credit counts, what reached the device.
 */
import { describe, expect, it } from 'vitest';
import { Errno } from '../bindings/index.js';
import type { DmaFence } from '../bindings/index.js';
import { BACKENDS, codeOf, runtime } from './helpers.js';
import type { Backend } from './helpers.js';

/** tests_basic.c: job_us = 1000 (one millisecond a job). */
const JOB_NS = 1_000_000;
/** tests_basic.c: MOCK_TIMEOUT = HZ / 5 (200 ms). */
const MOCK_TIMEOUT_NS = 200_000_000;

interface Pushed {
  seqno: number;
  scheduled: DmaFence;
  finished: DmaFence;
}

/** drm_mock_sched_new: a scheduler on one ring of a device whose jobs take JOB_NS. */
async function mockSched(backend: Backend, o: { timeoutNs?: number; creditLimit?: number; capacity?: number; resetNs?: number } = {}) {
  const rt = await runtime(backend, { maxFences: 4096, maxContexts: 64, maxRings: 4, maxRingCapacity: 128 });
  const dev = rt.createDevice({ latency: { baseNs: JOB_NS }, resetNs: o.resetNs ?? 10_000 });
  const timeoutNs = o.timeoutNs ?? Infinity; // MAX_SCHEDULE_TIMEOUT: no timeout handler
  const ring = rt.createRing({ device: dev, capacity: o.capacity ?? 128, timeoutNs, name: 'mock' });
  const sched = rt.createScheduler(o.creditLimit === undefined ? { ring, timeoutNs, name: 'mock' } : { ring, timeoutNs, creditLimit: o.creditLimit, name: 'mock' });
  return { rt, dev, ring, sched };
}

/** Every fence of these jobs is signaled (T2 for the scheduler's own fences). */
function allSignaled(jobs: Pushed[]): boolean {
  return jobs.every((j) => j.scheduled.signaled && j.finished.signaled);
}

describe.each(BACKENDS)('drm_sched KUnit ports (%s backend)', (backend) => {
  it('S4/S6 drm_sched_basic_submit: a job is scheduled at once and finishes only when the device completes it', async () => {
    const { rt, sched } = await mockSched(backend);
    const ent = sched.createEntity({ priority: 'normal' });
    const job = ent.push({});
    expect(job.seqno).toBe(1);
    rt.sim.advance(0);
    // drm_mock_sched_job_wait_scheduled(job) is true...
    expect(job.scheduled.signaled).toBe(true);
    expect(job.scheduled.status).toBe(1);
    expect(sched.creditCount).toBe(1);
    // ...and drm_mock_sched_job_wait_finished(job, HZ / 2) is false while the device runs it.
    rt.sim.advance(JOB_NS / 2);
    expect(job.finished.signaled).toBe(false);
    // drm_mock_sched_advance(sched, 1): the device completes one job.
    rt.sim.advance(JOB_NS / 2);
    expect(job.finished.signaled).toBe(true);
    expect(job.finished.status).toBe(1);
    expect(job.finished.timestamp - job.scheduled.timestamp).toBe(JOB_NS);
    expect(sched.creditCount).toBe(0); // S6: credits return at completion
    expect(rt.stats.jobsCompleted).toBe(1);
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });

  // drm_sched_basic_test with the four drm_sched_basic_cases.
  for (const { entities, depChain, title } of [
    { entities: 1, depChain: false, title: 'A queue of jobs in a single entity' },
    { entities: 1, depChain: true, title: 'A chain of dependent jobs across multiple entities' },
    { entities: 4, depChain: false, title: 'Multiple independent job queues' },
    { entities: 4, depChain: true, title: 'Multiple inter-dependent job queues' },
  ]) {
    it(`S3/S4/S6 drm_sched_basic_test "${title}": 100 jobs over ${entities} entit${entities > 1 ? 'ies' : 'y'}${depChain ? ', each depending on the previous one' : ''}`, async () => {
      const { rt, sched } = await mockSched(backend);
      const ents = Array.from({ length: entities }, () => sched.createEntity({ priority: 'normal' }));
      const jobs: Pushed[] = [];
      for (let i = 0; i < 100; i++) {
        const prev = jobs[i - 1];
        jobs.push(ents[i % entities].push(depChain && prev ? { deps: [prev.finished] } : {}));
      }
      // S2: each entity numbers its jobs 1, 2, 3, ...
      for (let i = 0; i < 100; i++) expect(jobs[i].seqno).toBe(Math.floor(i / entities) + 1);
      rt.sim.runUntilIdle();
      expect(allSignaled(jobs)).toBe(true);
      for (const j of jobs) expect(j.finished.status).toBe(1);
      // One ring, FIFO by oldest waiting job: the jobs ran in push order, one after the other, and
      // (S3 pipelining) a dependency on the previous job of the same scheduler left no gap.
      for (let i = 0; i < 100; i++) expect(jobs[i].finished.timestamp).toBe((i + 1) * JOB_NS);
      for (let i = 1; i < 100; i++) {
        if (depChain) expect(jobs[i].scheduled.timestamp).toBeGreaterThanOrEqual(jobs[i - 1].scheduled.timestamp);
        expect(jobs[i].finished.timestamp).toBeGreaterThan(jobs[i - 1].finished.timestamp);
      }
      expect(rt.stats.jobsCompleted).toBe(100);
      expect(sched.creditCount).toBe(0);
      expect(rt.violations).toEqual([]);
      await rt.dispose();
    });
  }

  it('S8 drm_sched_basic_entity_cleanup: killing every entity at half the queue finishes the rest -ESRCH, in order, after their dependencies', async () => {
    // A 16-credit ring, so that at the middle job most of the queue is still in the entities.
    const { rt, sched } = await mockSched(backend, { capacity: 16 });
    const ents = Array.from({ length: 4 }, () => sched.createEntity({ priority: 'normal' }));
    const jobs: Pushed[] = [];
    for (let i = 0; i < 100; i++) {
      const prev = jobs[i - 1];
      jobs.push(ents[i % 4].push(prev ? { deps: [prev.finished] } : {}));
    }
    const mid = jobs[50];
    await rt.sim.runUntilSettled(mid.finished.wait());
    expect(mid.finished.status).toBe(1);
    const onRing = jobs.filter((j) => j.scheduled.signaled).length; // ran or running
    expect(onRing).toBeLessThan(100);
    const submittedBefore = rt.stats.jobsSubmitted;
    // Exit with half of the queue still pending: drm_mock_sched_entity_free on each entity.
    for (const e of ents) e.kill();
    for (const e of ents) expect(e.killed).toBe(true);
    expect(codeOf(() => ents[0].push({}))).toBe('ERR_ENTITY_KILLED');
    rt.sim.runUntilIdle();
    expect(allSignaled(jobs)).toBe(true);
    for (let i = 0; i < 100; i++) {
      const j = jobs[i];
      if (i < onRing) expect(j.finished.status, `job ${i}`).toBe(1);
      else expect(j.finished.error, `job ${i}`).toBe(-Errno.ESRCH);
      // S8: in order per entity (the entity's previous job is job i - 4).
      if (i >= 4) expect(j.finished.timestamp, `job ${i} after its predecessor`).toBeGreaterThanOrEqual(jobs[i - 4].finished.timestamp);
      expect(j.scheduled.signaled, `job ${i}: a killed job's scheduled fence signals too`).toBe(true);
    }
    // Killed jobs never reach the device.
    expect(rt.stats.jobsSubmitted).toBe(submittedBefore);
    expect(rt.stats.jobsCompleted).toBe(onRing);
    expect(sched.creditCount).toBe(0);
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });

  it('S10/T3 drm_sched_basic_cancel: fini() cancels a job still on the ring -ECANCELED, after the device is proven idle', async () => {
    const { rt, sched } = await mockSched(backend);
    const ent = sched.createEntity({ priority: 'normal' });
    const job = ent.push({});
    rt.sim.advance(JOB_NS / 4);
    expect(job.scheduled.signaled).toBe(true);
    expect(job.finished.signaled).toBe(false);
    await rt.sim.runUntilSettled(sched.fini());
    expect(job.finished.signaled).toBe(true);
    expect(job.finished.error).toBe(-Errno.ECANCELED);
    // The cancel went through the emitter: nothing was signaled while the device could still run it.
    expect(rt.violations.map((v) => v.kind)).not.toContain('premature-signal');
    expect(rt.violations.map((v) => v.kind)).not.toContain('unsignaled-at-drop');
    expect(rt.memory.corruptions).toEqual([]);
    await rt.dispose();
  });

  it('S7/R6 drm_sched_basic_timeout: a job the device never completes times out; the timeout signals nothing, the recovery ends it -ETIME', async () => {
    const resetNs = 10_000;
    const { rt, dev, sched } = await mockSched(backend, { timeoutNs: MOCK_TIMEOUT_NS, resetNs });
    const ent = sched.createEntity({ priority: 'normal' });
    dev.inject('hang');
    const job = ent.push({});
    rt.sim.advance(0);
    expect(job.scheduled.signaled).toBe(true);
    // drm_mock_sched_job_wait_finished(job, MOCK_TIMEOUT / 2): not finished, not timed out yet.
    rt.sim.advance(MOCK_TIMEOUT_NS / 2);
    expect(job.finished.signaled).toBe(false);
    expect(rt.events.filter((e) => e.name === 'timeout')).toEqual([]);
    expect(ent.guilty).toBe(false);
    // Past the timeout: the handler ran (DRM_MOCK_SCHED_JOB_TIMEDOUT) and blamed the job...
    rt.sim.advance(MOCK_TIMEOUT_NS / 2 + 1);
    expect(rt.events.filter((e) => e.name === 'timeout').length).toBe(1);
    expect(ent.guilty).toBe(true); // hangLimit 1: the entity is guilty at its first hang
    // ...but the timeout itself signaled nothing: the reset is not effective yet.
    expect(job.finished.signaled).toBe(false);
    rt.sim.advance(resetNs);
    expect(job.finished.signaled).toBe(true);
    expect(job.finished.error).toBe(-Errno.ETIME);
    // A later job of the guilty entity finishes -ECANCELED without reaching the device.
    const submitted = rt.stats.jobsSubmitted;
    const late = ent.push({});
    rt.sim.runUntilIdle();
    expect(late.finished.error).toBe(-Errno.ECANCELED);
    expect(rt.stats.jobsSubmitted).toBe(submitted);
    await rt.dispose();
  });

  it('R7/S4 drm_sched_test_credits: with a credit limit of 1 the second job is scheduled only when the first completes', async () => {
    const { rt, sched } = await mockSched(backend, { creditLimit: 1 });
    expect(sched.creditLimit).toBe(1);
    const ent = sched.createEntity({ priority: 'normal' });
    const a = ent.push({});
    const b = ent.push({});
    rt.sim.advance(0);
    expect(a.scheduled.signaled).toBe(true);
    expect(b.scheduled.signaled).toBe(false);
    expect(sched.creditCount).toBe(1);
    rt.sim.advance(JOB_NS); // drm_mock_sched_advance(sched, 1)
    expect(a.finished.status).toBe(1);
    expect(b.scheduled.signaled).toBe(true);
    expect(b.scheduled.timestamp).toBe(a.finished.timestamp);
    expect(sched.creditCount).toBe(1);
    rt.sim.advance(JOB_NS);
    expect(b.finished.status).toBe(1);
    expect(b.finished.timestamp).toBe(2 * JOB_NS);
    expect(sched.creditCount).toBe(0);
    await rt.dispose();
  });

  it('S5 drm_sched_priorities: 100 jobs over the four priorities all finish; with one credit, higher priorities run first', async () => {
    const { rt, sched } = await mockSched(backend, { creditLimit: 1 });
    const prios = ['kernel', 'high', 'normal', 'low'] as const;
    const ents = prios.map((priority) => sched.createEntity({ priority }));
    const jobs: { prio: number; job: Pushed }[] = [];
    for (let i = 0; i < 100; i++) jobs.push({ prio: i % 4, job: ents[i % 4].push({}) });
    rt.sim.runUntilIdle();
    expect(allSignaled(jobs.map((j) => j.job))).toBe(true);
    // The first job took the only credit at once; after it, every kernel job before any high one,
    // and so on down.
    const rest = jobs.slice(1).sort((x, y) => x.job.finished.timestamp - y.job.finished.timestamp);
    for (let i = 1; i < rest.length; i++) expect(rest[i].prio).toBeGreaterThanOrEqual(rest[i - 1].prio);
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });
});
