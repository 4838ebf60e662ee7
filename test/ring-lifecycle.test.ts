/**
 * The ring, the device and DMA memory against careless and hostile use (issue 14, ring part):
 * the R5 state machine after a drop (dropped is final, one drop, stop() during a drop settles,
 * the emitter's guarantee on every device), forged buffers (M2, R2), read-only members, dispose,
 * options and AbortSignals, strict premature signals (T1), and job spans in the trace. Both
 * backends, virtual clock (the real clock is in real-clock.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { DmaBuffer, Errno } from '../bindings/index.js';
import type { DmaFence, DropReport } from '../bindings/index.js';
import { ST_JOBS_SUBMITTED as RING_JOBS_SUBMITTED } from '../bindings/core/layout.js';
import { BACKENDS, codeOf, rejectionCode, rig, runtime } from './helpers.js';

/**
 * How a promise ended without driving any clock: 'resolved', the rejection's code (a DOMException's
 * name, or an Error's message when it has no code), or 'pending' after a macrotask.
 */
async function outcome(p: Promise<unknown>): Promise<string> {
  let r = 'pending';
  p.then(
    () => (r = 'resolved'),
    (e) => {
      if (e instanceof DOMException) r = e.name;
      else r = (e as { code?: string })?.code ?? (e as Error)?.message ?? String(e);
    },
  );
  await new Promise((res) => setTimeout(res, 0));
  return r;
}

const ringStates = (rt: { events: readonly { name: string; args: Record<string, unknown> }[] }) =>
  rt.events.filter((e) => e.name === 'ring-state').map((e) => `${e.args.from}->${e.args.to}`);

describe.each(BACKENDS)('ring lifecycle (%s backend)', (backend) => {
  // ── R5 / T4: the state machine after a drop ──

  for (const policy of ['leak', 'signal-on-drop'] as const) {
    it(`R5: after a ${policy} drop on a busy ring, a reset that takes effect later leaves it dropped; restart is refused and nothing more runs`, async () => {
      const { rt, ring } = await rig(backend, { resetNs: 5000 });
      const fs = [0, 1, 2].map(() => ring.submit({}));
      rt.sim.advance(500);
      const reset = rejectionCode(ring.reset()); // effective at 5500
      const report = await rt.sim.runUntilSettled(ring.drop({ policy }));
      expect(report.policy).toBe(policy);
      expect(ring.state).toBe('dropped');
      expect(await rt.sim.runUntilSettled(reset)).toBe('ERR_RING_STATE');
      rt.sim.runUntilIdle();
      expect(rt.events.map((e) => e.name)).toContain('reset-effective');
      expect(ring.state).toBe('dropped');
      expect(ringStates(rt).filter((t) => t.startsWith('dropped'))).toEqual([]);
      expect(codeOf(() => ring.restart())).toBe('ERR_RING_STATE');
      expect(codeOf(() => ring.submit({}))).toBe('ERR_RING_STOPPED');
      expect(await rejectionCode(ring.reset())).toBe('ERR_RING_STATE');
      expect(await rejectionCode(ring.stop())).toBe('ERR_RING_STATE');
      rt.sim.runUntilIdle();
      expect(rt.stats.jobsSubmitted).toBe(3);
      // T4: once dropped nothing signals its fences (leak) or they were all signaled at the drop.
      expect(fs.map((f) => f.signaled)).toEqual(policy === 'leak' ? [false, false, false] : [true, true, true]);
    });
  }

  it('T4: a stop() in progress when the ring is dropped by leak rejects ERR_RING_STATE (the device was never proven idle)', async () => {
    const { rt, ring } = await rig(backend, { faults: { ack: 'never' } }, { stopTimeoutNs: 50_000 });
    ring.submit({});
    rt.sim.advance(100);
    const stop = rejectionCode(ring.stop());
    expect(ring.state).toBe('stopping');
    await rt.sim.runUntilSettled(ring.drop({ policy: 'leak' }));
    expect(await rt.sim.runUntilSettled(stop)).toBe('ERR_RING_STATE');
    rt.sim.runUntilIdle();
    expect(ring.state).toBe('dropped');
    expect(rt.events.map((e) => e.name)).not.toContain('reset-request'); // no reset for a dropped ring
    // Under emitter-guarantee the drop waits for the stop in progress: that stop resolves first.
    const g = await rig(backend, { ackNs: 300 });
    const f = g.ring.submit({});
    g.rt.sim.advance(100);
    const stop2 = g.ring.stop();
    const drop = g.ring.drop();
    await g.rt.sim.runUntilSettled(stop2);
    const report = await g.rt.sim.runUntilSettled(drop);
    expect([f.status, g.ring.state, report.fences.canceled, report.violations.length]).toEqual([-Errno.ECANCELED, 'dropped', 1, 0]);
  });

  it('R5: between the ACK and the drop, restart(), reset() and submit() are refused', async () => {
    const { rt, ring } = await rig(backend, { ackNs: 300 });
    ring.submit({});
    await rt.sim.runUntilSettled(ring.stop());
    expect(ring.state).toBe('stopped');
    const drop = ring.drop(); // the ring is stopped: the drop completes in a continuation
    expect(codeOf(() => ring.restart())).toBe('ERR_RING_STATE');
    expect(codeOf(() => ring.submit({}))).toBe('ERR_RING_STOPPED');
    expect(await rejectionCode(ring.reset())).toBe('ERR_RING_STATE');
    const report = await rt.sim.runUntilSettled(drop);
    expect(report.violations).toEqual([]);
    expect(ring.state).toBe('dropped');
    expect(rt.stats.jobsSubmitted).toBe(1);
  });

  it('T4: one drop per ring: drop() during a drop and drop() after it reject ERR_RING_STATE; the first drop reports', async () => {
    const { rt, ring } = await rig(backend, { ackNs: 300 });
    const fs = [ring.submit({}), ring.submit({})];
    rt.sim.advance(100);
    const first = ring.drop();
    expect(await rejectionCode(ring.drop({ policy: 'leak' }))).toBe('ERR_RING_STATE');
    expect(await rejectionCode(ring.drop({ policy: 'signal-on-drop' }))).toBe('ERR_RING_STATE');
    const report = await rt.sim.runUntilSettled(first);
    expect(report.policy).toBe('emitter-guarantee');
    expect(report.fences).toMatchObject({ total: 2, canceled: 2, unsignaled: 0 });
    expect(fs.map((f) => f.status)).toEqual([-Errno.ECANCELED, -Errno.ECANCELED]);
    expect(await rejectionCode(ring.drop())).toBe('ERR_RING_STATE');
    expect(rt.events.filter((e) => e.name === 'drop').length).toBe(1);
    expect(rt.violations).toEqual([]);
  });

  it('T3/T4: emitter-guarantee on a non-stoppable device with a hung job and no timeout handler: bounded wait, reset, then signal and drop', async () => {
    const { rt, dev, ring } = await rig(backend, { stoppable: false, resetNs: 1000 }, { timeoutNs: Infinity, stopTimeoutNs: 20_000 });
    dev.inject('hang');
    const fs = [0, 1, 2].map(() => ring.submit({}));
    rt.sim.advance(500);
    const report = await rt.sim.runUntilSettled(ring.drop());
    expect(report.fences).toMatchObject({ total: 3, timedOut: 1, canceled: 2, unsignaled: 0 });
    expect(fs.map((f) => f.status)).toEqual([-Errno.ETIME, -Errno.ECANCELED, -Errno.ECANCELED]);
    expect(report.timeNs).toBe(21_000); // the bound, then the reset
    expect(report.violations).toEqual([]);
    expect(ring.state).toBe('dropped');
    expect(rt.events.map((e) => e.name)).toContain('stop-timeout');
  });

  it('T3: stop() alone on that device ends too (bounded by stopTimeoutNs), and the ring can restart', async () => {
    const { rt, dev, ring } = await rig(backend, { stoppable: false, resetNs: 1000 }, { timeoutNs: Infinity, stopTimeoutNs: 20_000 });
    dev.inject('hang');
    const f = ring.submit({});
    await rt.sim.runUntilSettled(ring.stop());
    expect([f.status, ring.state, rt.sim.now]).toEqual([-Errno.ETIME, 'stopped', 21_000]);
    ring.restart();
    const g = ring.submit({});
    rt.sim.runUntilIdle();
    expect(g.status).toBe(1);
    // A non-stoppable device that finishes within the bound is simply waited for; no timer is left.
    const fs = [ring.submit({}), ring.submit({})];
    const t0 = rt.sim.now;
    await rt.sim.runUntilSettled(ring.stop());
    expect(fs.map((f) => f.status)).toEqual([1, 1]);
    expect(rt.sim.now - t0).toBe(2000);
    rt.sim.runUntilIdle();
    expect(rt.sim.now - t0).toBe(2000);
    expect(rt.events.filter((e) => e.name === 'reset-request').length).toBe(1);
  });

  it('T3: stop() during a wait drop that nothing else can end arms the stop (bounded on every device), and the drop completes', async () => {
    for (const stoppable of [false, true]) {
      const { rt, dev, ring } = await rig(backend, { stoppable, resetNs: 1000, ackNs: 300 }, { timeoutNs: Infinity, stopTimeoutNs: 20_000 });
      dev.inject('hang');
      const f = ring.submit({});
      const drop = ring.drop({ policy: 'wait' });
      rt.sim.runUntil(100_000);
      expect(ring.state).toBe('stopping'); // 'wait' relies on a timeout handler: there is none
      const t0 = rt.sim.now;
      await rt.sim.runUntilSettled(ring.stop());
      const report = await rt.sim.runUntilSettled(drop);
      expect([f.status, ring.state, report.violations]).toEqual([stoppable ? -Errno.ECANCELED : -Errno.ETIME, 'dropped', []]);
      expect(rt.sim.now - t0).toBe(stoppable ? 300 : 21_000); // the ACK, or the bound then the reset
    }
  });

  // ── M2 / R2: forged buffers ──

  it('R2/M2: a forged buffer aimed at another live buffer is refused; nothing is written or submitted', async () => {
    const { rt, ring, mem } = await rig(backend);
    const victim = mem.alloc(256);
    const other = await runtime(backend, { dmaBytes: 4096 });
    const foreign = other.memory.alloc(256);
    const shaped = { _memory: mem, offset: victim.offset, size: 256, id: victim.id, freed: false, read: () => new Uint8Array() };
    const proto = Object.create(DmaBuffer.prototype, {
      _memory: { value: mem }, offset: { value: victim.offset }, size: { value: 256 }, id: { value: victim.id }, freed: { value: false },
    });
    for (const dst of [shaped, proto]) {
      for (const submit of [() => ring.submit({ dst: dst as never }), () => ring.submitBatch(1, { dst: dst as never })]) {
        expect(codeOf(submit)).toBe('ERR_INVALID_ARG');
      }
      expect(await rejectionCode(ring.submitAsync({ dst: dst as never }))).toBe('ERR_INVALID_ARG');
      expect(codeOf(() => mem.free(dst as never))).toBe('ERR_INVALID_ARG');
    }
    expect(codeOf(() => ring.submit({ dst: foreign }))).toBe('ERR_FOREIGN_HANDLE');
    expect(codeOf(() => mem.free(foreign))).toBe('ERR_FOREIGN_HANDLE');
    expect(codeOf(() => new (DmaBuffer as unknown as new (...a: unknown[]) => unknown)(mem, victim.offset, 256, victim.id))).toBe('ERR_INVALID_ARG');
    rt.sim.runUntilIdle();
    expect([ring.inFlight, ring.context.lastSeqno, rt.stats.jobsSubmitted, rt.stats.dmaBytesWritten]).toEqual([0, 0, 0, 0]);
    expect(victim.read().every((b) => b === 0)).toBe(true);
    expect(victim.freed).toBe(false);
    // M1: a freed buffer (a real one) is ERR_STALE_HANDLE for a job, free and freeAfter.
    const f = ring.submit({});
    mem.free(victim);
    expect(codeOf(() => ring.submit({ dst: victim }))).toBe('ERR_STALE_HANDLE');
    expect(codeOf(() => mem.free(victim))).toBe('ERR_STALE_HANDLE');
    expect(codeOf(() => mem.freeAfter(victim, f))).toBe('ERR_STALE_HANDLE');
    await other.dispose();
  });

  it('R2: a negative or fractional offset is refused with a coded error; the core never sees it and the ring stays usable', async () => {
    const { rt, ring, mem } = await rig(backend);
    const buf = mem.alloc(128);
    const forged = { _memory: mem, offset: -4096, size: 128, id: buf.id, freed: false };
    expect(codeOf(() => ring.submit({ dst: forged as never }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => ring.submit({ dst: forged as never, offset: 0, bytes: 64 }))).toBe('ERR_INVALID_ARG');
    for (const offset of [-1, -64, 1.5, NaN, 129]) expect(codeOf(() => ring.submit({ dst: buf, offset }))).toBe('ERR_INVALID_ARG');
    for (const bytes of [-1, 0.5, 129]) expect(codeOf(() => ring.submit({ dst: buf, bytes }))).toBe('ERR_INVALID_ARG');
    rt.sim.runUntilIdle();
    const f = ring.submit({ dst: buf, offset: 64, pattern: 0x33 });
    rt.sim.runUntilIdle();
    expect(f.status).toBe(1);
    expect(Array.from(buf.read().subarray(60, 68))).toEqual([0, 0, 0, 0, 0x33, 0x33, 0x33, 0x33]);
    expect(rt.stats.jobsSubmitted).toBe(1);
  });

  it('M2: a job waiting for space whose buffer is freed meanwhile is refused ERR_STALE_HANDLE and writes nothing', async () => {
    const { rt, ring, mem } = await rig(backend, {}, { capacity: 2 });
    ring.submit({});
    ring.submit({});
    const buf = mem.alloc(64);
    const waiting = rejectionCode(ring.submitAsync({ dst: buf, pattern: 0x5a }));
    const next = ring.submitAsync({});
    mem.free(buf);
    const taker = mem.alloc(64); // the same range, a new owner
    expect(await rt.sim.runUntilSettled(waiting)).toBe('ERR_STALE_HANDLE');
    expect((await rt.sim.runUntilSettled(next)).seqno).toBe(3);
    rt.sim.runUntilIdle();
    expect(taker.read().every((b) => b === 0)).toBe(true);
    expect([mem.corruptions.length, rt.stats.jobsSubmitted]).toEqual([0, 3]);
  });

  // ── read-only members ──

  it('read-only: assigning any documented read-only member of HwRing, DmaDevice, DmaMemory, DmaBuffer throws and changes nothing', async () => {
    const { rt, dev, ring, mem } = await rig(backend);
    const buf = mem.alloc(256);
    const members: [object, string[]][] = [
      [ring, ['name', 'device', 'context', 'capacity', 'timeoutNs', 'stopTimeoutNs', 'resubmit', 'irqs', 'state', 'inFlight', 'space', 'completedSeqno']],
      [dev, ['name', 'stoppable', 'lost', 'baseNs', 'perByteNs', 'jitter', 'resetNs', 'ackNs', 'pHang', 'pSlow', 'pLostIrq', 'ack']],
      [mem, ['size', 'available', 'corruptions']],
      [buf, ['offset', 'size', 'id', 'freed']],
    ];
    for (const [obj, keys] of members) {
      for (const k of keys) {
        const o = obj as Record<string, unknown>;
        const before = o[k];
        expect(() => (o[k] = typeof before === 'number' ? 12544 : 'forged'), `${obj.constructor.name}.${k}`).toThrow(TypeError);
        expect(() => Object.defineProperty(o, k, { value: 8 }), `${obj.constructor.name}.${k}`).toThrow(TypeError);
        expect(o[k], `${obj.constructor.name}.${k}`).toEqual(before);
      }
      expect(Object.isFrozen(obj)).toBe(true);
    }
    expect(() => (mem.corruptions as unknown[]).push({})).toThrow(TypeError);
    // What an assignment would have broken still holds: a job writes only its buffer...
    const next = mem.alloc(256);
    const f = ring.submit({ dst: buf, pattern: 0x77 });
    rt.sim.advance(1000);
    expect(f.status).toBe(1);
    // ...and stop() leaves nothing pending whatever capacity claims.
    ring.submit({});
    ring.submit({});
    await rt.sim.runUntilSettled(ring.stop());
    expect(next.read().every((b) => b === 0)).toBe(true);
    expect([ring.inFlight, ring.context.pending]).toEqual([0, 0]);
  });

  // ── dispose ──

  it('dispose: every member of HwRing, DmaDevice, DmaMemory and DmaBuffer throws or rejects ERR_DISPOSED, and nothing changes', async () => {
    const { rt, dev, ring, mem } = await rig(backend);
    const buf = mem.alloc(256);
    const f = ring.submit({ dst: buf });
    const seen = { state: ring.state, inFlight: ring.inFlight, available: mem.available };
    await rt.dispose();
    const sync: [string, () => unknown][] = [
      ...['name', 'device', 'context', 'capacity', 'timeoutNs', 'stopTimeoutNs', 'resubmit', 'irqs', 'state', 'inFlight', 'space', 'completedSeqno'].map(
        (k) => [`ring.${k}`, () => (ring as unknown as Record<string, unknown>)[k]] as [string, () => unknown],
      ),
      ['ring.submit', () => ring.submit({})],
      ['ring.submitBatch', () => ring.submitBatch(1, {})],
      ['ring.restart', () => ring.restart()],
      ...['name', 'stoppable', 'lost', 'baseNs', 'perByteNs', 'jitter', 'resetNs', 'ackNs', 'pHang', 'pSlow', 'pLostIrq', 'ack'].map(
        (k) => [`dev.${k}`, () => (dev as unknown as Record<string, unknown>)[k]] as [string, () => unknown],
      ),
      ['dev.inject', () => dev.inject('hang')],
      ['mem.size', () => mem.size],
      ['mem.available', () => mem.available],
      ['mem.corruptions', () => mem.corruptions],
      ['mem.alloc', () => mem.alloc(64)],
      ['mem.free', () => mem.free(buf)],
      ['mem.freeAfter', () => mem.freeAfter(buf, f)],
      ...['offset', 'size', 'id', 'freed'].map((k) => [`buf.${k}`, () => (buf as unknown as Record<string, unknown>)[k]] as [string, () => unknown]),
      ['buf.read', () => buf.read()],
    ];
    for (const [name, fn] of sync) expect(codeOf(fn), name).toBe('ERR_DISPOSED');
    const asyncCalls: [string, () => Promise<unknown>][] = [
      ['ring.submitAsync', () => ring.submitAsync({})],
      ['ring.stop', () => ring.stop()],
      ['ring.reset', () => ring.reset()],
      ['ring.drop', () => ring.drop()],
      ['dev.lose', () => dev.lose()],
    ];
    for (const [name, fn] of asyncCalls) expect(await outcome(fn()), name).toBe('ERR_DISPOSED');
    // Nothing moved: the arena still reads as it was left (read through the internals).
    expect(rt.arena.stat(RING_JOBS_SUBMITTED)).toBe(1);
    expect(buf._freed).toBe(false);
    void seen;
  });

  it('dispose: pending stop(), reset(), drop(), submitAsync() and dev.lose() reject ERR_DISPOSED at once', async () => {
    const rt = await runtime(backend, { maxFences: 1024, maxRingCapacity: 8 });
    const never = rt.createDevice({ faults: { ack: 'never' }, resetNs: 1e9 });
    const slow = rt.createDevice({ latency: { baseNs: 1e6 }, resetNs: 1e9 });
    const busy = rt.createDevice({ latency: { baseNs: 1e6 } });
    const stopping = rt.createRing({ device: never, stopTimeoutNs: 1e9 });
    const dropping = rt.createRing({ device: never, stopTimeoutNs: 1e9 });
    const resetting = rt.createRing({ device: slow, capacity: 2 });
    const full = rt.createRing({ device: busy, capacity: 2 });
    for (const r of [stopping, dropping, resetting, full]) r.submit({});
    full.submit({});
    const pending = {
      stop: stopping.stop(),
      drop: dropping.drop(),
      reset: resetting.reset(),
      submitAsync: full.submitAsync({}),
      lose: slow.lose(),
    };
    rt.sim.advance(10);
    for (const [k, p] of Object.entries(pending)) expect(await outcome(p), k).toBe('pending');
    await rt.dispose();
    for (const [k, p] of Object.entries(pending)) expect(await outcome(p), k).toBe('ERR_DISPOSED');
  });

  // ── options and AbortSignal ──

  it('options: createDevice, jobs, stop/reset/submitAsync and drop take only their documented keys (ERR_INVALID_ARG naming the closest)', async () => {
    const { rt, dev, ring, mem } = await rig(backend);
    const bad: [() => unknown, string][] = [
      [() => rt.createDevice({ stopable: false } as never), 'stoppable'],
      [() => rt.createDevice({ latency: { base: 5 } } as never), 'baseNs'],
      [() => rt.createDevice({ faults: { hangs: 0.5 } } as never), 'hang'],
      [() => rt.createDevice({ resetNS: 5 } as never), 'resetNs'],
      [() => rt.createDevice({ faults: { ack: null } } as never), 'ack'],
      [() => rt.createDevice({ stoppable: null } as never), 'stoppable'],
      [() => ring.submit({ dts: mem.alloc(64) } as never), 'dst'],
      [() => ring.submit({ patern: 1 } as never), 'pattern'],
      [() => ring.submitBatch(1, { byte: 0 } as never), 'bytes'],
      [() => dev.inject('hung' as never), 'hang'],
      [() => dev.inject(null as never), 'noAck'],
    ];
    for (const [fn, near] of bad) {
      let err: { code?: string; message?: string } = {};
      try {
        fn();
      } catch (e) {
        err = e as typeof err;
      }
      expect(err.code, near).toBe('ERR_INVALID_ARG');
      expect(err.message, near).toContain(near);
    }
    const badAsync: [() => Promise<unknown>, string][] = [
      [() => ring.drop({ polcy: 'leak' } as never), 'policy'],
      [() => ring.drop({ policy: null } as never), 'emitter-guarantee'],
      [() => ring.drop({ policy: 'lek' } as never), 'leak'],
      [() => ring.stop({ signl: undefined } as never), 'signal'],
      [() => ring.reset({ timeoutNs: 5 } as never), 'signal'],
      [() => ring.submitAsync({}, { sginal: undefined } as never), 'signal'],
      [() => ring.stop({ signal: 'yes' } as never), 'AbortSignal'],
      [() => dev.lose({ signl: undefined } as never), 'signal'],
    ];
    for (const [fn, near] of badAsync) {
      const e: { code?: string; message?: string } = await fn().then(() => ({}), (x) => x);
      expect(e.code, near).toBe('ERR_INVALID_ARG');
      expect(e.message, near).toContain(near);
    }
    // Nothing changed: the ring runs, nothing was armed or lost, no device was added.
    expect([ring.state, dev.lost, rt.events.length]).toEqual(['running', false, 0]);
    const f = ring.submit({});
    rt.sim.runUntilIdle();
    expect([f.status, rt.sim.now]).toEqual([1, 1000]);
  });

  it('AbortSignal: stop, reset and drop reject with the reason when aborted, and the protocol still reaches its state', async () => {
    for (const call of ['stop', 'reset', 'drop'] as const) {
      const { rt, ring } = await rig(backend, { ackNs: 300, resetNs: 600 });
      const f = ring.submit({});
      rt.sim.advance(100);
      const ac = new AbortController();
      const p = call === 'drop' ? ring.drop({ signal: ac.signal }) : ring[call]({ signal: ac.signal });
      ac.abort(new Error(`no more ${call}`));
      expect(await outcome(p), call).toBe(`no more ${call}`);
      rt.sim.runUntilIdle();
      await new Promise((r) => setTimeout(r, 0)); // the drop's last step is a continuation
      expect(ring.state, call).toBe(call === 'drop' ? 'dropped' : 'stopped');
      expect(f.status, call).toBe(call === 'reset' ? -Errno.ETIME : -Errno.ECANCELED);
      expect(rt.violations).toEqual([]);
    }
  });

  it('AbortSignal: an already-aborted signal rejects at once with an AbortError and changes nothing', async () => {
    const { rt, dev, ring } = await rig(backend);
    ring.submit({});
    const signal = AbortSignal.abort();
    const calls = [ring.stop({ signal }), ring.reset({ signal }), ring.drop({ policy: 'leak', signal }), ring.submitAsync({}, { signal }), dev.lose({ signal })];
    expect(await Promise.all(calls.map(outcome))).toEqual(Array(5).fill('AbortError'));
    expect([ring.state, ring.inFlight, dev.lost, rt.events.length]).toEqual(['running', 1, false, 0]);
  });

  it('R3: an aborted submitAsync waiter leaves the queue: its job is never submitted, the next waiter is served', async () => {
    const { rt, ring } = await rig(backend, {}, { capacity: 2 });
    ring.submit({});
    ring.submit({});
    const ac = new AbortController();
    const dropped = ring.submitAsync({ pattern: 1 }, { signal: ac.signal });
    const served = ring.submitAsync({ pattern: 2 });
    ac.abort();
    expect(await outcome(dropped)).toBe('AbortError');
    const f = await rt.sim.runUntilSettled(served);
    expect(f.seqno).toBe(3);
    rt.sim.runUntilIdle();
    expect([ring.context.lastSeqno, rt.stats.jobsSubmitted, rt.stats.jobsCompleted]).toEqual([3, 3, 3]);
  });

  it('T6: dev.lose({ signal }) aborted rejects; the loss still completes every fence', async () => {
    const { rt, dev, ring } = await rig(backend, { resetNs: 400 });
    const fs = [ring.submit({}), ring.submit({})];
    const ac = new AbortController();
    const lost = dev.lose({ signal: ac.signal });
    ac.abort();
    expect(await outcome(lost)).toBe('AbortError');
    rt.sim.runUntilIdle();
    expect(fs.every((f) => f.signaled)).toBe(true);
    expect(ring.completedSeqno).toBe(Number.MAX_SAFE_INTEGER);
  });

  // ── T1 under strict ──

  it('T1: under strict a premature signalUpTo throws the ViolationError before it changes anything', async () => {
    const { rt, ring } = await rig(backend, {}, {}, { strict: true });
    const f = ring.submit({});
    rt.sim.advance(500); // running
    let err: unknown;
    try {
      ring.context.signalUpTo(f.seqno, { error: -Errno.ECANCELED });
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('ERR_VIOLATION');
    expect((err as { violation?: { kind: string } }).violation?.kind).toBe('premature-signal');
    expect([f.signaled, ring.context.pending]).toEqual([false, 1]);
    expect(rt.violations).toEqual([]);
    rt.sim.runUntilIdle();
    expect(f.status).toBe(1);
  });

  it('T1/T2: under strict a signal-on-drop or leak drop of a busy ring rejects before it changes anything', async () => {
    for (const policy of ['signal-on-drop', 'leak'] as const) {
      const { rt, ring } = await rig(backend, {}, {}, { strict: true });
      const f = ring.submit({});
      rt.sim.advance(500);
      expect(await rejectionCode(ring.drop({ policy })), policy).toBe('ERR_VIOLATION');
      expect([ring.state, f.signaled, rt.violations.length]).toEqual(['running', false, 0]);
      const report: DropReport = await rt.sim.runUntilSettled(ring.drop());
      expect([report.fences.ok, ring.state]).toEqual([1, 'dropped']);
    }
  });

  // ── trace ──

  it('T3: with trace: true, the job running at STOP gets an aborted span to the ACK; jobs that never ran get none', async () => {
    const rt = await runtime(backend, { trace: true, maxFences: 1024, maxRingCapacity: 8 });
    const dev = rt.createDevice({ latency: { baseNs: 1000 }, ackNs: 300 });
    const a = rt.createRing({ device: dev, capacity: 8, name: 'a' });
    const b = rt.createRing({ device: dev, capacity: 8, name: 'b' });
    [0, 1, 2].map(() => a.submit({}));
    rt.sim.advance(1500); // a: job 1 done at 1000, job 2 running since 1000, job 3 queued
    const drop = a.drop(); // ACK at 1800
    const fs: DmaFence[] = [0, 1, 2].map(() => b.submit({})); // b keeps retiring after the drop
    await rt.sim.runUntilSettled(drop);
    rt.sim.runUntilIdle();
    expect(fs.every((f) => f.status === 1)).toBe(true);
    const spans = (ring: string) =>
      rt.events.filter((e) => e.name === 'job' && e.args.ring === ring).map((e) => [e.args.seqno, e.args.outcome, e.args.startNs, e.durNs, e.timeNs]);
    expect(spans('a')).toEqual([
      [1, 'completed', 0, 1000, 1000],
      [2, 'aborted', 1000, 800, 1800],
    ]);
    expect(spans('b').map((s) => s[1])).toEqual(['completed', 'completed', 'completed']);
    const x = JSON.parse(rt.exportTrace()).traceEvents.filter((e: { ph: string; name: string; args: { ring?: string } }) => e.ph === 'X' && e.name.startsWith('job') && e.args.ring === 'a');
    expect(x.map((e: { ts: number; dur: number }) => [e.ts, e.dur])).toEqual([[0, 1], [1, 0.8]]);
  });

  it('R6: with trace: true, a timed-out job gets a span to the effective reset; the rest of the ring none', async () => {
    const { rt, dev, ring } = await rig(backend, { resetNs: 2000 }, { timeoutNs: 5000 }, { trace: true });
    dev.inject('hang');
    ring.submit({});
    ring.submit({});
    rt.sim.runUntilIdle();
    const jobs = rt.events.filter((e) => e.name === 'job').map((e) => [e.args.seqno, e.args.outcome, e.args.startNs, e.timeNs]);
    expect(jobs).toEqual([[1, 'timed-out', 0, 7000]]);
  });
});
