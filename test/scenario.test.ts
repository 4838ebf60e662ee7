/**
 * Scenario files (runScenario, parseScenario): every shipped scenario gives its expected verdict
 * on both backends; the report's numbers; dependencies between streams; the driver's restart
 * after a timeout reset; T2 when a teardown never ends; and bad input: a coded error naming the
 * path of the bad field (with the closest valid key or name), before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseScenario, runScenario } from '../bindings/index.js';
import type { ScenarioReport } from '../bindings/index.js';
import { Errno } from '../bindings/index.js';
import type { DropSteps } from '../bindings/index.js';
import { loadScenarioFile } from '../bindings/cli/cli-inputs.js';
import { BACKENDS } from './helpers.js';
import { checkTrace } from './trace-format.js';
import type { Ev } from './trace-format.js';

const dir = fileURLToPath(new URL('../examples/scenarios/', import.meta.url));
const shipped = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const load = (f: string) => JSON.parse(readFileSync(dir + f, 'utf8')) as Record<string, unknown>;

/** A small valid scenario to mutate. */
const base = () => ({
  devices: [{ name: 'gpu', latency: { baseNs: 1000 } }],
  rings: [{ name: 'gfx0', device: 'gpu', capacity: 8 }],
  streams: [{ name: 'a', ring: 'gfx0', jobs: 20, bytes: 256, intervalNs: 500 }],
  teardown: [{ atNs: 5000, action: 'drop', ring: 'gfx0', policy: 'emitter-guarantee' }],
});

describe.each(BACKENDS)('scenario files (%s backend)', (backend) => {
  it.each(shipped)('%s: runs and gives the verdict it expects (T1, T2, M2 judge it)', async (f) => {
    const s = (await loadScenarioFile(dir + f)) as Record<string, unknown>; // policy modules imported, as `dmafence run` does
    const r = await runScenario(s, { backend });
    expect(s.expect, 'every shipped scenario declares its verdict').toBeDefined();
    expect(r.verdict.pass, JSON.stringify(r.verdict)).toBe(true);
    expect(r.jobs.submitted).toBeGreaterThan(0);
    expect(r.backend).toBe(backend);
  });

  it("T3/T5: the seed's two cases: stoppable (STOP/ACK) and non-stoppable (wait, then the timeout handler's reset) unload with nothing early and nothing left", async () => {
    const stop = await runScenario(load('driver-unload-stoppable.json'), { backend });
    const wait = await runScenario(load('driver-unload-non-stoppable.json'), { backend });
    for (const r of [stop, wait]) {
      expect([r.corruptions, r.unsignaled, r.blockedWaiters, r.verdict.rules]).toEqual([0, 0, 0, []]);
      expect(r.teardown).toMatchObject([{ action: 'unload', status: 'done', policy: 'emitter-guarantee' }]);
      expect(r.teardown[0].drops![0].fences.unsignaled).toBe(0);
    }
    expect(stop.teardown[0].drops![0].fences.canceled).toBeGreaterThan(0);
    expect(wait.teardown[0].drops![0].fences.timedOut).toBe(1); // the hung job, after the reset
    expect(wait.teardown[0].timeNs).toBeGreaterThan(stop.teardown[0].timeNs!); // waiting out a hang takes the timeout
  });

  it('T1/M2: signal-on-drop on a non-stoppable device: premature signals and corruption, reported by rule', async () => {
    const r = await runScenario(load('signal-on-drop-corrupts.json'), { backend });
    expect(r.violations.T1).toBeGreaterThan(0);
    expect(r.violations.M2).toBe(r.corruptions);
    expect(r.verdict).toEqual({ rules: ['M2', 'T1'], expected: ['M2', 'T1'], pass: true });
  });

  it('the report: percentiles in order, throughput, per-ring and per-stream counts that add up; same on both backends', async () => {
    const r = await runScenario(load('copy-then-render.json'), { backend });
    const l = r.latencyNs!;
    expect(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max && l.p50 > 0).toBe(true);
    expect(r.throughput.jobsPerSec).toBeGreaterThan(0);
    expect(r.jobs.submitted).toBe(r.rings.reduce((n, g) => n + g.submitted, 0));
    expect(r.jobs.completed + r.jobs.failed + r.unsignaled).toBe(r.jobs.submitted);
    expect(r.jobs.planned).toBe(300);
    expect(r.streams.map((s) => [s.name, s.ended])).toEqual([
      ['upload', 'all submitted'],
      ['render', 'ring torn down'],
    ]);
    const other = await runScenario(load('copy-then-render.json'), { backend: backend === 'wasm' ? 'ts' : 'wasm' });
    const strip = (x: ScenarioReport) => ({ ...x, backend: undefined });
    expect(strip(other)).toEqual(strip(r));
  });

  it('dependencies: a render job starts only after the upload of its index signaled (flows in the trace too)', async () => {
    const r = await runScenario(load('copy-then-render.json'), { backend, trace: true });
    const trace = JSON.parse(r.trace!) as { traceEvents: Ev[] };
    expect(checkTrace(trace)).toEqual([]);
    const ev = trace.traceEvents;
    // Jobs of one ring run back to back (one ends at the ns the next starts): still complete events, none async.
    expect(ev.filter((e) => e.cat === 'job' && e.ph !== 'X')).toEqual([]);
    expect(ev.filter((e) => e.ph === 'X' && e.name.startsWith('job ')).length).toBeGreaterThan(200);
    const at = (name: string, ring: string) => ev.filter((e) => e.name === name && e.args?.ring === ring);
    const uploadSignal = new Map<number, number>();
    for (const s of at('signal', 'copy0')) for (let q = s.args!.first as number; q <= (s.args!.seqno as number); q++) uploadSignal.set(q, s.ts);
    const renderSubmits = at('submit', 'gfx0');
    expect(renderSubmits.length).toBe(r.rings[1].submitted);
    renderSubmits.forEach((s, k) => expect(s.ts, `render job ${k}`).toBeGreaterThanOrEqual(uploadSignal.get(k + 1)!));
    // One arrow per dependency, from the upload's signal (copy0) to the render job (gfx0).
    const flowTracks = new Map<number, Set<number>>();
    for (const e of ev.filter((x) => x.cat === 'flow')) flowTracks.set(e.id as number, (flowTracks.get(e.id as number) ?? new Set()).add(e.tid));
    expect([...flowTracks.values()].filter((t) => t.size === 2).length).toBe(renderSubmits.length);
  });

  it('R6: a ring the timeout handler stopped is restarted by the driver; the stream goes on', async () => {
    const s = { ...base(), teardown: [], faults: [{ atNs: 3000, device: 'gpu', inject: 'hang' }], rings: [{ name: 'gfx0', device: 'gpu', capacity: 8, timeoutNs: 20_000 }] };
    const r = await runScenario(s, { backend });
    expect(r.restarts).toBe(1);
    expect(r.jobs.submitted).toBe(20);
    expect([r.jobs.failed > 0, r.unsignaled, r.verdict.rules]).toEqual([true, 0, []]);
  });

  it('T2: a wait-policy drop of a hung ring with no timeout handler never ends: the run ends idle, the fences count as T2', async () => {
    const s = {
      ...base(),
      rings: [{ name: 'gfx0', device: 'gpu', capacity: 8, timeoutNs: null }],
      faults: [{ atNs: 3000, device: 'gpu', inject: 'hang' }],
      teardown: [{ atNs: 5000, action: 'drop', ring: 'gfx0', policy: 'wait' }],
      expect: { violations: ['T2'] },
    };
    const r = await runScenario(s, { backend });
    expect(r.teardown[0].status).toBe('never finished');
    expect(r.idle).toBe(true);
    expect(r.unsignaled).toBeGreaterThan(0);
    expect(r.verdict).toEqual({ rules: ['T2'], expected: ['T2'], pass: true });
    // Cut by endNs instead, the same fences are in flight, not judged.
    const cut = await runScenario({ ...s, endNs: 8000, expect: 'clean' }, { backend });
    expect([cut.idle, cut.unsignaled > 0, cut.verdict.pass, cut.endNs]).toEqual([false, true, true, 8000]);
  });

  it('T7: the same driver bug corrupts under the fence-level guarantee and changes nothing under the emitter-level one', async () => {
    const fence = await runScenario(load('driver-bug-fence-level.json'), { backend });
    expect(fence.faults[0].result).toMatch(/^owner of job \d+ dropped: its fence signaled -ECANCELED/);
    expect([fence.violations.T1, fence.corruptions > 0]).toEqual([1, true]);
    const emitter = await runScenario({ ...load('driver-bug-fence-level.json'), guarantee: 'emitter', expect: 'clean' }, { backend });
    expect(emitter.faults[0].result).toMatch(/nothing changed \(the ring owns its fence\)$/);
    expect([emitter.corruptions, emitter.unsignaled, emitter.verdict]).toEqual([0, 0, { rules: [], expected: [], pass: true }]);
  });

  it('T8: a user policy (a function of the steps) that signals before the STOP is caught (T1, M2); one that follows T3 is clean', async () => {
    const early = Object.assign(async (st: DropSteps) => {
      st.signalPending(-Errno.ECANCELED);
      await st.stop();
    }, { displayName: 'early' });
    const t3 = async (st: DropSteps) => {
      if ((await st.stop()) === 'timeout') await st.reset();
    };
    const scen = (policy: unknown) => ({ ...base(), devices: [{ name: 'gpu', stoppable: false, latency: { baseNs: 3000, perByteNs: 1 } }], teardown: [{ atNs: 5000, action: 'drop', ring: 'gfx0', policy }] });
    const bad = await runScenario(scen({ name: 'early', policy: early }), { backend });
    expect(bad.teardown[0]).toMatchObject({ policy: 'early', status: 'done' });
    expect(bad.verdict.rules).toEqual(['M2', 'T1']);
    const good = await runScenario(scen(t3), { backend });
    expect(good.teardown[0]).toMatchObject({ policy: 't3', status: 'done' });
    expect([good.verdict.rules, good.unsignaled]).toEqual([[], 0]);
  });

  it('S1-S10: a scheduler scenario: entities with priorities, credits, a dependency, a hang blamed on its entity, fini: nothing early, nothing left', async () => {
    const r = await runScenario(load('scheduler-two-clients.json'), { backend, trace: true });
    expect([r.corruptions, r.unsignaled, r.blockedWaiters, r.verdict.rules]).toEqual([0, 0, 0, []]);
    expect(r.streams.map((x) => [x.name, x.entity, x.ring])).toEqual([
      ['frames', 'game', 'gfx0'],
      ['composite', 'compositor', 'gfx0'],
    ]);
    expect(r.teardown[0]).toMatchObject({ action: 'fini', target: 'gfx-sched', status: 'done' });
    expect(r.jobs.completed + r.jobs.failed).toBe(r.jobs.submitted);
    // The trace: one track per entity, async spans from job-run to job-finished, a credits counter.
    const trace = JSON.parse(r.trace!) as { traceEvents: Ev[] };
    expect(checkTrace(trace)).toEqual([]);
    const names = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!.name);
    expect(names).toEqual(expect.arrayContaining(['ring gfx0', 'entity gfx-sched/e0', 'entity gfx-sched/e1']));
    const credits = trace.traceEvents.filter((e) => e.ph === 'C' && e.name === 'gfx0 credits').map((e) => e.args!.credits as number);
    expect(credits.length).toBeGreaterThan(0);
    expect(Math.max(...credits)).toBeLessThanOrEqual(8); // the credit limit (R7)
    // Jobs the scheduler wrote into the ring get a submit slice there, at their job-run.
    const runs = trace.traceEvents.filter((e) => e.ph === 'b' && e.cat === 'entity').length;
    const submits = trace.traceEvents.filter((e) => e.name === 'submit' && e.args?.ring === 'gfx0');
    const spans = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'job').length;
    expect(submits.map((e) => e.args!.seqno)).toEqual(submits.map((_, i) => i + 1)); // every ring seqno, in order
    expect(submits.length >= spans && submits.length <= runs && spans > 0).toBe(true); // each job that ran was submitted; a cancelled one never reached the ring
  });

  it('device loss (T6) at a time: every fence of the lost device signals', async () => {
    const r = await runScenario({ ...base(), teardown: [{ atNs: 4000, action: 'lose', device: 'gpu' }] }, { backend });
    expect(r.teardown[0]).toMatchObject({ action: 'lose', target: 'gpu', status: 'done' });
    expect([r.unsignaled, r.blockedWaiters, r.verdict.rules]).toEqual([0, 0, []]);
  });
});

describe('scenario validation: a coded error naming the path of the bad field, before anything runs', () => {
  type Mut = (s: ReturnType<typeof base> & Record<string, unknown>) => void;
  const cases: [string, Mut, RegExp, string?][] = [
    ['unknown device', (s) => (s.rings[0].device = 'foo'), /^rings\[0\]\.device: unknown device "foo"/],
    ['device name near one', (s) => (s.rings[0].device = 'gpo'), /rings\[0\]\.device: unknown device "gpo" \(did you mean "gpu"\?\)/],
    ['misspelled device key', (s) => ((s.devices[0] as Record<string, unknown>).ackNS = 5), /devices\[0\] has no option "ackNS" \(did you mean "ackNs"\?\)/],
    ['bad device option', (s) => ((s.devices[0] as Record<string, unknown>).faults = { ack: 'sometimes' }), /devices\[0\]\.faults\.ack must be one of/],
    ['misspelled top key', (s) => ((s as Record<string, unknown>).stream = [], delete (s as Record<string, unknown>).streams), /scenario has no option "stream" \(did you mean "streams"\?\)/],
    ['unknown ring in a stream', (s) => (s.streams[0].ring = 'gfx'), /streams\[0\]\.ring: unknown ring "gfx" \(did you mean "gfx0"\?\)/],
    ['jobs 0', (s) => (s.streams[0].jobs = 0), /streams\[0\]\.jobs must be an integer in \[1, 1000000\]/],
    ['bytes range upside down', (s) => ((s.streams[0] as Record<string, unknown>).bytes = [512, 10]), /streams\[0\]\.bytes\[1\]/],
    ['after a later stream', (s) => (s.streams.push({ name: 'b', ring: 'gfx0', jobs: 1, bytes: 0, intervalNs: 0 }), ((s.streams[0] as Record<string, unknown>).after = 'b')), /streams\[0\]\.after: unknown stream/],
    ['misspelled inject', (s) => (s.faults = [{ atNs: 1, device: 'gpu', inject: 'hung' }]), /faults\[0\]\.inject must be one of .*did you mean 'hang'/],
    ['fault without a time', (s) => (s.faults = [{ device: 'gpu', inject: 'hang' }]), /faults\[0\]\.atNs/, 'ERR_INVALID_TIMEOUT'],
    ['misspelled action', (s) => ((s.teardown[0] as Record<string, unknown>).action = 'dorp'), /teardown\[0\]\.action must be one of .*did you mean 'drop'/],
    ['policy typo', (s) => (s.teardown[0].policy = 'signal-on-drp'), /teardown\[0\]\.policy must be one of .*did you mean 'signal-on-drop'/],
    ['a key of another action', (s) => ((s.teardown[0] as Record<string, unknown>).device = 'gpu'), /teardown\[0\] has no option "device"/],
    ['negative time', (s) => (s.teardown[0].atNs = -1), /teardown\[0\]\.atNs must be a number of nanoseconds/, 'ERR_INVALID_TIMEOUT'],
    ['scheduler without a name', (s) => ((s as Record<string, unknown>).schedulers = [{ ring: 'gfx0' }]), /^schedulers\[0\]\.name must be a non-empty string/],
    ['scheduler key typo', (s) => ((s as Record<string, unknown>).schedulers = [{ name: 'x', ring: 'gfx0', creditLimt: 4 }]), /schedulers\[0\] has no option "creditLimt" \(did you mean "creditLimit"\?\)/],
    ['entity of an unknown scheduler', (s) => Object.assign(s, { schedulers: [{ name: 'sch', ring: 'gfx0' }], entities: [{ name: 'e', scheduler: 'sh' }] }), /entities\[0\]\.scheduler: unknown scheduler "sh" \(did you mean "sch"\?\)/],
    ['entity priority typo', (s) => Object.assign(s, { schedulers: [{ name: 'sch', ring: 'gfx0' }], entities: [{ name: 'e', scheduler: 'sch', priority: 'hi' }] }), /entities\[0\]\.priority must be one of/],
    ['a stream to a ring a scheduler feeds', (s) => Object.assign(s, { schedulers: [{ name: 'sch', ring: 'gfx0' }] }), /streams\[0\]\.ring: ring "gfx0" is fed by a scheduler/],
    ['a stream with ring and entity', (s) => ((s.streams[0] as Record<string, unknown>).entity = 'e'), /streams\[0\]: give either "ring"/],
    ['credits on a ring stream', (s) => ((s.streams[0] as Record<string, unknown>).credits = 2), /streams\[0\]\.credits: credits are for entity streams/],
    ['a forged policy object', (s) => ((s.teardown[0] as Record<string, unknown>).policy = { name: 'mine', policy: 42 }), /teardown\[0\]\.policy\.policy must be a built-in policy's name/],
    ['bytes as a string', (s) => ((s.streams[0] as Record<string, unknown>).bytes = '4096'), /streams\[0\]\.bytes must be a number/],
    ['fini of an unknown scheduler', (s) => (s.teardown = [{ atNs: 1, action: 'fini', scheduler: 'x' } as never]), /teardown\[0\]\.scheduler: unknown scheduler "x"/],
    ['duplicate ring', (s) => s.rings.push({ name: 'gfx0', device: 'gpu', capacity: 8 }), /rings\[1\]\.name: "gfx0" is declared twice/],
    ['capacity not a power of two', (s) => (s.rings[0].capacity = 12), /rings\[0\]\.capacity must be a power of two/],
    ['no devices', (s) => (s.devices = []), /devices must have at least one entry/],
    ['bad expect', (s) => ((s as Record<string, unknown>).expect = 'dirty'), /expect must be "clean" or/],
    ['bad rule id', (s) => ((s as Record<string, unknown>).expect = { violations: ['t1'] }), /expect\.violations\[0\] must be a rule id/],
    ['guarantee typo', (s) => ((s as Record<string, unknown>).guarantee = 'emiter'), /guarantee must be one of .*did you mean 'emitter'/],
  ];
  it.each(cases)('%s', async (_, mutate, msg, code = 'ERR_INVALID_ARG') => {
    const s = base() as ReturnType<typeof base> & Record<string, unknown>;
    mutate(s);
    expect(() => parseScenario(s)).toThrow(msg);
    await expect(runScenario(s)).rejects.toMatchObject({ code, message: expect.stringMatching(msg) });
  });

  it('not an object, or missing parts; bad run options', async () => {
    for (const v of [null, [], 'x', 3]) await expect(runScenario(v)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/^scenario must be an object/) });
    await expect(runScenario({ rings: [] })).rejects.toThrow(/devices is required/);
    await expect(runScenario({ devices: [{ name: 'd' }] })).rejects.toThrow(/rings is required/);
    await expect(runScenario(base(), { trace: 'yes' as unknown as boolean })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/^trace must be a boolean/) });
    await expect(runScenario(base(), { bakend: 'ts' } as object)).rejects.toThrow(/did you mean "backend"/);
    await expect(runScenario(base(), { seed: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });

  it('a checked copy: the caller keeps its object', () => {
    const s = base();
    const p = parseScenario(s);
    p.devices[0].name = 'changed';
    expect(s.devices[0].name).toBe('gpu');
  });
});
