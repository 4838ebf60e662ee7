/**
 * The teardown lab's devices and guarantee levels on one ring: misbehaving devices (D2 STOP that
 * finishes, an ACK before the last burst, a reset slower than promised, a lost write-back), the
 * driver bug at both guarantee levels (T7), and bad input on every new option, spec and call
 * (a code naming the bad field, nothing changed). Both backends.
 */
import { describe, expect, it } from 'vitest';
import { Errno, ViolationError, createRuntime, parseDeviceSpec, parsePolicySpec, runTeardown, runTeardownMatrix } from '../bindings/index.js';
import { BACKENDS, arenaSnapshot, codeOf, rejectionCode, rig } from './helpers.js';

/** The error an expression throws: its code and message. */
function thrown(fn: () => unknown): { code?: string; message?: string } {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; message?: string };
  }
  return {};
}

describe.each(BACKENDS)('misbehaving devices (%s backend)', (backend) => {
  it("D2: stopMode 'finish' completes the running job before its ACK; 'abort' (default) cancels it", async () => {
    for (const stopMode of ['finish', 'abort'] as const) {
      const { rt, ring } = await rig(backend, { stopMode, ackNs: 100, latency: { baseNs: 5000 } });
      const a = ring.submit({});
      const b = ring.submit({});
      rt.sim.advance(1000);
      await rt.sim.runUntilSettled(ring.stop());
      expect([a.status, b.status], stopMode).toEqual(stopMode === 'finish' ? [1, -Errno.ECANCELED] : [-Errno.ECANCELED, -Errno.ECANCELED]);
      expect(rt.sim.now, stopMode).toBe(stopMode === 'finish' ? 5000 : 1100);
      expect(rt.violations).toEqual([]);
      await rt.dispose();
    }
  });

  it("D2: stopMode 'finish' on a hung job never ACKs: the bound resets the ring (-ETIME)", async () => {
    const { rt, ring, dev } = await rig(backend, { stopMode: 'finish' }, { stopTimeoutNs: 3000 });
    dev.inject('hang');
    const f = ring.submit({});
    rt.sim.advance(100);
    await rt.sim.runUntilSettled(ring.stop());
    expect(f.status).toBe(-Errno.ETIME);
    expect(rt.events.map((e) => e.name)).toContain('ack-timeout');
    await rt.dispose();
  });

  it('T1/M2: writesAfterAckNs: the device ACKs, its last burst lands later into the freed, reused buffer: a corruption, and T1 catches the signal the ACK allowed', async () => {
    for (const writesAfterAckNs of [1000, 0]) {
      const { rt, ring, mem } = await rig(backend, { writesAfterAckNs, ackNs: 100, latency: { baseNs: 4000, perByteNs: 0 } });
      const buf = mem.alloc(4096);
      const f = ring.submit({ dst: buf });
      mem.freeAfter(buf, f);
      f.addCallback(() => mem.alloc(4096)); // memory pressure: the range changes hands at once
      rt.sim.advance(1500); // one chunk of four written
      await rt.sim.runUntilSettled(ring.stop());
      rt.sim.runUntilIdle();
      expect(f.status).toBe(-Errno.ECANCELED);
      const kinds = rt.violations.map((v) => v.kind);
      if (writesAfterAckNs) {
        // The three chunks it had not written land at once, each into memory that changed hands.
        expect(kinds).toEqual(['premature-signal', 'corruption', 'corruption', 'corruption']);
        expect(mem.corruptions.map((c) => [c.seqno, c.timeNs])).toEqual([1, 2, 3].map(() => [1, 1600 + writesAfterAckNs]));
      } else {
        expect(kinds).toEqual([]);
      }
      await rt.dispose();
    }
  });

  it('D4: resetOverrunNs: the reset takes resetNs + resetOverrunNs; the device still promises resetNs; nothing signals before it is effective', async () => {
    const { rt, ring, dev } = await rig(backend, { resetNs: 1000, resetOverrunNs: 9000 });
    expect([dev.resetNs, dev.resetOverrunNs]).toEqual([1000, 9000]);
    dev.inject('hang');
    const f = ring.submit({});
    rt.sim.advance(100);
    const done = ring.reset();
    rt.sim.advance(5000);
    expect([ring.state, f.signaled]).toEqual(['resetting', false]);
    await rt.sim.runUntilSettled(done);
    expect([rt.sim.now, f.status]).toEqual([10_100, -Errno.ETIME]);
    await rt.dispose();
  });

  it("D3/R6: a lost write-back: the job's bytes land but its fence waits; the next completion covers it; alone, the timeout handler ends it -ETIME", async () => {
    const { rt, ring, dev, mem } = await rig(backend, {}, { timeoutNs: 20_000 });
    const buf = mem.alloc(64);
    dev.inject('lostWriteback');
    const a = ring.submit({ dst: buf, pattern: 0x5a });
    rt.sim.advance(1500);
    expect([a.signaled, buf.read()[0], ring.completedSeqno]).toEqual([false, 0x5a, 0]);
    const b = ring.submit({});
    rt.sim.runUntilIdle();
    expect([a.status, b.status, ring.completedSeqno]).toEqual([1, 1, 2]);
    dev.inject('lostWriteback');
    const c = ring.submit({});
    rt.sim.runUntilIdle();
    expect(c.status).toBe(-Errno.ETIME);
    expect(rt.events.map((e) => e.name)).toContain('timeout');
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });

  it('D3: faults.lostWriteback is a seeded per-job probability: some fences wait for a later write-back, none is lost for good', async () => {
    const { rt, ring } = await rig(backend, { faults: { lostWriteback: 0.5 } }, { timeoutNs: 1e9 });
    const fs = Array.from({ length: 8 }, () => ring.submit({}));
    rt.sim.runUntilIdle();
    expect(fs.every((f) => f.signaled)).toBe(true);
    expect(ring.irqs).toBeLessThan(8);
    await rt.dispose();
  });
});

describe.each(BACKENDS)('T7: where the guarantee lives (%s backend)', (backend) => {
  it("T7 emitter level: injectDriverBug changes nothing: the fence signals when its job completes", async () => {
    const { rt, ring } = await rig(backend);
    expect(rt.guarantee).toBe('emitter');
    const f = ring.submit({});
    rt.sim.advance(100);
    expect(ring.injectDriverBug()).toEqual({ seqno: 1, guarantee: 'emitter', signaled: false, premature: false });
    expect(f.signaled).toBe(false);
    rt.sim.runUntilIdle();
    expect([f.status, rt.violations.length]).toEqual([1, 0]);
    await rt.dispose();
  });

  it('T7/T1/M2 fence level: injectDriverBug signals the running job -ECANCELED at once, a premature signal; with freeAfter the reused buffer is corrupted', async () => {
    const { rt, ring, mem } = await rig(backend, { latency: { baseNs: 4000 } }, {}, { guarantee: 'fence' });
    const buf = mem.alloc(4096);
    const f = ring.submit({ dst: buf });
    const g = ring.submit({});
    mem.freeAfter(buf, f);
    f.addCallback(() => mem.alloc(4096));
    rt.sim.advance(1500);
    expect(ring.injectDriverBug()).toEqual({ seqno: 1, guarantee: 'fence', signaled: true, premature: true });
    expect(f.status).toBe(-Errno.ECANCELED);
    rt.sim.runUntilIdle();
    // The three chunks still to come (of four) each land in the reused range.
    expect(rt.violations.map((v) => [v.kind, v.seqno])).toEqual([['premature-signal', 1], ['corruption', 1], ['corruption', 1], ['corruption', 1]]);
    expect(g.status).toBe(1); // the ring goes on
    // A job not yet started: its fence signals out of order, early all the same (the device will run it).
    const h = ring.submit({});
    ring.submit({});
    const k = ring.submit({});
    expect(ring.injectDriverBug({ seqno: k.seqno })).toMatchObject({ signaled: true, premature: true });
    expect([h.signaled, k.status]).toEqual([false, -Errno.ECANCELED]);
    expect(rt.violations.some((v) => v.kind === 'ordering')).toBe(false);
    await rt.dispose();
  });

  it('T7/T2 fence level: a leaked ring leaves nothing pending: its fences signal themselves -ECANCELED, each a premature signal while the device runs', async () => {
    const { rt, ring } = await rig(backend, {}, {}, { guarantee: 'fence' });
    const fs = [ring.submit({}), ring.submit({})];
    rt.sim.advance(100);
    const report = await rt.sim.runUntilSettled(ring.drop({ policy: 'leak' }));
    expect(report.fences).toMatchObject({ total: 2, canceled: 2, unsignaled: 0 });
    expect(fs.map((f) => f.status)).toEqual([-Errno.ECANCELED, -Errno.ECANCELED]);
    expect(rt.violations.map((v) => v.kind)).toEqual(['premature-signal', 'premature-signal']);
    await rt.dispose();
  });

  it('T7 fence level under strict: a leak that would signal early is refused with the ViolationError before anything changes', async () => {
    const { rt, ring } = await rig(backend, {}, {}, { guarantee: 'fence', strict: true });
    ring.submit({});
    rt.sim.advance(100);
    await expect(ring.drop({ policy: 'leak' })).rejects.toBeInstanceOf(ViolationError);
    expect(ring.state).toBe('running');
    await rt.dispose();
  });

  it('injectDriverBug: bad input and impossible cases are refused with a code and change nothing', async () => {
    const { rt, ring } = await rig(backend, {}, {}, { guarantee: 'fence' });
    expect(codeOf(() => ring.injectDriverBug())).toBe('ERR_RING_STATE'); // nothing in flight
    ring.submit({});
    const before = arenaSnapshot(rt);
    expect(codeOf(() => ring.injectDriverBug({ seqno: '1' as never }))).toBe('ERR_INVALID_SEQNO');
    expect(codeOf(() => ring.injectDriverBug({ seqno: 1.5 }))).toBe('ERR_INVALID_SEQNO');
    expect(codeOf(() => ring.injectDriverBug({ seqno: 99 }))).toBe('ERR_RING_STATE');
    expect(codeOf(() => ring.injectDriverBug({ sqno: 1 } as never))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => ring.injectDriverBug(7 as never))).toBe('ERR_INVALID_ARG');
    expect(arenaSnapshot(rt).equals(before)).toBe(true);
    expect(rt.violations).toEqual([]);
    await rt.sim.runUntilSettled(ring.drop());
    expect(codeOf(() => ring.injectDriverBug({ seqno: 1 }))).toBe('ERR_RING_STATE');
    await rt.dispose();
    expect(codeOf(() => ring.injectDriverBug())).toBe('ERR_DISPOSED');
  });
});

describe('bad input on the lab options (coded error naming the field, nothing made)', () => {
  it.each(BACKENDS)('%s: createRuntime({ guarantee }) and the new device options', async (backend) => {
    await expect(createRuntime({ backend, guarantee: 'ring' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    const { rt, dev } = await rig(backend);
    const before = arenaSnapshot(rt);
    const cases: [object, string][] = [
      [{ stopMode: 'pause' }, 'stopMode'],
      [{ writesAfterAckNs: -1 }, 'writesAfterAckNs'],
      [{ writesAfterAckNs: Infinity }, 'writesAfterAckNs'],
      [{ resetOverrunNs: '5' }, 'resetOverrunNs'],
      [{ faults: { lostWriteback: 2 } }, 'faults.lostWriteback'],
      [{ faults: { lostWriteBack: 0.1 } }, 'lostWriteback'],
      [{ writesAfterAck: 5 }, 'writesAfterAckNs'],
    ];
    for (const [opts, field] of cases) {
      const e = thrown(() => rt.createDevice(opts as never));
      expect(e.code, field).toBe('ERR_INVALID_ARG');
      expect(e.message, field).toContain(field);
    }
    expect(codeOf(() => dev.inject('lostWriteBack' as never))).toBe('ERR_INVALID_ARG');
    expect(arenaSnapshot(rt).equals(before)).toBe(true);
    await rt.dispose();
  });

  it('parseDeviceSpec / parsePolicySpec name the path of the bad field and return a checked copy', () => {
    const bad: [unknown, string][] = [
      [{ ackNs: 5 }, 'devices[1].name'],
      [{ name: 'x', ackNs: -5 }, 'devices[1].ackNs'],
      [{ name: 'x', faults: { ack: 'sometimes' } }, 'devices[1].faults.ack'],
      [{ name: 'x', latency: { jitter: 3 } }, 'devices[1].latency.jitter'],
      [{ name: 'x', tdr: 'no' }, 'devices[1].tdr'],
      [{ name: 'x', hangAtDrop: 1 }, 'devices[1].hangAtDrop'],
      [{ name: 'x', ackN: 1 }, 'devices[1]'],
      ['stoppable', 'devices[1]'],
    ];
    for (const [v, path] of bad) {
      const e = thrown(() => parseDeviceSpec(v, 'devices[1]'));
      expect(e.code, path).toBe('ERR_INVALID_ARG');
      expect(e.message, path).toContain(path);
    }
    const input = { name: 'lying', writesAfterAckNs: 1000, latency: { baseNs: 10 } };
    const spec = parseDeviceSpec(input, 'd');
    expect(spec).toEqual({ ...input, tdr: true, hangAtDrop: false });
    expect(spec.latency).not.toBe(input.latency);
    const pbad: [unknown, string][] = [
      ['hope', 'policies[0]'],
      [{ name: '', policy: 'leak' }, 'policies[0].name'],
      [{ name: 'p', policy: 42 }, 'policies[0].policy'],
      [{ name: 'p', policy: 'lek' }, 'policies[0].policy'],
      [{ name: 'p', polcy: 'leak' }, 'policies[0]'],
    ];
    for (const [v, path] of pbad) {
      const e = thrown(() => parsePolicySpec(v, 'policies[0]'));
      expect(e.code, path).toBe('ERR_INVALID_ARG');
      expect(e.message, path).toContain(path);
    }
    const fn = async () => {};
    expect(parsePolicySpec({ name: 'mine', policy: fn }, 'p')).toEqual({ name: 'mine', policy: fn });
    expect(parsePolicySpec('leak', 'p')).toEqual({ name: 'leak', policy: 'leak' });
  });

  it('runTeardown / runTeardownMatrix: every option checked before the first run, the bad field named', async () => {
    const bad: [Promise<unknown>, string, string][] = [
      [runTeardown({ device: 'melted' as never }), 'ERR_INVALID_ARG', 'device'],
      [runTeardown({ policy: 'hope' as never }), 'ERR_INVALID_ARG', 'policy'],
      [runTeardown({ guarantee: 'both' as never }), 'ERR_INVALID_ARG', 'guarantee'],
      [runTeardown({ driverBug: 'yes' as never }), 'ERR_INVALID_ARG', 'driverBug'],
      [runTeardown({ jobs: 0 }), 'ERR_INVALID_ARG', 'jobs'],
      [runTeardown({ jobs: 1_000_001 }), 'ERR_INVALID_ARG', 'jobs'],
      [runTeardown({ jobs: 2.5 }), 'ERR_INVALID_ARG', 'jobs'],
      [runTeardown({ maxFences: 'many' as never }), 'ERR_INVALID_ARG', 'maxFences'],
      [runTeardownMatrix({ devices: ['stoppable', { name: 'x', ackNs: 'fast' } as never] }), 'ERR_INVALID_ARG', 'devices[1].ackNs'],
      [runTeardownMatrix({ devices: [] }), 'ERR_INVALID_ARG', 'devices'],
      [runTeardownMatrix({ devices: ['stoppable', { name: 'stoppable' }] }), 'ERR_INVALID_ARG', 'devices[1]'],
      [runTeardownMatrix({ policies: ['leak', { name: 'p', policy: 7 } as never] }), 'ERR_INVALID_ARG', 'policies[1].policy'],
      [runTeardownMatrix({ guarantees: ['emitter', 'ring' as never] }), 'ERR_INVALID_ARG', 'guarantees[1]'],
      [runTeardownMatrix({ devices: 'stoppable' as never }), 'ERR_INVALID_ARG', 'devices'],
      [runTeardownMatrix({ guarantee: 'fence' } as never), 'ERR_INVALID_ARG', 'guarantees'],
    ];
    for (const [p, code, field] of bad) {
      const e = (await p.then(() => ({}), (x) => x)) as { code?: string; message?: string };
      expect(e.code, field).toBe(code);
      expect(e.message, field).toContain(field);
    }
    expect(await rejectionCode(runTeardownMatrix({}, 5 as never))).toBe('ERR_INVALID_ARG');
  });

  it('runTeardownMatrix takes user devices and user policies beside the built-in ones, named in the rows', async () => {
    const rows = await runTeardownMatrix({
      jobs: 40,
      devices: ['stoppable', { name: 'acks-early', writesAfterAckNs: 1000, latency: { baseNs: 2000, perByteNs: 1 } }],
      policies: ['emitter-guarantee', { name: 'stop-only', policy: async (s) => void (await s.stop()) }],
      guarantees: ['fence'],
    });
    expect(rows.map((r) => [r.device, r.policy, r.guarantee])).toEqual([
      ['stoppable', 'emitter-guarantee', 'fence'], ['stoppable', 'stop-only', 'fence'],
      ['acks-early', 'emitter-guarantee', 'fence'], ['acks-early', 'stop-only', 'fence'],
    ]);
    expect(rows[3].corruptions).toBeGreaterThan(0);
  });
});
