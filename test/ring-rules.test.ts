/** Rules R1-R6 of SEMANTICS.md (hardware ring), on both backends. */
import { describe, expect, it } from 'vitest';
import { Errno } from '../bindings/index.js';
import type { DmaFence } from '../bindings/index.js';
import { BACKENDS, codeOf, rejectionCode, rig } from './helpers.js';

describe.each(BACKENDS)('ring rules (%s backend)', (backend) => {
  it('R1: capacity is a power of two; jobs far past the capacity flow through in order', async () => {
    const { rt, dev, ring } = await rig(backend, {}, { capacity: 4 });
    expect(codeOf(() => rt.createRing({ device: dev, capacity: 6 }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.createRing({ device: dev, capacity: 128 }))).toBe('ERR_CAPACITY');
    const order: number[] = [];
    for (let i = 0; i < 25; i++) {
      while (ring.space === 0) rt.sim.advance(500);
      const f = ring.submit({});
      f.addCallback((x) => order.push(x.seqno));
      f.release();
    }
    rt.sim.runUntilIdle();
    expect(order).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(ring.inFlight).toBe(0);
  });

  it('R2: each ring owns one context; submit allocates the next seqno; the context refuses other fences', async () => {
    const { rt, dev, ring } = await rig(backend);
    const other = rt.createRing({ device: dev });
    expect(ring.context.id).not.toBe(other.context.id);
    expect(ring.context.ring).toBe(ring);
    const a = ring.submit({});
    const b = ring.submit({});
    expect([a.seqno, b.seqno, a.context]).toEqual([1, 2, ring.context.id]);
    expect(ring.inFlight).toBe(2);
    expect(codeOf(() => ring.context.createFence())).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => ring.context.createFences(2))).toBe('ERR_INVALID_ARG');
  });

  it('R3: a full ring is backpressure: submit throws ERR_RING_FULL and changes nothing; submitAsync waits', async () => {
    const { rt, ring } = await rig(backend, {}, { capacity: 4 });
    const fences = [0, 1, 2, 3].map(() => ring.submit({}));
    expect(ring.space).toBe(0);
    expect(codeOf(() => ring.submit({}))).toBe('ERR_RING_FULL');
    expect(codeOf(() => ring.submitBatch(1, {}))).toBe('ERR_RING_FULL');
    expect([ring.inFlight, ring.context.lastSeqno]).toEqual([4, 4]);
    const late = ring.submitAsync({ pattern: 7 });
    const f = await rt.sim.runUntilSettled(late);
    expect(f.seqno).toBe(5);
    expect(rt.sim.now).toBe(1000); // the first completion made room
    rt.sim.runUntilIdle();
    expect([...fences, f].every((x) => x.status === 1)).toBe(true);
  });

  it('R4: completion writes writeback in order and raises the IRQ, whose handler signals up to it', async () => {
    const { rt, ring } = await rig(backend);
    const fs = [ring.submit({}), ring.submit({}), ring.submit({})];
    rt.sim.advance(1000);
    expect([ring.completedSeqno, ring.irqs]).toEqual([1, 1]);
    expect(fs.map((f) => f.signaled)).toEqual([true, false, false]);
    expect(fs[0].timestamp).toBe(1000);
    rt.sim.runUntilIdle();
    expect([ring.completedSeqno, ring.irqs, rt.sim.now]).toEqual([3, 3, 3000]);
  });

  it('R4: a lost interrupt is recovered by polling writeback (missed-interrupt fallback), no reset', async () => {
    const { rt, dev, ring } = await rig(backend, {}, { timeoutNs: 5000 });
    dev.inject('lostIrq');
    const f = ring.submit({});
    rt.sim.advance(1000);
    expect([ring.completedSeqno, ring.irqs, f.signaled]).toEqual([1, 0, false]);
    rt.sim.advance(4000);
    expect(f.signaled).toBe(true);
    expect(f.status).toBe(1);
    expect(ring.state).toBe('running');
    expect(rt.events.map((e) => e.name)).toContain('irq-poll');
    expect(rt.events.map((e) => e.name)).not.toContain('reset-request');
  });

  it('R5: states running -> stopping -> stopped -> running -> dropped; submission refused but when running', async () => {
    const { rt, ring } = await rig(backend);
    ring.submit({});
    const stopped = ring.stop();
    expect(ring.state).toBe('stopping');
    expect(codeOf(() => ring.submit({}))).toBe('ERR_RING_STOPPED');
    expect(await rejectionCode(ring.submitAsync({}))).toBe('ERR_RING_STOPPED');
    await rt.sim.runUntilSettled(stopped);
    expect(ring.state).toBe('stopped');
    expect(codeOf(() => ring.submitBatch(1, {}))).toBe('ERR_RING_STOPPED');
    ring.restart();
    expect(ring.state).toBe('running');
    expect(codeOf(() => ring.restart())).toBe('ERR_RING_STATE');
    const f = ring.submit({});
    rt.sim.runUntilIdle();
    expect(f.status).toBe(1);
    await rt.sim.runUntilSettled(ring.drop());
    expect(ring.state).toBe('dropped');
    expect(codeOf(() => ring.submit({}))).toBe('ERR_RING_STOPPED');
    expect(await rejectionCode(ring.drop())).toBe('ERR_RING_STATE');
  });

  it('R5: running -> faulted -> resetting -> stopped through the timeout handler', async () => {
    const { rt, dev, ring } = await rig(backend, { resetNs: 2000 }, { timeoutNs: 5000 });
    dev.inject('hang');
    ring.submit({});
    rt.sim.runUntilIdle();
    const states = rt.events.filter((e) => e.name === 'ring-state').map((e) => e.args.to);
    expect(states).toEqual(['faulted', 'resetting', 'stopped']);
  });

  it('R6: a hung job: the timeout signals nothing; after the reset the guilty job is -ETIME, the rest -ECANCELED', async () => {
    const { rt, dev, ring } = await rig(backend, { resetNs: 3000 }, { timeoutNs: 5000 });
    const ok = ring.submit({});
    rt.sim.advance(1); // job 1 has started: the hang arms the next job the device starts
    dev.inject('hang');
    const guilty = ring.submit({});
    const rest = [ring.submit({}), ring.submit({})];
    rt.sim.advance(5998); // job 2 started at 1000 and times out at 6000
    expect([ring.state, guilty.signaled]).toEqual(['running', false]);
    rt.sim.advance(1);
    expect(ring.state).toBe('resetting');
    expect(codeOf(() => ring.submit({}))).toBe('ERR_RING_STOPPED');
    expect(guilty.signaled).toBe(false);
    expect(rest.some((f) => f.signaled)).toBe(false);
    rt.sim.advance(3000);
    expect(ok.status).toBe(1);
    expect(guilty.status).toBe(-Errno.ETIME);
    expect(rest.map((f) => f.status)).toEqual([-Errno.ECANCELED, -Errno.ECANCELED]);
    expect(guilty.timestamp).toBe(9000);
    expect(ring.state).toBe('stopped');
    expect(rt.violations).toEqual([]);
  });

  it('R6: with resubmit the other in-flight jobs run again after the reset and the ring runs on', async () => {
    const { rt, dev, ring } = await rig(backend, { resetNs: 3000 }, { timeoutNs: 5000, resubmit: true });
    dev.inject('hang');
    const guilty = ring.submit({});
    const rest = [ring.submit({}), ring.submit({})];
    rt.sim.runUntilIdle();
    expect(guilty.status).toBe(-Errno.ETIME);
    expect(rest.map((f) => f.status)).toEqual([1, 1]);
    expect(ring.state).toBe('running');
    expect(ring.submit({}).seqno).toBe(4);
  });

  it('R6: a false alarm (the job completes during handling) reinserts nothing and signals normally', async () => {
    const { rt, dev, ring } = await rig(backend, { resetNs: 5500 }, { timeoutNs: 5000 });
    dev.inject('slow'); // 10 x 1000 ns: completes at 10000, times out at 5000; reset effective at 10500
    const slow = ring.submit({});
    const next = ring.submit({});
    rt.sim.advance(5000);
    expect(ring.state).toBe('resetting');
    rt.sim.advance(5000);
    expect(slow.status).toBe(1); // the IRQ handler still runs during the reset
    rt.sim.runUntilIdle();
    expect(next.status).toBe(-Errno.ECANCELED); // running at 10500: aborted by the reset, not guilty
    expect(ring.state).toBe('stopped');
  });

  it('R6: a ring with timeoutNs Infinity has no timeout handler', async () => {
    const { rt, dev, ring } = await rig(backend, {}, { timeoutNs: Infinity });
    dev.inject('hang');
    const f: DmaFence = ring.submit({});
    rt.sim.runUntil(1e9);
    expect([f.signaled, ring.state]).toEqual([false, 'running']);
  });
});
