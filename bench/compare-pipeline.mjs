#!/usr/bin/env node
// The virtual-clock pipeline of two builds, in one process, interleaved: to judge an engine
// change on a noisy machine by same-run ratios. Each argument is a build's dist/ directory, e.g.
//   git archive <base> | tar -x -C /tmp/base && (cd /tmp/base && ln -s $PWD/node_modules && npm run build)
//   node bench/compare-pipeline.mjs /tmp/base/dist dist [rounds] [backend]
// Workloads: core.mjs's pipeline rows (zero-byte and 4 KiB jobs, 1 and 8 rings: submitBatch of
// 1,024 jobs per ring, then runUntilIdle) and sched.mjs's scheduled pipelines (batch and push).
// Per round and workload each build runs ~300 ms (after a warm-up); a round's rate is the jobs
// over the median iteration. Prints, per workload, both builds' median rate [min-max over
// rounds] and the median after/before ratio of the rounds [min-max].
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, sorted } from './stats.mjs';
import { makeSchedPipeline, schedBatchLoop, schedPushLoop } from './sched.mjs';
import { pipelineRuntime } from './pipeline-setup.mjs';

const [beforeDir, afterDir, roundsArg, backendArg] = process.argv.slice(2);
if (!beforeDir || !afterDir) {
  process.stderr.write('usage: node bench/compare-pipeline.mjs <before dist/> <after dist/> [rounds] [wasm|ts]\n');
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 5);
const BACKEND = backendArg ?? 'wasm';
const load = (d) => import(pathToFileURL(resolve(d, 'index.js')).href);
const builds = { before: await load(beforeDir), after: await load(afterDir) };

/** Each workload: make(createRuntime) -> { jobs, fn, rt }. */
const pipeline = (bytes, rings) => async (createRuntime) => {
  const { rt, rs } = await pipelineRuntime(createRuntime, BACKEND, rings);
  const job = bytes ? { dst: rt.memory.alloc(bytes) } : {};
  return {
    rt,
    jobs: 1024 * rings,
    fn: () => {
      for (const r of rs) r.submitBatch(1024, job);
      rt.sim.runUntilIdle();
    },
  };
};
const sched = (push) => async (createRuntime) => {
  const { rt, copy, render } = await makeSchedPipeline(createRuntime, BACKEND);
  const N = 1024;
  const onFinished = (f) => f.release();
  return {
    rt,
    jobs: 2 * N,
    fn: push ? () => schedPushLoop(rt, copy, render, N, onFinished) : () => schedBatchLoop(rt, copy, render, N),
  };
};
const WORK = {
  'pipeline 0 B x1': pipeline(0, 1),
  'pipeline 0 B x8': pipeline(0, 8),
  'pipeline 4 KiB x1': pipeline(4096, 1),
  'pipeline 4 KiB x8': pipeline(4096, 8),
  'sched batch': sched(false),
  'sched push': sched(true),
};
const only = process.env.ONLY ? process.env.ONLY.split(',') : null;

const now = () => Number(process.hrtime.bigint()) / 1e6;
function sample(w, ms) {
  const times = [];
  const t0 = now();
  while (now() - t0 < ms) {
    const a = now();
    w.fn();
    times.push(now() - a);
  }
  return w.jobs / (median(times) / 1000);
}
const fmt = (x) => (x / 1e6).toFixed(2);
const lo = (xs) => sorted(xs)[0];
const hi = (xs) => sorted(xs)[xs.length - 1];
const spread = (xs) => `${fmt(median(xs))} [${fmt(lo(xs))}-${fmt(hi(xs))}]`;

for (const [name, make] of Object.entries(WORK)) {
  if (only && !only.some((o) => name.includes(o))) continue;
  const ws = { before: await make(builds.before.createRuntime), after: await make(builds.after.createRuntime) };
  for (const v of ['before', 'after']) sample(ws[v], 300); // warm-up
  const rates = { before: [], after: [] };
  const ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of r % 2 ? ['after', 'before'] : ['before', 'after']) rates[v].push(sample(ws[v], 300));
    ratios.push(rates.after[r] / rates.before[r]);
  }
  for (const v of ['before', 'after']) await ws[v].rt.dispose();
  console.log(`${BACKEND} ${name}: before ${spread(rates.before)} M jobs/s, after ${spread(rates.after)} M jobs/s, after/before ${median(ratios).toFixed(2)} [${lo(ratios).toFixed(2)}-${hi(ratios).toFixed(2)}]`);
}
