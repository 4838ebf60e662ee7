#!/usr/bin/env node
// The plain-fence signal path of two builds, in one process, interleaved: to check that a change
// (e.g. composite fences) left it no slower. Each argument is a build's dist/ directory, e.g.
//   git archive <base> | tar -x -C /tmp/base && (cd /tmp/base && ln -s $PWD/node_modules && npm run build)
//   node bench/compare-builds.mjs /tmp/base/dist dist
// Workloads: the signal loop (1M pending fences, one signalUpTo) and the object API (DriverFence,
// one callback, one signal, release), on both backends. Prints medians and after/before.
import { Bench } from 'tinybench';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './stats.mjs';
import { objectApiLoop } from './core.mjs';

const [beforeDir, afterDir] = process.argv.slice(2);
if (!beforeDir || !afterDir) {
  process.stderr.write('usage: node bench/compare-builds.mjs <before dist/> <after dist/>\n');
  process.exit(2);
}
const load = (d) => import(pathToFileURL(resolve(d, 'index.js')).href);
const builds = { before: await load(beforeDir), after: await load(afterDir) };
const N = 1_000_000;
const K = 1000;
const ROUNDS = 6;

for (const backend of ['wasm', 'ts']) {
  for (const work of ['signal loop', 'object API']) {
    const samples = { before: [], after: [] };
    const ctxs = {};
    for (const v of ['before', 'after']) {
      const rt = await builds[v].createRuntime({ backend, maxFences: N + 16 });
      const ctx = rt.createContext();
      // Small batches first, as in run.mjs (core.mjs: the first call must not be the big one).
      for (let i = 0; i < 3000; i++) ctx.signalUpTo(ctx.createFences(64) + 63);
      ctxs[v] = { rt, ctx };
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of r % 2 ? ['after', 'before'] : ['before', 'after']) {
        const { ctx } = ctxs[v];
        let last = 0;
        let hits = 0;
        const cb = () => hits++;
        const b = new Bench({ time: 700, warmupTime: 200, iterations: 5, retainSamples: true });
        if (work === 'signal loop') {
          b.add(work, () => ctx.signalUpTo(last), { beforeEach: () => (last = ctx.createFences(N) + N - 1) });
        } else {
          b.add(work, () => objectApiLoop(ctx, K, cb));
        }
        await b.run();
        for (const x of b.tasks[0].result.latency.samples) samples[v].push(x);
      }
    }
    for (const v of ['before', 'after']) await ctxs[v].rt.dispose();
    const units = work === 'signal loop' ? N : K;
    const before = units / (median(samples.before) / 1000);
    const after = units / (median(samples.after) / 1000);
    console.log(`${backend} ${work}: before ${(before / 1e6).toFixed(2)} M fences/s, after ${(after / 1e6).toFixed(2)} M fences/s, after/before ${(after / before).toFixed(3)}`);
  }
}
