// The worker side of bench/threads.mjs: one worker_threads worker that answers every ping-pong
// the main thread runs against it, one command at a time (the same two threads for every mode).
//
// Protocol (parentPort): { cmd, n, and the mode's fields } -> this thread sets up, posts { ready }, runs n
// round trips, then posts { done, toWorkerNs } (the main->worker leg of every trip: from the
// main thread's timestamp, taken just before it signaled, to this thread running after its wake).
// Timestamps are process.hrtime (CLOCK_MONOTONIC, the same clock on every thread), as ns Numbers.
import { parentPort } from 'node:worker_threads';

const tick = () => Number(process.hrtime.bigint());
const { createRuntime, attachRuntime } = await import('../dist/index.js');

/** Word indices of the control block (an Int32Array over the command's SharedArrayBuffer). */
const PING = 0;
const PONG = 1;
/** Float64 indices of the timestamp block: main's signal time, this thread's signal time. */
const T_MAIN = 0;
const T_WORKER = 1;

const modes = {
  /** Hand-written Atomics: wait on the ping word with Atomics.wait, answer on the pong word. */
  atomics({ n, words, times }) {
    const W = new Int32Array(words);
    const T = new Float64Array(times);
    const there = new Float64Array(n);
    parentPort.postMessage({ ready: true });
    for (let i = 1; i <= n; i++) {
      while (Atomics.load(W, PING) !== i) Atomics.wait(W, PING, i - 1);
      there[i - 1] = tick() - T[T_MAIN];
      T[T_WORKER] = tick();
      Atomics.store(W, PONG, i);
      Atomics.notify(W, PONG);
    }
    parentPort.postMessage({ done: true, toWorkerNs: there });
  },

  /** Hand-written postMessage: echo every message on the port, with this thread's time. */
  postMessage({ n, port }) {
    const there = new Float64Array(n);
    let k = 0;
    port.on('message', (m) => {
      there[k++] = tick() - m[1];
      port.postMessage([m[0], tick()]);
      if (k === n) {
        port.close();
        parentPort.postMessage({ done: true, toWorkerNs: there });
      }
    });
    parentPort.postMessage({ ready: true });
  },

  /**
   * dmafence, two runtimes: each thread owns a runtime and signals its own fences; each waits on
   * the other's through an attached view (RemoteFence.wait).
   */
  async dmafence2({ n, backend, runtime, fences, times }) {
    const T = new Float64Array(times);
    const rt = await createRuntime({ backend, maxFences: n + 64 });
    const ctx = rt.createContext({ timelineName: 'pong' });
    const view = attachRuntime(runtime);
    const ping = fences.map((h) => view.fence(h));
    const pong = [];
    for (let i = 0; i < n; i++) pong.push(ctx.createFence());
    const there = new Float64Array(n);
    parentPort.postMessage({ ready: true, runtime: rt.share(), fences: pong.map((df) => df.fence.share()) });
    await new Promise((r) => parentPort.once('message', r)); // the main thread holds views of ours
    for (let i = 0; i < n; i++) {
      await ping[i].wait();
      there[i] = tick() - T[T_MAIN];
      T[T_WORKER] = tick();
      pong[i].signal();
    }
    await new Promise((r) => parentPort.once('message', r)); // the main thread has seen them all
    for (const df of pong) df.release();
    await rt.dispose();
    parentPort.postMessage({ done: true, toWorkerNs: there });
  },
};

parentPort.on('message', (msg) => {
  if (msg.cmd === undefined) return; // a step message of a running mode (it listens with once)
  if (msg.cmd === 'exit') {
    parentPort.close();
    return;
  }
  Promise.resolve(modes[msg.cmd](msg)).catch((e) => {
    parentPort.postMessage({ error: String(e?.stack ?? e) });
  });
});
