#!/usr/bin/env node
// The plain-fence signal path of two builds, in one process, interleaved: to check that a change
// left it no slower (or to measure how much faster). Each argument is a build's dist/ directory, e.g.
//   git archive <base> | tar -x -C /tmp/base && (cd /tmp/base && ln -s $PWD/node_modules && npm run build)
//   node bench/compare-builds.mjs /tmp/base/dist dist [--only 'object API'] [--backend wasm]
// Workloads: the signal loop (1M pending fences, one signalUpTo), create+signal (batches of 1024,
// as bench/core.mjs), the object API (DriverFence, one callback, one signal, release) and the
// scheduled pipeline through ent.push (bench/sched.mjs: 1,024 copy and render jobs, one
// dependency each, a callback every 64th, run to idle), on both backends; the object API's peer
// (a plain JS fence object, bench/core.mjs) runs interleaved with them. `--only` takes the
// workloads whose name contains its text. Prints medians over all samples, the spread of the
// per-round medians [min-max], after/before, and after/peer.
import { Bench } from 'tinybench';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, takeFlag } from './stats.mjs';
import { objectApiLoop, plainFenceLoop } from './core.mjs';
import { makeSchedPipeline, schedPushLoop, schedPushes } from './sched.mjs';

const args = process.argv.slice(2);
const flag = (name) => takeFlag(args, name);
const only = flag('--only');
const onlyBackend = flag('--backend');
const [beforeDir, afterDir] = args;
if (!beforeDir || !afterDir) {
  process.stderr.write("usage: node bench/compare-builds.mjs <before dist/> <after dist/> [--only 'signal loop' | 'create+signal' | 'object API' | 'ent.push'] [--backend wasm | ts]\n");
  process.exit(2);
}
const load = (d) => import(pathToFileURL(resolve(d, 'index.js')).href);
const builds = { before: await load(beforeDir), after: await load(afterDir) };
const N = 1_000_000;
const K = 1000;
const ROUNDS = 6;
// One copy of core.mjs's objectApiLoop per build: a single copy's call sites would see both
// builds' classes (polymorphic calls, V8's inlining budget split between them), which hides
// exactly the changes this script is for.
const loops = { before: new Function(`return (${objectApiLoop})`)(), after: new Function(`return (${objectApiLoop})`)() };
const pushLoop = () => new Function(`const schedPushes = ${schedPushes};\nreturn (${schedPushLoop})`)(); // (a copy of both per build)
const pushLoops = { before: pushLoop(), after: pushLoop() };
const PUSH_N = 1024;
const M = (x) => `${(x / 1e6).toFixed(2)} M`;

for (const backend of ['wasm', 'ts']) {
  if (onlyBackend && backend !== onlyBackend) continue;
  for (const work of ['signal loop', 'create+signal', 'object API', 'ent.push']) {
    if (only && !work.includes(only)) continue;
    const variants = work === 'object API' ? ['before', 'after', 'peer'] : ['before', 'after'];
    const samples = Object.fromEntries(variants.map((v) => [v, []]));
    const rounds = Object.fromEntries(variants.map((v) => [v, []]));
    const ctxs = {};
    for (const v of ['before', 'after']) {
      if (work === 'ent.push') {
        const { rt, copy, render } = await makeSchedPipeline(builds[v].createRuntime, backend);
        ctxs[v] = { rt, copy, render };
        continue;
      }
      const rt = await builds[v].createRuntime({ backend, maxFences: work === 'signal loop' ? N + 16 : 4096 });
      const ctx = rt.createContext();
      // Small batches first, as in run.mjs (core.mjs: the first call must not be the big one).
      for (let i = 0; i < 3000; i++) ctx.signalUpTo(ctx.createFences(64) + 63);
      ctxs[v] = { rt, ctx };
    }
    const peerCtx = {};
    let peerSeqno = 1;
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of r % 2 ? variants.slice().reverse() : variants) {
        let last = 0;
        let hits = 0;
        const cb = () => hits++;
        const b = new Bench({ time: 700, warmupTime: 200, iterations: 5, retainSamples: true });
        if (v === 'peer') {
          b.add(work, () => {
            plainFenceLoop(peerCtx, peerSeqno, K, cb);
            peerSeqno += K;
          });
        } else if (work === 'signal loop') {
          const { ctx } = ctxs[v];
          b.add(work, () => ctx.signalUpTo(last), { beforeEach: () => (last = ctx.createFences(N) + N - 1) });
        } else if (work === 'create+signal') {
          const { ctx } = ctxs[v];
          b.add(work, () => ctx.signalUpTo(ctx.createFences(1024) + 1023));
        } else if (work === 'ent.push') {
          const { rt, copy, render } = ctxs[v];
          const loop = pushLoops[v];
          const onFinished = (f) => {
            hits++;
            f.release();
          };
          b.add(work, () => loop(rt, copy, render, PUSH_N, onFinished));
        } else {
          const { ctx } = ctxs[v];
          const loop = loops[v];
          b.add(work, () => loop(ctx, K, cb));
        }
        await b.run();
        const xs = b.tasks[0].result.latency.samples;
        for (const x of xs) samples[v].push(x);
        rounds[v].push(median(xs));
      }
    }
    for (const v of ['before', 'after']) await ctxs[v].rt.dispose();
    const units = work === 'signal loop' ? N : work === 'create+signal' ? 1024 : work === 'ent.push' ? 2 * PUSH_N : K;
    const unit = work === 'ent.push' ? 'jobs/s' : 'fences/s';
    const rate = (ms) => units / (ms / 1000);
    const fig = (v) => {
      const rs = rounds[v].map(rate);
      return `${M(rate(median(samples[v])))} [${M(rs.reduce((a, b) => Math.min(a, b)))}–${M(rs.reduce((a, b) => Math.max(a, b)))}]`;
    };
    const before = rate(median(samples.before));
    const after = rate(median(samples.after));
    let line = `${backend} ${work}: before ${fig('before')} ${unit}, after ${fig('after')} ${unit}, after/before ${(after / before).toFixed(3)}`;
    if (samples.peer) line += `; peer ${fig('peer')} ${unit}, peer/after ${(rate(median(samples.peer)) / after).toFixed(2)}`;
    console.log(line);
  }
}
