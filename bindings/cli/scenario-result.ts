/**
 * A scenario run's outcome: the report's types, and the judging of a finished run (the numbers,
 * the rules broken, the verdict against the scenario's `expect`). run-scenario.ts runs; this
 * reads what the run left.
 *
 * Contract: `report` reads the runtime before it is disposed; the report is a fresh object.
 */
import type { Runtime } from '../runtime.js';
import type { DmaDevice } from '../dma-device.js';
import type { DropReport, HwRing } from '../hw-ring.js';
import type { Scenario, ScenarioTeardown } from './scenario-schema.js';

/** Options of {@link runScenario}: the trace, and overrides of the scenario's backend and seed. */
export interface RunScenarioOptions {
  /** Record the trace (job spans, flows, protocol events) and return it as `report.trace`. Default false. */
  trace?: boolean;
  /** Overrides the scenario's backend. */
  backend?: 'wasm' | 'ts';
  /** Overrides the scenario's seed. */
  seed?: number;
}

/** What a fault of the schedule did: 'armed' (a device fault), the driver bug's effect, or why it was refused. */
export interface FaultOutcome {
  /** When the fault was injected, ns of virtual time. */
  atNs: number;
  /** The fault's kind (the scenario's `inject`). */
  inject: string;
  /** The device or ring it was injected into. */
  target: string;
  /** 'armed', the driver bug's effect, or why it was refused. */
  result: string;
}

/** What a teardown event did. */
export interface TeardownOutcome {
  /** When the teardown event started, ns of virtual time. */
  atNs: number;
  /** The scenario's action (`drop`, `lose`, `unload`, `fini`, `kill`). */
  action: ScenarioTeardown['action'];
  /** The ring, device or driver it acted on. */
  target: string;
  /** The drop policy's name (drops only). */
  policy?: string;
  /** 'done'; 'failed' (it threw: `error`); 'never finished' (the run ended with it pending: a deadlock when the run went idle). */
  status: 'done' | 'failed' | 'never finished';
  /** Virtual ns it took. */
  timeNs?: number;
  /** Why it failed (status 'failed'). */
  error?: string;
  /** Drops: what happened to the fences in flight. */
  drops?: Omit<DropReport, 'violations'>[];
}

/** What {@link runScenario} returns: the run's numbers, the rules it broke and the verdict. */
export interface ScenarioReport {
  /** The scenario's name. */
  name: string;
  /** The core it ran on. */
  backend: 'wasm' | 'ts';
  /** The device model's seed. */
  seed: number;
  /** Where the never-signal-early guarantee lived (T7). */
  guarantee: 'emitter' | 'fence';
  /** The clock at the end, ns. */
  endNs: number;
  /** The run ended with nothing left to happen (not cut by endNs): fences still pending then never signal. */
  idle: boolean;
  /** Jobs of every stream. */
  jobs: {
    /** What the streams planned to submit. */
    planned: number;
    /** Submitted to a ring or pushed to an entity. */
    submitted: number;
    /** Signaled without an error. */
    completed: number;
    /** Signaled with an error. */
    failed: number;
    /** Planned but never submitted (the stream ended first). */
    notSubmitted: number;
  };
  /** Completed jobs (no error) per second of virtual time, from the first submit to the last completion. */
  throughput: {
    /** Completed jobs per second. */
    jobsPerSec: number;
    /** Bytes of the completed jobs per second. */
    bytesPerSec: number;
  };
  /** Submit to signal of the completed jobs, ns (nearest rank); null without any. */
  latencyNs: {
    /** The median, ns. */
    p50: number;
    /** The 90th percentile, ns. */
    p90: number;
    /** The 99th percentile, ns. */
    p99: number;
    /** The longest, ns. */
    max: number;
  } | null;
  /** Violations by rule id (T1, T2, M2, T5...) and by kind. */
  violations: Record<string, number>;
  /** Violations by kind (`premature-signal`, ...). */
  violationKinds: Record<string, number>;
  /** DMA writes into memory that had changed hands (M2). */
  corruptions: number;
  /** Fences pending at the end (T2 when the run ended idle: nothing can signal them). */
  unsignaled: number;
  /** Waits that never ended. */
  blockedWaiters: number;
  /** Times the driver restarted a ring the timeout handler had stopped. */
  restarts: number;
  /** Per ring: its device, its state at the end, and its jobs. */
  rings: {
    /** The ring's name. */
    name: string;
    /** Its device's name. */
    device: string;
    /** The ring's state at the end (`RingState`). */
    state: string;
    /** Jobs submitted to it. */
    submitted: number;
    /** Jobs signaled without an error. */
    completed: number;
    /** Jobs signaled with an error. */
    failed: number;
    /** Jobs still pending at the end. */
    pending: number;
  }[];
  /** Per stream: its ring (an entity stream: its scheduler's), its entity, jobs submitted of planned, why it ended. */
  streams: {
    /** The stream's name. */
    name: string;
    /** The ring its jobs went to. */
    ring: string;
    /** The entity it pushed to (an entity stream). */
    entity?: string;
    /** Jobs submitted. */
    submitted: number;
    /** Jobs it planned. */
    planned: number;
    /** Why it ended. */
    ended: string;
  }[];
  /** What each fault of the schedule did. */
  faults: FaultOutcome[];
  /** What each teardown event did. */
  teardown: TeardownOutcome[];
  /** The rules broken (sorted), what the scenario expects (if it says), and whether they match. */
  verdict: {
    /** The rule ids broken, sorted. */
    rules: string[];
    /** The rule ids the scenario expects (`[]` for 'clean'), or null when it says nothing. */
    expected: string[] | null;
    /** Whether the rules broken are the expected ones (without `expect`: whether none broke). */
    pass: boolean;
  };
  /** With { trace: true }: the Trace Event Format JSON. */
  trace?: string;
}

/** What the run counted as it went, for the report. */
export interface RunTally {
  planned: number;
  backend: 'wasm' | 'ts';
  seed: number;
  idle: boolean;
  rings: { ring: HwRing; device: DmaDevice; submitted: number; completed: number; failed: number }[];
  streams: { name: string; ring: string; entity?: string; submitted: number; planned: number; pending: number; ended: string | null }[];
  outcomes: TeardownOutcome[];
  faults: FaultOutcome[];
  latencies: number[];
  firstSubmit: number;
  lastDone: number;
  okBytes: number;
  restarts: number;
  trace: boolean;
}


export function outcome(t: ScenarioTeardown): TeardownOutcome {
  const policy = t.action !== 'drop' && t.action !== 'unload' ? undefined : t.policy === undefined ? 'emitter-guarantee' : typeof t.policy === 'string' ? t.policy : t.policy.name;
  const target = t.action === 'drop' ? t.ring : t.action === 'lose' ? t.device : t.action === 'unload' ? t.driver : t.action === 'fini' ? t.scheduler : t.entity;
  return { atNs: t.atNs, action: t.action, target, ...(policy === undefined ? {} : { policy }), status: 'never finished' };
}

function rank(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function report(
  rt: Runtime,
  s: Scenario,
  x: RunTally,
): ScenarioReport {
  const violations: Record<string, number> = {};
  const kinds: Record<string, number> = {};
  for (const v of rt.violations) {
    violations[v.rule] = (violations[v.rule] ?? 0) + 1;
    kinds[v.kind] = (kinds[v.kind] ?? 0) + 1;
  }
  const ringRows = x.rings.map((r) => ({
    name: r.ring.name, device: r.device.name, state: r.ring.state, submitted: r.submitted, completed: r.completed, failed: r.failed, pending: r.ring.context.pending,
  }));
  // Each job counted once, by the fence its stream waits on (the ring's, or an entity's finished fence).
  const unsignaled = x.streams.reduce((n, st) => n + st.pending, 0);
  const submitted = ringRows.reduce((n, r) => n + r.submitted, 0);
  const completed = ringRows.reduce((n, r) => n + r.completed, 0);
  const lat = Float64Array.from(x.latencies).sort();
  const span = (x.lastDone - x.firstSubmit) / 1e9;
  const rules = new Set(Object.keys(violations));
  // Fences pending when nothing is left to happen never signal: T2, whether or not a drop recorded it.
  if (x.idle && unsignaled > 0) rules.add('T2');
  const broken = [...rules].sort();
  const expected = s.expect === undefined ? null : s.expect === 'clean' ? [] : s.expect.violations;
  return {
    name: s.name ?? 'scenario',
    backend: x.backend,
    seed: x.seed,
    guarantee: s.guarantee ?? 'emitter',
    endNs: rt.sim.now,
    idle: x.idle,
    jobs: { planned: x.planned, submitted, completed, failed: ringRows.reduce((n, r) => n + r.failed, 0), notSubmitted: x.planned - submitted },
    throughput: span > 0 ? { jobsPerSec: completed / span, bytesPerSec: x.okBytes / span } : { jobsPerSec: 0, bytesPerSec: 0 },
    latencyNs: lat.length ? { p50: rank(lat, 0.5), p90: rank(lat, 0.9), p99: rank(lat, 0.99), max: lat[lat.length - 1] } : null,
    violations,
    violationKinds: kinds,
    corruptions: rt.stats.corruptions,
    unsignaled,
    blockedWaiters: rt.blockedWaiters,
    restarts: x.restarts,
    rings: ringRows,
    streams: x.streams.map(({ pending: _p, ...st }) => ({ ...st, ended: st.ended ?? 'cut by endNs' })),
    faults: x.faults.map((f) => ({ ...f })),
    teardown: x.outcomes.map((t) => ({ ...t })),
    verdict: { rules: broken, expected, pass: expected === null ? broken.length === 0 : expected.join() === broken.join() },
    ...(x.trace ? { trace: rt.exportTrace() } : {}),
  };
}
