/**
 * T8: drop policies written by the user from the protocol's steps, judged by T1, T2 and M2 exactly
 * as the built-in ones; the steps' answers; misuse of the steps (after the policy returned, bad
 * arguments) refused with a code and changing nothing. Both backends.
 */
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, Errno, ViolationError, runTeardown } from '../bindings/index.js';
import type { DropSteps, PolicyFn } from '../bindings/index.js';
import { BACKENDS, codeOf, rejectionCode, rig } from './helpers.js';

/** Sends STOP and signals everything at once, before the ACK can come. */
const signalsBeforeAck: PolicyFn = async (s) => {
  const acked = s.stop();
  s.signalPending(-Errno.ECANCELED);
  await acked;
};

/** T3 as a user would write it: STOP and the ACK (else reset), or the jobs' end (else reset); drop only once stopped. */
const followsT3: PolicyFn = async (s) => {
  if (s.stoppable) {
    if ((await s.stop()) === 'timeout') await s.reset();
  } else if ((await s.waitFences({ timeoutNs: s.timeoutNs < Infinity ? Infinity : s.stopTimeoutNs })) === 'timeout') {
    await s.reset();
  }
  while (s.state !== 'stopped') await s.reset();
};

describe.each(BACKENDS)('user-written drop policies (%s backend)', (backend) => {
  it('T1/T8: a user policy that signals before the ACK is caught on every device kind, at both guarantee levels', async () => {
    for (const device of DEVICE_KINDS) {
      for (const guarantee of ['emitter', 'fence'] as const) {
        const r = await runTeardown({ backend, jobs: 60, device, guarantee, policy: { name: 'too-early', policy: signalsBeforeAck } });
        expect(r.prematureSignals, `${device}/${guarantee}`).toBeGreaterThan(0);
        expect(r.report!.policy).toBe('too-early');
        expect(r.report!.violations.some((v) => v.kind === 'premature-signal' && v.rule === 'T1')).toBe(true);
      }
    }
  });

  it('T3/T8: a user policy that follows T3 is clean on every device kind whose answers are true; on writes-after-ack T1 catches the device as for the built-in', async () => {
    for (const device of DEVICE_KINDS) {
      const r = await runTeardown({ backend, jobs: 60, device, policy: { name: 't3', policy: followsT3 } });
      const builtin = await runTeardown({ backend, jobs: 60, device, policy: 'emitter-guarantee' });
      const judged = (x: typeof r) => [x.corruptions, x.prematureSignals, x.unsignaled, x.blockedWaiters, x.deadlock];
      expect(judged(r), device).toEqual(judged(builtin));
      if (device === 'writes-after-ack') expect(r.prematureSignals).toBeGreaterThan(0);
      else expect(judged(r), device).toEqual([0, 0, 0, 0, false]);
    }
  });

  it('T2/T8: a policy that throws: the drop rejects with its error, the ring ends dropped, what was pending is recorded unsignaled-at-drop', async () => {
    const { rt, ring } = await rig(backend);
    const fences = [ring.submit({}), ring.submit({})];
    const boom = new Error('policy bug');
    const dropping = ring.drop({ policy: async () => { throw boom; } });
    await expect(rt.sim.runUntilSettled(dropping)).rejects.toBe(boom);
    expect(ring.state).toBe('dropped');
    expect(fences.map((f) => f.signaled)).toEqual([false, false]);
    expect(rt.violations.filter((v) => v.kind === 'unsignaled-at-drop' && v.rule === 'T2').map((v) => v.seqno)).toEqual([1, 2]);
    await rt.dispose();
  });

  it('T7/T8: the same throwing policy under the fence-level guarantee: the fences signal themselves -ECANCELED, early (T1)', async () => {
    const { rt, ring } = await rig(backend, {}, {}, { guarantee: 'fence' });
    const f = ring.submit({});
    rt.sim.advance(100); // the device runs it
    const dropping = ring.drop({ policy: () => { throw new Error('x'); } });
    await expect(rt.sim.runUntilSettled(dropping)).rejects.toThrow('x');
    expect([ring.state, f.status]).toEqual(['dropped', -Errno.ECANCELED]);
    expect(rt.violations.map((v) => v.kind)).toEqual(['premature-signal']);
    await rt.dispose();
  });

  it('T8: the steps answer what happened: acked, effective, idle, signaled; timeout on a device that never ACKs', async () => {
    const seen: string[] = [];
    const { rt, ring } = await rig(backend, { ackNs: 300, resetNs: 600 });
    ring.submit({});
    rt.sim.advance(100);
    await rt.sim.runUntilSettled(ring.drop({
      policy: async (s) => {
        seen.push(s.state, String(s.inFlight), String(s.stoppable));
        const t0 = s.now;
        seen.push(await s.stop(), String(s.now - t0), s.state);
        seen.push(await s.waitIdle(), await s.waitFences(), await s.reset(), s.state);
      },
    }));
    expect(seen).toEqual(['running', '1', 'true', 'acked', '300', 'stopped', 'idle', 'signaled', 'effective', 'stopped']);
    const hung = await rig(backend, { faults: { ack: 'never' }, resetNs: 600 }, { stopTimeoutNs: 2000 });
    hung.dev.inject('hang');
    const f = hung.ring.submit({});
    hung.rt.sim.advance(100);
    const out: string[] = [];
    await hung.rt.sim.runUntilSettled(hung.ring.drop({
      policy: async (s) => {
        out.push(await s.stop(), await s.waitIdle({ timeoutNs: 50 }), await s.reset());
      },
    }));
    expect(out).toEqual(['timeout', 'timeout', 'effective']);
    expect(f.status).toBe(-Errno.ETIME);
    expect(hung.rt.violations).toEqual([]);
    await rt.dispose();
    await hung.rt.dispose();
  });

  it('T1/D4: a policy that trusts the promised reset time is caught on a device whose reset overruns it', async () => {
    const { rt, ring, dev, mem } = await rig(backend, { faults: { ack: 'never' }, resetNs: 1000, resetOverrunNs: 50_000, latency: { baseNs: 1000, perByteNs: 10 } }, { stopTimeoutNs: 2000 });
    dev.inject('hang');
    const buf = mem.alloc(4096);
    const f = ring.submit({ dst: buf });
    mem.freeAfter(buf, f);
    rt.sim.advance(100);
    const answers: string[] = [];
    await rt.sim.runUntilSettled(ring.drop({
      policy: async (s) => {
        answers.push(await s.stop());
        answers.push(await s.reset({ timeoutNs: s.resetNs })); // the promise: 1 µs
        s.signalPending(-Errno.ETIME); // trusted: the device still runs
      },
    }));
    expect(answers).toEqual(['timeout', 'timeout']);
    expect(f.status).toBe(-Errno.ETIME);
    expect(rt.violations.filter((v) => v.kind === 'premature-signal').map((v) => v.seqno)).toEqual([1]);
    await rt.dispose();
  });

  it('T8: every step used after the policy returned is refused ERR_POLICY_STEP; a step still pending then rejects ERR_POLICY_STEP', async () => {
    const { rt, ring } = await rig(backend);
    ring.submit({});
    let steps!: DropSteps;
    let pending!: Promise<unknown>;
    await rt.sim.runUntilSettled(ring.drop({
      policy: (s) => {
        steps = s;
        pending = s.waitFences();
      },
    }));
    expect(await rejectionCode(pending)).toBe('ERR_POLICY_STEP');
    for (const p of [steps.stop(), steps.reset(), steps.waitIdle(), steps.waitFences()]) expect(await rejectionCode(p)).toBe('ERR_POLICY_STEP');
    expect(codeOf(() => steps.signalPending(-Errno.ECANCELED))).toBe('ERR_POLICY_STEP');
    for (const k of ['now', 'state', 'inFlight', 'stoppable', 'timeoutNs', 'stopTimeoutNs', 'resetNs'] as const) expect(codeOf(() => steps[k]), k).toBe('ERR_POLICY_STEP');
    expect(ring.state).toBe('dropped');
    await rt.dispose();
  });

  it('T8: bad arguments to every step are refused with a code and change nothing; submission is refused while the policy runs', async () => {
    const { rt, ring } = await rig(backend);
    const f = ring.submit({});
    const codes: (string | undefined)[] = [];
    let unchanged = false;
    await rt.sim.runUntilSettled(ring.drop({
      policy: async (s) => {
        const events = rt.events.length;
        for (const p of [
          s.stop({ timeoutNs: -1 }), s.stop({ timeoutNs: 'soon' as never }), s.stop({ timout: 5 } as never), s.stop(5 as never),
          s.reset({ timeoutNs: NaN }), s.waitIdle({ x: 1 } as never), s.waitFences(null as never),
        ]) codes.push(await rejectionCode(p));
        for (const e of [5, 'x', -4096, -1.5]) codes.push(codeOf(() => s.signalPending(e as never)));
        codes.push(codeOf(() => ring.submit({})));
        unchanged = s.state === 'running' && s.inFlight === 1 && !f.signaled && rt.events.length === events;
        await s.stop();
      },
    }));
    expect(codes).toEqual([
      'ERR_INVALID_TIMEOUT', 'ERR_INVALID_TIMEOUT', 'ERR_INVALID_ARG', 'ERR_INVALID_ARG', 'ERR_INVALID_TIMEOUT', 'ERR_INVALID_ARG', 'ERR_INVALID_ARG',
      'ERR_INVALID_ERRNO', 'ERR_INVALID_ERRNO', 'ERR_INVALID_ERRNO', 'ERR_INVALID_ERRNO', 'ERR_RING_STOPPED',
    ]);
    expect(unchanged).toBe(true);
    expect(f.status).toBe(-Errno.ECANCELED);
    await rt.dispose();
  });

  it('T1/T8 under strict: signalPending that would signal early throws the ViolationError inside the policy, before anything is signaled', async () => {
    const { rt, ring } = await rig(backend, { ackNs: 100 }, {}, { strict: true });
    const f = ring.submit({});
    rt.sim.advance(100);
    let caught: unknown;
    const report = await rt.sim.runUntilSettled(ring.drop({
      policy: async (s) => {
        try {
          s.signalPending(-Errno.ECANCELED);
        } catch (e) {
          caught = e;
        }
        await s.stop(); // then the right way
      },
    }));
    expect(caught).toBeInstanceOf(ViolationError);
    expect((caught as ViolationError).violation.rule).toBe('T1');
    expect([f.status, report.violations.length, rt.violations.length]).toEqual([-Errno.ECANCELED, 0, 0]);
    await rt.dispose();
  });

  it('T8: drop({ policy }) takes a built-in name or a function; anything else is ERR_INVALID_ARG and starts no drop', async () => {
    const { rt, ring } = await rig(backend);
    for (const bad of [42, null, {}, 'hope']) expect(await rejectionCode(ring.drop({ policy: bad as never }))).toBe('ERR_INVALID_ARG');
    expect(ring.state).toBe('running');
    const named = await rt.sim.runUntilSettled(ring.drop({ policy: async function careful(s) { await s.stop(); } }));
    expect(named.policy).toBe('careful');
    await rt.dispose();
  });
});
