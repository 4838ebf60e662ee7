/**
 * The scheduler's teardown rows (S10 with T1-T4, M2/M3): a scheduler with jobs queued and on its
 * ring, torn down by fini() or by dropping its ring under each policy, on every device kind, with
 * buffers freed when finished fences signal and reused at once.
 */
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, DROP_POLICIES } from '../bindings/index.js';
import { runSchedulerTeardown } from '../bindings/cli/sched-teardown.js';
import type { SchedTeardownResult } from '../bindings/cli/sched-teardown.js';
import { BACKENDS } from './helpers.js';

const clean = (r: SchedTeardownResult) => r.corruptions === 0 && r.prematureSignals === 0 && r.unsignaled === 0 && r.blockedWaiters === 0 && !r.deadlock;
const why = (r: SchedTeardownResult) => `${r.device} ${r.action} ${r.policy}: ${JSON.stringify({ v: r.violations, f: r.finished, c: r.corruptions, u: r.unsignaled, w: r.blockedWaiters, d: r.deadlock })}`;

describe.each(BACKENDS)('scheduler teardown rows (%s backend)', (backend) => {
  const rows = runSchedulerTeardown({ backend, seed: 1, jobs: 120 });
  const row = async (device: string, action: string, policy: string) => (await rows).find((r) => r.device === device && r.action === action && r.policy === policy)!;

  it('every device kind gets a fini row and one drop row per policy, each torn down with jobs queued and on the ring', async () => {
    const all = await rows;
    expect(all.length).toBe(DEVICE_KINDS.length * (1 + DROP_POLICIES.length));
    for (const r of all) {
      expect(r.subject).toBe('scheduler');
      expect(r.queued, why(r)).toBeGreaterThan(0);
      expect(r.onRing, why(r)).toBeGreaterThan(0);
      expect(r.jobs).toBe(120);
      expect(r.finished.ok + r.finished.canceled + r.finished.timedOut + r.finished.killed + r.finished.otherError + r.finished.unsignaled).toBe(120);
    }
  });

  // writes-after-ack lies: it ACKs before its DMA engine's last burst, so no driver can be clean
  // on it; T1 catches the signal the ACK allowed (as on the ring rows).
  const honest = DEVICE_KINDS.filter((d) => d !== 'writes-after-ack');

  it('S10/T3: fini never corrupts, signals nothing early and leaves nothing unsignaled, on every honest device kind', async () => {
    for (const device of honest) {
      const r = await row(device, 'fini', 'emitter-guarantee');
      expect(clean(r), why(r)).toBe(true);
      expect(r.finished.unsignaled).toBe(0);
      expect(r.finished.canceled, why(r)).toBeGreaterThan(0); // the queued jobs at least
      expect(r.teardownNs).toBeGreaterThan(0);
    }
  });

  it('T4: dropping the ring under emitter-guarantee, then fini, is clean on every honest device kind', async () => {
    for (const device of honest) {
      const r = await row(device, 'drop', 'emitter-guarantee');
      expect(clean(r), why(r)).toBe(true);
      expect(r.report!.fences.unsignaled).toBe(0);
    }
  });

  it('T1: on a device that ACKs before its last burst, fini and the emitter-guarantee drop are caught signaling early', async () => {
    for (const action of ['fini', 'drop'] as const) {
      const r = await row('writes-after-ack', action, 'emitter-guarantee');
      expect(r.violations['premature-signal'], why(r)).toBeGreaterThan(0);
      expect(r.unsignaled, why(r)).toBe(0);
    }
  });

  it('T1/M2: signal-on-drop under a scheduler corrupts memory on a device still running', async () => {
    for (const device of ['stoppable', 'non-stoppable'] as const) {
      const r = await row(device, 'drop', 'signal-on-drop');
      expect(r.prematureSignals, why(r)).toBeGreaterThan(0);
      expect(r.corruptions, why(r)).toBeGreaterThan(0);
    }
  });

  it('T2: leak leaves the ring\'s fences unsignaled, recorded as unsignaled-at-drop, on every device kind', async () => {
    for (const device of DEVICE_KINDS) {
      const r = await row(device, 'drop', 'leak');
      expect(r.report!.fences.unsignaled, why(r)).toBe(r.onRing);
      expect(r.unsignaled, why(r)).toBeGreaterThanOrEqual(r.onRing);
      expect(r.violations['unsignaled-at-drop'], why(r)).toBe(r.onRing);
    }
  });

  it('T4: wait deadlocks without a timeout handler (the queued jobs never finish), and is clean with one', async () => {
    const noTdr = await row('hung-no-tdr', 'drop', 'wait');
    expect(noTdr.deadlock).toBe(true);
    expect(noTdr.teardownNs).toBe(null);
    expect(noTdr.finished.unsignaled).toBeGreaterThanOrEqual(noTdr.queued);
    for (const device of ['stoppable', 'non-stoppable', 'hung'] as const) {
      const r = await row(device, 'drop', 'wait');
      expect(clean(r), why(r)).toBe(true);
    }
  });
});

describe('scheduler teardown options', () => {
  it('narrows to one row, is deterministic for a seed, and refuses bad options with a coded error', async () => {
    const a = await runSchedulerTeardown({ backend: 'wasm', seed: 3, jobs: 60, device: 'hung', action: 'fini' });
    const b = await runSchedulerTeardown({ backend: 'ts', seed: 3, jobs: 60, device: 'hung', action: 'fini' });
    expect(a.length).toBe(1);
    const strip = (r: SchedTeardownResult) => ({ ...r, backend: undefined, report: r.report?.fences });
    expect(strip(b[0])).toEqual(strip(a[0]));
    const bad: [object, string][] = [
      [{ jobz: 1 }, 'ERR_INVALID_ARG'],
      [{ jobs: 0 }, 'ERR_INVALID_ARG'],
      [{ device: 'hang' }, 'ERR_INVALID_ARG'],
      [{ action: 'finish' }, 'ERR_INVALID_ARG'],
      [{ action: 'fini', policy: 'leak' }, 'ERR_INVALID_ARG'],
      [{ backend: 'js' }, 'ERR_INVALID_ARG'],
    ];
    for (const [opts, code] of bad) {
      let got: string | undefined;
      try {
        await runSchedulerTeardown(opts as never);
      } catch (e) {
        got = (e as { code?: string }).code;
      }
      expect(got, JSON.stringify(opts)).toBe(code);
    }
    await expect(runSchedulerTeardown({}, 5 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });
});
