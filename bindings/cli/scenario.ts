/**
 * The teardown scenario: the kernel discussion's question, as a run. A producer keeps a ring full
 * of 4 KiB DMA jobs; every buffer is freed when its fence signals (M3) and its memory is at once
 * taken by another client (memory pressure); every job has a waiter with no timeout. Halfway
 * through, the ring is dropped under a policy, and the device keeps doing whatever it does.
 * Counted: corruptions (M2), premature signals (T1), fences never signaled (T2), waiters still
 * blocked, and how long the teardown took in virtual time.
 *
 * An application of the public API (it lives beside the command line, which prints its matrix),
 * not part of it; bindings/index.ts re-exports runTeardown, runTeardownMatrix and DEVICE_KINDS.
 *
 * Contract: each run makes its own runtime; deterministic for a seed on either backend.
 */
import { createRuntime } from '../runtime.js';
import type { DmaFence } from '../dma-fence.js';
import type { DmaBuffer } from '../dma-memory.js';
import type { DeviceOptions } from '../dma-device.js';
import type { DropPolicy, DropReport } from '../hw-ring.js';
import { DROP_POLICIES } from '../hw-ring.js';
import { DmaFenceTypeError, checkEnum, checkInteger, checkOptions, describe } from '../errors.js';

/** stoppable: honours STOP. non-stoppable: ignores it. hung: its running job hangs and it never
 *  ACKs. hung-no-tdr: the same with no timeout handler on the ring. */
export type DeviceKind = 'stoppable' | 'non-stoppable' | 'hung' | 'hung-no-tdr';
export const DEVICE_KINDS: readonly DeviceKind[] = ['stoppable', 'non-stoppable', 'hung', 'hung-no-tdr'];

export interface TeardownOptions {
  /** The core: 'wasm' (default) or 'ts'. */
  backend?: 'wasm' | 'ts';
  /** Seed of the device's timing and faults. Default 1. */
  seed?: number;
  /** The device under the ring. Default 'stoppable'. */
  device?: DeviceKind;
  /** The drop policy (T4). Default 'emitter-guarantee'. */
  policy?: DropPolicy;
  /** The producer's jobs, 1 to MAX_TEARDOWN_JOBS (default 200). The ring is dropped once half of
   *  them (rounded up) are submitted; the rest are never submitted. */
  jobs?: number;
}

export interface TeardownResult {
  backend: 'wasm' | 'ts';
  seed: number;
  device: DeviceKind;
  policy: DropPolicy;
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
  report: DropReport | null;
  /** Counts of every violation kind seen. */
  violations: Record<string, number>;
  /** Protocol events (rt.events) and device counters: equal for equal seeds, on either backend. */
  counts: { events: number; jobsSubmitted: number; jobsCompleted: number; irqs: number; dmaBytesWritten: number; fencesSignaled: number };
}

/** The largest `jobs` a teardown run takes. */
export const MAX_TEARDOWN_JOBS = 1_000_000;
const JOB_BYTES = 4096;
const RING_CAPACITY = 16;
/** The memory-pressure client keeps a reused range this long before freeing it. */
const HOLD_NS = 40_000;
/** The producer refills the ring this often. */
const TICK_NS = 500;
/** After the drop, the device gets this long to do damage. */
const SETTLE_NS = 1_000_000;

function deviceOptions(kind: DeviceKind): DeviceOptions {
  return {
    name: kind,
    stoppable: kind !== 'non-stoppable',
    latency: { baseNs: 2_000, perByteNs: 1, jitter: 0.25 },
    ackNs: 1_000,
    resetNs: 10_000,
    faults: { ack: kind === 'hung' || kind === 'hung-no-tdr' ? 'never' : 'ok' },
  };
}

export async function runTeardown(opts: TeardownOptions = {}): Promise<TeardownResult> {
  const o = checkOptions('teardown options', opts, ['backend', 'seed', 'device', 'policy', 'jobs']) as TeardownOptions;
  const backend = o.backend === undefined ? 'wasm' : checkEnum('backend', o.backend, ['wasm', 'ts'] as const);
  const seed = o.seed === undefined ? 1 : checkInteger('seed', o.seed, 0, 0xffffffff);
  const kind = o.device === undefined ? 'stoppable' : o.device;
  const policy = o.policy === undefined ? 'emitter-guarantee' : o.policy;
  const jobs = o.jobs === undefined ? 200 : checkInteger('jobs', o.jobs, 1, MAX_TEARDOWN_JOBS);
  if (!DEVICE_KINDS.includes(kind)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `device must be one of ${DEVICE_KINDS.join(', ')}, got ${describe(kind)}`);
  if (!DROP_POLICIES.includes(policy)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `policy must be one of ${DROP_POLICIES.join(', ')}, got ${describe(policy)}`);

  /** The producer stops here and the ring is dropped. */
  const dropAfter = Math.ceil(jobs / 2);
  // Every submitted fence keeps a slot until the end (its handle is kept to the last): the fence
  // table follows the job count. Memory and the ring do not (jobs flow through them).
  const maxFences = dropAfter + 2 * RING_CAPACITY;
  const rt = await createRuntime({ backend, seed, maxFences, maxRings: 1, maxRingCapacity: RING_CAPACITY, dmaBytes: 1 << 20 });
  const dev = rt.createDevice(deviceOptions(kind));
  const ring = rt.createRing({
    device: dev,
    capacity: RING_CAPACITY,
    timeoutNs: kind === 'hung-no-tdr' ? Infinity : 100_000,
    stopTimeoutNs: 50_000,
    name: 'gfx0',
  });
  const mem = rt.memory;
  const handles: DmaFence[] = [];
  let waiting = 0;
  /** Waits that failed other than by the dispose at the end (a bug: thrown after the run). */
  const waitFailures: unknown[] = [];
  let submitted = 0;

  /** Another client grabs freed memory at once (first fit hands it the range just freed). */
  const reuse = () => {
    let b: DmaBuffer;
    try {
      b = mem.alloc(JOB_BYTES);
    } catch {
      return; // memory full: this client simply goes without
    }
    rt.sim.schedule(rt.sim.now + HOLD_NS, () => mem.free(b));
  };

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
  if (kind === 'hung' || kind === 'hung-no-tdr') {
    // The next job the device starts hangs: let it start, so it is running at the drop.
    dev.inject('hang');
    rt.sim.advance(10_000);
  }

  const start = rt.sim.now;
  let report: DropReport | null = null;
  let deadlock = false;
  try {
    const dropping = ring.drop({ policy });
    dropping.catch(() => {}); // a drop that never ends rejects ERR_DISPOSED at dispose: read through runUntilSettled only
    report = await rt.sim.runUntilSettled(dropping);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_DEADLOCK') throw e;
    deadlock = true;
  }
  const teardownNs = deadlock ? null : (report?.timeNs ?? rt.sim.now - start);
  rt.sim.runUntil(rt.sim.now + SETTLE_NS);
  await new Promise((r) => setTimeout(r, 0)); // let settled waits run their continuations

  if (waitFailures.length) throw waitFailures[0];

  const counts: Record<string, number> = {};
  for (const v of rt.violations) counts[v.kind] = (counts[v.kind] ?? 0) + 1;
  const result: TeardownResult = {
    backend,
    seed,
    device: kind,
    policy,
    jobs: submitted,
    corruptions: mem.corruptions.length,
    prematureSignals: counts['premature-signal'] ?? 0,
    unsignaled: ring.context.pending,
    blockedWaiters: waiting,
    teardownNs,
    deadlock,
    report,
    violations: counts,
    counts: {
      events: rt.events.length,
      jobsSubmitted: rt.stats.jobsSubmitted,
      jobsCompleted: rt.stats.jobsCompleted,
      irqs: rt.stats.irqs,
      dmaBytesWritten: rt.stats.dmaBytesWritten,
      fencesSignaled: rt.stats.fencesSignaled,
    },
  };
  for (const f of handles) f.release();
  await rt.dispose();
  return result;
}

/** Every device kind under every policy, in table order. */
export async function runTeardownMatrix(
  opts: Omit<TeardownOptions, 'device' | 'policy'> = {},
  onRow?: (r: TeardownResult, index: number, total: number) => void,
): Promise<TeardownResult[]> {
  if (onRow !== undefined && typeof onRow !== 'function') throw new DmaFenceTypeError('ERR_INVALID_ARG', `onRow must be a function, got ${describe(onRow)}`);
  const o = checkOptions('teardown matrix options', opts, ['backend', 'seed', 'jobs']);
  const rows: TeardownResult[] = [];
  const total = DEVICE_KINDS.length * DROP_POLICIES.length;
  for (const device of DEVICE_KINDS) {
    for (const policy of DROP_POLICIES) {
      const r = await runTeardown({ ...o, device, policy });
      rows.push(r);
      onRow?.(r, rows.length, total);
    }
  }
  return rows;
}
