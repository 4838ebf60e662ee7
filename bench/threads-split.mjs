#!/usr/bin/env node
// Where the cross-thread ping-pong's time goes, one leg at a time: bench/threads.mjs's two threads
// and hand-written Atomics, with dmafence on one leg only, then on both. Modes interleave in one
// process, their order rotating per round. Per mode: round trips/s (median of the rounds), the
// median of the rounds' round trip p50, and that p50 minus hand-written Atomics' in the same
// round (the leg's extra cost).
//   main -> worker: the main thread signals its fence (DriverFence.signal), the worker wakes from
//                   RemoteFence.waitSync; the answer is hand-written (store + notify, waitAsync).
//   worker -> main: the ping is hand-written (store + notify, Atomics.wait); the worker signals its
//                   own fence, the main thread wakes from RemoteFence.wait().
//   worker busy:    hand-written both ways, but the worker spins 1 µs (about what waitSync does
//                   before it sleeps: two looks at the fence, the count, the epoch read) between
//                   its notify and its next Atomics.wait.
//
//   node bench/threads-split.mjs [rounds] [trips] [wasm|ts]
import os from 'node:os';
import { median, percentile } from './stats.mjs';
import { startWorker } from './threads.mjs';

const rounds = Number(process.argv[2] ?? 8);
const trips = Number(process.argv[3] ?? 4000);
const backend = process.argv[4] ?? 'wasm';
if (!(rounds >= 1 && trips >= 10 && (backend === 'wasm' || backend === 'ts'))) {
  process.stderr.write('usage: node bench/threads-split.mjs [rounds >= 1] [trips >= 10] [wasm|ts]\n');
  process.exit(2);
}
const { createRuntime, attachRuntime } = await import('../dist/index.js');
const tick = () => Number(process.hrtime.bigint());
const MODES = [
  ['hand-written Atomics, both legs', 'raw', 'raw'],
  ['hand-written, the worker busy 1 µs before each wait', 'busy', 'raw'],
  ['dmafence main -> worker (signal, waitSync)', 'dma', 'raw'],
  ['dmafence worker -> main (signal, wait())', 'raw', 'dma'],
  ['dmafence, both legs', 'dma', 'dma'],
];

const rt = await createRuntime({ backend, maxFences: trips + 64, maxEmitterThreads: 1, emitterFences: trips + 64 });
const ctx = rt.createContext({ timelineName: 'ping' });
const view = attachRuntime(rt.share());
const worker = startWorker();

/** One run of n round trips: `there` how the ping goes, `back` how the pong comes. */
async function run(there, back, n) {
  const words = new SharedArrayBuffer(8);
  const W = new Int32Array(words);
  const times = new SharedArrayBuffer(16);
  const T = new Float64Array(times);
  const ping = [];
  if (there === 'dma') for (let i = 0; i < n; i++) ping.push(ctx.createFence());
  worker.post({ cmd: 'split', n, wait: there, sig: back, busyNs: 1000, words, times, runtime: rt.share(), fences: ping.map((df) => df.fence.share({ hold: false })) });
  const ready = await worker.next();
  const pong = ready.fences.map((h) => view.fence(h));
  const rtt = new Float64Array(n);
  const t0 = performance.now();
  for (let i = 1; i <= n; i++) {
    const s = tick();
    T[0] = s;
    if (there === 'dma') ping[i - 1].signal();
    else {
      Atomics.store(W, 0, i);
      Atomics.notify(W, 0);
    }
    if (back === 'dma') await pong[i - 1].wait();
    else {
      while (Atomics.load(W, 1) !== i) {
        const r = Atomics.waitAsync(W, 1, i - 1);
        if (r.async) await r.value;
      }
    }
    rtt[i - 1] = tick() - s;
  }
  const ms = performance.now() - t0;
  const { toWorkerNs } = await worker.next();
  for (const df of ping) {
    df.fence.release();
    df.release();
  }
  return { rate: n / (ms / 1000), p50: percentile(Array.from(rtt), 50) / 1000, there: percentile(Array.from(toWorkerNs), 50) / 1000 };
}

const acc = MODES.map(() => ({ rate: [], p50: [], extra: [], there: [] }));
const loadBefore = os.loadavg()[0];
try {
  for (const [, a, b] of MODES) await run(a, b, 500);
  for (let r = 0; r < rounds; r++) {
    const got = [];
    for (let k = 0; k < MODES.length; k++) {
      const m = (k + r) % MODES.length;
      got[m] = await run(MODES[m][1], MODES[m][2], trips);
    }
    for (let m = 0; m < MODES.length; m++) {
      acc[m].rate.push(got[m].rate);
      acc[m].p50.push(got[m].p50);
      acc[m].there.push(got[m].there);
      acc[m].extra.push(got[m].p50 - got[0].p50);
    }
  }
  worker.post({ cmd: 'detach', runtime: rt.share() });
  await worker.next();
} finally {
  worker.post({ cmd: 'exit' });
  await worker.close();
}
await rt.dispose();
console.log(`${rounds} rounds of ${trips} round trips per mode, ${backend}; load average (1 min) ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after, on ${os.cpus().length} cores\n`);
console.log('| mode | round trips/s (median) | vs Atomics | round trip p50 (median of rounds) | p50 minus Atomics\' (median; min-max) | main -> worker wake p50 (median of rounds) |');
console.log('|---|---:|---:|---:|---:|---:|');
const base = median(acc[0].rate);
for (let m = 0; m < MODES.length; m++) {
  const a = acc[m];
  const sg = (x) => (x >= 0 ? '+' : '') + x.toFixed(1);
  const ex = m === 0 ? '' : `${sg(median(a.extra))} µs (${Math.min.apply(null, a.extra).toFixed(1)} to ${Math.max.apply(null, a.extra).toFixed(1)})`;
  console.log(`| ${MODES[m][0]} | ${(median(a.rate) / 1e3).toFixed(1)} k | ${(median(a.rate) / base).toFixed(2)} | ${median(a.p50).toFixed(1)} µs | ${ex} | ${median(a.there).toFixed(1)} µs |`);
}
