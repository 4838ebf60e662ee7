#!/usr/bin/env node
// The scheduled pipeline rows' time split, per job, for one or two builds interleaved:
// - batch: pushBatch (2 x 1,024 jobs: records, scheduled and finished fences) and runUntilIdle
//   (passes, ring submissions, completions, retirement), and the same two rings fed by
//   submitBatch with no scheduler;
// - push (the ent.push row, bench/sched.mjs): the 1,024 push pairs with their releases and
//   callbacks (two push calls, four handles, three releases, a callback every 64th) and the
//   runUntilIdle after them; and the same jobs by pushBatch (no handles) for the core's share.
//   node bench/sched-split.mjs <dist/> [<other dist/>] [rounds]   (profile: node --cpu-prof ...)
// With --instructions, the batch row's instructions per job instead (pushBatch and run; valgrind's
// count for 120 rounds less that for 20, after 30 to warm up; wasm compiled at once by TurboFan):
//   node bench/sched-split.mjs --instructions <dist/> [<other dist/>] [ts]
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildsFromArgs } from './builds.mjs';
import { median, sorted } from './stats.mjs';
const { makeSchedPipeline, schedBatchLoop, schedPushes } = await import('./sched.mjs');
if (process.argv[2] === '--child') {
  const [dir, loops, backend] = process.argv.slice(3);
  const { createRuntime } = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  const { rt, copy, render } = await makeSchedPipeline(createRuntime, backend);
  for (let i = 0; i < 30 + Number(loops); i++) schedBatchLoop(rt, copy, render, 1024);
  process.exit(0);
}
if (process.argv.includes('--instructions')) {
  process.argv.splice(process.argv.indexOf('--instructions'), 1);
  const { builds, backend } = await buildsFromArgs('node bench/sched-split.mjs --instructions <dist/> [<other dist/>] [wasm|ts]');
  const self = fileURLToPath(import.meta.url);
  const count = (dir, loops) => {
    const r = spawnSync('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', process.execPath, '--no-concurrent-recompilation', '--no-liftoff', '--no-wasm-tier-up', self, '--child', dir, String(loops), backend ?? 'wasm'], { encoding: 'utf8' });
    const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr ?? '');
    if (!m) throw new Error(`valgrind gave no count: ${r.error?.message ?? r.stderr?.slice(-300)}`);
    return Number(m[1].replace(/,/g, ''));
  };
  for (const { dir } of builds) console.log(dir, 'batch row:', Math.round((count(dir, 120) - count(dir, 20)) / (100 * 2 * 1024)), `instructions per job (${backend ?? 'wasm'})`);
  process.exit(0);
}
const { builds, rounds } = await buildsFromArgs('node bench/sched-split.mjs <dist/> [<other dist/>] [rounds]');
const hr = () => process.hrtime.bigint();
const N = 1024;
const W = [];
for (const { dir, mod } of builds) {
  const { createRuntime } = mod;
  const { rt, copy, render } = await makeSchedPipeline(createRuntime, 'wasm');
  const p = await makeSchedPipeline(createRuntime, 'wasm');
  const rt2 = await createRuntime({ backend: 'wasm', maxFences: 16384, maxContexts: 64, maxRings: 4, maxRingCapacity: 1024 });
  const dev = rt2.createDevice({ latency: { baseNs: 1000 } });
  const a = rt2.createRing({ device: dev, capacity: 1024 });
  const b = rt2.createRing({ device: dev, capacity: 1024 });
  const res = { push: [], run: [], total: [], plain: [], pPush: [], pRun: [], pTotal: [] };
  W.push({ dir, rt, copy, render, p, plain: () => { a.submitBatch(N, {}); b.submitBatch(N, {}); rt2.sim.runUntilIdle(); }, res });
}
let hits = 0;
const onFinished = (f) => {
  hits++;
  f.release();
};
// One copy of the push row's loop per build (as compare-builds.mjs): its call sites see one build's classes.
const pushPhase = () => {
  const pushes = new Function(`return ${schedPushes.toString()}`)();
  return (copy, render, n) => pushes(copy, render, n, onFinished);
};
for (const w of W) w.pushPhase = pushPhase();
function round(w) {
  let push = 0n, run = 0n, it = 0;
  const t0 = hr();
  while (hr() - t0 < 200_000_000n) {
    const a = hr();
    const first = w.copy.pushBatch(N, {});
    w.render.pushBatch(N, { after: { context: w.copy.finishedContext, firstSeqno: first } });
    const b = hr();
    w.rt.sim.runUntilIdle();
    run += hr() - b; push += b - a; it++;
  }
  w.res.push.push(Number(push) / (it * 2 * N));
  w.res.run.push(Number(run) / (it * 2 * N));
  w.res.total.push(Number(push + run) / (it * 2 * N));
  let n = 0; const t1 = hr();
  while (hr() - t1 < 100_000_000n) { w.plain(); n++; }
  w.res.plain.push(Number(hr() - t1) / (n * 2 * N));
  let pp = 0n, pr = 0n, pit = 0;
  const t2 = hr();
  while (hr() - t2 < 200_000_000n) {
    const a = hr();
    w.pushPhase(w.p.copy, w.p.render, N);
    const b = hr();
    w.p.rt.sim.runUntilIdle();
    pr += hr() - b; pp += b - a; pit++;
  }
  w.res.pPush.push(Number(pp) / (pit * 2 * N));
  w.res.pRun.push(Number(pr) / (pit * 2 * N));
  w.res.pTotal.push(Number(pp + pr) / (pit * 2 * N));
}
for (const w of W) for (let i = 0; i < 3; i++) round(w);
for (const w of W) for (const k in w.res) w.res[k] = [];
for (let r = 0; r < rounds; r++) for (const w of (r % 2 ? W.slice().reverse() : W)) round(w);
const med = (xs) => median(xs);
const rng = (xs) => { const s = sorted(xs); return `${med(xs).toFixed(1)} [${s[0].toFixed(1)}-${s[s.length - 1].toFixed(1)}]`; };
for (const w of W) {
  console.log(w.dir, 'batch row, ns/job: pushBatch', rng(w.res.push), 'run', rng(w.res.run), 'total', rng(w.res.total), '(', (1000 / med(w.res.total)).toFixed(2), 'M jobs/s ); unscheduled 2 rings', rng(w.res.plain));
  console.log(w.dir, 'push row, ns/job: push pairs with releases', rng(w.res.pPush), 'run', rng(w.res.pRun), 'total', rng(w.res.pTotal), '(', (1000 / med(w.res.pTotal)).toFixed(2), 'M jobs/s )');
}
