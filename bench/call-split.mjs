#!/usr/bin/env node
// The fixed cost of one call of `ring.submitBatch(n, {})` and of `rt.sim.runUntilIdle()` on the
// virtual clock, for one or two builds in one process, interleaved (README, "What bounds each
// pipeline workload", zero-byte jobs): n = 1, 16 and 1,024 zero-byte jobs per ring, on 1 ring and
// on 8 tied rings, per backend. Per iteration: each ring's submitBatch(n), then one runUntilIdle.
// Figures: µs per submitBatch call and per runUntilIdle call (each timed with hrtime, less the
// timer's own cost, measured alongside: the median of a round's iterations), and µs per whole
// iteration timed in blocks (no timer inside: the best of a round's 20 blocks, the figure least
// disturbed by other processes on a busy machine). Per build and case a round runs these; the
// output is the median [min-max] over rounds, and with two builds the median after/before ratio
// of the rounds' iteration times. The fixed part: cost(16) - 16 * (cost(1024) - cost(16)) / 1008.
//   node bench/call-split.mjs <dist/> [<other dist/>] [rounds] [wasm|ts|both]
import { buildsFromArgs } from './builds.mjs';
import { median, sorted } from './stats.mjs';
import { pipelineRuntime } from './pipeline-setup.mjs';

const { builds, rounds: ROUNDS, backend } = await buildsFromArgs('node bench/call-split.mjs <dist/> [<other dist/>] [rounds] [wasm|ts|both]');
const BACKENDS = backend === 'ts' ? ['ts'] : backend === 'wasm' ? ['wasm'] : ['wasm', 'ts'];

const now = () => Number(process.hrtime.bigint());
/** The timer's own cost: the median of back-to-back reads. */
function timerNs() {
  const xs = [];
  for (let i = 0; i < 20000; i++) {
    const a = now();
    xs.push(now() - a);
  }
  return median(xs);
}

/**
 * The timed loops, compiled once per runtime (`new Function` with a source of its own), so that
 * two builds' loops share no inline caches or optimized code: one closure of one function for
 * both would see both builds' classes at each call site (polymorphic, and in an order that may
 * favour one build).
 */
const LOOPS = `
  const sub = [];
  const run = [];
  return {
    rt: undefined,
    split(iters, tick) {
      sub.length = 0;
      run.length = 0;
      for (let i = 0; i < iters; i++) {
        const a = now();
        for (let k = 0; k < rings; k++) rs[k].submitBatch(n, job);
        const b = now();
        rt.sim.runUntilIdle();
        const c = now();
        sub.push((b - a - tick) / rings);
        run.push(c - b - tick);
      }
      return { sub: median(sub), run: median(run) };
    },
    whole(blocks, block) {
      const xs = [];
      for (let i = 0; i < blocks; i++) {
        const a = now();
        for (let j = 0; j < block; j++) {
          for (let k = 0; k < rings; k++) rs[k].submitBatch(n, job);
          rt.sim.runUntilIdle();
        }
        xs.push((now() - a) / block);
      }
      return min(xs);
    },
  };`;
let made = 0;
async function make(mod, backend, rings, n) {
  const { rt, rs } = await pipelineRuntime(mod.createRuntime, backend, rings);
  const loops = new Function('rt', 'rs', 'rings', 'n', 'job', 'now', 'median', 'min', `// runtime ${made++}${LOOPS}`);
  const w = loops(rt, rs, rings, n, {}, now, median, (xs) => sorted(xs)[0]);
  w.rt = rt;
  return w;
}

const us = (x) => (x / 1000).toFixed(3);
const spread = (xs) => {
  const s = sorted(xs);
  return `${us(median(xs))} [${us(s[0])}-${us(s[s.length - 1])}]`;
};
const ratio = (a, b) => {
  const r = a.map((x, i) => x / b[i]);
  const s = sorted(r);
  return `${median(r).toFixed(3)} [${s[0].toFixed(3)}-${s[s.length - 1].toFixed(3)}]`;
};
/** CASES=x1n16,x8n1 (rings and n) runs only those. */
const only = process.env.CASES ? process.env.CASES.split(',') : null;
const tick = timerNs();
console.log(`timer ${tick.toFixed(0)} ns (subtracted from each split figure); ${ROUNDS} rounds; µs median [min-max]`);
const fixed = {}; // backend/rings/build -> { n: median iteration ns }
for (const backend of BACKENDS) {
  for (const rings of [1, 8]) {
    for (const n of [1, 16, 1024]) {
      if (only && !only.includes(`x${rings}n${n}`)) continue;
      const iters = n === 1024 ? 200 : 2000;
      const ws = [];
      for (const b of builds) ws.push(await make(b.mod, backend, rings, n));
      for (const w of ws) w.split(iters, tick), w.whole(10, iters / 10); // warm-up
      const res = ws.map(() => ({ sub: [], run: [], whole: [] }));
      for (let r = 0; r < ROUNDS; r++) {
        const order = ws.map((_, i) => (r % 2 ? ws.length - 1 - i : i));
        for (const i of order) {
          const { sub, run } = ws[i].split(iters, tick);
          res[i].sub.push(sub);
          res[i].run.push(run);
          res[i].whole.push(ws[i].whole(20, iters / 20));
        }
      }
      for (const w of ws) await w.rt.dispose();
      ws.forEach((_, i) => {
        console.log(`${backend} x${rings} n=${n} ${builds[i].dir}: submitBatch ${spread(res[i].sub)}, runUntilIdle ${spread(res[i].run)}, iteration ${spread(res[i].whole)} µs`);
        const key = `${backend} x${rings} ${builds[i].dir}`;
        (fixed[key] ??= {})[n] = median(res[i].whole);
      });
      if (ws.length === 2) {
        console.log(`${backend} x${rings} n=${n} after/before: submitBatch ${ratio(res[1].sub, res[0].sub)}, runUntilIdle ${ratio(res[1].run, res[0].run)}, iteration ${ratio(res[1].whole, res[0].whole)}`);
      }
    }
  }
}
for (const [key, c] of Object.entries(fixed)) {
  if (c[16] === undefined || c[1024] === undefined) continue;
  const perJob = (c[1024] - c[16]) / 1008;
  console.log(`${key}: fixed per iteration ${us(c[16] - 16 * perJob)} µs, ${perJob.toFixed(2)} ns per job-iteration`);
}
