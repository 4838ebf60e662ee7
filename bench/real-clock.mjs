// The real-clock rows of `npm run bench`: the pipeline with the device in a worker thread, kept
// full for CFG.realJobs zero-byte jobs, against its peer (a hand-written SharedArrayBuffer ring
// between the same two threads, bench/sab-ring.mjs) in the same rounds; then the latency of one
// job at a time. Each round starts a fresh runtime (and a fresh peer ring), runs CFG.realJobs / 10
// untimed jobs to warm it, then the timed ones.
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

export async function section(h) {
  const { createRuntime, CFG, BACKENDS, manual, record } = h;
  const latency = { wasm: [], ts: [] };
  const endToEnd = { wasm: [], ts: [] };
  const n = CFG.realJobs;
  const cols = BACKENDS.concat(['peer']);
  const s = await manual(async (col) => {
    if (col === 'peer') {
      const ring = await SabRing.start(1024);
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
    const rt = await createRuntime({ backend: col, clock: 'real', maxFences: 1 << 14, maxRingCapacity: 1024 });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 0 } }), capacity: 1024, timeoutNs: 10e9 });
    const last = async () => {
      const f = await ring.submitAsync({});
      await f.wait();
      f.release();
    };
    return {
      before: () => sustain(ring, n / 10, last),
      run: () => sustain(ring, n, last),
      dispose: async () => {
        // Latency, one zero-duration job at a time: from the device completing it (in its
        // thread) to its callback running on this thread (the interrupt path), and from submit
        // to callback.
        for (let i = 0; i < CFG.latencySamples; i++) {
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
  }, 1, cols);
  const lat = (b) => ({
    latencyUs: { p50: pct(latency[b], 50), p99: pct(latency[b], 99) },
    submitToCallbackUs: { p50: median(endToEnd[b]), p99: pct(endToEnd[b], 99) },
  });
  const row = record('pipeline, real clock (device in a worker), zero-byte jobs', 'jobs/s', n, s, {
    hot: true,
    goal: { wasm: 30e6 },
    peerName: 'hand-written SharedArrayBuffer ring between the same two threads',
    columns: { wasm: lat('wasm'), ts: lat('ts') },
  });
  h.log(`    completion-to-callback p50/p99: wasm ${row.wasm.latencyUs.p50.toFixed(1)}/${row.wasm.latencyUs.p99.toFixed(1)} µs, ts ${row.ts.latencyUs.p50.toFixed(1)}/${row.ts.latencyUs.p99.toFixed(1)} µs`);
}
