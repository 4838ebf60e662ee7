// One worker of the pool in pool.mjs: an emitter. It attaches the main thread's runtime, creates
// its own fence context (its timeline), and for every batch of jobs it is handed creates one fence
// per job up front (seqnos in job order), posts their handles back at once, then does the jobs in
// order: each job counts the primes in its range, writes the count into the shared results
// array, and signals its fence. The fence's signal publishes the write: a thread that sees the
// fence signaled reads the result.
import { parentPort, workerData } from 'node:worker_threads';
import { attachRuntime } from 'dmafence';
import { countPrimes } from './jobs.mjs';

const { runtime, results, index } = workerData;
const art = attachRuntime(runtime);
const ctx = art.createContext({ driverName: 'pool', timelineName: `worker${index}` });
const out = new Int32Array(results);

parentPort.on('message', (batch) => {
  if (batch === 'exit') {
    // What this thread's contexts recorded (violations are per thread), then free its emitter slot.
    parentPort.postMessage({ violations: art.violations.length });
    art.dispose();
    parentPort.close();
    return;
  }
  // The fences first, so the main thread can wait on them while the work runs.
  const fences = batch.map(() => ctx.createFence());
  parentPort.postMessage(fences.map((df, k) => ({ job: batch[k].id, fence: df.fence.share() }))); // held: the main thread's view keeps the fence until it releases it
  for (let k = 0; k < batch.length; k++) {
    const { id, from, to } = batch[k];
    out[id] = countPrimes(from, to);
    fences[k].signal();
    // Both handles pin the fence's slot: release both. The shared handle holds the fence for the
    // main thread's view (until it releases the view), so its values stay readable there.
    fences[k].fence.release();
    fences[k].release();
  }
});
