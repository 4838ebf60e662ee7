#!/usr/bin/env node
// The batch scheduler row's time split, per job: pushBatch (2 x 1,024 jobs: records, scheduled and
// finished fences) and runUntilIdle (passes, ring submissions, completions, retirement), and the
// same two rings fed by submitBatch with no scheduler, for one or two builds interleaved:
//   node bench/sched-split.mjs <dist/> [<other dist/>] [rounds]   (profile: node --cpu-prof ...)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, sorted } from './stats.mjs';
const args = process.argv.slice(2);
const dirs = args.filter((a) => !/^\d+$/.test(a));
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
if (!dirs.length) {
  process.stderr.write('usage: node bench/sched-split.mjs <dist/> [<other dist/>] [rounds]\n');
  process.exit(2);
}
const { makeSchedPipeline } = await import('./sched.mjs');
const hr = () => process.hrtime.bigint();
const W = [];
for (const dir of dirs) {
  const { createRuntime } = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  const { rt, copy, render } = await makeSchedPipeline(createRuntime, 'wasm');
  const rt2 = await createRuntime({ backend: 'wasm', maxFences: 16384, maxContexts: 64, maxRings: 4, maxRingCapacity: 1024 });
  const dev = rt2.createDevice({ latency: { baseNs: 1000 } });
  const a = rt2.createRing({ device: dev, capacity: 1024 });
  const b = rt2.createRing({ device: dev, capacity: 1024 });
  W.push({ dir, rt, copy, render, plain: () => { a.submitBatch(1024, {}); b.submitBatch(1024, {}); rt2.sim.runUntilIdle(); }, res: { push: [], run: [], total: [], plain: [] } });
}
function round(w) {
  let push = 0n, run = 0n, it = 0;
  const t0 = hr();
  while (hr() - t0 < 200_000_000n) {
    const a = hr();
    const first = w.copy.pushBatch(1024, {});
    w.render.pushBatch(1024, { after: { context: w.copy.finishedContext, firstSeqno: first } });
    const b = hr();
    w.rt.sim.runUntilIdle();
    run += hr() - b; push += b - a; it++;
  }
  w.res.push.push(Number(push) / (it * 2048));
  w.res.run.push(Number(run) / (it * 2048));
  w.res.total.push(Number(push + run) / (it * 2048));
  let n = 0; const t1 = hr();
  while (hr() - t1 < 100_000_000n) { w.plain(); n++; }
  w.res.plain.push(Number(hr() - t1) / (n * 2048));
}
for (const w of W) for (let i = 0; i < 3; i++) round(w);
for (const w of W) for (const k in w.res) w.res[k] = [];
for (let r = 0; r < rounds; r++) for (const w of (r % 2 ? W.slice().reverse() : W)) round(w);
const med = (xs) => median(xs);
const rng = (xs) => { const s = sorted(xs); return `${med(xs).toFixed(1)} [${s[0].toFixed(1)}-${s[s.length - 1].toFixed(1)}]`; };
for (const w of W) console.log(w.dir, 'ns/job: pushBatch', rng(w.res.push), 'run', rng(w.res.run), 'total', rng(w.res.total), '(', (1000 / med(w.res.total)).toFixed(2), 'M jobs/s ); unscheduled 2 rings', rng(w.res.plain));
