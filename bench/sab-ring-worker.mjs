// The consumer thread of bench/sab-ring.mjs: takes every descriptor the main thread published,
// writes the last one's completion seqno, raises the interrupt word once per pass and notifies; sleeps
// on the doorbell (at most 50 ms, as the library's device thread) when there is nothing to do.
import { parentPort, workerData } from 'node:worker_threads';
import { DESC_WORDS, W } from './sab-ring.mjs';

const { sab, capacity } = workerData;
const i32 = new Int32Array(sab);
const mask = capacity - 1;
let taken = 0;
let check = 0;
parentPort.postMessage('ready');
while (Atomics.load(i32, W.EXIT) === 0) {
  const bell = Atomics.load(i32, W.DOORBELL);
  const head = Atomics.load(i32, W.HEAD);
  if (head === taken) {
    Atomics.wait(i32, W.DOORBELL, bell, 50);
    continue;
  }
  while (taken !== head) {
    taken++;
    const d = W.RING + (taken & mask) * DESC_WORDS;
    check += i32[d + 2]; // the job's length: zero-byte jobs, nothing to copy
  }
  Atomics.store(i32, W.DONE, i32[W.RING + (taken & mask) * DESC_WORDS]);
  Atomics.add(i32, W.IRQ, 1);
  Atomics.notify(i32, W.IRQ);
}
if (check !== 0) throw new Error('sab ring: a zero-byte job had a length');
