#!/usr/bin/env node
// Where a zero-byte job's time goes on the virtual clock, for one or two builds in one process,
// interleaved (README, "What bounds each pipeline workload"): per job, the submission
// (`submitBatch` of 1,024 per ring) and the run (`runUntilIdle`), on 1 ring and on 8 tied rings.
// Each round times 200 iterations per build and workload; a figure is the median over the
// iterations of ns per job, and the output the median [min-max] over rounds.
//   node bench/pipeline-split.mjs <dist/> [<other dist/>] [rounds] [wasm|ts]
import { buildsFromArgs } from './builds.mjs';
import { median, sorted } from './stats.mjs';
import { pipelineRuntime } from './pipeline-setup.mjs';

const { builds, rounds: ROUNDS, backend } = await buildsFromArgs('node bench/pipeline-split.mjs <dist/> [<other dist/>] [rounds] [wasm|ts]');
const BACKEND = backend === 'ts' ? 'ts' : 'wasm';

const now = () => Number(process.hrtime.bigint());
async function make(mod, rings) {
  const { rt, rs } = await pipelineRuntime(mod.createRuntime, BACKEND, rings);
  const jobs = 1024 * rings;
  const sub = [];
  const run = [];
  return {
    rt,
    iterate(n) {
      sub.length = 0;
      run.length = 0;
      for (let i = 0; i < n; i++) {
        const a = now();
        for (const r of rs) r.submitBatch(1024, {});
        const b = now();
        rt.sim.runUntilIdle();
        const c = now();
        sub.push((b - a) / jobs);
        run.push((c - b) / jobs);
      }
      return { sub: median(sub), run: median(run) };
    },
  };
}
const spread = (xs) => {
  const s = sorted(xs);
  return `${median(xs).toFixed(2)} [${s[0].toFixed(2)}-${s[s.length - 1].toFixed(2)}]`;
};
for (const rings of [1, 8]) {
  const ws = [];
  for (const b of builds) ws.push(await make(b.mod, rings));
  for (const w of ws) w.iterate(300); // warm-up
  const res = ws.map(() => ({ sub: [], run: [] }));
  for (let r = 0; r < ROUNDS; r++) {
    const order = ws.map((_, i) => (r % 2 ? ws.length - 1 - i : i));
    for (const i of order) {
      const { sub, run } = ws[i].iterate(200);
      res[i].sub.push(sub);
      res[i].run.push(run);
    }
  }
  for (const w of ws) await w.rt.dispose();
  ws.forEach((_, i) => {
    console.log(`${BACKEND} 0 B x${rings} ${builds[i].dir}: submit ${spread(res[i].sub)} ns/job, run ${spread(res[i].run)} ns/job`);
  });
}
