#!/usr/bin/env node
// The zero-byte virtual pipeline of two builds, interleaved finely in one process (README, "What
// bounds each pipeline workload"): blocks of 8 iterations (`submitBatch` of 1,024 per ring, then
// `runUntilIdle`) alternate between the builds, the first two of each block left out (the other
// build's data in the caches); per block the median ns per job of submission and run, per build
// the median [quartiles] over the blocks, and the median [quartiles] of the blocks' after/before
// ratios (each pair of blocks ran back to back: the machine's speed changes cancel out).
//   node bench/pipeline-ab.mjs <before dist/> <after dist/> [rings (8)] [blocks (400)] [wasm|ts]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, percentile } from './stats.mjs';
import { pipelineRuntime } from './pipeline-setup.mjs';

const [beforeDir, afterDir, ringsArg, blocksArg, backendArg] = process.argv.slice(2);
if (!beforeDir || !afterDir) {
  process.stderr.write('usage: node bench/pipeline-ab.mjs <before dist/> <after dist/> [rings] [blocks] [wasm|ts]\n');
  process.exit(2);
}
const RINGS = Number(ringsArg ?? 8);
const BLOCKS = Number(blocksArg ?? 400);
const BACKEND = backendArg === 'ts' ? 'ts' : 'wasm';
const B = 8;
const now = () => Number(process.hrtime.bigint());
async function make(dir) {
  const { createRuntime } = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  const { rt, rs } = await pipelineRuntime(createRuntime, BACKEND, RINGS);
  const jobs = 1024 * RINGS;
  const sub = [];
  const run = [];
  return {
    rt,
    sub,
    run,
    /** One block: its medians [submit, run] in ns per job, kept if `keep`. */
    block(keep) {
      const s = [];
      const r = [];
      for (let i = 0; i < B; i++) {
        const a = now();
        for (const x of rs) x.submitBatch(1024, {});
        const b = now();
        rt.sim.runUntilIdle();
        const c = now();
        if (i >= 2) {
          s.push((b - a) / jobs);
          r.push((c - b) / jobs);
        }
      }
      const m = [median(s), median(r)];
      if (keep) {
        sub.push(m[0]);
        run.push(m[1]);
      }
      return m;
    },
  };
}
const before = await make(beforeDir);
const after = await make(afterDir);
for (let i = 0; i < 50; i++) {
  before.block(false);
  after.block(false);
}
const ratio = { sub: [], run: [], total: [] };
for (let k = 0; k < BLOCKS; k++) {
  // (each build first in every other pair)
  let x;
  let y;
  if (k % 2) {
    y = after.block(true);
    x = before.block(true);
  } else {
    x = before.block(true);
    y = after.block(true);
  }
  ratio.sub.push(y[0] / x[0]);
  ratio.run.push(y[1] / x[1]);
  ratio.total.push((y[0] + y[1]) / (x[0] + x[1]));
}
await before.rt.dispose();
await after.rt.dispose();
const q = (xs) => `${median(xs).toFixed(2)} [${percentile(xs, 25).toFixed(2)}-${percentile(xs, 75).toFixed(2)}]`;
console.log(`${BACKEND} 0 B x${RINGS} before ${beforeDir}: submit ${q(before.sub)} run ${q(before.run)} ns/job`);
console.log(`${BACKEND} 0 B x${RINGS} after ${afterDir}: submit ${q(after.sub)} run ${q(after.run)} ns/job`);
console.log(`${BACKEND} 0 B x${RINGS} after/before per block pair: submit ${q(ratio.sub)} run ${q(ratio.run)} total ${q(ratio.total)}`);
