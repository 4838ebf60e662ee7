/**
 * The teardown matrix (T1-T4, T7, T8 with M2/M3): every device kind under every drop policy at
 * both guarantee levels, with a workload that frees buffers on signal and reuses them at once,
 * and a driver bug (a running job's owner dropped) just before every drop. The project's answer
 * to the question in the kernel discussion, as assertions.
 */
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, Errno, formatTeardownMatrix, runTeardown, runTeardownMatrix } from '../bindings/index.js';
import type { DropSteps, PolicySpec, TeardownResult } from '../bindings/index.js';
import { BACKENDS } from './helpers.js';

const clean = (r: TeardownResult) => r.corruptions === 0 && r.prematureSignals === 0 && r.unsignaled === 0 && r.blockedWaiters === 0 && !r.deadlock;
/** The columns of the table, and the counters behind them. */
const cells = (r: TeardownResult) => [r.device, r.policy, r.corruptions, r.prematureSignals, r.unsignaled, r.blockedWaiters, r.teardownNs, r.counts.jobsCompleted, r.counts.dmaBytesWritten, r.counts.fencesSignaled];

/**
 * The rows of the four original devices (seed 1, jobs 120) pinned before the built-in policies
 * were rewritten with the drop steps: [device, policy, corruptions, premature, unsignaled,
 * blocked, teardownNs, events, jobsCompleted, dmaBytesWritten, fencesSignaled].
 */
const PINNED: (string | number | null)[][] = [
  ['stoppable', 'emitter-guarantee', 0, 0, 0, 0, 1000, 6, 44, 180224, 60],
  ['stoppable', 'wait', 0, 0, 0, 0, 108737, 4, 60, 245760, 60],
  ['stoppable', 'signal-on-drop', 64, 16, 0, 0, 0, 82, 60, 245760, 60],
  ['stoppable', 'leak', 0, 0, 16, 16, 0, 18, 60, 245760, 44],
  ['non-stoppable', 'emitter-guarantee', 0, 0, 0, 0, 108737, 5, 60, 245760, 60],
  ['non-stoppable', 'wait', 0, 0, 0, 0, 108737, 4, 60, 245760, 60],
  ['non-stoppable', 'signal-on-drop', 64, 16, 0, 0, 0, 82, 60, 245760, 60],
  ['non-stoppable', 'leak', 0, 0, 16, 16, 0, 18, 60, 245760, 44],
  ['hung', 'emitter-guarantee', 0, 0, 0, 0, 60000, 10, 45, 188416, 60],
  ['hung', 'wait', 0, 0, 0, 0, 107206, 9, 45, 188416, 60],
  ['hung', 'signal-on-drop', 3, 15, 0, 0, 0, 20, 45, 188416, 60],
  ['hung', 'leak', 0, 0, 15, 15, 0, 17, 45, 188416, 45],
  ['hung-no-tdr', 'emitter-guarantee', 0, 0, 0, 0, 60000, 10, 45, 188416, 60],
  ['hung-no-tdr', 'wait', 0, 0, 15, 15, null, 2, 45, 188416, 45],
  ['hung-no-tdr', 'signal-on-drop', 3, 15, 0, 0, 0, 20, 45, 188416, 60],
  ['hung-no-tdr', 'leak', 0, 0, 15, 15, 0, 17, 45, 188416, 45],
];
const ORIGINAL = ['stoppable', 'non-stoppable', 'hung', 'hung-no-tdr'] as const;

/** The built-in policies as a user would write them with the steps (T8): the same code paths a user has. */
const USER_COPIES: PolicySpec[] = [
  {
    name: 'emitter-guarantee',
    policy: async (s: DropSteps) => {
      while (s.state !== 'stopped') {
        const bound = s.stoppable || !(s.timeoutNs < Infinity) ? s.stopTimeoutNs : Infinity;
        if ((await s.stop({ timeoutNs: bound })) === 'timeout') await s.reset();
      }
    },
  },
  {
    name: 'wait',
    policy: async (s: DropSteps) => {
      while (s.state !== 'stopped') await s.waitFences();
    },
  },
  { name: 'signal-on-drop', policy: (s: DropSteps) => void s.signalPending(-Errno.ECANCELED) },
  { name: 'leak', policy: () => {} },
];

describe.each(BACKENDS)('teardown matrix (%s backend)', (backend) => {
  const rows = runTeardownMatrix({ backend, seed: 1, jobs: 120 });
  const row = async (device: string, policy: string, guarantee = 'emitter') =>
    (await rows).find((r) => r.device === device && r.policy === policy && r.guarantee === guarantee)!;

  it('the default matrix: every device kind × every policy × both guarantee levels, a driver bug before each drop', async () => {
    const all = await rows;
    expect(all.length).toBe(DEVICE_KINDS.length * 4 * 2);
    expect(all.every((r) => r.driverBug !== null)).toBe(true);
  });

  it('T7: the printed conclusion answers the seed\'s question with the numbers of these rows', async () => {
    const all = await rows;
    const text = formatTeardownMatrix(all);
    expect(text.split('\n')[0]).toContain('| guarantee |');
    const fence = all.filter((r) => r.guarantee === 'fence');
    const early = fence.filter((r) => r.driverBug!.prematureSignals > 0).length;
    const corrupt = fence.filter((r) => r.driverBug!.corruptions > 0);
    const writes = corrupt.reduce((a, r) => a + r.driverBug!.corruptions, 0);
    expect(text).toContain(`signaled its fence early in ${early} of ${fence.length} runs, and in ${corrupt.length} of them`);
    expect(text).toContain(`(${writes} corrupting writes`);
    expect(text).toContain(`the same bug signaled 0 fences early and caused 0 corruptions in ${fence.length} runs`);
    expect(text).toContain('the closest: emitter-guarantee (emitter level), unsafe only on writes-after-ack');
  });

  it('T4/T8: the built-in policies, rewritten with the drop steps, give the rows pinned before the rewrite (events included)', async () => {
    const now = await runTeardownMatrix({ backend, seed: 1, jobs: 120, devices: [...ORIGINAL], guarantees: ['emitter'], driverBug: false });
    expect(now.map((r) => [...cells(r).slice(0, 7), r.counts.events, ...cells(r).slice(7)])).toEqual(PINNED);
  });

  it('T8: the same policies written by a user with the steps give the same rows as the built-ins, on every device kind at both levels', async () => {
    const user = await runTeardownMatrix({ backend, seed: 1, jobs: 120, policies: USER_COPIES });
    expect(user.map(cells)).toEqual((await rows).map(cells));
    expect(user.map((r) => r.driverBug)).toEqual((await rows).map((r) => r.driverBug));
  });

  it('T7 emitter level: the driver bug never signals early and never corrupts: every row equals the run without the bug', async () => {
    const noBug = await runTeardownMatrix({ backend, seed: 1, jobs: 120, guarantees: ['emitter'], driverBug: false });
    const withBug = (await rows).filter((r) => r.guarantee === 'emitter');
    expect(withBug.map(cells)).toEqual(noBug.map(cells));
    for (const r of withBug) expect(r.driverBug, `${r.device}/${r.policy}`).toMatchObject({ signaled: false, prematureSignals: 0, corruptions: 0 });
  });

  it('T7/T1/M2 fence level: the driver bug is a premature signal in every run, and corrupts the reused buffer whenever the device writes for the job again', async () => {
    for (const r of (await rows).filter((x) => x.guarantee === 'fence')) {
      const at = `${r.device}/${r.policy}`;
      expect(r.driverBug, at).toMatchObject({ signaled: true, prematureSignals: 1 });
      // The one way out: a STOP whose ACK (1 µs) aborts the job before its next burst.
      const abortedInTime = r.policy === 'emitter-guarantee' && (r.device === 'stoppable' || r.device === 'lost-writeback');
      if (abortedInTime) expect(r.driverBug!.corruptions, at).toBe(0);
      else expect(r.driverBug!.corruptions, at).toBeGreaterThan(0);
    }
  });

  it('T7/T2 fence level: a leaked ring leaves nothing unsignaled, because its fences signal themselves -ECANCELED early (T1) instead', async () => {
    for (const device of DEVICE_KINDS) {
      const emitter = await row(device, 'leak', 'emitter');
      const fence = await row(device, 'leak', 'fence');
      expect(emitter.unsignaled, device).toBeGreaterThan(0);
      expect(fence.unsignaled, device).toBe(0);
      expect(fence.report!.fences.canceled, device).toBe(fence.report!.fences.total);
      expect(fence.prematureSignals, device).toBeGreaterThan(0);
      expect(fence.corruptions, device).toBeGreaterThan(0);
    }
  });

  it('T3/T4: emitter-guarantee at the emitter level never corrupts and never leaves a fence unsignaled, on every device that answers truly', async () => {
    for (const device of DEVICE_KINDS.filter((d) => d !== 'writes-after-ack')) {
      const r = await row(device, 'emitter-guarantee');
      expect(clean(r), `${device}: ${JSON.stringify(r.violations)}`).toBe(true);
      expect(r.report!.fences.unsignaled).toBe(0);
      expect(r.teardownNs).toBeGreaterThan(0);
    }
  });

  it('T1/M2: a device that ACKs before its last burst (writes-after-ack) fools emitter-guarantee at both levels, and T1 catches it', async () => {
    for (const guarantee of ['emitter', 'fence']) {
      const r = await row('writes-after-ack', 'emitter-guarantee', guarantee);
      expect(r.prematureSignals, guarantee).toBeGreaterThan(0);
      expect(r.corruptions, guarantee).toBeGreaterThan(0);
      expect(r.unsignaled).toBe(0);
    }
    expect(clean(await row('writes-after-ack', 'wait'))).toBe(true); // waiting for the jobs' end is not fooled
  });

  it('D2/D4: stop-finishes ends the running job normally before its ACK; slow-reset is waited out (teardown > the real reset)', async () => {
    const fin = await row('stop-finishes', 'emitter-guarantee');
    expect(fin.report!.fences.ok).toBe(1);
    expect(fin.teardownNs).toBeGreaterThan((await row('stoppable', 'emitter-guarantee')).teardownNs!);
    const slow = await row('slow-reset', 'emitter-guarantee');
    expect(clean(slow)).toBe(true);
    expect(slow.teardownNs).toBeGreaterThanOrEqual(500_000);
    expect(slow.report!.fences.timedOut).toBe(1);
  });

  it('T1/M2: signal-on-drop corrupts memory on a device still running with buffers reused', async () => {
    for (const device of ['stoppable', 'non-stoppable', 'stop-finishes', 'lost-writeback'] as const) {
      const r = await row(device, 'signal-on-drop');
      expect(r.prematureSignals).toBeGreaterThan(0);
      expect(r.corruptions).toBeGreaterThan(0);
      expect(r.unsignaled).toBe(0);
    }
  });

  it('T2: leak (emitter level) leaves fences unsignaled and waiters blocked, on every device kind', async () => {
    for (const device of DEVICE_KINDS) {
      const r = await row(device, 'leak');
      expect(r.unsignaled).toBeGreaterThan(0);
      expect(r.blockedWaiters).toBe(r.unsignaled);
      expect(r.violations['unsignaled-at-drop']).toBe(r.unsignaled);
    }
  });

  it('T4: wait deadlocks only without a timeout handler, and recovers through reset with one', async () => {
    const noTdr = await row('hung-no-tdr', 'wait');
    expect(noTdr.deadlock).toBe(true);
    expect(noTdr.teardownNs).toBe(null);
    const tdr = await row('hung', 'wait');
    expect(clean(tdr)).toBe(true);
    expect(tdr.report!.fences.timedOut).toBe(1);
    for (const device of ['stoppable', 'non-stoppable', 'stop-finishes', 'lost-writeback', 'slow-reset'] as const) expect(clean(await row(device, 'wait')), device).toBe(true);
  });
});

describe('determinism', () => {
  const strip = (rows: TeardownResult[]) => rows.map(({ backend: _b, report, ...r }) => ({ ...r, fences: report?.fences, violations: report?.violations.map((v) => [v.kind, v.seqno, v.timeNs]) }));

  it('one seed, two runs, two backends: identical reports and identical event counts', async () => {
    const a = await runTeardownMatrix({ backend: 'wasm', seed: 9, jobs: 80 });
    const b = await runTeardownMatrix({ backend: 'wasm', seed: 9, jobs: 80 });
    const c = await runTeardownMatrix({ backend: 'ts', seed: 9, jobs: 80 });
    expect(strip(b)).toEqual(strip(a));
    expect(strip(c)).toEqual(strip(a));
    expect(a.every((r) => r.counts.events > 0 && r.counts.jobsCompleted > 0)).toBe(true);
  });

  it('a different seed gives a different run', async () => {
    const a = await runTeardown({ seed: 1, device: 'stoppable', policy: 'wait' });
    const b = await runTeardown({ seed: 2, device: 'stoppable', policy: 'wait' });
    expect(a.teardownNs).not.toBe(b.teardownNs);
  });
});

describe('jobs: 1 to 1,000,000 (the fence table follows the job count)', () => {
  it.each(BACKENDS)('%s: half the jobs (rounded up) are submitted, then the ring is dropped', async (backend) => {
    for (const [jobs, submitted] of [[1, 1], [2, 1], [3, 2], [200, 100]] as const) {
      const r = await runTeardown({ backend, jobs, device: 'stoppable', policy: 'emitter-guarantee' });
      expect(r.jobs, `jobs ${jobs}`).toBe(submitted);
      expect(r.counts.jobsSubmitted).toBe(submitted);
      expect(clean(r)).toBe(true);
    }
  });

  it.each(BACKENDS)('%s: jobs 20000 runs (was "no free fence slot" from 8194 on), and every policy still does what it does', async (backend) => {
    const eg = await runTeardown({ backend, jobs: 20_000, device: 'hung', policy: 'emitter-guarantee' });
    expect(eg.jobs).toBe(10_000);
    expect(clean(eg)).toBe(true);
    expect(eg.counts.jobsCompleted).toBeGreaterThan(9_000);
    const leak = await runTeardown({ backend, jobs: 20_000, device: 'stoppable', policy: 'leak' });
    expect(leak.unsignaled).toBeGreaterThan(0);
    expect(leak.blockedWaiters).toBe(leak.unsignaled);
  });

  it('maxFences follows the jobs by default; a larger one is taken, a smaller one is ERR_CAPACITY before anything runs', async () => {
    const r = await runTeardown({ jobs: 1000, maxFences: 1 << 16, device: 'stoppable', policy: 'wait' });
    expect(r.jobs).toBe(500);
    await expect(runTeardown({ jobs: 1000, maxFences: 100 })).rejects.toMatchObject({ code: 'ERR_CAPACITY' });
    await expect(runTeardownMatrix({ jobs: 1000, maxFences: 100 })).rejects.toMatchObject({ code: 'ERR_CAPACITY' });
  });
});
