/** Rules T1-T6 of SEMANTICS.md (teardown), on both backends. */
import { describe, expect, it } from 'vitest';
import { Errno } from '../bindings/index.js';
import { BACKENDS, codeOf, rejectionCode, rig } from './helpers.js';

describe.each(BACKENDS)('teardown rules (%s backend)', (backend) => {
  it('T1: signaling a fence while its job may still write is a premature signal; with free-on-signal it corrupts', async () => {
    const { rt, ring, mem } = await rig(backend, { latency: { baseNs: 0, perByteNs: 1 } });
    const buf = mem.alloc(4096);
    const f = ring.submit({ dst: buf });
    mem.freeAfter(buf, f);
    rt.sim.advance(1100);
    ring.context.signalUpTo(f.seqno, { error: -Errno.ECANCELED }); // the emitter jumps the gun
    expect(rt.violations.map((v) => v.kind)).toEqual(['premature-signal']);
    expect(rt.violations[0]).toMatchObject({ rule: 'T1', seqno: f.seqno, detail: { running: true } });
    expect(buf.freed).toBe(true);
    mem.alloc(4096); // memory pressure hands the range to someone else
    rt.sim.runUntilIdle();
    expect(mem.corruptions.length).toBe(3);
  });

  it('T1: signaling after the device is proven idle is never premature', async () => {
    const { rt, ring } = await rig(backend);
    ring.submit({});
    ring.submit({});
    await rt.sim.runUntilSettled(ring.stop());
    expect(rt.violations).toEqual([]);
  });

  it('T2: a ring dropped with pending fences leaves them unsignaled: a violation each, and blocked waiters', async () => {
    const { rt, ring } = await rig(backend);
    const fs = [ring.submit({}), ring.submit({})];
    const waits = fs.map((f) => f.wait());
    const report = await rt.sim.runUntilSettled(ring.drop({ policy: 'leak' }));
    expect(report.fences).toMatchObject({ total: 2, unsignaled: 2 });
    expect(report.violations.map((v) => `${v.kind} ${v.rule} ${v.seqno}`)).toEqual(['unsignaled-at-drop T2 1', 'unsignaled-at-drop T2 2']);
    rt.sim.runUntilIdle(); // the device completes them, but no interrupt handler is left (T4)
    expect(fs.map((f) => f.signaled)).toEqual([false, false]);
    expect(rt.blockedWaiters).toBe(2);
    expect(ring.context.dead).toBe(true);
    void waits;
  });

  it('T3: stoppable: after the ACK finished jobs signal normally, aborted and unstarted ones -ECANCELED', async () => {
    const { rt, dev, ring } = await rig(backend, { ackNs: 300 });
    dev.inject('lostIrq');
    const fs = [0, 1, 2, 3].map(() => ring.submit({}));
    rt.sim.advance(1500); // job 1 completed (its interrupt lost), job 2 running
    expect(fs[0].signaled).toBe(false);
    await rt.sim.runUntilSettled(ring.stop());
    expect(fs.map((f) => f.status)).toEqual([1, -Errno.ECANCELED, -Errno.ECANCELED, -Errno.ECANCELED]);
    expect(rt.sim.now).toBe(1800);
    expect(ring.inFlight).toBe(0);
  });

  it('T3: no ACK in time: fault, reset, then -ETIME for the running job and -ECANCELED for the rest', async () => {
    const { rt, ring } = await rig(backend, { faults: { ack: 'never' }, resetNs: 1000 }, { stopTimeoutNs: 4000 });
    const fs = [0, 1, 2].map(() => ring.submit({}));
    rt.sim.advance(500);
    const stop = ring.stop();
    rt.sim.advance(4000);
    expect(ring.state).toBe('resetting');
    expect(fs.map((f) => f.signaled)).toEqual([true, false, false]); // job 1 completed at 1000, before STOP took hold
    await rt.sim.runUntilSettled(stop);
    expect(rt.sim.now).toBe(5500);
    // The device ignored nothing: it finished job 1 and stopped fetching; job 2 never started.
    expect(fs.map((f) => f.status)).toEqual([1, -Errno.ECANCELED, -Errno.ECANCELED]);
    expect(rt.violations).toEqual([]);
  });

  it('T3: no ACK while a job hangs: the running job ends -ETIME after the reset', async () => {
    const { rt, dev, ring } = await rig(backend, { faults: { ack: 'never' }, resetNs: 1000 }, { stopTimeoutNs: 4000 });
    dev.inject('hang');
    const fs = [0, 1].map(() => ring.submit({}));
    rt.sim.advance(500);
    await rt.sim.runUntilSettled(ring.stop());
    expect(fs.map((f) => f.status)).toEqual([-Errno.ETIME, -Errno.ECANCELED]);
  });

  it('T3: non-stoppable: stop waits for the in-flight jobs; a hung one is reset by the timeout handler', async () => {
    const { rt, dev, ring } = await rig(backend, { stoppable: false, resetNs: 1000 }, { timeoutNs: 10_000 });
    const ok = ring.submit({});
    rt.sim.advance(1);
    dev.inject('hang');
    const hung = ring.submit({});
    const queued = ring.submit({});
    await rt.sim.runUntilSettled(ring.stop());
    expect([ok.status, hung.status, queued.status]).toEqual([1, -Errno.ETIME, -Errno.ECANCELED]);
    expect(rt.sim.now).toBe(12_000); // started at 1000, timed out at 11000, reset 1000
  });

  it('T4: emitter-guarantee drops only after the device is proven idle: nothing premature, nothing pending', async () => {
    const { rt, ring, mem } = await rig(backend, { latency: { baseNs: 500, perByteNs: 1 } });
    for (let i = 0; i < 6; i++) {
      const b = mem.alloc(1024);
      mem.freeAfter(b, ring.submit({ dst: b }));
    }
    rt.sim.advance(2000);
    const report = await rt.sim.runUntilSettled(ring.drop());
    expect(report.policy).toBe('emitter-guarantee');
    expect(report.fences.unsignaled).toBe(0);
    expect(report.violations).toEqual([]);
    mem.alloc(4096);
    rt.sim.runUntil(1e6);
    expect(mem.corruptions).toEqual([]);
    expect(codeOf(() => ring.context.signalUpTo(100))).toBe('ERR_RING_STATE');
  });

  it('T4: signal-on-drop signals everything at once while the device still runs: premature, then corruption', async () => {
    const { rt, ring, mem } = await rig(backend, { latency: { baseNs: 500, perByteNs: 1 } });
    for (let i = 0; i < 4; i++) {
      const b = mem.alloc(1024);
      mem.freeAfter(b, ring.submit({ dst: b }));
    }
    rt.sim.advance(700);
    const report = await rt.sim.runUntilSettled(ring.drop({ policy: 'signal-on-drop' }));
    expect(report.fences).toMatchObject({ total: 4, canceled: 4 });
    expect(report.violations.filter((v) => v.kind === 'premature-signal').length).toBe(4);
    mem.alloc(4096); // all four ranges go to a new owner at once
    rt.sim.runUntilIdle();
    expect(mem.corruptions.length).toBeGreaterThan(0);
  });

  it('T4: wait relies on the timeout handler: it recovers a hung job through reset', async () => {
    const { rt, dev, ring } = await rig(backend, { resetNs: 1000 }, { timeoutNs: 10_000 });
    dev.inject('hang');
    ring.submit({});
    ring.submit({});
    const report = await rt.sim.runUntilSettled(ring.drop({ policy: 'wait' }));
    expect(report.fences).toMatchObject({ timedOut: 1, canceled: 1, unsignaled: 0 });
    expect(report.timeNs).toBe(11_000);
  });

  it('T4: wait with no timeout handler and a hung job never ends: the simulation reports the deadlock', async () => {
    const { rt, dev, ring } = await rig(backend, {}, { timeoutNs: Infinity });
    dev.inject('hang');
    ring.submit({});
    expect(await rejectionCode(rt.sim.runUntilSettled(ring.drop({ policy: 'wait' })))).toBe('ERR_DEADLOCK');
  });

  it('T5: unload needs every fence signaled, then a grace period; a signaled fence never reaches the driver', async () => {
    const { rt, dev, ring } = await rig(backend);
    const f = ring.submit({});
    expect(await rejectionCode(rt.unloadDriver(dev.name))).toBe('ERR_DRIVER_BUSY');
    expect(await rejectionCode(rt.unloadDriver('nobody'))).toBe('ERR_INVALID_ARG');
    rt.sim.runUntilIdle();
    await rt.sim.runUntilSettled(ring.drop());
    const t0 = rt.sim.now;
    await rt.sim.runUntilSettled(rt.unloadDriver(dev.name, { graceNs: 500 }));
    expect(rt.sim.now - t0).toBe(500);
    expect([f.driverName, f.timelineName, f.status]).toEqual(['detached-driver', 'signaled-timeline', 1]);
    expect(rt.violations).toEqual([]);
  });

  it('T5: a forced unload with a pending fence: touching that fence reaches freed driver code (use-after-free)', async () => {
    const { rt, ring } = await rig(backend);
    const ctx = rt.createContext({ driverName: 'fragile' });
    const df = ctx.createFence();
    await rt.sim.runUntilSettled(rt.unloadDriver('fragile', { force: true }));
    void df.fence.driverName;
    void df.fence.signaled;
    expect(rt.violations.map((v) => `${v.kind} ${v.rule} ${v.detail?.op}`)).toEqual(['use-after-free T5 get_driver_name', 'use-after-free T5 signaled']);
    void ring;
  });

  it('T3: the protocol is traced: events in order, exportable as Chrome trace-event JSON', async () => {
    const { rt, ring } = await rig(backend, { ackNs: 300 });
    ring.submit({});
    await rt.sim.runUntilSettled(ring.drop());
    expect(rt.events.map((e) => e.name)).toEqual(['drop', 'ring-state', 'stop', 'ack', 'ring-state', 'ring-state']);
    const trace = JSON.parse(rt.exportTrace());
    const evs = trace.traceEvents.filter((e: { ph: string }) => e.ph !== 'M');
    expect(evs.length).toBe(rt.events.length);
    const track = trace.traceEvents.find((e: { ph: string; args: { name?: string } }) => e.ph === 'M' && e.args.name === `ring ${ring.name}`);
    expect(evs[3]).toMatchObject({ name: 'ack', ph: 'i', s: 't', tid: track.tid, ts: 0.3 });
  });

  it('D1: with trace: true every job is a span (start to completion), exported as complete events', async () => {
    const { rt, ring } = await rig(backend, { latency: { baseNs: 1000, perByteNs: 1 } }, {}, { trace: true });
    const buf = rt.memory.alloc(500);
    ring.submit({});
    ring.submit({ dst: buf });
    rt.sim.runUntilIdle();
    const jobs = rt.events.filter((e) => e.name === 'job');
    expect(jobs.map((e) => [e.args.seqno, e.args.startNs, e.durNs, e.timeNs])).toEqual([
      [1, 0, 1000, 1000],
      [2, 1000, 1500, 2500],
    ]);
    const x = JSON.parse(rt.exportTrace()).traceEvents.filter((e: { ph: string; name: string }) => e.ph === 'X' && e.name.startsWith('job'));
    expect(x[1]).toMatchObject({ name: 'job 2', ts: 1, dur: 1.5, args: { bytes: 500, ring: ring.name } });
  });

  it('T6: device loss: once the reset is effective every wait completes and completed reads as the maximum', async () => {
    const { rt, dev, ring } = await rig(backend, { resetNs: 400 });
    const fs = [0, 1, 2].map(() => ring.submit({}));
    const waits = fs.map((f) => f.wait());
    rt.sim.advance(1500);
    const lost = dev.lose(); // job 2 is running; the reset is effective at 1900
    rt.sim.advance(399);
    expect(fs.slice(1).some((f) => f.signaled)).toBe(false);
    await rt.sim.runUntilSettled(lost);
    expect(await Promise.all(waits)).toEqual([true, true, true]);
    expect(ring.completedSeqno).toBe(Number.MAX_SAFE_INTEGER);
    expect(fs.map((f) => f.status)).toEqual([1, -Errno.ETIME, -Errno.ECANCELED]);
    expect(codeOf(() => ring.restart())).toBe('ERR_RING_STATE');
  });
});
