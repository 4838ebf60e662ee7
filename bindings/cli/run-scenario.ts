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
import type { DmaFence } from '../dma-fence.js';
import type { DmaBuffer } from '../dma-memory.js';
import type { DropOptions } from '../hw-ring.js';
import { checkBoolean, checkEnum, checkInteger, checkOptions } from '../errors.js';
import { parseScenario } from './scenario-schema.js';
import type { Scenario, ScenarioStream, ScenarioTeardown } from './scenario-schema.js';
import type { PolicySpec } from './specs.js';
import { outcome, report } from './scenario-result.js';
import { DEFAULT_CAPACITY, buildScenario } from './scenario-setup.js';
import type { EntSt, RingSt } from './scenario-setup.js';
import type { FaultOutcome, RunScenarioOptions, ScenarioReport, TeardownOutcome } from './scenario-result.js';

export type { FaultOutcome, RunScenarioOptions, ScenarioReport, TeardownOutcome } from './scenario-result.js';

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
interface St {
  spec: Required<Pick<ScenarioStream, 'name' | 'jobs' | 'intervalNs' | 'startNs'>> & ScenarioStream;
  /** The ring it submits to (an entity stream: its scheduler's ring). */
  r: RingSt<St>;
  /** An entity stream's entity (jobs are pushed to it, S2). */
  ent: EntSt | undefined;
  /** Each submitted job's completion fence (the ring's, or the entity's finished fence). */
  fences: DmaFence[];
  /** Jobs whose completion fence signaled. */
  done: number;
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

/**
 * Runs a scenario (a parsed scenario file, checked by `parseScenario` first: a bad one throws
 * ERR_INVALID_ARG naming the field, and nothing runs) on a runtime of its own, and resolves with
 * the report: the numbers, the rules broken and the verdict against the scenario's `expect`.
 */
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
    // A ring job takes one fence; a scheduled job three (scheduled, finished, the ring's).
    maxFences: 3 * planned + 64,
    maxJobs: Math.max(1, (s.streams ?? []).reduce((n, st) => n + (st.entity === undefined ? 0 : st.jobs), 0)),
    maxSchedulers: (s.schedulers ?? []).length,
    maxEntities: (s.entities ?? []).length,
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
  const { devices, rings, scheds, ents } = buildScenario<St>(rt, s);
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
    rec.stream.done++;
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
      if (st.ent?.gone) return end(st, st.ent.gone);
      const due = st.spec.startNs + k * st.spec.intervalNs;
      if (sim.now < due) {
        if (!st.timer) (st.timer = true), later(() => pump(st), due);
        return;
      }
      const a = st.after;
      // An entity stream hands the dependency to the scheduler (S3) once the job it waits for exists.
      const dep = st.ent && a && k < a.next ? a.fences[k] : undefined;
      if (a && k < a.spec.jobs && !a.signaled[k] && !dep) {
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
      if (!st.ent && ring.space === 0) {
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
          if (st.next === st.done && ring.inFlight === 0) return end(st, `out of DMA memory (a job of ${bytes} bytes)`);
          r.waiting.add(st);
          return;
        }
      }
      let f: DmaFence;
      const job = buf ? { dst: buf, pattern: (k % 255) + 1 } : {};
      try {
        f = st.ent ? st.ent.entity.push({ ...job, credits: st.spec.credits ?? 1, deps: dep ? [dep] : [] }).finished : ring.submit(job);
      } catch (e) {
        // A ring that stopped taking jobs between the look at its state and the submit (a drop
        // under way): the stream ends there, as a driver's would.
        if (buf) mem.free(buf);
        const code = (e as { code?: string }).code;
        if (code === 'ERR_RING_STOPPED') return end(st, 'ring stopped taking jobs');
        if (code === 'ERR_ENTITY_KILLED' || code === 'ERR_RING_STATE') return end(st, 'entity stopped taking jobs');
        throw e;
      }
      if (buf) mem.freeAfter(buf, f);
      if (!st.ent && a && !a.ent && k < a.spec.jobs && trace) rt.trace('dependency', { ring: ring.name, seqno: f.seqno, onRing: a.r.ring.name, onSeqno: a.seqnos[k] });
      st.seqnos[k] = f.seqno;
      st.fences[k] = f;
      const rec: Rec = { stream: st, k, submitNs: sim.now, bytes, fence: f };
      firstSubmit = Math.min(firstSubmit, sim.now);
      r.submitted++;
      st.next++;
      if (!f.addCallback(() => onSignal(rec))) onSignal(rec); // already signaled (a guilty entity's job, S7)
    }
    if (st.next >= st.spec.jobs) end(st, 'all submitted');
  };

  for (const [i, spec] of (s.streams ?? []).entries()) {
    const ent = spec.entity === undefined ? undefined : ents.get(spec.entity)!;
    const r = rings.get(ent ? ent.ring : spec.ring!)!;
    const st = {
      ent,
      fences: [],
      done: 0,
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
    const drop = (r: RingSt<St>, policy: string | PolicySpec | undefined) => {
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
    if (t.action === 'fini' || t.action === 'kill') {
      // S10 / S8: the entities' streams end; what they pushed finishes as the scheduler says.
      const gone = t.action === 'fini' ? scheds.get(t.scheduler)!.ents : [ents.get(t.entity)!];
      for (const e of gone) e.gone ??= t.action === 'fini' ? `scheduler ${t.scheduler} finished` : `entity ${t.entity} killed`;
      for (const st of streams.values()) if (st.ent && gone.includes(st.ent)) later(() => pump(st));
      if (t.action === 'fini') return scheds.get(t.scheduler)!.sched.fini();
      ents.get(t.entity)!.entity.kill();
      return Promise.resolve();
    }
    const mine = [...rings.values()].filter((r) => r.device === devices.get(t.action === 'lose' ? t.device : t.driver));
    if (t.action === 'lose') {
      for (const r of mine) {
        r.torn = true;
        for (const w of r.waiting) later(() => pump(w));
      }
      return devices.get(t.device)!.lose();
    }
    const driver = t.driver;
    // Driver unload (T5): drop every ring of the driver under the policy, then unload it (with
    // fences still pending it is forced: what then reaches them is a use-after-free, T5).
    return Promise.all(mine.map((r) => drop(r, t.policy))).then(() => rt.unloadDriver(driver, { force: true }));
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

  const streamRows = [...streams.values()].map((st) => ({ name: st.spec.name, ring: st.r.ring.name, ...(st.spec.entity === undefined ? {} : { entity: st.spec.entity }), submitted: st.next, planned: st.spec.jobs, pending: st.next - st.done, ended: st.ended }));
  return report(rt, s, { planned, backend, seed, idle, rings: [...rings.values()], streams: streamRows, outcomes, faults, latencies, firstSubmit, lastDone, okBytes, restarts, trace });
}
