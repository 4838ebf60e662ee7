// The worker side of bench/threads.mjs: one worker_threads worker that answers every ping-pong
// the main thread runs against it, one command at a time (the same two threads for every mode).
//
// Protocol (parentPort): { cmd, n, and the mode's fields } -> this thread sets up, posts { ready }, runs n
// round trips, then posts { done, toWorkerNs } (the main->worker leg of every trip: from the
// main thread's timestamp, taken just before it signaled, to this thread running after its wake).
// Timestamps are process.hrtime (CLOCK_MONOTONIC, the same clock on every thread), as ns Numbers.
import { parentPort } from 'node:worker_threads';

const tick = () => Number(process.hrtime.bigint());
/** The build a command runs on: `dist` (a file URL of a dist/index.js; bench/threads-ab.mjs
 *  alternates two), else this checkout's. Each loaded once. */
const builds = new Map();
const DEFAULT_DIST = new URL('../dist/index.js', import.meta.url).href;
async function build(dist = DEFAULT_DIST) {
  let b = builds.get(dist);
  if (b === undefined) builds.set(dist, (b = await import(dist)));
  return b;
}
let attachRuntime;

/** Word indices of the control block (an Int32Array over the command's SharedArrayBuffer). */
const PING = 0;
const PONG = 1;
/** bench/threads-hops.mjs (atomicsVariant): the second words (a line each, 128 and 192 bytes in),
 *  the one word both threads sleep on, and the word a waitAsync stays parked on. */
const LINE_MAIN = 32;
const LINE_WORKER = 48;
const EPOCH = 2;
const PARKED = 3;
/** Spins `us` µs (atomicsVariant's `busy`: { beforeWait, wake, beforeNotify }, from threads-hops.mjs). */
const spin = (us) => {
  if (us > 0) for (const end = performance.now() + us / 1000; performance.now() < end; );
};
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

  /**
   * bench/threads-hops.mjs: hand-written Atomics with one thing changed (the main thread's side
   * there). `line`: a second word written on a line of its own before the pong store, and the main
   * thread's read after the wake (`before`: read before the wait too); `epoch`: both threads sleep
   * on one word that each bumps and notifies; `parked`: an Atomics.waitAsync pending on another word
   * all along; `busy`: spins (µs) before its wait, after its wake and before its notify.
   */
  atomicsVariant({ n, words, times, line = false, before = false, epoch = false, parked = false, busy = undefined }) {
    const W = new Int32Array(words);
    if (parked) Atomics.waitAsync(W, PARKED, 0);
    const T = new Float64Array(times);
    const there = new Float64Array(n);
    parentPort.postMessage({ ready: true });
    let sink = 0; // what the early reads saw (posted back, so that they are made)
    for (let i = 1; i <= n; i++) {
      if (before) sink ^= Atomics.load(W, LINE_MAIN);
      if (busy) spin(busy.beforeWait);
      let slept = false;
      for (;;) {
        const e = epoch ? Atomics.load(W, EPOCH) : i - 1;
        if (Atomics.load(W, PING) === i) break;
        Atomics.wait(W, epoch ? EPOCH : PING, e);
        slept = true;
      }
      if (busy && slept) spin(busy.wake);
      if (line && Atomics.load(W, LINE_MAIN) !== i) throw new Error('line: the main thread\'s second word is not there');
      there[i - 1] = tick() - T[T_MAIN];
      T[T_WORKER] = tick();
      if (line) Atomics.store(W, LINE_WORKER, i);
      if (busy) spin(busy.beforeNotify);
      Atomics.store(W, PONG, i);
      if (epoch) Atomics.add(W, EPOCH, 1);
      Atomics.notify(W, epoch ? EPOCH : PONG);
    }
    if (parked) Atomics.notify(W, PARKED);
    parentPort.postMessage({ done: true, toWorkerNs: there, sink });
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
};

/** Per runtime id: this thread's attachment and its context, kept from run to run. */
const attached = new Map();

/** This worker's attached runtime and its context, made once per runtime. */
function attachedOnce(runtime) {
  let a = attached.get(runtime.runtime);
  if (a === undefined) {
    const art = attachRuntime(runtime);
    a = { art, ctx: art.createContext({ timelineName: 'pong' }) };
    attached.set(runtime.runtime, a);
  }
  return a;
}

/**
 * dmafence, the worker an emitter: it attaches the main thread's runtime once, creates its own
 * context, and per run its fences; it blocks on each of the main thread's fences with
 * RemoteFence.waitSync (Atomics.wait inside, like the hand-written worker) and signals its own.
 */
modes.emitter = ({ n, runtime, fences, times }) => {
  const T = new Float64Array(times);
  const a = attachedOnce(runtime);
  const ping = fences.map((h) => a.art.fence(h));
  const pong = [];
  for (let i = 0; i < n; i++) pong.push(a.ctx.createFence());
  const there = new Float64Array(n);
  parentPort.postMessage({ ready: true, fences: pong.map((df) => df.fence.share({ hold: false })) }); // plain: the views are never released
  for (let i = 0; i < n; i++) {
    ping[i].waitSync();
    there[i] = tick() - T[T_MAIN];
    T[T_WORKER] = tick();
    pong[i].signal();
  }
  // The main thread made its views of our fences before it signaled the first ping: releasing
  // them now is safe (a view of a released, signaled fence still reads signaled).
  for (const df of pong) {
    df.fence.release(); // the shareable handle pins the slot too
    df.release();
  }
  parentPort.postMessage({ done: true, toWorkerNs: there });
};

/**
 * bench/threads-split.mjs: one leg hand-written, the other dmafence. `wait` 'raw' (Atomics.wait on
 * the ping word), 'busy' (the same after busyNs of busy work: as long as waitSync's own work
 * before its sleep) or 'dma' (RemoteFence.waitSync on the main thread's fence); `sig` 'raw' (store
 * and notify the pong word) or 'dma' (signal a fence of this thread's context).
 */
modes.split = ({ n, wait, sig, words, runtime, fences, times, busyNs }) => {
  const W = new Int32Array(words);
  const T = new Float64Array(times);
  const a = attachedOnce(runtime);
  const ping = wait === 'dma' ? fences.map((h) => a.art.fence(h)) : [];
  const pong = [];
  if (sig === 'dma') for (let i = 0; i < n; i++) pong.push(a.ctx.createFence());
  const there = new Float64Array(n);
  parentPort.postMessage({ ready: true, fences: pong.map((df) => df.fence.share({ hold: false })) });
  for (let i = 1; i <= n; i++) {
    if (wait === 'dma') ping[i - 1].waitSync();
    else {
      if (wait === 'busy') for (const t = tick() + busyNs; tick() < t; );
      while (Atomics.load(W, PING) !== i) Atomics.wait(W, PING, i - 1);
    }
    there[i - 1] = tick() - T[T_MAIN];
    T[T_WORKER] = tick();
    if (sig === 'dma') pong[i - 1].signal();
    else {
      Atomics.store(W, PONG, i);
      Atomics.notify(W, PONG);
    }
  }
  for (const df of pong) {
    df.fence.release();
    df.release();
  }
  parentPort.postMessage({ done: true, toWorkerNs: there });
};

/** The end of a dmafence mode: give the emitter slot back. */
modes.detach = ({ runtime }) => {
  attached.get(runtime.runtime)?.art.dispose();
  attached.delete(runtime.runtime);
  parentPort.postMessage({ done: true });
};

parentPort.on('message', (msg) => {
  if (msg.cmd === undefined) return; // a step message of a running mode (it listens with once)
  if (msg.cmd === 'exit') {
    parentPort.close();
    return;
  }
  build(msg.dist)
    .then((b) => {
      attachRuntime = b.attachRuntime;
      return modes[msg.cmd](msg);
    })
    .catch((e) => {
      parentPort.postMessage({ error: String(e?.stack ?? e) });
    });
});
