// The real-clock rows of `npm run bench`: the pipeline with the device in a worker thread, kept
// full for CFG.realJobs zero-byte jobs, against its peer (a hand-written SharedArrayBuffer ring
// between the same two threads, bench/sab-ring.mjs) in the same rounds, at 1,024 slots (the goal's
// row, then the latency of one job at a time) and at 16,384; with the device thread's counters per
// 1,000 jobs (passes, IRQs raised, spins, parks). Each round starts a fresh runtime (and a fresh
// peer ring), runs CFG.realJobs / 10 untimed jobs to warm it, then the timed ones.
import { median, percentile as pct } from './stats.mjs';
import { SabRing } from './sab-ring.mjs';

/** Keeps `ring` full until `n` jobs were submitted, then waits for the last; returns ms. */
async function sustain(ring, n, submitLast) {
  const t0 = performance.now();
  let submitted = 0;
  while (submitted < n) {
    const k = Math.min(ring.space, n - submitted);
    if (k > 0) {
      ring.submitBatch(k, {});
      submitted += k;
    }
    if (ring.space === 0) await new Promise((r) => setImmediate(r));
  }
  await submitLast();
  return performance.now() - t0;
}

/** The device loop's counters per 1,000 jobs over the timed runs (runtime._deviceStats). */
function perKJobs(before, after, jobs) {
  const o = {};
  for (const k of Object.keys(after)) o[k] = Math.round(((after[k] - before[k]) / jobs) * 1000 * 100) / 100;
  return o;
}

/** The pipeline kept full at `capacity` against the peer ring of the same capacity; the latency rows at 1,024 only. */
async function pipeline(h, capacity, latency, endToEnd) {
  const { createRuntime, CFG, BACKENDS, manual } = h;
  const n = CFG.realJobs;
  const counters = { wasm: [], ts: [] };
  const s = await manual(async (col) => {
    if (col === 'peer') {
      const ring = await SabRing.start(capacity);
      const last = async () => {
        while (ring.space === 0) await new Promise((r) => setImmediate(r));
        ring.submitBatch(1);
        await ring.until(ring.head);
      };
      return {
        before: () => sustain(ring, n / 10, last),
        run: () => sustain(ring, n, last),
        dispose: () => ring.dispose(),
      };
    }
    const rt = await createRuntime({ backend: col, clock: 'real', maxFences: Math.max(1 << 14, 2 * capacity), maxRingCapacity: capacity });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 0 } }), capacity, timeoutNs: 10e9 });
    const last = async () => {
      const f = await ring.submitAsync({});
      await f.wait();
      f.release();
    };
    let before;
    return {
      before: async () => {
        await sustain(ring, n / 10, last);
        before = rt._deviceStats();
      },
      run: () => sustain(ring, n, last),
      dispose: async () => {
        counters[col].push(perKJobs(before, rt._deviceStats(), n + 1));
        // Latency, one zero-duration job at a time: from the device completing it (in its
        // thread) to its callback running on this thread (the interrupt path), and from submit
        // to callback.
        for (let i = 0; latency && i < CFG.latencySamples; i++) {
          const t = performance.now();
          const f = ring.submit({});
          const cbAt = await new Promise((res) => f.addCallback(() => res(rt.sim.now)));
          endToEnd[col].push((performance.now() - t) * 1000);
          const done = ring._jobStartNs(f.seqno); // zero duration: completion = start
          if (done !== undefined) latency[col].push((cbAt - done) / 1000);
          f.release();
        }
        await rt.dispose();
      },
    };
  }, 1, BACKENDS.concat(['peer']));
  // The round with the median figure's counters would be finer; the counters vary little: the last round's.
  return { s, counters: { wasm: counters.wasm.at(-1), ts: counters.ts.at(-1) } };
}

export async function section(h) {
  const { CFG, record } = h;
  const latency = { wasm: [], ts: [] };
  const endToEnd = { wasm: [], ts: [] };
  const n = CFG.realJobs;
  const peerName = 'hand-written SharedArrayBuffer ring between the same two threads';
  const small = await pipeline(h, 1024, latency, endToEnd);
  const lat = (b) => ({
    latencyUs: { p50: pct(latency[b], 50), p99: pct(latency[b], 99) },
    submitToCallbackUs: { p50: median(endToEnd[b]), p99: pct(endToEnd[b], 99) },
    deviceLoopPer1kJobs: small.counters[b],
  });
  const row = record('pipeline, real clock (device in a worker), zero-byte jobs', 'jobs/s', n, small.s, {
    hot: true,
    goal: { wasm: 30e6 },
    peerName,
    columns: { wasm: lat('wasm'), ts: lat('ts') },
  });
  h.log(`    completion-to-callback p50/p99: wasm ${row.wasm.latencyUs.p50.toFixed(1)}/${row.wasm.latencyUs.p99.toFixed(1)} µs, ts ${row.ts.latencyUs.p50.toFixed(1)}/${row.ts.latencyUs.p99.toFixed(1)} µs`);
  const fmtK = (c) => `${c.passes} passes, ${c.irqs} IRQs, ${c.spins} spins (${c.spinHits} rung), ${c.parks} parks`;
  h.log(`    device thread per 1,000 jobs: wasm ${fmtK(small.counters.wasm)}; ts ${fmtK(small.counters.ts)}`);
  // The larger ring: fewer wake-ups per job (one per 16,384 when the threads take turns).
  const big = await pipeline(h, 16384, undefined, undefined);
  record('pipeline, real clock, zero-byte jobs, ring of 16,384', 'jobs/s', n, big.s, {
    hot: true,
    peerName: `${peerName} (16,384 slots)`,
    columns: { wasm: { deviceLoopPer1kJobs: big.counters.wasm }, ts: { deviceLoopPer1kJobs: big.counters.ts } },
  });
  h.log(`    device thread per 1,000 jobs: wasm ${fmtK(big.counters.wasm)}; ts ${fmtK(big.counters.ts)}`);
}
