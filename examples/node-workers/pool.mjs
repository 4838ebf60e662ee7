#!/usr/bin/env node
// A worker pool on dmafence fences: each worker_threads worker attaches this thread's runtime and
// is the emitter of its own fence context; this thread hands out jobs in batches and waits for
// them on its views of the workers' fences: for whichever signals first while jobs are left to
// hand out (rt.waitAny below), then with fence.wait for the last ones.
//
//   main thread                              worker k (emitter of context "worker<k>")
//   rt = createRuntime()                     art = attachRuntime(rt.share())
//   view = attachRuntime(rt.share())         ctx = art.createContext()
//   post a batch of jobs          ------->   one fence per job, handles posted back at once
//   rt.waitAny(views of pending fences) <-   per job: compute, write the result, df.signal()
//   read the result, refill an idle worker
//
// A signaled fence publishes its job's result: the worker writes it into a SharedArrayBuffer
// before it signals, so this thread reads it once it sees the fence signaled. Fences of one
// context signal in seqno order, so when one is seen signaled every earlier one of its worker
// is too: the example checks that for every job.
//
// Run it from a checkout after `npm ci` (which builds dist/):
//   node examples/node-workers/pool.mjs [--backend wasm|ts] [--workers N] [--jobs N] [--batch N]
// In your own project, after `npm install dmafence`, the imports work as they are.
import { attachRuntime, createRuntime } from 'dmafence';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { makeJobs } from './jobs.mjs';
import { primeCounts } from './check.mjs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    workers: { type: 'string', default: '4' },
    jobs: { type: 'string', default: '64' },
    batch: { type: 'string', default: '4' },
  },
});
const int = (name, lo, hi) => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`--${name} takes ${lo} to ${hi}, got ${args[name]}`);
  return v;
};
if (args.backend !== 'wasm' && args.backend !== 'ts') throw new RangeError(`--backend takes wasm or ts, got ${args.backend}`);
const WORKERS = int('workers', 1, 16);
const JOBS = int('jobs', 1, 10_000);
const BATCH = int('batch', 1, 256);
const SPAN = 20_000; // numbers per job

const rt = await createRuntime({ backend: args.backend, maxEmitterThreads: WORKERS });
// This thread's view of the arena: the workers' fences are read (and waited on) through it.
const view = attachRuntime(rt.share());
const results = new SharedArrayBuffer(4 * JOBS);
const out = new Int32Array(results);
const todo = makeJobs(JOBS, SPAN);

// The pool: every worker gets the runtime's handle and the results array.
const pool = [];
for (let index = 0; index < WORKERS; index++) {
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { runtime: rt.share(), results, index } });
  worker.on('error', (e) => {
    console.error(`worker${index} failed:`, e);
    process.exit(1);
  });
  pool.push({ index, worker, fences: [], jobs: 0, context: undefined, outOfOrder: 0 });
}

/** Pending jobs: { job, fence, w } in hand-out order. */
const pending = [];
/** Hands the next batch to worker w; resolves once its fences are here. */
async function handOut(w) {
  const batch = todo.splice(0, BATCH);
  if (batch.length === 0) return;
  w.worker.postMessage(batch);
  const [handles] = await once(w.worker, 'message');
  for (const { job, fence } of handles) {
    const f = view.fence(fence);
    w.context = f.context;
    w.fences.push(f);
    pending.push({ job, fence: f, w });
  }
}

const expected = primeCounts(JOBS, SPAN);
let correct = 0;
/** A job's fence is signaled: check its result, and that its worker's earlier fences are too. */
function complete(p) {
  if (out[p.job] === expected[p.job]) correct++;
  for (const f of p.w.fences) {
    if (f === p.fence) break;
    if (!f.signaled) p.w.outOfOrder++;
  }
  p.w.jobs++;
}

const waits = { waitAny: 0, wait: 0 };
await Promise.all(pool.map(handOut));
// While jobs are left: wait for any pending fence, and refill its worker when it has none left.
while (todo.length > 0) {
  const i = await rt.waitAny(
    pending.map((p) => p.fence),
    { timeoutNs: 30e9 },
  );
  if (i < 0) throw new Error('no job finished in 30 s');
  waits.waitAny++;
  const [p] = pending.splice(i, 1);
  complete(p);
  if (!pending.some((q) => q.w === p.w)) await handOut(p.w);
}
// Nothing left to hand out: wait for each remaining fence.
await Promise.all(
  pending.splice(0).map(async (p) => {
    if (!(await p.fence.wait({ timeoutNs: 30e9 }))) throw new Error(`job ${p.job} did not finish in 30 s`);
    waits.wait++;
    complete(p);
  }),
);

const total = expected.reduce((a, b) => a + b, 0);
console.log(`dmafence worker pool: ${WORKERS} workers, each the emitter of its own context; ${JOBS} jobs of ${SPAN} numbers; ${args.backend} backend`);
console.log(`jobs: ${pool.reduce((a, w) => a + w.jobs, 0)} completed, ${correct} results correct (primes below ${JOBS * SPAN}: ${total})`);
for (const w of pool) {
  const seqnos = w.fences.map((f) => f.seqno);
  const span = seqnos.length ? `seqnos ${seqnos[0]}..${seqnos[seqnos.length - 1]}` : 'no jobs';
  console.log(`  worker${w.index} (context ${w.context ?? '-'}): ${w.jobs} jobs, ${span}, ${w.outOfOrder === 0 ? 'signaled in order' : `${w.outOfOrder} OUT OF ORDER`}`);
}
console.log(`waits: ${waits.waitAny} waitAny while handing out jobs, ${waits.wait} fence.wait for the last ones`);
// Done with the views: each one held its fence (share() holds by default) until released here.
for (const w of pool) for (const f of w.fences) f.release();
// Each worker reports what its own contexts recorded as it leaves.
const left = await Promise.all(
  pool.map(async (w) => {
    w.worker.postMessage('exit');
    const [{ violations }] = await once(w.worker, 'message');
    await once(w.worker, 'exit');
    return violations;
  }),
);
console.log(`violations: ${rt.violations.length} on this thread, ${left.reduce((a, b) => a + b, 0)} in the workers`);
await rt.dispose();
