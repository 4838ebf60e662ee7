// The task of piscina.mjs, run on piscina's threads. Each thread attaches the main thread's runtime
// on its first task and creates its own fence context: every thread is the emitter of its own
// timeline. Per task: create a fence, post its handle on the task's port (so the main thread can
// wait on it while the work runs), count the primes, write the count into the shared results
// array, signal. The fence signals before the task returns its value to piscina.
import { threadId } from 'node:worker_threads';
import { attachRuntime } from 'dmafence';
import { countPrimes } from './jobs.mjs';

let art;
let ctx;
let out;

export default function task({ runtime, results, job, port }) {
  if (ctx === undefined) {
    art = attachRuntime(runtime);
    ctx = art.createContext({ driverName: 'piscina', timelineName: `thread${threadId}` });
    out = new Int32Array(results);
  }
  const df = ctx.createFence();
  port.postMessage(df.fence.share()); // held until the pool's view is released
  port.close();
  out[job.id] = countPrimes(job.from, job.to);
  df.signal();
  const seqno = df.fence.seqno;
  df.fence.release(); // both handles pin the fence's slot: release both
  df.release();
  return { job: job.id, context: ctx.id, seqno, violations: art.violations.length };
}
