#!/usr/bin/env node
// The worker-pool pattern of pool.mjs on piscina's thread pool: every piscina thread attaches this
// thread's runtime and is the emitter of its own fence context (piscina-task.mjs). This thread
// keeps up to two tasks per thread in flight, gets each task's fence handle on a MessagePort as
// the task starts, and waits on its views of those fences for whichever signals first. A fence
// is signaled when its task's result is written, before piscina hands back the task's value.
//
// Run it from a checkout after `npm ci` (piscina is a dev dependency of this repository):
//   node examples/node-workers/piscina.mjs [--backend wasm|ts] [--threads N] [--jobs N]
import { attachRuntime, createRuntime } from 'dmafence';
import { Piscina } from 'piscina';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { makeJobs } from './jobs.mjs';
import { primeCounts } from './check.mjs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '4' },
    jobs: { type: 'string', default: '64' },
  },
});
const int = (name, lo, hi) => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`--${name} takes ${lo} to ${hi}, got ${args[name]}`);
  return v;
};
if (args.backend !== 'wasm' && args.backend !== 'ts') throw new RangeError(`--backend takes wasm or ts, got ${args.backend}`);
const THREADS = int('threads', 1, 16);
const JOBS = int('jobs', 1, 10_000);
const SPAN = 20_000; // numbers per job

const rt = await createRuntime({ backend: args.backend, maxEmitterThreads: THREADS });
// This thread's view of the arena: the threads' fences are read (and waited on) through it.
const view = attachRuntime(rt.share());
const results = new SharedArrayBuffer(4 * JOBS);
const out = new Int32Array(results);
const todo = makeJobs(JOBS, SPAN);
// A fixed set of threads that never idle out: each one creates one context, once.
const pool = new Piscina({ filename: new URL('./piscina-task.mjs', import.meta.url).href, minThreads: THREADS, maxThreads: THREADS, idleTimeout: Infinity });

/** In flight: { job, fence, done } (done: piscina's promise of the task's return value). */
const inFlight = [];
/** Starts the next task; resolves once its fence handle is here. */
async function start() {
  const job = todo.shift();
  const { port1, port2 } = new MessageChannel();
  const done = pool.run({ runtime: rt.share(), results, job, port: port2 }, { transferList: [port2] });
  const [handle] = await once(port1, 'message');
  port1.close();
  inFlight.push({ job, fence: view.fence(handle), done });
}

const expected = primeCounts(JOBS, SPAN);
/** Per context: the views of its fences, in seqno order, and how many were seen out of order. */
const contexts = new Map();
let correct = 0;
let completed = 0;
while (todo.length > 0 || inFlight.length > 0) {
  while (todo.length > 0 && inFlight.length < 2 * THREADS) {
    await start();
    const f = inFlight[inFlight.length - 1].fence;
    const c = contexts.get(f.context) ?? { fences: [], outOfOrder: 0, violations: 0 };
    c.fences.push(f);
    contexts.set(f.context, c);
  }
  const i = await rt.waitAny(
    inFlight.map((p) => p.fence),
    { timeoutNs: 30e9 },
  );
  if (i < 0) throw new Error('no task finished in 30 s');
  const [p] = inFlight.splice(i, 1);
  completed++;
  if (out[p.job.id] === expected[p.job.id]) correct++;
  // C3: once a fence is seen signaled, every earlier fence of its context is signaled too.
  const c = contexts.get(p.fence.context);
  for (const f of c.fences) {
    if (f === p.fence) break;
    if (!f.signaled) c.outOfOrder++;
  }
  const value = await p.done; // piscina's side: the task returned after signaling
  if (value.seqno !== p.fence.seqno || value.context !== p.fence.context) throw new Error(`task ${p.job.id}: fence mismatch`);
  c.violations = value.violations; // what that thread's contexts recorded so far
}

const total = expected.reduce((a, b) => a + b, 0);
console.log(`dmafence on piscina: ${THREADS} threads, each the emitter of its own context; ${JOBS} jobs of ${SPAN} numbers; ${args.backend} backend`);
console.log(`jobs: ${completed} completed, ${correct} results correct (primes below ${JOBS * SPAN}: ${total})`);
let inOrder = 0;
for (const [context, c] of contexts) {
  if (c.outOfOrder === 0) inOrder++;
  console.log(`  context ${context}: ${c.fences.length} jobs, ${c.outOfOrder === 0 ? 'signaled in order' : `${c.outOfOrder} OUT OF ORDER`}`);
}
console.log(`contexts: ${contexts.size}, ${inOrder} signaled in order`);
// Done with the views: each one held its fence (share() holds by default) until released here.
for (const c of contexts.values()) for (const f of c.fences) f.release();
let theirs = 0;
for (const c of contexts.values()) theirs += c.violations;
console.log(`violations: ${rt.violations.length} on this thread, ${theirs} on piscina's threads`);
await pool.destroy();
await rt.dispose();
