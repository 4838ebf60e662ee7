/**
 * 10^6 scheduled jobs through three rings with random dependencies (seeded), on both backends
 * (S3, S4, S6, C3). The bulk goes through the batch form (pushBatch with `after`: no handle per
 * job); a sample of jobs goes through ent.push with random dependencies and a callback. Checked:
 *   - exactly once: every job's three fences (ring, scheduled, finished) signaled, counted by the
 *     runtime's statistics, and every sampled callback ran once;
 *   - never before its dependencies: each batch dependency checked against the contexts' signaled
 *     seqnos after every step of the clock, and each sampled job's timestamp against its
 *     dependencies' timestamps, in its callback;
 *   - in order per entity: no ordering violation (C3) on any context, and each entity's sampled
 *     callbacks in seqno order with timestamps that never go back.
 */
import { describe, expect, it } from 'vitest';
import type { DmaFence, FenceContext, Runtime } from '../bindings/index.js';
import { BACKENDS } from './helpers.js';

// The built package (dist/, which `npm test` builds first): a million jobs through the ts core
// as vitest transforms the sources runs several times slower than the same core bundled, where
// the layout's constants are plain bindings rather than module-namespace reads.
const { createRuntime } = (await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('../bindings/index.js');

const TOTAL = 1_000_000;
const RINGS = 3;
const ENTITIES_PER_RING = 2;
/** How far the clock moves between checks, ns (a job takes 1 µs plus jitter). */
const STEP_NS = 20_000;
/** Jobs pushed and not completed when the producer pushes again. */
const BACKLOG = 2048;

/**
 * The FenceContext of an entity's finished context: the public C4 counters (lastSeqno,
 * signaledSeqno, pending) of a context the scheduler made. The runtime has no public lookup by
 * id, so this finds it among the contexts the runtime issued (the one internal read here).
 */
function finishedContext(rt: Runtime, id: number): FenceContext {
  const c = (rt.fences.issuers as unknown as FenceContext[]).find((x) => x.id === id);
  if (!c) throw new Error(`no context ${id}`);
  return c;
}

/** xorshift32: the test's own seeded randomness. */
function prng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

describe.each(BACKENDS)('10^6 scheduled jobs, random dependencies (%s backend)', (backend) => {
  it('S3/S4/S6/C3: every finished fence signals exactly once, never before its dependencies, in order per entity', async () => {
    const rt = await createRuntime({ backend, seed: 7, maxFences: 1 << 16, maxContexts: 64, maxRings: RINGS, maxRingCapacity: 256 });
    const rand = prng(12345);
    const devs = Array.from({ length: RINGS }, (_, i) => rt.createDevice({ name: `dev${i}`, latency: { baseNs: 1000, jitter: 0.5 } }));
    const rings = devs.map((device, i) => rt.createRing({ device, capacity: 256, timeoutNs: Infinity, name: `ring${i}` }));
    const scheds = rings.map((ring) => rt.createScheduler({ ring, name: ring.name }));
    const ents = scheds.flatMap((s) => Array.from({ length: ENTITIES_PER_RING }, () => s.createEntity({ priority: 'normal' })));
    const E = ents.length;
    const pushedTo = new Array<number>(E).fill(0); // last seqno handed out per entity
    const ctx = ents.map((e) => finishedContext(rt, e.finishedContext));

    /** Batch dependencies still to watch: entity x's jobs [first, first + n) wait for y's [depFirst, ...). */
    let watch: { x: number; first: number; n: number; y: number; depFirst: number }[] = [];
    const checkBatches = () => {
      const live: typeof watch = [];
      for (const w of watch) {
        const sx = ctx[w.x].signaledSeqno;
        const sy = ctx[w.y].signaledSeqno;
        const k = Math.min(sx - w.first, w.n - 1);
        if (k >= 0 && sy < w.depFirst + k) throw new Error(`entity ${w.x} job ${w.first + k} signaled before entity ${w.y} job ${w.depFirst + k} (at ${rt.sim.now} ns)`);
        if (sx < w.first + w.n - 1) live.push(w);
      }
      watch = live;
    };

    // The sample: pushed one at a time, with handles, random dependencies and a callback.
    const recent: DmaFence[] = []; // finished fences of sampled jobs, any entity, still pending or not
    const lastSampled: (DmaFence | undefined)[] = new Array(E).fill(undefined);
    let sampled = 0;
    let callbacks = 0;
    const failures: string[] = [];
    const pushSample = (x: number) => {
      const deps: DmaFence[] = [];
      for (let d = rand(3); d > 0 && recent.length; d--) deps.push(recent[recent.length - 1 - rand(Math.min(recent.length, 16))]);
      const prev = lastSampled[x];
      const job = ents[x].push({ deps });
      pushedTo[x] = job.seqno;
      sampled++;
      job.scheduled.release();
      let ran = 0;
      job.finished.addCallback((f) => {
        callbacks++;
        if (++ran > 1) failures.push(`callback of ${x}:${f.seqno} ran twice`);
        for (const d of deps) {
          if (!d.signaled || d.timestamp > f.timestamp) failures.push(`${x}:${f.seqno} signaled before its dependency ${d.context}:${d.seqno}`);
        }
        if (prev && (!prev.signaled || prev.seqno >= f.seqno || prev.timestamp > f.timestamp)) failures.push(`${x}:${f.seqno} out of order after ${prev.seqno}`);
      });
      recent.push(job.finished);
      lastSampled[x] = job.finished;
    };

    const signaledBefore = rt.stats.fencesSignaled;
    let pushed = 0;
    while (pushed < TOTAL) {
      for (let x = 0; x < E && pushed < TOTAL; x++) {
        const n = Math.min(TOTAL - pushed - 1, 64 + rand(448));
        if (n > 0) {
          // A dependency on another entity's jobs already pushed (no cycles), near its newest.
          const y = rand(E);
          const room = pushedTo[y] - n;
          if (y !== x && room >= 1 && rand(4) !== 0) {
            const depFirst = room - rand(Math.min(room, 512));
            const first = ents[x].pushBatch(n, { after: { context: ents[y].finishedContext, firstSeqno: depFirst } });
            watch.push({ x, first, n, y, depFirst });
          } else {
            ents[x].pushBatch(n, {});
          }
          pushedTo[x] += n;
          pushed += n;
        }
        pushSample(x);
        pushed++;
      }
      // Drive the clock until the backlog is small again, not empty: dependencies on jobs that
      // have not run yet keep mattering.
      while (pushed - rt.stats.jobsCompleted > BACKLOG) {
        rt.sim.advance(STEP_NS);
        checkBatches();
      }
      while (recent.length > 64) recent.shift()!.release();
    }
    for (;;) {
      const r = rt.sim.advance(STEP_NS);
      checkBatches();
      if (r.events === 0 && rt.sim.runUntilIdle().events === 0) break;
    }
    checkBatches();
    expect(watch).toEqual([]);
    for (const f of recent) f.release();

    expect(failures.slice(0, 5)).toEqual([]);
    expect(callbacks).toBe(sampled);
    for (let x = 0; x < E; x++) {
      expect(ctx[x].lastSeqno).toBe(pushedTo[x]);
      expect(ctx[x].signaledSeqno).toBe(pushedTo[x]);
      expect(ctx[x].pending).toBe(0);
    }
    // Exactly once: each job's ring fence, scheduled fence and finished fence, no more.
    expect(rt.stats.fencesSignaled - signaledBefore).toBe(3 * TOTAL);
    expect(rt.stats.jobsCompleted).toBe(TOTAL);
    expect(rt.stats.orderingViolations).toBe(0);
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  }, 60_000);
});
