/**
 * The teardown matrix (T1-T4 with M2/M3): every device kind under every drop policy, with a
 * workload that frees buffers on signal and reuses them at once. The project's answer to the
 * question in the kernel discussion, as assertions.
 */
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, runTeardown, runTeardownMatrix } from '../bindings/index.js';
import type { TeardownResult } from '../bindings/index.js';
import { BACKENDS } from './helpers.js';

const clean = (r: TeardownResult) => r.corruptions === 0 && r.prematureSignals === 0 && r.unsignaled === 0 && r.blockedWaiters === 0 && !r.deadlock;

describe.each(BACKENDS)('teardown matrix (%s backend)', (backend) => {
  const rows = runTeardownMatrix({ backend, seed: 1, jobs: 120 });
  const row = async (device: string, policy: string) => (await rows).find((r) => r.device === device && r.policy === policy)!;

  it('T3/T4: emitter-guarantee never corrupts and never leaves a fence unsignaled, on any device kind', async () => {
    for (const device of DEVICE_KINDS) {
      const r = await row(device, 'emitter-guarantee');
      expect(clean(r), `${device}: ${JSON.stringify(r.violations)}`).toBe(true);
      expect(r.report!.fences.unsignaled).toBe(0);
      expect(r.teardownNs).toBeGreaterThan(0);
    }
  });

  it('T1/M2: signal-on-drop corrupts memory on a device still running with buffers reused', async () => {
    for (const device of ['stoppable', 'non-stoppable'] as const) {
      const r = await row(device, 'signal-on-drop');
      expect(r.prematureSignals).toBeGreaterThan(0);
      expect(r.corruptions).toBeGreaterThan(0);
      expect(r.unsignaled).toBe(0);
    }
  });

  it('T2: leak leaves fences unsignaled and waiters blocked, on every device kind', async () => {
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
    for (const device of ['stoppable', 'non-stoppable'] as const) expect(clean(await row(device, 'wait'))).toBe(true);
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

  it('scenario options are validated', async () => {
    await expect(runTeardown({ device: 'melted' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(runTeardown({ policy: 'hope' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(runTeardown({ jobs: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(runTeardown({ jobs: 1_000_001 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(runTeardown({ jobs: 2.5 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
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
});
