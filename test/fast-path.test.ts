/**
 * The device engine's fast paths (assembly/fast-path.ts: fastRun, tiedRun) against its general path:
 * seeded random scenarios (zero-byte and chunked jobs, several rings on shared and separate
 * devices, jitter and seeded faults, injected faults, callbacks and held handles on some fences,
 * timers, timeouts, buffers freed under running jobs (M2), a scheduler or tracing on some) run
 * with the fast path on and off (MODE_NO_FAST_PATH, a header bit only this test sets), on both
 * backends, in lockstep. After every operation the four arenas are byte-identical except the mode
 * word itself, and every callback (with its status, its fence's timestamp and the virtual time it
 * ran at, and the DMA bytes written by then), timer, return value and violation is the same:
 * each fence keeps its own job's completion time (R4), signaled in order (C3), with the same slot
 * reuse and statistics. The tied scenarios feed two to four rings on devices alike at the same
 * instants (zero-byte jobs, one job with bytes for all or a pattern per ring, a fence with a
 * callback or a held handle among them, timeouts equal to a job's duration): their completions
 * tie, and the engine's (time, ring index) order must come out the same from tiedRun.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../bindings/core/layout.js';
import type { DmaBuffer, DmaDevice, DmaFence, HwRing, Runtime } from '../bindings/index.js';
import { arenaWithoutMode, expectSameWorlds, outcome, prng, runtime } from './helpers.js';

const SCENARIOS = 32;
/** Tied scenarios: rings alike on devices alike, fed at the same instants (tiedRun). */
const TIED = 24;
/** Tied scenarios whose rings' u32 counters start just short of 2^32 (they wrap early). */
const WRAPPED = 16;
const OPS = 60;

interface World {
  rt: Runtime;
  devs: DmaDevice[];
  rings: HwRing[];
  bufs: DmaBuffer[];
  held: DmaFence[];
  ents: { pushBatch(n: number, job: object): number }[];
  log: string[];
  tied: boolean;
}

/**
 * The scenario's shape, drawn once per seed (the same for the four runtimes). Tied (seeds above
 * SCENARIOS): two to four rings whose devices take one duration per zero-byte job, mostly fed
 * all at once, so that their events fall at the same instants.
 */
function shape(seed: number) {
  const r = prng(seed * 7919 + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  if (seed > SCENARIOS) {
    const baseNs = pick([1, 100, 1000]);
    const perByteNs = pick([0, 0.25, 1]);
    const devs = Array.from({ length: 1 + Math.floor(r() * 2) }, () => ({
      baseNs,
      perByteNs: r() < 0.8 ? perByteNs : pick([0, 0.25, 1]),
      jitter: 0,
      faults: r() < 0.1 ? { hang: 0.01, slow: 0.05, lostIrq: 0.05 } : undefined,
    }));
    const rings = Array.from({ length: 2 + Math.floor(r() * 3) }, (_, i) => ({
      dev: i % devs.length,
      capacity: pick([16, 64]),
      timeoutNs: pick([Infinity, Infinity, baseNs, 50_000, 4_000]),
    }));
    return { devs, rings, sched: r() < 0.2, trace: r() < 0.05, tied: true };
  }
  const devs = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({
    baseNs: pick([0, 100, 1000, 1000, 2500]),
    perByteNs: pick([0, 0.25, 1]),
    jitter: r() < 0.25 ? 0.3 : 0,
    faults: r() < 0.2 ? { hang: 0.01, slow: 0.05, lostIrq: 0.05 } : undefined,
  }));
  const rings = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, i) => ({
    dev: i % devs.length,
    capacity: pick([4, 16, 64]),
    timeoutNs: pick([Infinity, Infinity, 50_000, 4_000]),
  }));
  return { devs, rings, sched: r() < 0.25, trace: r() < 0.1, tied: false };
}

async function world(backend: 'wasm' | 'ts', seed: number, fast: boolean): Promise<World> {
  const s = shape(seed);
  const rt = await runtime(backend, { seed, maxFences: 1024, maxRings: 4, maxRingCapacity: 64, dmaBytes: 1 << 14, trace: s.trace, maxContexts: 32 });
  if (!fast) rt.arena.setHeader(L.H_MODE, rt.arena.header(L.H_MODE) | L.MODE_NO_FAST_PATH);
  const devs = s.devs.map((d, i) =>
    rt.createDevice({ name: `d${i}`, latency: { baseNs: d.baseNs, perByteNs: d.perByteNs, jitter: d.jitter }, ...(d.faults ? { faults: d.faults } : {}), resetNs: 2000, ackNs: 300 }),
  );
  const rings = s.rings.map((g, i) => rt.createRing({ device: devs[g.dev], capacity: g.capacity, timeoutNs: g.timeoutNs, name: `r${i}` }));
  if (seed > SCENARIOS + TIED) {
    // The wrapped scenarios: every ring's free-running u32 counters (tail, signal index, head,
    // retired, trail) and R_ZERO_FROM start a few batches short of 2^32 (1 to 160 jobs, by seed),
    // so they wrap early: the tied pass's mark and every index difference must hold across it.
    const a = rt.arena;
    const start = 2 ** 32 - 1 - ((seed * 37) % 160);
    for (let i = 0; i < rings.length; i++) {
      const rp = a.base + a.layout.ringsOff + i * a.layout.ringStride;
      for (const w of [L.R_TAIL, L.R_SIG_IDX, L.R_HEAD, L.R_RETIRED, L.R_TRAIL_IDX, L.R_ZERO_FROM]) a.u32[(rp + w) >> 2] = start;
    }
  }
  const bufs = [rt.memory.alloc(1024), rt.memory.alloc(256), rt.memory.alloc(4096)];
  const ents = s.sched ? [rt.createScheduler({ ring: rings[0] }).createEntity()] : [];
  return { rt, devs, rings, bufs, held: [], ents, log: [], tied: s.tied };
}

/** One operation, drawn from the op PRNG (the same draws for the four runtimes). */
function step(w: World, r: () => number): unknown {
  const { rt, rings, log } = w;
  const now = () => rt.sim.now;
  const ring = rings[Math.floor(r() * rings.length)];
  const ri = rings.indexOf(ring);
  const job = () => {
    const k = Math.floor(r() * 4);
    if (k === 0) return {};
    const buf = w.bufs[Math.floor(r() * w.bufs.length)];
    return k === 1 ? { dst: buf } : { dst: buf, bytes: Math.min(buf.size, 64 * (1 + Math.floor(r() * 4))), pattern: Math.floor(r() * 256) };
  };
  const watch = (f: DmaFence, tag: string) =>
    f.addCallback((g) => {
      // (the bytes the device wrote so far: what the bindings see of the chunks due by then)
      log.push(`${tag} r${ri}#${g.seqno} status ${g.status} ts ${g.timestamp} @${now()} dma ${rt.stats.dmaBytesWritten}`);
      g.release();
    });
  const guard = outcome;
  const op = r();
  if (w.tied && op < 0.3) {
    // Every ring fed alike at this instant: zero-byte jobs or one job with bytes for all (now and
    // then a pattern per ring), a fence with a callback or a held handle among them on one ring,
    // or a different job behind them.
    const n = 1 + Math.floor(r() * 40);
    const extra = r();
    const kind = r();
    const shared = kind < 0.5 ? {} : job();
    const other = extra < 0.15 ? job() : undefined;
    const sel = Math.floor(r() * (rings.length - 1)); // (rings after it complete at its instant)
    return rings.map((g, i) =>
      guard(() => {
        const j = kind > 0.85 && 'dst' in shared ? { ...shared, pattern: (i * 37) & 255 } : shared;
        const k = g.submitBatch(Math.max(1, Math.min(n, g.space - 2)), j);
        if (other) g.submitBatch(1, other);
        else if (extra < 0.4 && i === sel) watch(g.submit(j), 'cb');
        else if (extra < 0.45 && i === sel) w.held.push(g.submit(j));
        if (g.space > 0 && extra < 0.6) g.submitBatch(Math.min(g.space, 1 + (n >> 1)), j);
        return k;
      }),
    );
  }
  if (op < 0.3) {
    const n = 1 + Math.floor(r() * 80);
    const j = job();
    return guard(() => ring.submitBatch(Math.max(1, Math.min(n, ring.space)), j));
  }
  if (op < 0.4) {
    const j = job();
    return guard(() => {
      const f = ring.submit(j);
      watch(f, 'cb');
      return f.seqno;
    });
  }
  if (op < 0.45) {
    const j = job();
    return guard(() => {
      const f = ring.submit(j);
      w.held.push(f);
      return f.seqno;
    });
  }
  if (op < 0.5 && w.ents.length) {
    const n = 1 + Math.floor(r() * 30);
    return guard(() => w.ents[0].pushBatch(n, {}));
  }
  if (op < 0.6) {
    const at = now() + Math.floor(r() * 20_000);
    rt.sim.schedule(at, () => log.push(`timer ${at} @${now()}`));
    return at;
  }
  if (op < 0.63) {
    const kind = (['hang', 'slow', 'lostIrq', 'lostWriteback'] as const)[Math.floor(r() * 4)];
    return guard(() => w.devs[Math.floor(r() * w.devs.length)].inject(kind));
  }
  if (op < 0.66) {
    // A buffer freed under the jobs that write it, and a fresh one (M2 corruptions).
    const i = Math.floor(r() * w.bufs.length);
    return guard(() => {
      rt.memory.free(w.bufs[i]);
      w.bufs[i] = rt.memory.alloc([1024, 256, 4096][i]);
      return w.bufs[i].offset;
    });
  }
  if (op < 0.69) return guard(() => ring.restart());
  if (op < 0.72) return rt.sim.runUntilIdle().nowNs;
  return rt.sim.advance(1 + Math.floor(r() * 30_000)).nowNs;
}

function final(w: World): string[] {
  const out = w.held.map((f) => `held #${f.seqno} ${f.signaled ? `ts ${f.timestamp}` : 'pending'}`);
  out.push(JSON.stringify(w.rt.violations));
  out.push(JSON.stringify(w.rt.stats));
  return out;
}

describe('device fast path (R4, C3, M2): the same run with and without it, on both backends', () => {
  it.each(Array.from({ length: SCENARIOS + TIED + WRAPPED }, (_, i) => i + 1))('R4: scenario %i gives byte-identical arenas and the same callbacks, timestamps and violations', async (seed) => {
    const worlds = await expectSameWorlds((backend, fast) => world(backend, seed, fast), seed, OPS, step, final);
    expect(worlds[0].log.length + worlds[0].held.length).toBeGreaterThan(0);
    for (const w of worlds) await w.rt.dispose();
  });
});

describe('device fast path: the stretches of zero-byte jobs (zeroRun, tiedPlain) against the general path', () => {
  /** One ring alone, then four rings fed alike (tied), with every kind of stop inside a stretch. */
  async function scripted(backend: 'wasm' | 'ts', fast: boolean) {
    const rt = await runtime(backend, { seed: 7, maxFences: 1024, maxRings: 4, maxRingCapacity: 256, dmaBytes: 1 << 14 });
    if (!fast) rt.arena.setHeader(L.H_MODE, rt.arena.header(L.H_MODE) | L.MODE_NO_FAST_PATH);
    // perByteNs 0: a job with bytes takes the zero-byte jobs' step, so a stretch goes on past it.
    const dev = rt.createDevice({ name: 'd', latency: { baseNs: 100, perByteNs: 0 } });
    const rings = [0, 1, 2, 3].map((i) => rt.createRing({ device: dev, capacity: 256, name: `r${i}`, timeoutNs: i === 0 || i === 3 ? 5000 : Infinity }));
    const buf = rt.memory.alloc(1024);
    const log: string[] = [];
    const held: DmaFence[] = [];
    const watch = (f: DmaFence) =>
      f.addCallback((g) => {
        log.push(`cb #${g.seqno} ts ${g.timestamp} @${rt.sim.now} dma ${rt.stats.dmaBytesWritten}`);
        g.release();
      });
    const ops: (() => unknown)[] = [
      () => rings[0].submitBatch(50, {}),
      () => held[held.push(rings[0].submit({})) - 1].seqno,
      () => rings[0].submitBatch(30, {}),
      () => {
        const f = rings[0].submit({});
        watch(f);
        return f.seqno;
      },
      () => rings[0].submitBatch(20, { dst: buf, bytes: 64, pattern: 9 }),
      () => rings[0].submitBatch(40, {}),
      () => {
        rt.sim.schedule(rt.sim.now + 100 * 120, () => log.push(`timer @${rt.sim.now}`));
      },
      () => rt.sim.runUntilIdle().nowNs,
      // Past the ring's end (a stretch in two segments), from a time that is not a whole number
      // (timelyJobs makes the sums one by one), up to a timer there and one at a whole instant.
      () => rt.sim.advance(0.5).nowNs,
      () => rings[0].submitBatch(200, {}),
      () => {
        rt.sim.schedule(rt.sim.now + 100 * 70 + 0.5, () => log.push(`timer @${rt.sim.now}`));
      },
      () => rt.sim.runUntilIdle().nowNs,
      () => rt.sim.advance(0.5).nowNs,
      // (over descriptors of the jobs with bytes: a blank descriptor, pattern 0, written whole)
      () => rings[0].submitBatch(120, { pattern: 0 }),
      () => {
        rt.sim.schedule(rt.sim.now + 100 * 50, () => log.push(`timer @${rt.sim.now}`));
      },
      () => rt.sim.runUntilIdle().nowNs,
      // (the rings stay alike: one job each at the held handle's and the callback's instants)
      () => rings.map((r) => r.submitBatch(40, {})),
      () => held[held.push(rings[1].submit({})) - 1].seqno,
      () => [0, 2, 3].map((i) => rings[i].submitBatch(1, {})),
      () => rings.map((r) => r.submitBatch(20, {})),
      () => {
        const f = rings[2].submit({});
        watch(f);
        return f.seqno;
      },
      () => [0, 1, 3].map((i) => rings[i].submitBatch(1, {})),
      () => rings.map((r) => r.submitBatch(20, {})),
      () => {
        rt.sim.schedule(rt.sim.now + 100 * 60, () => log.push(`timer @${rt.sim.now}`));
      },
      () => rt.sim.runUntilIdle().nowNs,
    ];
    return { rt, ops, log, held };
  }
  const bytes = arenaWithoutMode;

  it('R4: stretches stopped by a held handle, a callback, a job with bytes, a timer and a deadline, across the ring\'s end and from a time that is not a whole number, give byte-identical arenas on both backends', async () => {
    const ws = [await scripted('wasm', false), await scripted('wasm', true), await scripted('ts', false), await scripted('ts', true)];
    const n = ws[0].ops.length;
    for (let i = 0; i < n; i++) {
      const results = ws.map((w) => w.ops[i]());
      for (let k = 1; k < 4; k++) {
        expect(results[k], `world ${k} op ${i}`).toEqual(results[0]);
        expect(ws[k].log, `world ${k} op ${i}`).toEqual(ws[0].log);
        expect(bytes(ws[k].rt).equals(bytes(ws[0].rt)), `world ${k} arena after op ${i}`).toBe(true);
      }
    }
    // (both callbacks ran, the four timers fired, each fence with its own job's time)
    expect(ws[0].log.filter((l) => l.startsWith('cb')).length).toBe(2);
    expect(ws[0].log.filter((l) => l.startsWith('timer')).length).toBe(4);
    for (let k = 1; k < 4; k++) expect(ws[k].held.map((f) => f.timestamp)).toEqual(ws[0].held.map((f) => f.timestamp));
    expect(ws[0].held.every((f) => f.signaled)).toBe(true);
    for (const w of ws) await w.rt.dispose();
  });
});

describe('device fast path: the jobs with no bytes at the tail (R_ZERO_FROM), whose sizes tiedRun does not read', () => {
  it.each(['wasm', 'ts'] as const)('R4: ringSubmit keeps every job from R_ZERO_FROM to the tail without bytes, at most capacity back (%s)', async (backend) => {
    const rt = await runtime(backend, { maxFences: 256, maxRings: 1, maxRingCapacity: 16, dmaBytes: 1 << 12 });
    const dev = rt.createDevice({ latency: { baseNs: 100, perByteNs: 0 } });
    const ring = rt.createRing({ device: dev, capacity: 16 });
    const buf = rt.memory.alloc(256);
    const a = rt.arena;
    const word = (w: number) => a.u32[(a.base + a.layout.ringsOff + w) >> 2];
    /** Jobs with no bytes up to the tail, as the word says (the counters are u32). */
    const zeros = () => (word(L.R_TAIL) - word(L.R_ZERO_FROM)) >>> 0;
    let run = 0; // (the jobs with no bytes submitted since the last job with bytes)
    const r = prng(11);
    for (let i = 0; i < 200; i++) {
      const n = 1 + Math.floor(r() * 12);
      if (r() < 0.2) {
        ring.submitBatch(n, { dst: buf, bytes: 64, pattern: 3 });
        run = 0;
      } else if (r() < 0.1) {
        ring.submit({}).release();
        run += 1;
      } else {
        ring.submitBatch(n, r() < 0.5 ? {} : { dst: buf, bytes: 0 });
        run += n;
      }
      expect(zeros(), `op ${i}`).toBe(Math.min(run, 16));
      rt.sim.runUntilIdle();
    }
    await rt.dispose();
  });

  it('R4: across the u32 wrap of the ring counters, the tied pass takes the mark modulo 2^32: zero-byte jobs queued before the wrap, jobs with bytes across it, give the general path\'s bytes', async () => {
    /** Four rings alike, their counters 8 short of 2^32: 4 zero-byte jobs, 8 with bytes (R_ZERO_FROM moves past the wrap), 4 zero-byte. */
    async function run(backend: 'wasm' | 'ts', fast: boolean) {
      const rt = await runtime(backend, { maxFences: 256, maxRings: 4, maxRingCapacity: 64, dmaBytes: 1 << 14 });
      if (!fast) rt.arena.setHeader(L.H_MODE, rt.arena.header(L.H_MODE) | L.MODE_NO_FAST_PATH);
      const dev = rt.createDevice({ latency: { baseNs: 100, perByteNs: 0 } });
      const rings = [0, 1, 2, 3].map(() => rt.createRing({ device: dev, capacity: 64 }));
      const a = rt.arena;
      for (let i = 0; i < rings.length; i++) {
        const rp = a.base + a.layout.ringsOff + i * a.layout.ringStride;
        for (const w of [L.R_TAIL, L.R_SIG_IDX, L.R_HEAD, L.R_RETIRED, L.R_TRAIL_IDX, L.R_ZERO_FROM]) a.u32[(rp + w) >> 2] = 2 ** 32 - 8;
      }
      const bufs = rings.map(() => rt.memory.alloc(64));
      for (const g of rings) g.submitBatch(4, {});
      for (const [i, g] of rings.entries()) g.submitBatch(8, { dst: bufs[i], bytes: 64, pattern: 5 + i });
      for (const g of rings) g.submitBatch(4, {});
      rt.sim.runUntilIdle();
      const out = { arena: arenaWithoutMode(rt), bytes: bufs.map((b) => b.read()[63]), now: rt.sim.now, dma: rt.stats.dmaBytesWritten };
      await rt.dispose();
      return out;
    }
    for (const backend of ['wasm', 'ts'] as const) {
      const general = await run(backend, false);
      const fast = await run(backend, true);
      expect(general.bytes).toEqual([5, 6, 7, 8]);
      expect([fast.bytes, fast.now, fast.dma]).toEqual([general.bytes, general.now, general.dma]);
      expect(fast.arena.equals(general.arena), `${backend}: the arenas`).toBe(true);
    }
  });
});
