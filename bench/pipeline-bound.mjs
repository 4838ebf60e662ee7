#!/usr/bin/env node
// The zero-byte virtual pipeline against its bound, in one process, interleaved (README, "What
// bounds each pipeline workload"): the build's submission (`submitBatch` of 1,024 per ring) and
// run (`runUntilIdle`) per job, and minimal wasm loops (compiled here from the AssemblyScript
// of bench/pipeline-kernel.mjs) doing the work the model requires per job, no more, over memory laid out as the
// arena's (layout version 6): 16-byte hot fence slots (state, generation, link, error) on a LIFO
// free list and 16-byte cold ones (seqno, timestamp), 24-byte descriptors and 8-byte start times
// per ring of 1,024:
//   submit  pop a slot (the free list's link, or the next never-used slot), write its fence
//           (error, seqno, timestamp, state, the link to it) and the job's descriptor (seqno,
//           dst, bytes, pattern, allocation) and start time;
//   run     per job in completion order (8 rings: per instant, the rings in order, each ring's
//           list head and slot index read and written in memory): the checks a job needs (its
//           descriptor's size: a job with bytes ends the stretch; its fence: the list's end, and
//           a state that is not plain: callbacks, a handle, a holder, already signaled), its
//           completion time (one step on), its fence signaled and recycled (state, generation,
//           link onto the free list; no timestamp: a fence recycled at once keeps none), its
//           start time.
// What the model checks once per run and not per job (the next timer or other ring's event,
// the deadlines: counted before the loop, as the build does), the counters and the context's
// words (written once per run) are left out. Figures are ns per job, median [min-max] of rounds.
//   node bench/pipeline-bound.mjs [dist/] [rounds]
import { compileKernel } from './pipeline-kernel.mjs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, sorted } from './stats.mjs';
import { pipelineRuntime } from './pipeline-setup.mjs';


const dir = process.argv[2] ?? 'dist';
const ROUNDS = Number(process.argv[3] ?? 5);
const { k, memory } = await compileKernel();
const { createRuntime } = await import(pathToFileURL(resolve(dir, 'index.js')).href);

const now = () => Number(process.hrtime.bigint());
const SLOTS = 16384;
const HEADS = SLOTS * 32 + 8 * 1024 * 32; // after the slots (hot and cold) and 8 rings
/** The kernel's pipeline of `rings` rings: per iteration, submit 1,024 per ring, then run. */
function kernel(rings) {
  let free = k.init(SLOTS);
  let seq = 0;
  let t = 0;
  return () => {
    const a = now();
    for (let r = 0; r < rings; r++) {
      free = k.submit(SLOTS, r, free, seq, HEADS + 4 * r);
      seq += 1024;
    }
    const b = now();
    free = rings === 1 ? k.run1(SLOTS, HEADS, free, t, 1000) : k.run(SLOTS, rings, HEADS, free, t, 1000);
    if (free < 0) throw new Error('kernel: a job with bytes or a fence not plain');
    t += 1024 * 1000;
    const c = now();
    return [b - a, c - b];
  };
}
async function build(rings) {
  const { rt, rs } = await pipelineRuntime(createRuntime, 'wasm', rings);
  return {
    rt,
    fn: () => {
      const a = now();
      for (const r of rs) r.submitBatch(1024, {});
      const b = now();
      rt.sim.runUntilIdle();
      const c = now();
      return [b - a, c - b];
    },
  };
}
function sample(fn, jobs, iters) {
  const sub = [];
  const run = [];
  for (let i = 0; i < iters; i++) {
    const [s, r] = fn();
    sub.push(s / jobs);
    run.push(r / jobs);
  }
  return [median(sub), median(run)];
}
const spread = (xs) => {
  const s = sorted(xs);
  return `${median(xs).toFixed(2)} [${s[0].toFixed(2)}-${s[s.length - 1].toFixed(2)}]`;
};
for (const rings of [1, 8]) {
  const jobs = 1024 * rings;
  const b = await build(rings);
  const kf = kernel(rings);
  sample(b.fn, jobs, 300);
  sample(kf, jobs, 300);
  const res = { build: [[], []], kernel: [[], []] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of r % 2 ? [['kernel', kf], ['build', b.fn]] : [['build', b.fn], ['kernel', kf]]) {
      const [s, x] = sample(fn, jobs, 200);
      res[name][0].push(s);
      res[name][1].push(x);
    }
  }
  await b.rt.dispose();
  for (const name of ['build', 'kernel']) {
    console.log(`0 B x${rings} ${name}: submit ${spread(res[name][0])} ns/job, run ${spread(res[name][1])} ns/job`);
  }
}
