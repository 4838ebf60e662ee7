/**
 * The scheduler's rows of the teardown matrix: the ring scenario's question asked of a scheduler
 * (S10). One entity has pushed more 4 KiB jobs than its ring holds, so that at the teardown some
 * jobs are on the ring (the device runs or will run them) and the rest are still queued in the
 * scheduler. Every buffer is freed when its job's finished fence signals (M3) and its memory is
 * at once taken by another client; every job has a waiter with no timeout. Then the scheduler is
 * torn down one of two ways:
 *   - action 'fini': `sched.fini()` (S10: the ring's jobs cancelled through the emitter, T3);
 *   - action 'drop': the scheduler's ring dropped under a drop policy (T4) while jobs are still
 *     queued, then `sched.fini()` for what the scheduler still holds (what a driver unloading
 *     does next).
 * Counted as for the ring rows: corruptions (M2), premature signals (T1), fences never signaled
 * (T2: the ring's and the scheduler's), waiters still blocked, and how long it took. The waiters
 * and the freed buffers hang on the finished fences, so a drop row also counts what the fini
 * after it does: after a `leak` drop the ring's fences stay unsignaled, but the scheduler still
 * finishes those jobs -ECANCELED while the device may run them (corruptions, not recorded as
 * premature signals, which count ring fences).
 *
 * An application of the public API, beside the ring scenario; it returns rows shaped like the
 * ring matrix's (TeardownResult) with what tells them apart (`subject`, `action`, `queued`).
 *
 * Contract: each run makes its own runtime; deterministic for a seed on either backend.
 */
import { createRuntime } from '../runtime.js';
import { JOB_BYTES, RING_CAPACITY, SETTLE_NS, memoryPressure, runCounts } from './teardown-common.js';
import type { DmaFence } from '../dma-fence.js';
import type { DropPolicy, DropReport } from '../hw-ring.js';
import { DROP_POLICIES } from '../hw-ring.js';
import { DmaFenceTypeError, checkEnum, checkInteger, checkOptions, describe } from '../errors.js';
import { DEVICE_KINDS, deviceSpecOf } from './specs.js';
import type { DeviceKind } from './specs.js';
import type { TeardownResult } from './scenario.js';

/** How the scheduler is torn down: `sched.fini()`, or its ring dropped under a policy. */
export type SchedTeardownAction = 'fini' | 'drop';
/** Every {@link SchedTeardownAction}, in table order. */
export const SCHED_TEARDOWN_ACTIONS: readonly SchedTeardownAction[] = ['fini', 'drop'];

/** Options of {@link runSchedulerTeardown}. */
export interface SchedTeardownOptions {
  /** The core: 'wasm' (default) or 'ts'. */
  backend?: 'wasm' | 'ts';
  /** Seed of the device's timing and faults. Default 1. */
  seed?: number;
  /** Only this device kind. Default: every kind (DEVICE_KINDS). */
  device?: DeviceKind;
  /** Only this action. Default: both ('fini', then 'drop' under every policy). */
  action?: SchedTeardownAction;
  /** With action 'drop' (or none): only this policy. Default: every policy. */
  policy?: DropPolicy;
  /** Jobs the entity pushes, 1 to MAX_SCHED_TEARDOWN_JOBS (default 200). The teardown comes once
   *  a quarter of them (rounded up) have finished, or when no job could finish any more. */
  jobs?: number;
}

/** A row: the ring matrix's fields, counted over the scheduler's jobs, plus what it tore down. */
export interface SchedTeardownResult extends TeardownResult {
  /** Always 'scheduler' (the ring matrix's rows have none). */
  subject: 'scheduler';
  /** How the scheduler was torn down. */
  action: SchedTeardownAction;
  /** Jobs still queued in the scheduler (never written to the ring) when the teardown began. */
  queued: number;
  /** Jobs on the ring (scheduled, not finished) when the teardown began. */
  onRing: number;
  /** Finished fences by outcome at the end: ok, -ECANCELED, -ETIME, -ESRCH, other, unsignaled. */
  finished: {
    /** Signaled without an error. */
    ok: number;
    /** Signaled -ECANCELED. */
    canceled: number;
    /** Signaled -ETIME. */
    timedOut: number;
    /** Signaled -ESRCH (their entity was killed). */
    killed: number;
    /** Signaled with another error. */
    otherError: number;
    /** Never signaled. */
    unsignaled: number;
  };
}

/** The largest `jobs` a scheduler teardown run takes. */
export const MAX_SCHED_TEARDOWN_JOBS = 100_000;
/** The run before the teardown ends here at the latest (a device that finishes nothing). */
const MAX_RUN_NS = 1e9;
/** -ECANCELED, -ETIME, -ESRCH on a fence. */
const ECANCELED = -125;
const ETIME = -62;
const ESRCH = -3;

/** One run: one device kind, one way of tearing the scheduler down. */
async function runOne(backend: 'wasm' | 'ts', seed: number, kind: DeviceKind, action: SchedTeardownAction, policy: DropPolicy, jobs: number): Promise<SchedTeardownResult> {
  // Every job keeps its two fences until the end; the memory holds a ring's worth of buffers
  // in flight and the queued jobs' buffers.
  const rt = await createRuntime({ backend, seed, maxFences: 3 * jobs + 2 * RING_CAPACITY, maxContexts: 8, maxRings: 1, maxRingCapacity: RING_CAPACITY, dmaBytes: Math.max(1 << 20, (jobs + 4 * RING_CAPACITY) * JOB_BYTES) });
  // The ring matrix's device kinds, the misbehaving ones included (cli/specs.ts).
  const { name: _name, tdr, hangAtDrop, ...devOpts } = deviceSpecOf(kind);
  const dev = rt.createDevice({ ...devOpts, name: kind });
  const noTdr = !tdr;
  const ring = rt.createRing({ device: dev, capacity: RING_CAPACITY, timeoutNs: noTdr ? Infinity : 100_000, stopTimeoutNs: 50_000, name: 'gfx0' });
  const sched = rt.createScheduler({ ring, timeoutNs: noTdr ? Infinity : 100_000, name: 'gfx0-sched' });
  const ent = sched.createEntity({ priority: 'normal' });
  const mem = rt.memory;
  const held: DmaFence[] = [];
  let waiting = 0;
  let finishedCount = 0;
  const waitFailures: unknown[] = [];

  /** Another client grabs freed memory at once (first fit hands it the range just freed). */
  const reuse = memoryPressure(rt);

  const finished: DmaFence[] = [];
  for (let i = 0; i < jobs; i++) {
    const buf = mem.alloc(JOB_BYTES);
    const job = ent.push({ dst: buf, pattern: (i % 255) + 1 });
    mem.freeAfter(buf, job.finished);
    job.finished.addCallback(() => {
      finishedCount++;
      reuse();
    });
    waiting++;
    void job.finished.wait().then(
      () => waiting--,
      (e: unknown) => {
        if ((e as { code?: unknown } | null)?.code !== 'ERR_DISPOSED') waitFailures.push(e);
      },
    );
    finished.push(job.finished);
    held.push(job.scheduled, job.finished);
  }

  // Run until a quarter of the jobs finished: the rest are on the ring or queued.
  const teardownAfter = Math.ceil(jobs / 4);
  for (let t = 0; finishedCount < teardownAfter && t < MAX_RUN_NS; t += 1_000) rt.sim.advance(1_000);
  if (hangAtDrop) {
    // The next job the device starts hangs: let it start, so it is running at the teardown.
    dev.inject('hang');
    rt.sim.advance(10_000);
  }
  const onRing = finished.filter((f, i) => held[2 * i].signaled && !f.signaled).length;
  const queued = finished.filter((_, i) => !held[2 * i].signaled).length;

  const start = rt.sim.now;
  let report: DropReport | null = null;
  let deadlock = false;
  try {
    if (action === 'drop') {
      const dropping = ring.drop({ policy });
      dropping.catch(() => {}); // read through runUntilSettled only
      report = await rt.sim.runUntilSettled(dropping);
    }
    const fini = sched.fini();
    fini.catch(() => {});
    await rt.sim.runUntilSettled(fini);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_DEADLOCK') throw e;
    deadlock = true;
  }
  const teardownNs = deadlock ? null : rt.sim.now - start;
  rt.sim.runUntil(rt.sim.now + SETTLE_NS);
  await new Promise((r) => setTimeout(r, 0)); // let settled waits run their continuations
  if (waitFailures.length) throw waitFailures[0];

  const outcome = { ok: 0, canceled: 0, timedOut: 0, killed: 0, otherError: 0, unsignaled: 0 };
  for (const f of finished) {
    if (!f.signaled) outcome.unsignaled++;
    else if (f.error === 0) outcome.ok++;
    else if (f.error === ECANCELED) outcome.canceled++;
    else if (f.error === ETIME) outcome.timedOut++;
    else if (f.error === ESRCH) outcome.killed++;
    else outcome.otherError++;
  }
  const unsignaledScheduled = held.filter((f, i) => i % 2 === 0 && !f.signaled).length;
  const counts: Record<string, number> = {};
  for (const v of rt.violations) counts[v.kind] = (counts[v.kind] ?? 0) + 1;
  const result: SchedTeardownResult = {
    subject: 'scheduler',
    action,
    backend,
    seed,
    device: kind,
    policy,
    // The scheduler's rows run at the emitter level with no injected driver bug (the ring rows
    // measure both levels); a drop that rejected is reported as a deadlock or a violation.
    guarantee: 'emitter',
    driverBug: null,
    dropError: null,
    jobs,
    queued,
    onRing,
    corruptions: mem.corruptions.length,
    prematureSignals: counts['premature-signal'] ?? 0,
    unsignaled: outcome.unsignaled + unsignaledScheduled + ring.context.pending,
    blockedWaiters: waiting,
    teardownNs,
    deadlock,
    report,
    violations: counts,
    finished: outcome,
    counts: runCounts(rt),
  };
  for (const f of held) f.release();
  await rt.dispose();
  return result;
}

/**
 * Tears a scheduler down with jobs queued and on its ring, on every device kind: `fini()`, and
 * its ring dropped under each drop policy (then `fini()`). Rows in table order: per device kind,
 * the fini row (policy 'emitter-guarantee': fini cancels through the emitter), then one drop row
 * per policy. `device`, `action` and `policy` narrow the rows; `onRow` sees each as it is made.
 */
export async function runSchedulerTeardown(opts: SchedTeardownOptions = {}, onRow?: (r: SchedTeardownResult, index: number, total: number) => void): Promise<SchedTeardownResult[]> {
  if (onRow !== undefined && typeof onRow !== 'function') throw new DmaFenceTypeError('ERR_INVALID_ARG', `onRow must be a function, got ${describe(onRow)}`);
  const o = checkOptions('scheduler teardown options', opts, ['backend', 'seed', 'device', 'action', 'policy', 'jobs']) as SchedTeardownOptions;
  const backend = o.backend === undefined ? 'wasm' : checkEnum('backend', o.backend, ['wasm', 'ts'] as const);
  const seed = o.seed === undefined ? 1 : checkInteger('seed', o.seed, 0, 0xffffffff);
  const devices = o.device === undefined ? DEVICE_KINDS : [checkEnum('device', o.device, DEVICE_KINDS)];
  const actions = o.action === undefined ? SCHED_TEARDOWN_ACTIONS : [checkEnum('action', o.action, SCHED_TEARDOWN_ACTIONS)];
  const policies = o.policy === undefined ? DROP_POLICIES : [checkEnum('policy', o.policy, DROP_POLICIES)];
  const jobs = o.jobs === undefined ? 200 : checkInteger('jobs', o.jobs, 1, MAX_SCHED_TEARDOWN_JOBS);
  if (o.policy !== undefined && o.action === 'fini') throw new DmaFenceTypeError('ERR_INVALID_ARG', "policy applies to action 'drop' only (fini always goes through the emitter)");
  const plan: [DeviceKind, SchedTeardownAction, DropPolicy][] = [];
  for (const device of devices) {
    if (actions.includes('fini') && o.policy === undefined) plan.push([device, 'fini', 'emitter-guarantee']);
    if (actions.includes('drop')) for (const policy of policies) plan.push([device, 'drop', policy]);
  }
  const rows: SchedTeardownResult[] = [];
  for (const [device, action, policy] of plan) {
    const r = await runOne(backend, seed, device, action, policy, jobs);
    rows.push(r);
    onRow?.(r, rows.length, plan.length);
  }
  return rows;
}
