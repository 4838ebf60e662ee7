#!/usr/bin/env node
// What each difference between dmafence's cross-thread wait and hand-written Atomics costs, measured
// on hand-written Atomics itself: bench/threads.mjs's two threads, its hand-written Atomics mode, the
// same with one thing changed (below), and dmafence's mode per backend, interleaved in one process,
// their order rotating per round. Per mode: round trips/s (median of the rounds), the ratio to
// hand-written Atomics (median of the rounds' ratios), the median of the rounds' round trip p50,
// and that p50 minus hand-written Atomics' in the same round (median, min-max of the rounds).
//   +1 hop, +2 hops:  the main thread awaits the host's waitAsync promise through one or two .then()
//                     (wait() resolves its own promise after the host's: one hop more).
//   async function:   it awaits an async function that awaits the host's promise (wait()'s shape).
//   second line:      each side writes a word on a line of its own before its store, and the other
//                     side reads it after its wake (a fence's state and timestamp on two lines).
//   second line, read before too: and each side reads the other's before it sleeps as well (a look
//                     at a pending fence reads its seqno, on the timestamp's line).
//   wasm memory:      the words in a shared WebAssembly.Memory (64 pages), as the arena is.
//   one word:         both threads sleep on one word that each bumps and notifies after its store
//                     (the signal epoch: read it, look, sleep on the value read).
//   worker parked:    the worker keeps an Atomics.waitAsync pending on another word all along (as an
//                     emitter does on the disposed word).
//   busy as the library: each thread spins, at each point of its turn, about as long as the
//                     library's own work takes there (BUSY.as: main thread; worker: its `busy`).
//   busy, all before / after the notify: the same spins per thread, those not after its wake all
//                     before its notify (on the other thread's wake path), or all after it.
//
//   node bench/threads-hops.mjs [rounds] [trips] [wasm|ts|both|none]
import os from 'node:os';
import { median, percentile } from './stats.mjs';
import { dmafenceEmitter, interleaved, modes } from './threads.mjs';

const rounds = Number(process.argv[2] ?? 12);
const trips = Number(process.argv[3] ?? 4000);
const which = process.argv[4] ?? 'wasm';
if (!(rounds >= 1 && trips >= 10) || !['wasm', 'ts', 'both', 'none'].includes(which)) {
  process.stderr.write('usage: node bench/threads-hops.mjs [rounds >= 1] [trips >= 10] [wasm|ts|both|none]\n');
  process.exit(2);
}
const tick = () => Number(process.hrtime.bigint());
const PING = 0;
const PONG = 1;
const EPOCH = 2;
const LINE_MAIN = 32;
const LINE_WORKER = 48;
/**
 * The busy spins, µs, per thread: `as` about what the library's own work takes at each point of the
 * turn (per-step timestamps in a scratch build; main: its signal before the notify, its wait()
 * from the notify to the host's waitAsync call, from that call to the sleep, from the wake to the
 * caller; worker: waitSync before its sleep, after its wake, its signal before the notify); `before`
 * and `after` the same totals with all but the wake's before or after the notify.
 */
const BUSY = {
  as: { main: { beforeNotify: 0.4, beforeArm: 0.8, armed: 1.2, wake: 0.9 }, worker: { beforeWait: 1.2, wake: 0.7, beforeNotify: 1.0 } },
  before: { main: { beforeNotify: 2.4, beforeArm: 0, armed: 0, wake: 0.9 }, worker: { beforeWait: 0, wake: 0.7, beforeNotify: 2.2 } },
  after: { main: { beforeNotify: 0, beforeArm: 0.8, armed: 1.6, wake: 0.9 }, worker: { beforeWait: 2.2, wake: 0.7, beforeNotify: 0 } },
};
const spin = (us) => {
  if (us > 0) for (const end = performance.now() + us / 1000; performance.now() < end; );
};
const same = (v) => v;
async function sleepAsync(r) {
  await r.value;
  return true;
}

/** Hand-written Atomics with one change (`shape`): the worker's side is threads-worker.mjs's atomicsVariant. */
function variant(shape) {
  const line = shape === 'line' || shape === 'line2';
  const before = shape === 'line2';
  const epoch = shape === 'epoch';
  const busy = BUSY[shape]?.main;
  return {
    async run(worker, n) {
      const words = shape === 'wmem' ? new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true }).buffer : new SharedArrayBuffer(256);
      const W = new Int32Array(words);
      const times = new SharedArrayBuffer(16);
      const T = new Float64Array(times);
      worker.post({ cmd: 'atomicsVariant', n, words, times, line, before, epoch, parked: shape === 'parked', busy: BUSY[shape]?.worker });
      await worker.next();
      const rtt = new Float64Array(n);
      let sink = 0;
      const t0 = performance.now();
      for (let i = 1; i <= n; i++) {
        const s = tick();
        T[0] = s; // as the plain mode (threads.mjs): this thread's time, and the worker's read below
        if (line) Atomics.store(W, LINE_MAIN, i);
        if (busy) spin(busy.beforeNotify);
        Atomics.store(W, PING, i);
        if (epoch) Atomics.add(W, EPOCH, 1);
        Atomics.notify(W, epoch ? EPOCH : PING);
        if (before) sink ^= Atomics.load(W, LINE_WORKER);
        if (busy) spin(busy.beforeArm);
        let slept = false;
        for (;;) {
          const e = epoch ? Atomics.load(W, EPOCH) : i - 1;
          if (Atomics.load(W, PONG) === i) break;
          const r = Atomics.waitAsync(W, epoch ? EPOCH : PONG, e);
          if (busy) spin(busy.armed);
          if (!r.async) continue;
          slept = true;
          if (shape === 'hop1') await r.value.then(same);
          else if (shape === 'hop2') await r.value.then(same).then(same);
          else if (shape === 'async') await sleepAsync(r);
          else await r.value;
        }
        if (busy && slept) spin(busy.wake);
        if (line && Atomics.load(W, LINE_WORKER) !== i) throw new Error("line: the worker's second word is not there");
        const e = tick();
        rtt[i - 1] = e - s;
        sink += e - T[1];
      }
      const ms = performance.now() - t0;
      await worker.next();
      return { ms, rttNs: rtt, sink };
    },
  };
}

const list = [
  ['hand-written Atomics', modes.atomics],
  ['+1 hop', variant('hop1')],
  ['+2 hops', variant('hop2')],
  ['async function', variant('async')],
  ['second line', variant('line')],
  ['second line, read before too', variant('line2')],
  ['wasm memory', variant('wmem')],
  ['one word', variant('epoch')],
  ['worker parked', variant('parked')],
  ['busy as the library', variant('as')],
  ['busy, all before the notify', variant('before')],
  ['busy, all after the notify', variant('after')],
];
if (which !== 'none') {
  const { createRuntime, attachRuntime } = await import('../dist/index.js');
  for (const b of which === 'both' ? ['wasm', 'ts'] : [which]) list.push([`dmafence ${b}`, dmafenceEmitter(b, createRuntime, attachRuntime, Math.max(trips, 500))]);
}
const acc = new Map(list.map(([k]) => [k, { rates: [], p50: [] }]));
const loadBefore = os.loadavg()[0];
await interleaved(list, rounds, trips, (k, r) => {
  acc.get(k).rates.push(trips / (r.ms / 1000));
  acc.get(k).p50.push(percentile(Array.from(r.rttNs), 50) / 1000);
});
const base = acc.get('hand-written Atomics');
console.log(`${rounds} rounds of ${trips} round trips per mode; load average (1 min) ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after, on ${os.cpus().length} cores\n`);
console.log("| mode | round trips/s (median) | vs Atomics (median of rounds) | round trip p50 (median of rounds) | p50 minus Atomics' (median; min-max of rounds) |");
console.log('|---|---:|---:|---:|---:|');
for (const [k] of list) {
  const a = acc.get(k);
  const ratio = a.rates.map((x, i) => x / base.rates[i]);
  const d = a.p50.map((x, i) => x - base.p50[i]);
  console.log(`| ${k} | ${(median(a.rates) / 1e3).toFixed(1)} k | ${median(ratio).toFixed(2)} | ${median(a.p50).toFixed(2)} µs | ${median(d).toFixed(2)} (${Math.min.apply(null, d).toFixed(2)} to ${Math.max.apply(null, d).toFixed(2)}) µs |`);
}
