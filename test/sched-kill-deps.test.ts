/**
 * S8 with S3: a killed job finishes -ESRCH only after its own dependencies have signaled, even
 * when its dependency is a job of another entity of the same scheduler that is still on the ring
 * (the pipelining of S3, "ring order is enough", does not hold for a job that never reaches the
 * ring). The drm_sched_basic_entity_cleanup scenario, narrowed to that one property.
 */
import { describe, expect, it } from 'vitest';
import { Errno } from '../bindings/index.js';
import { BACKENDS, runtime } from './helpers.js';

const JOB_NS = 1_000_000;

describe.each(BACKENDS)('S8 kill and dependencies (%s backend)', (backend) => {
  it('S8/S3: a killed job never finishes before a dependency on another entity\'s job still running', async () => {
    const rt = await runtime(backend, { maxFences: 1024, maxContexts: 16, maxRingCapacity: 16 });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: JOB_NS } }), capacity: 16, timeoutNs: Infinity });
    const sched = rt.createScheduler({ ring, creditLimit: 1 }); // the second job stays queued
    const a = sched.createEntity();
    const b = sched.createEntity();
    const running = a.push({}); // on the ring, running for JOB_NS
    const killed = b.push({ deps: [running.finished] }); // queued behind it
    rt.sim.advance(JOB_NS / 2);
    expect(running.finished.signaled).toBe(false);
    b.kill();
    rt.sim.runUntilIdle();
    expect(killed.finished.error).toBe(-Errno.ESRCH);
    expect(killed.finished.timestamp).toBeGreaterThanOrEqual(running.finished.timestamp);
    await rt.dispose();
  });

  it('S8/T2: a killed job whose dependency is killed later in the same pass (another entity) still finishes', async () => {
    // Found while porting drm_sched_basic_entity_cleanup: the pass stopped repeating before the
    // second entity's kill released the first entity's job, which then stayed pending for good.
    const rt = await runtime(backend, { maxFences: 1024, maxContexts: 16, maxRingCapacity: 16 });
    const ring = rt.createRing({ device: rt.createDevice(), capacity: 8 });
    const sched = rt.createScheduler({ ring, creditLimit: 1 });
    const e0 = sched.createEntity();
    const e1 = sched.createEntity();
    e1.push({});
    const b2 = e1.push({});
    const a = e0.push({ deps: [b2.finished] });
    e0.kill();
    e1.kill();
    rt.sim.runUntilIdle();
    expect(b2.finished.error).toBe(-Errno.ESRCH);
    expect(a.finished.signaled).toBe(true);
    expect(a.finished.error).toBe(-Errno.ESRCH);
    expect(a.finished.timestamp).toBeGreaterThanOrEqual(b2.finished.timestamp);
    expect(e0.queued + e1.queued).toBe(0);
    await rt.dispose();
  });
});
