/**
 * The teardown scenario: the kernel discussion's question, as a run. A producer keeps a ring full
 * of 4 KiB DMA jobs; every buffer is freed when its fence signals (M3) and its memory is at once
 * taken by another client (memory pressure); every job has a waiter with no timeout. Halfway
 * through, a driver bug may drop the running job's owner (T7), then the ring is dropped under a
 * policy (built-in or the user's, T8) at a guarantee level, and the device keeps doing whatever
 * it does. Counted: corruptions (M2), premature signals (T1), fences never signaled (T2), waiters
 * still blocked, and how long the teardown took in virtual time. The matrix runs every device
 * under every policy at every level.
 *
 * An application of the public API (it lives beside the command line, which prints its matrix);
 * bindings/index.ts re-exports runTeardown, runTeardownMatrix, DEVICE_KINDS and the specs.
 *
 * Contract: each run makes its own runtime; deterministic for a seed on either backend.
 */
import { createRuntime } from '../runtime.js';
import { JOB_BYTES, RING_CAPACITY, SETTLE_NS, memoryPressure, runCounts } from './teardown-common.js';
import type { DmaFence } from '../dma-fence.js';
import type { DropPolicy, DropReport, DropSteps, Guarantee, PolicyFn } from '../hw-ring.js';
import { DROP_POLICIES, GUARANTEES } from '../hw-ring.js';
import { DmaFenceRangeError, DmaFenceTypeError, checkBoolean, checkEnum, checkInteger, checkOptions, describe } from '../errors.js';
import type { DeviceKind, DeviceSpec, PolicySpec } from './specs.js';
import { DEVICE_KINDS, deviceSpecOf, parseDeviceSpec, parsePolicySpec } from './specs.js';

export { DEVICE_KINDS, deviceSpecOf } from './specs.js';
export type { DeviceKind } from './specs.js';

/** Options of one teardown run ({@link runTeardown}). */
export interface TeardownOptions {
  /** The core: 'wasm' (default) or 'ts'. */
  backend?: 'wasm' | 'ts';
  /** Seed of the device's timing and faults. Default 1. */
  seed?: number;
  /** The device under the ring: a built-in kind or a spec of your own. Default 'stoppable'. */
  device?: DeviceKind | DeviceSpec;
  /** The drop policy (T4, T8): a built-in name, or `{ name, policy }` with a function of the steps. Default 'emitter-guarantee'. */
  policy?: DropPolicy | PolicySpec;
  /** Where the guarantee lives (T7): the runtime's `guarantee`. Default 'emitter'. */
  guarantee?: Guarantee;
  /**
   * Just before the drop, a driver bug drops the owner of the job the device runs
   * (ring.injectDriverBug()): nothing under 'emitter', a signal -ECANCELED under 'fence'. Default false.
   */
  driverBug?: boolean;
  /** The producer's jobs, 1 to MAX_TEARDOWN_JOBS (default 200). The ring is dropped once half of
   *  them (rounded up) are submitted; the rest are never submitted. */
  jobs?: number;
  /**
   * The runtime's fence table. Default: what the run keeps (every submitted fence keeps its handle
   * to the end: half the jobs rounded up, plus 2 × the ring's 16). Less: ERR_CAPACITY.
   */
  maxFences?: number;
}

/** One teardown run: what the drop did to the ring's fences and to memory. */
export interface TeardownResult {
  /** The core it ran on. */
  backend: 'wasm' | 'ts';
  /** The device model's seed. */
  seed: number;
  /** The device's name (a kind, or a spec's name). */
  device: string;
  /** The policy's name (a built-in one, or a spec's name). */
  policy: string;
  /** Where the guarantee lived (T7). */
  guarantee: Guarantee;
  /** Jobs actually submitted before the drop: half of the `jobs` option, rounded up. */
  jobs: number;
  /** DMA writes into memory that had changed hands (M2). */
  corruptions: number;
  /** Fences signaled while the device could still write for them (T1). */
  prematureSignals: number;
  /** Fences of the ring never signaled (T2). */
  unsignaled: number;
  /** Waits (no timeout) that never ended. */
  blockedWaiters: number;
  /** Virtual ns from drop() to its end; null if it never ended (deadlock). */
  teardownNs: number | null;
  /** drop() could never finish: the simulation went idle with it pending. */
  deadlock: boolean;
  /** What the drop rejected with, if it did (a user policy that threw): its message. */
  dropError: string | null;
  /**
   * The driver bug, when the run had one and a job was in flight: the job's seqno, whether its
   * fence signaled because of it (fence level only), whether that signal was premature (T1, 0 or
   * 1), and the corruptions by that job after the bug signaled it (part of the totals above;
   * always 0 when the bug signaled nothing).
   */
  driverBug: {
    /** The running job's seqno. */
    seqno: number;
    /** Whether the bug signaled its fence (fence level only). */
    signaled: boolean;
    /** 1 when that signal was premature (T1), else 0. */
    prematureSignals: number;
    /** Corrupting writes by that job after the bug signaled it. */
    corruptions: number;
  } | null;
  /** What `ring.drop()` reported; null if it never ended or threw. */
  report: DropReport | null;
  /** Counts of every violation kind seen. */
  violations: Record<string, number>;
  /** Protocol events (rt.events) and device counters: equal for equal seeds, on either backend. */
  counts: {
    /** Protocol events recorded (`rt.events`). */
    events: number;
    /** Jobs the device was given. */
    jobsSubmitted: number;
    /** Jobs the device completed. */
    jobsCompleted: number;
    /** Interrupts raised. */
    irqs: number;
    /** Bytes the device wrote by DMA. */
    dmaBytesWritten: number;
    /** Fences signaled. */
    fencesSignaled: number;
  };
}

/** The largest `jobs` a teardown run takes. */
export const MAX_TEARDOWN_JOBS = 1_000_000;
/** The producer refills the ring this often. */
const TICK_NS = 500;
/** The ring's timeout handler limit per job (R6) when the device spec has one (tdr). */
const TDR_NS = 100_000;
/** How long a STOP waits for its ACK (T3). */
const STOP_TIMEOUT_NS = 50_000;

const TEARDOWN_KEYS = ['backend', 'seed', 'device', 'policy', 'guarantee', 'driverBug', 'jobs', 'maxFences'] as const;

/** The fence table a run of `jobs` needs: every submitted fence keeps its handle to the end. */
function fencesNeeded(jobs: number): number {
  return Math.ceil(jobs / 2) + 2 * RING_CAPACITY;
}

function checkMaxFences(v: unknown, jobs: number): number {
  const need = fencesNeeded(jobs);
  if (v === undefined) return need;
  const n = checkInteger('maxFences', v, 1, 1 << 24);
  if (n < need) throw new DmaFenceRangeError('ERR_CAPACITY', `maxFences ${n} is below the ${need} fences a run of ${jobs} jobs keeps (half the jobs, rounded up, + ${2 * RING_CAPACITY})`);
  return n;
}

function deviceArg(v: unknown, path: string): DeviceSpec {
  if (typeof v === 'string') return deviceSpecOf(checkEnum(path, v, DEVICE_KINDS));
  return parseDeviceSpec(v, path);
}

function policyArg(v: unknown, path: string): { name: string; fn: DropPolicy | PolicyFn } {
  const p = parsePolicySpec(v, path);
  const user = p.policy;
  if (typeof user !== 'function') return { name: p.name, fn: user };
  // The drop report names a function policy by its function's name: give it the spec's.
  const named = { [p.name]: (steps: DropSteps) => user(steps) }[p.name];
  return { name: p.name, fn: named };
}

/**
 * One teardown run (the question of T7 as a run): a producer keeps a ring full, a driver bug may
 * drop the running job's owner, the ring is dropped under a policy, and the device gets time to do
 * damage. Resolves with what happened; bad options throw ERR_INVALID_ARG before anything runs.
 */
export async function runTeardown(opts: TeardownOptions = {}): Promise<TeardownResult> {
  const o = checkOptions('teardown options', opts, TEARDOWN_KEYS) as TeardownOptions;
  const backend = o.backend === undefined ? 'wasm' : checkEnum('backend', o.backend, ['wasm', 'ts'] as const);
  const seed = o.seed === undefined ? 1 : checkInteger('seed', o.seed, 0, 0xffffffff);
  const spec = deviceArg(o.device ?? 'stoppable', 'device');
  const policy = policyArg(o.policy ?? 'emitter-guarantee', 'policy');
  const guarantee = o.guarantee === undefined ? 'emitter' : checkEnum('guarantee', o.guarantee, GUARANTEES);
  const driverBug = checkBoolean('driverBug', o.driverBug, false);
  const jobs = o.jobs === undefined ? 200 : checkInteger('jobs', o.jobs, 1, MAX_TEARDOWN_JOBS);
  const maxFences = checkMaxFences(o.maxFences, jobs);
  return run({ backend, seed, spec, policy, guarantee, driverBug, jobs, maxFences });
}

interface RunArgs {
  backend: 'wasm' | 'ts';
  seed: number;
  spec: DeviceSpec;
  policy: { name: string; fn: DropPolicy | PolicyFn };
  guarantee: Guarantee;
  driverBug: boolean;
  jobs: number;
  maxFences: number;
}

async function run(a: RunArgs): Promise<TeardownResult> {
  const { backend, seed, spec, guarantee, jobs, maxFences } = a;
  /** The producer stops here and the ring is dropped. */
  const dropAfter = Math.ceil(jobs / 2);
  const rt = await createRuntime({ backend, seed, maxFences, maxRings: 1, maxRingCapacity: RING_CAPACITY, dmaBytes: 1 << 20, guarantee });
  const { tdr, hangAtDrop, ...devOpts } = spec;
  const dev = rt.createDevice(devOpts);
  const ring = rt.createRing({
    device: dev,
    capacity: RING_CAPACITY,
    timeoutNs: tdr === false ? Infinity : TDR_NS,
    stopTimeoutNs: STOP_TIMEOUT_NS,
    name: 'gfx0',
  });
  const mem = rt.memory;
  const handles: DmaFence[] = [];
  let waiting = 0;
  /** Waits that failed other than by the dispose at the end (a bug: thrown after the run). */
  const waitFailures: unknown[] = [];
  let submitted = 0;

  /** Another client grabs freed memory at once (first fit hands it the range just freed). */
  const reuse = memoryPressure(rt);

  const produce = () => {
    while (submitted < dropAfter && ring.state === 'running' && ring.space > 0) {
      const buf = mem.alloc(JOB_BYTES);
      const f = ring.submit({ dst: buf, pattern: (submitted % 255) + 1 });
      submitted++;
      mem.freeAfter(buf, f);
      f.addCallback(reuse);
      waiting++;
      // A wait still blocked at the end rejects ERR_DISPOSED when the runtime is disposed.
      void f.wait().then(
        () => waiting--,
        (e: unknown) => {
          if ((e as { code?: unknown } | null)?.code !== 'ERR_DISPOSED') waitFailures.push(e);
        },
      );
      handles.push(f);
    }
  };

  // Produce until the drop point, refilling the ring every TICK_NS as jobs complete.
  let reached = false;
  let nextTickNs = 0;
  let reachedDropPoint!: () => void;
  const dropPoint = new Promise<void>((resolve) => (reachedDropPoint = resolve));
  const tick = () => {
    produce();
    if (submitted >= dropAfter) {
      reached = true;
      reachedDropPoint();
    } else {
      nextTickNs = rt.sim.now + TICK_NS;
      rt.sim.schedule(nextTickNs, tick);
    }
  };
  tick();
  // While the next tick cannot reach the drop point (a tick submits at most RING_CAPACITY jobs),
  // drive the clock synchronously, one tick at a time: the same events in the same order as
  // runUntilSettled, without its macrotask per event (which made a large --jobs take minutes).
  while (!reached && submitted + RING_CAPACITY < dropAfter) rt.sim.runUntil(nextTickNs);
  // The last ticks: runUntilSettled stops right after the tick that reaches the drop point.
  await rt.sim.runUntilSettled(dropPoint);
  if (hangAtDrop) {
    // The next job the device starts hangs: let it start, so it is running at the drop.
    dev.inject('hang');
    rt.sim.advance(10_000);
  }
  // T7: the driver drops the owner of the job the device runs (nothing under 'emitter').
  const bug = a.driverBug && ring.inFlight > 0 ? ring.injectDriverBug() : null;

  const start = rt.sim.now;
  let report: DropReport | null = null;
  let deadlock = false;
  let dropError: string | null = null;
  try {
    const dropping = ring.drop({ policy: a.policy.fn });
    dropping.catch(() => {}); // a drop that never ends rejects ERR_DISPOSED at dispose: read through runUntilSettled only
    report = await rt.sim.runUntilSettled(dropping);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_DEADLOCK') deadlock = true;
    else if (typeof a.policy.fn === 'function') dropError = e instanceof Error ? e.message : String(e); // the user policy threw
    else throw e;
  }
  const teardownNs = deadlock ? null : (report?.timeNs ?? rt.sim.now - start);
  rt.sim.runUntil(rt.sim.now + SETTLE_NS);
  await new Promise((r) => setTimeout(r, 0)); // let settled waits run their continuations

  if (waitFailures.length) throw waitFailures[0];

  const counts: Record<string, number> = {};
  for (const v of rt.violations) counts[v.kind] = (counts[v.kind] ?? 0) + 1;
  const corruptions = mem.corruptions;
  const result: TeardownResult = {
    backend,
    seed,
    device: spec.name,
    policy: a.policy.name,
    guarantee,
    jobs: submitted,
    corruptions: corruptions.length,
    prematureSignals: counts['premature-signal'] ?? 0,
    unsignaled: ring.context.pending,
    blockedWaiters: waiting,
    teardownNs,
    deadlock,
    dropError,
    driverBug: bug && {
      seqno: bug.seqno,
      signaled: bug.signaled,
      prematureSignals: bug.premature ? 1 : 0,
      // Only a fence the bug signaled can have its corruption laid at the bug's door.
      corruptions: bug.signaled ? corruptions.filter((c) => c.seqno === bug.seqno).length : 0,
    },
    report,
    violations: counts,
    counts: runCounts(rt),
  };
  for (const f of handles) f.release();
  await rt.dispose();
  return result;
}

/** Options of {@link runTeardownMatrix}: the devices, policies and guarantee levels to cross. */
export interface TeardownMatrixOptions {
  /** The core of every run: 'wasm' (default) or 'ts'. */
  backend?: 'wasm' | 'ts';
  /** Seed of every run's device timing and faults. Default 1. */
  seed?: number;
  /** Per run, as in runTeardown. Default 200. */
  jobs?: number;
  /** Per run, as in runTeardown (default: what the jobs need). */
  maxFences?: number;
  /** The devices: built-in kinds and specs of your own. Default: every built-in kind (DEVICE_KINDS). */
  devices?: (DeviceKind | DeviceSpec)[];
  /** The policies: built-in names and `{ name, policy }` specs. Default: every built-in one (DROP_POLICIES). */
  policies?: (DropPolicy | PolicySpec)[];
  /** The guarantee levels (T7). Default both: ['emitter', 'fence']. */
  guarantees?: Guarantee[];
  /** A driver bug just before every drop (see TeardownOptions.driverBug). Default true. */
  driverBug?: boolean;
}

const MATRIX_KEYS = ['backend', 'seed', 'jobs', 'maxFences', 'devices', 'policies', 'guarantees', 'driverBug'] as const;

function list<T>(name: string, v: unknown, dflt: readonly unknown[], each: (x: unknown, path: string) => T, nameOf: (t: T) => string): T[] {
  if (v === undefined) v = dflt;
  if (!Array.isArray(v) || v.length === 0) throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name} must be a non-empty array, got ${describe(v)}`);
  const out = v.map((x, i) => each(x, `${name}[${i}]`));
  const seen = new Set<string>();
  out.forEach((t, i) => {
    if (seen.has(nameOf(t))) throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name}[${i}]: the name ${JSON.stringify(nameOf(t))} is used twice (it names rows)`);
    seen.add(nameOf(t));
  });
  return out;
}

/**
 * Every device under every policy at every guarantee level, in table order (device, then policy,
 * then guarantee). Everything is checked before the first run.
 */
export async function runTeardownMatrix(
  opts: TeardownMatrixOptions = {},
  onRow?: (r: TeardownResult, index: number, total: number) => void,
): Promise<TeardownResult[]> {
  if (onRow !== undefined && typeof onRow !== 'function') throw new DmaFenceTypeError('ERR_INVALID_ARG', `onRow must be a function, got ${describe(onRow)}`);
  const o = checkOptions('teardown matrix options', opts, MATRIX_KEYS) as TeardownMatrixOptions;
  const backend = o.backend === undefined ? 'wasm' : checkEnum('backend', o.backend, ['wasm', 'ts'] as const);
  const seed = o.seed === undefined ? 1 : checkInteger('seed', o.seed, 0, 0xffffffff);
  const jobs = o.jobs === undefined ? 200 : checkInteger('jobs', o.jobs, 1, MAX_TEARDOWN_JOBS);
  const maxFences = checkMaxFences(o.maxFences, jobs);
  const driverBug = checkBoolean('driverBug', o.driverBug, true);
  const devices = list('devices', o.devices, DEVICE_KINDS, deviceArg, (d) => d.name);
  const policies = list('policies', o.policies, DROP_POLICIES, policyArg, (p) => p.name);
  const guarantees = list('guarantees', o.guarantees, GUARANTEES, (g, path) => checkEnum(path, g, GUARANTEES), (g) => g);
  const rows: TeardownResult[] = [];
  const total = devices.length * policies.length * guarantees.length;
  for (const spec of devices) {
    for (const policy of policies) {
      for (const guarantee of guarantees) {
        const r = await run({ backend, seed, spec, policy, guarantee, driverBug, jobs, maxFences });
        rows.push(r);
        onRow?.(r, rows.length, total);
      }
    }
  }
  return rows;
}
