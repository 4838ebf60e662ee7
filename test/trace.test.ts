/**
 * The exported trace (rt.exportTrace(): Trace Event Format JSON for ui.perfetto.dev) against the
 * format's rules, on both backends: integer pid/tid named by metadata, job spans nested per
 * track, thread-scoped protocol instants with ring, seqno and rule, flows from submit to start
 * to signal that bind to slices, numeric occupancy counters, and the size bound (traceLimit).
 */
import { describe, expect, it } from 'vitest';
import { Errno } from '../bindings/index.js';
import { BACKENDS, codeOf, runtime } from './helpers.js';
import { checkTrace, threadNames } from './trace-format.js';
import type { Ev } from './trace-format.js';

async function scene(backend: (typeof BACKENDS)[number], traceLimit?: number) {
  const rt = await runtime(backend, { trace: true, maxFences: 1024, maxRingCapacity: 16, dmaBytes: 1 << 16, ...(traceLimit ? { traceLimit } : {}) });
  const gpu = rt.createDevice({ name: 'gpu', latency: { baseNs: 1000, perByteNs: 1 }, ackNs: 300, resetNs: 2000 });
  const dma = rt.createDevice({ name: 'copy', stoppable: false, latency: { baseNs: 500 } });
  const gfx = rt.createRing({ device: gpu, capacity: 8, name: 'gfx0', timeoutNs: 20_000 });
  const cp = rt.createRing({ device: dma, capacity: 8, name: 'copy0', timeoutNs: 20_000 });
  for (let i = 0; i < 5; i++) gfx.submit({ dst: rt.memory.alloc(256) });
  for (let i = 0; i < 5; i++) cp.submit({});
  rt.sim.advance(3000);
  gpu.inject('hang'); // the next job gfx0 starts hangs: the timeout handler resets it (R6)
  rt.sim.runUntilIdle();
  gfx.restart();
  for (let i = 0; i < 3; i++) gfx.submit({});
  rt.sim.advance(1500);
  // signal-on-drop while a job runs: a premature signal (T1), recorded on gfx0's track
  await rt.sim.runUntilSettled(gfx.drop({ policy: 'signal-on-drop' }));
  await rt.sim.runUntilSettled(cp.drop());
  rt.sim.runUntilIdle();
  return rt;
}

describe.each(BACKENDS)('trace export (%s backend)', (backend) => {
  it('is valid Trace Event Format: named integer tracks, nested spans, bound flows, numeric counters', async () => {
    const rt = await scene(backend);
    const trace = JSON.parse(rt.exportTrace());
    expect(checkTrace(trace)).toEqual([]);
    const evs = trace.traceEvents as Ev[];
    const names = threadNames(evs);
    expect([...names.values()]).toEqual(expect.arrayContaining(['runtime', 'ring gfx0', 'ring copy0']));
    const procs = evs.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args!.name);
    expect(procs).toEqual(['dmafence runtime', 'device gpu', 'device copy']);
    const on = (ring: string) => evs.filter((e) => names.get(`${e.pid}/${e.tid}`) === `ring ${ring}`);
    const gfx = on('gfx0');
    // Job spans: every job that ran, start to completion, one track, never overlapping.
    const spans = gfx.filter((e) => e.ph === 'X' && e.name.startsWith('job '));
    expect(spans.length).toBeGreaterThanOrEqual(6);
    expect(spans.every((e) => e.args!.ring === 'gfx0' && typeof e.args!.seqno === 'number')).toBe(true);
    expect(spans.map((e) => e.args!.outcome)).toEqual(expect.arrayContaining(['completed', 'timed-out']));
    expect(evs.filter((e) => e.cat === 'job' && (e.ph === 'b' || e.ph === 'e'))).toEqual([]); // back-to-back jobs stay complete events
    // Submit and signal: zero-length slices on the ring's track, with seqno.
    expect(gfx.filter((e) => e.name === 'submit').map((e) => e.args!.seqno)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(gfx.filter((e) => e.name === 'signal').every((e) => e.ph === 'X' && e.dur === 0)).toBe(true);
    // Protocol instants: thread-scoped, on the ring's track.
    const instants = new Set(gfx.filter((e) => e.ph === 'i').map((e) => e.name));
    for (const n of ['irq', 'timeout', 'reset-request', 'reset-effective', 'ring-state', 'drop']) expect(instants, n).toContain(n);
    expect(on('copy0').filter((e) => e.ph === 'i').map((e) => e.name)).toEqual(expect.arrayContaining(['drop', 'ring-state']));
    const v = gfx.find((e) => e.ph === 'i' && e.name.startsWith('violation'))!;
    expect(v.args).toMatchObject({ ring: 'gfx0', rule: 'T1', kind: 'premature-signal', seqno: 7 }); // running at the drop
    expect(v.name).toBe('violation T1: premature-signal');
    // A flow per job: submit -> start -> signal, on the job's ring.
    const flows = new Map<number, Ev[]>();
    for (const e of evs.filter((x) => x.cat === 'flow')) flows.set(e.id as number, [...(flows.get(e.id as number) ?? []), e]);
    const full = [...flows.values()].filter((f) => f.map((e) => e.ph).join('') === 'stf');
    expect(full.length).toBeGreaterThanOrEqual(10);
    // Occupancy counters follow submissions and signals.
    const occ = evs.filter((e) => e.ph === 'C' && e.name === 'gfx0 occupancy').map((e) => e.args!.jobs);
    expect(occ.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(occ[occ.length - 1]).toBe(rt.rings[0].inFlight); // what the ring reads at the end (signal-on-drop left jobs on it)
    expect(evs.filter((e) => e.ph === 'C' && e.name === 'copy0 occupancy').at(-1)!.args!.jobs).toBe(0);
    expect(trace.otherData).toMatchObject({ generator: 'dmafence', traceLimit: 100_000, eventsDropped: 0 });
    await rt.dispose();
  });

  it('keeps the last traceLimit events and says how many it dropped', async () => {
    const full = await scene(backend);
    const all = full.events;
    await full.dispose();
    const rt = await scene(backend, 40);
    expect(rt.events.length).toBe(40);
    expect(rt.events).toEqual(all.slice(all.length - 40));
    const trace = JSON.parse(rt.exportTrace());
    expect(trace.otherData).toMatchObject({ traceLimit: 40, eventsKept: 40, eventsDropped: all.length - 40 });
    expect(trace.otherData.note).toContain('last 40 events');
    expect(checkTrace(trace)).toEqual([]);
    await rt.dispose();
  });

  it('entity events go on the entity track (async spans from job-run to job-finished); credits become a counter', async () => {
    const rt = await runtime(backend, { trace: true, maxRingCapacity: 16 });
    const ring = rt.createRing({ device: rt.createDevice({ name: 'gpu' }), capacity: 8, name: 'gfx0' });
    // What a scheduler emits (bindings/sched): run and finish per job, with its entity.
    rt.trace('job-run', { ring: 'gfx0', entity: 'client-a', seqno: 1, context: 7, credits: 1 });
    ring.submit({});
    rt.trace('job-run', { ring: 'gfx0', entity: 'client-a', seqno: 2, context: 7, credits: 2 });
    rt.sim.runUntilIdle();
    rt.trace('job-finished', { ring: 'gfx0', entity: 'client-a', seqno: 1, context: 7, credits: 1 });
    const trace = JSON.parse(rt.exportTrace());
    expect(checkTrace(trace)).toEqual([]);
    const evs = trace.traceEvents as Ev[];
    const names = threadNames(evs);
    const ent = evs.filter((e) => e.ph !== 'M' && names.get(`${e.pid}/${e.tid}`) === 'entity client-a');
    expect(ent.map((e) => `${e.ph} ${e.name}`)).toEqual(['b job 1', 'b job 2', 'e job 1', 'e job 2']);
    expect(ent.at(-1)!.args).toMatchObject({ unfinished: true });
    const ringTrack = evs.find((e) => names.get(`${e.pid}/${e.tid}`) === 'ring gfx0')!;
    expect(ent[0].pid).toBe(ringTrack.pid); // the entity's track sits in its ring's device process
    expect(evs.filter((e) => e.ph === 'C' && e.name === 'gfx0 credits').map((e) => e.args!.credits)).toEqual([1, 2, 1]);
    await rt.dispose();
  });

  it('violations of no ring go on the runtime track; without trace: true only protocol events are kept', async () => {
    const rt = await runtime(backend, {});
    const ring = rt.createRing({ device: rt.createDevice({ name: 'gpu' }), capacity: 8, name: 'gfx0' });
    ring.submit({});
    const ctx = rt.createContext({ driverName: 'sw', timelineName: 't' });
    const df = ctx.createFence();
    df.signal();
    df.setError(-Errno.EIO); // F4: set_error after signal (no ring)
    rt.sim.runUntilIdle();
    expect(rt.events.map((e) => e.name)).toEqual(['violation']);
    const trace = JSON.parse(rt.exportTrace());
    expect(checkTrace(trace)).toEqual([]);
    const names = threadNames(trace.traceEvents);
    const v = (trace.traceEvents as Ev[]).find((e) => e.ph === 'i')!;
    expect([names.get(`${v.pid}/${v.tid}`), v.name, v.args!.rule]).toEqual(['runtime', 'violation F4: set-error-after-signal', 'F4']);
    await rt.dispose();
  });

  it('traceLimit takes an integer from 1 to 2^24 (ERR_INVALID_ARG otherwise)', async () => {
    for (const bad of [0, -1, 1.5, 2 ** 24 + 1, '10', null, NaN]) {
      await expect(runtime(backend, { traceLimit: bad as number }), String(bad)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    }
    void codeOf;
  });
});
