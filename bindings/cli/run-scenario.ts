/**
 * Runs a scenario (scenario-schema.ts) on the virtual clock: its devices and rings, its workload
 * streams (each job writes its own buffer, freed when its fence signals: M3, so a premature
 * signal shows as corruption M2), its fault schedule and its teardown events, then judges the
 * run: throughput, latency percentiles, violations by rule, corruptions, fences left unsignaled,
 * and the verdict against the scenario's `expect`.
 *
 * A ring that the timeout handler (R6) left stopped is restarted by the driver (as a real one
 * would) unless a teardown event has begun on it. A stream ends when its ring is torn down (its
 * jobs not yet submitted are reported), and stalls (the run then ends idle) when nothing can ever
 * free the room it waits for.
 *
 * Contract: each run makes and disposes its own runtime; deterministic for a seed on either backend.
 */
import { createRuntime } from '../runtime.js';
import type { Runtime } from '../runtime.js';
import type { DmaDevice } from '../dma-device.js';
import type { DmaFence } from '../dma-fence.js';
import type { DmaBuffer } from '../dma-memory.js';
import type { DropOptions, DropReport, HwRing } from '../hw-ring.js';
import { checkBoolean, checkEnum, checkInteger, checkOptions } from '../errors.js';
import { parseScenario } from './scenario-schema.js';
import type { Scenario, ScenarioStream, ScenarioTeardown } from './scenario-schema.js';
import type { PolicySpec } from './specs.js';

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
  atNs: number;
  inject: string;
  target: string;
  result: string;
}

/** What a teardown event did. */
export interface TeardownOutcome {
  atNs: number;
  action: 'drop' | 'lose' | 'unload';
  /** The ring, device or driver it acted on. */
  target: string;
  policy?: string;
  /** 'done'; 'failed' (it threw: `error`); 'never finished' (the run ended with it pending: a deadlock when the run went idle). */
  status: 'done' | 'failed' | 'never finished';
  /** Virtual ns it took. */
  timeNs?: number;
  error?: string;
  /** Drops: what happened to the fences in flight. */
  drops?: Omit<DropReport, 'violations'>[];
}

export interface ScenarioReport {
  name: string;
  backend: 'wasm' | 'ts';
  seed: number;
  guarantee: 'emitter' | 'fence';
  /** The clock at the end, ns. */
  endNs: number;
  /** The run ended with nothing left to happen (not cut by endNs): fences still pending then never signal. */
  idle: boolean;
  jobs: { planned: number; submitted: number; completed: number; failed: number; notSubmitted: number };
  /** Completed jobs (no error) per second of virtual time, from the first submit to the last completion. */
  throughput: { jobsPerSec: number; bytesPerSec: number };
  /** Submit to signal of the completed jobs, ns (nearest rank); null without any. */
  latencyNs: { p50: number; p90: number; p99: number; max: number } | null;
  /** Violations by rule id (T1, T2, M2, T5...) and by kind. */
  violations: Record<string, number>;
  violationKinds: Record<string, number>;
  /** DMA writes into memory that had changed hands (M2). */
  corruptions: number;
  /** Fences pending at the end (T2 when the run ended idle: nothing can signal them). */
  unsignaled: number;
  /** Waits that never ended. */
  blockedWaiters: number;
  /** Times the driver restarted a ring the timeout handler had stopped. */
  restarts: number;
  rings: { name: string; device: string; state: string; submitted: number; completed: number; failed: number; pending: number }[];
  streams: { name: string; ring: string; submitted: number; planned: number; ended: string }[];
  faults: FaultOutcome[];
  teardown: TeardownOutcome[];
  /** The rules broken (sorted), what the scenario expects (if it says), and whether they match. */
  verdict: { rules: string[]; expected: string[] | null; pass: boolean };
  /** With { trace: true }: the Trace Event Format JSON. */
  trace?: string;
}

const DEFAULT_CAPACITY = 16;
const DEFAULT_TIMEOUT_NS = 100_000;
const DEFAULT_STOP_TIMEOUT_NS = 50_000;
const DEFAULT_BYTES = 4096;
const DEFAULT_SETTLE_NS = 1_000_000;
/** A stream waiting out a ring's recovery (faulted, resetting, stopping) looks again this often. */
const RETRY_NS = 1_000;
/** Looks a stream takes at a ring that stays out of 'running' (1 s of virtual time) before it gives up. */
const MAX_RETRIES = 1_000_000;

interface Rec {
  stream: St;
  k: number;
  submitNs: number;
  bytes: number;
  fence: DmaFence;
}
interface RingSt {
  ring: HwRing;
  device: DmaDevice;
  torn: boolean;
  /** Streams waiting for room (or memory) on this ring: woken by its next signal. */
  waiting: Set<St>;
  submitted: number;
  completed: number;
  failed: number;
}
interface St {
  spec: Required<Pick<ScenarioStream, 'name' | 'ring' | 'jobs' | 'intervalNs' | 'startNs'>> & ScenarioStream;
  r: RingSt;
  next: number;
  ended: string | null;
  signaled: Uint8Array;
  /** The seqno each submitted job got (for the trace's dependency arrows). */
  seqnos: Float64Array;
  /** Job k of a stream that waits for job k of this one. */
  dependents: Map<number, St>;
  after: St | undefined;
  timer: boolean;
  retries: number;
}

export async function runScenario(scenario: unknown, opts?: RunScenarioOptions): Promise<ScenarioReport> {
  const s = parseScenario(scenario);
  const o = checkOptions('runScenario options', opts, ['trace', 'backend', 'seed']) as RunScenarioOptions;
  const backend = o.backend !== undefined ? checkEnum('backend', o.backend, ['wasm', 'ts'] as const) : (s.backend ?? 'wasm');
  const seed = o.seed !== undefined ? checkInteger('seed', o.seed, 0, 0xffffffff) : (s.seed ?? 1);
  const trace = checkBoolean('trace', o.trace, false);
  const planned = (s.streams ?? []).reduce((n, st) => n + st.jobs, 0);
  let cap = 1;
  while (cap < Math.max(...s.rings.map((r) => r.capacity ?? DEFAULT_CAPACITY))) cap *= 2;
  const rt = await createRuntime({
    backend,
    seed,
    guarantee: s.guarantee ?? 'emitter',
    maxFences: planned + 64,
    maxRings: s.rings.length,
    maxRingCapacity: cap,
    dmaBytes: s.dmaBytes ?? 1 << 20,
    trace,
    ...(s.traceLimit === undefined ? {} : { traceLimit: s.traceLimit }),
  });
  try {
    return await run(rt, s, planned, backend, seed, trace);
  } finally {
    await rt.dispose();
  }
}

async function run(rt: Runtime, s: Scenario, planned: number, backend: 'wasm' | 'ts', seed: number, trace: boolean): Promise<ScenarioReport> {
  const sim = rt.sim as import('../sim/clock.js').VirtualClock;
  const mem = rt.memory;
  const devices = new Map<string, DmaDevice>();
  for (const d of s.devices) devices.set(d.name, rt.createDevice(d));
  const rings = new Map<string, RingSt>();
  for (const r of s.rings) {
    const device = devices.get(r.device)!;
    const ring = rt.createRing({
      device,
      name: r.name,
      capacity: r.capacity ?? DEFAULT_CAPACITY,
      timeoutNs: r.timeoutNs === null ? Infinity : (r.timeoutNs ?? DEFAULT_TIMEOUT_NS),
      stopTimeoutNs: r.stopTimeoutNs ?? DEFAULT_STOP_TIMEOUT_NS,
      resubmit: r.resubmit ?? false,
    });
    rings.set(r.name, { ring, device, torn: false, waiting: new Set(), submitted: 0, completed: 0, failed: 0 });
  }
  let prng = seed || 0x9e3779b9;
  const random = () => {
    prng ^= prng << 13;
    prng ^= prng >>> 17;
    prng ^= prng << 5;
    return (prng >>> 0) / 4294967296;
  };
  const later = (fn: () => void, atNs = sim.now) => sim.schedule(Math.max(atNs, sim.now), fn);

  // ── completion bookkeeping ──
  let open = 0;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const finishOne = () => {
    if (--open === 0) allDone();
  };
  const latencies: number[] = [];
  let firstSubmit = Infinity;
  let lastDone = -Infinity;
  let okBytes = 0;
  let restarts = 0;

  const streams = new Map<string, St>();
  const end = (st: St, why: string) => {
    if (st.ended !== null) return;
    st.ended = why;
    st.r.waiting.delete(st);
    finishOne();
  };
  const onSignal = (rec: Rec) => {
    const f = rec.fence;
    const r = rec.stream.r;
    if (f.error === 0) {
      r.completed++;
      latencies.push(f.timestamp - rec.submitNs);
      lastDone = Math.max(lastDone, f.timestamp);
      okBytes += rec.bytes;
    } else r.failed++;
    rec.stream.signaled[rec.k] = 1;
    const dep = rec.stream.dependents.get(rec.k);
    if (dep) {
      rec.stream.dependents.delete(rec.k);
      later(() => pump(dep));
    }
    for (const w of r.waiting) later(() => pump(w));
    r.waiting.clear();
  };

  const pump = (st: St): void => {
    st.timer = false;
    const r = st.r;
    const ring = r.ring;
    while (st.ended === null && st.next < st.spec.jobs) {
      const k = st.next;
      if (r.torn) return end(st, 'ring torn down');
      const due = st.spec.startNs + k * st.spec.intervalNs;
      if (sim.now < due) {
        if (!st.timer) (st.timer = true), later(() => pump(st), due);
        return;
      }
      const a = st.after;
      if (a && k < a.spec.jobs && !a.signaled[k]) {
        if (a.ended !== null && k >= a.next) return end(st, `stream ${a.spec.name} never submitted its job ${k}`);
        a.dependents.set(k, st);
        return;
      }
      const state = ring.state;
      if (state === 'dropped') return end(st, 'ring dropped');
      if (state === 'stopped') {
        if (r.device.lost) return end(st, 'device lost');
        ring.restart();
        restarts++;
        continue;
      }
      if (state !== 'running') {
        // Recovery ends (a reset takes its time, a STOP its bound); a ring that never leaves the
        // state would keep this timer alive forever: after MAX_RETRIES the stream gives up.
        if (++st.retries > MAX_RETRIES) return end(st, `ring stuck ${state}`);
        if (!st.timer) (st.timer = true), later(() => pump(st), sim.now + RETRY_NS);
        return;
      }
      st.retries = 0;
      if (ring.space === 0) {
        r.waiting.add(st);
        return;
      }
      const bytes = Array.isArray(st.spec.bytes) ? st.spec.bytes[0] + Math.floor(random() * (st.spec.bytes[1] - st.spec.bytes[0] + 1)) : (st.spec.bytes ?? DEFAULT_BYTES);
      let buf: DmaBuffer | undefined;
      if (bytes > 0) {
        try {
          buf = mem.alloc(bytes);
        } catch {
          // Memory is full: wait for a signal of this ring to free some; with nothing in flight, none will.
          if (ring.inFlight === 0) return end(st, `out of DMA memory (a job of ${bytes} bytes)`);
          r.waiting.add(st);
          return;
        }
      }
      const f = ring.submit(buf ? { dst: buf, pattern: (k % 255) + 1 } : {});
      if (buf) mem.freeAfter(buf, f);
      if (a && k < a.spec.jobs && trace) rt.trace('dependency', { ring: ring.name, seqno: f.seqno, onRing: a.r.ring.name, onSeqno: a.seqnos[k] });
      st.seqnos[k] = f.seqno;
      const rec: Rec = { stream: st, k, submitNs: sim.now, bytes, fence: f };
      firstSubmit = Math.min(firstSubmit, sim.now);
      r.submitted++;
      st.next++;
      f.addCallback(() => onSignal(rec));
    }
    if (st.next >= st.spec.jobs) end(st, 'all submitted');
  };

  for (const [i, spec] of (s.streams ?? []).entries()) {
    const r = rings.get(spec.ring)!;
    const st = {
      spec: { ...spec, name: spec.name ?? `stream${i}`, intervalNs: spec.intervalNs ?? 0, startNs: spec.startNs ?? 0 },
      r,
      next: 0,
      ended: null,
      signaled: new Uint8Array(spec.jobs),
      seqnos: new Float64Array(spec.jobs),
      dependents: new Map(),
      after: spec.after === undefined ? undefined : streams.get(spec.after),
      timer: false,
      retries: 0,
    } as St;
    streams.set(st.spec.name, st);
    open++;
    later(() => pump(st), st.spec.startNs);
  }

  const faults: FaultOutcome[] = [];
  for (const f of s.faults ?? []) {
    const out: FaultOutcome = { atNs: f.atNs, inject: f.inject, target: 'device' in f ? f.device : f.ring, result: 'not reached (the run ended first)' };
    faults.push(out);
    later(() => {
      try {
        if ('device' in f) {
          devices.get(f.device)!.inject(f.inject);
          out.result = 'armed';
        } else {
          const bug = rings.get(f.ring)!.ring.injectDriverBug();
          out.result = `owner of job ${bug.seqno} dropped${bug.signaled ? ': its fence signaled -ECANCELED (fence-level guarantee)' : ': nothing changed (the ring owns its fence)'}`;
        }
      } catch (e) {
        out.result = `refused: ${e instanceof Error ? e.message : String(e)}`;
      }
    }, f.atNs);
  }

  const outcomes: TeardownOutcome[] = [];
  let finished = false;
  for (const t of s.teardown ?? []) {
    const out = outcome(t);
    outcomes.push(out);
    open++;
    later(() => {
      const start = sim.now;
      let p: Promise<unknown>;
      try {
        p = act(t, out);
      } catch (e) {
        p = Promise.reject(e);
      }
      // Settled after the run ended (dispose rejects what never finished): it stays 'never finished'.
      p.then(
        () => void (finished || ((out.status = 'done'), (out.timeNs = sim.now - start))),
        (e: unknown) => void (finished || ((out.status = 'failed'), (out.error = e instanceof Error ? e.message : String(e)))),
      ).finally(finishOne);
    }, t.atNs);
  }

  function act(t: ScenarioTeardown, out: TeardownOutcome): Promise<unknown> {
    const drop = (r: RingSt, policy: string | PolicySpec | undefined) => {
      r.torn = true;
      for (const w of r.waiting) later(() => pump(w));
      if (r.ring.state === 'dropped') return Promise.resolve();
      const p = policy === undefined ? undefined : typeof policy === 'string' ? policy : policy.policy;
      return r.ring.drop(p === undefined ? {} : ({ policy: p } as DropOptions)).then((rep) => {
        const { violations: _v, ...rest } = rep;
        (out.drops ??= []).push(rest);
      });
    };
    if (t.action === 'drop') return drop(rings.get(t.ring)!, t.policy);
    const mine = [...rings.values()].filter((r) => r.device === devices.get(t.action === 'lose' ? t.device : t.driver));
    if (t.action === 'lose') {
      for (const r of mine) {
        r.torn = true;
        for (const w of r.waiting) later(() => pump(w));
      }
      return devices.get(t.device)!.lose();
    }
    // Driver unload (T5): drop every ring of the driver under the policy, then unload it (with
    // fences still pending it is forced: what then reaches them is a use-after-free, T5).
    return Promise.all(mine.map((r) => drop(r, t.policy))).then(() => rt.unloadDriver(t.driver, { force: true }));
  }

  if (s.endNs !== undefined) later(() => allDone(), s.endNs);
  if (open === 0) allDone();
  let idle = false;
  try {
    await sim.runUntilSettled(done);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_DEADLOCK') throw e;
    idle = true;
  }
  if (s.endNs === undefined) {
    sim.runUntil(sim.now + (s.settleNs ?? DEFAULT_SETTLE_NS));
    sim.runUntilIdle();
    idle = true;
  }
  await new Promise((r) => setTimeout(r, 0)); // settled drops and waits run their continuations
  finished = true;

  return report(rt, s, { planned, backend, seed, idle, rings, streams, outcomes, faults, latencies, firstSubmit, lastDone, okBytes, restarts, trace });
}

function outcome(t: ScenarioTeardown): TeardownOutcome {
  const policy = t.action === 'lose' ? undefined : t.policy === undefined ? 'emitter-guarantee' : typeof t.policy === 'string' ? t.policy : t.policy.name;
  const target = t.action === 'drop' ? t.ring : t.action === 'lose' ? t.device : t.driver;
  return { atNs: t.atNs, action: t.action, target, ...(policy === undefined ? {} : { policy }), status: 'never finished' };
}

function rank(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function report(
  rt: Runtime,
  s: Scenario,
  x: {
    planned: number; backend: 'wasm' | 'ts'; seed: number; idle: boolean; rings: Map<string, RingSt>; streams: Map<string, St>; outcomes: TeardownOutcome[]; faults: FaultOutcome[];
    latencies: number[]; firstSubmit: number; lastDone: number; okBytes: number; restarts: number; trace: boolean;
  },
): ScenarioReport {
  const violations: Record<string, number> = {};
  const kinds: Record<string, number> = {};
  for (const v of rt.violations) {
    violations[v.rule] = (violations[v.rule] ?? 0) + 1;
    kinds[v.kind] = (kinds[v.kind] ?? 0) + 1;
  }
  const ringRows = [...x.rings.values()].map((r) => ({
    name: r.ring.name, device: r.device.name, state: r.ring.state, submitted: r.submitted, completed: r.completed, failed: r.failed, pending: r.ring.context.pending,
  }));
  const unsignaled = ringRows.reduce((n, r) => n + r.pending, 0);
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
    streams: [...x.streams.values()].map((st) => ({ name: st.spec.name, ring: st.spec.ring, submitted: st.next, planned: st.spec.jobs, ended: st.ended ?? 'cut by endNs' })),
    faults: x.faults.map((f) => ({ ...f })),
    teardown: x.outcomes.map((t) => ({ ...t })),
    verdict: { rules: broken, expected, pass: expected === null ? broken.length === 0 : expected.join() === broken.join() },
    ...(x.trace ? { trace: rt.exportTrace() } : {}),
  };
}
