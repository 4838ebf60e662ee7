#!/usr/bin/env node
// Two builds' cross-thread ping-pong in one process, against hand-written Atomics: bench/threads.mjs's
// main thread and worker, its hand-written Atomics mode and its dmafence mode (the worker an emitter)
// once per build and backend, interleaved, their order rotating per round. Per mode: round trips/s
// (median, min-max of the rounds), the ratio to hand-written Atomics (median of the rounds' ratios),
// the round trip p50/p99 (all trips); per backend, B over A per round (median, min-max, and in how
// many rounds B was faster).
//
//   node bench/threads-ab.mjs <A dist dir> <B dist dir> [rounds] [trips] [wasm|ts|both]
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, percentile } from './stats.mjs';
import { dmafenceEmitter, interleaved, modes } from './threads.mjs';

const [dirA, dirB] = [process.argv[2], process.argv[3]];
const rounds = Number(process.argv[4] ?? 16);
const trips = Number(process.argv[5] ?? 4000);
const which = process.argv[6] ?? 'both';
if (!dirA || !dirB || !(rounds >= 1 && trips >= 10) || !['wasm', 'ts', 'both'].includes(which)) {
  process.stderr.write('usage: node bench/threads-ab.mjs <A dist dir> <B dist dir> [rounds >= 1] [trips >= 10] [wasm|ts|both]\n');
  process.exit(2);
}
const urlOf = (dir) => pathToFileURL(resolve(dir, 'index.js')).href;
const libA = await import(urlOf(dirA));
const libB = await import(urlOf(dirB));
const backends = which === 'both' ? ['wasm', 'ts'] : [which];
const list = [['atomics', modes.atomics]];
for (const b of backends) {
  list.push([`A ${b}`, dmafenceEmitter(b, libA.createRuntime, libA.attachRuntime, Math.max(trips, 500), urlOf(dirA))]);
  list.push([`B ${b}`, dmafenceEmitter(b, libB.createRuntime, libB.attachRuntime, Math.max(trips, 500), urlOf(dirB))]);
}
const acc = new Map(list.map(([k]) => [k, { rates: [], rtt: [], p50: [], there: [], back: [] }]));
const loadBefore = os.loadavg()[0];
await interleaved(list, rounds, trips, (k, r) => {
  const a = acc.get(k);
  a.rates.push(trips / (r.ms / 1000));
  a.p50.push(percentile(Array.from(r.rttNs), 50) / 1000);
  for (const x of r.rttNs) a.rtt.push(x);
  a.there.push(percentile(Array.from(r.toWorkerNs), 50) / 1000);
  a.back.push(percentile(Array.from(r.toMainNs), 50) / 1000);
});
const base = acc.get('atomics').rates;
console.log(`A ${dirA}, B ${dirB}: ${rounds} rounds of ${trips} round trips per mode; load average (1 min) ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after, on ${os.cpus().length} cores\n`);
console.log('| mode | round trips/s (median; min-max) | vs Atomics (median of rounds) | round trip p50 (median of rounds) | p50 / p99 (all trips) | main -> worker / worker -> main wake p50 (median of rounds) |');
console.log('|---|---:|---:|---:|---:|---:|');
const k1 = (x) => `${(x / 1e3).toFixed(1)} k`;
for (const [k] of list) {
  const a = acc.get(k);
  const ratio = a.rates.map((x, i) => x / base[i]);
  console.log(`| ${k} | ${k1(median(a.rates))} (${k1(Math.min.apply(null, a.rates))}-${k1(Math.max.apply(null, a.rates))}) | ${median(ratio).toFixed(2)} | ${median(a.p50).toFixed(1)} µs | ${(percentile(a.rtt, 50) / 1000).toFixed(1)} / ${(percentile(a.rtt, 99) / 1000).toFixed(0)} µs | ${median(a.there).toFixed(1)} / ${median(a.back).toFixed(1)} µs |`);
}
for (const b of backends) {
  const A = acc.get(`A ${b}`).rates;
  const B = acc.get(`B ${b}`).rates;
  const r = B.map((x, i) => x / A[i]);
  const dp = acc.get(`B ${b}`).p50.map((x, i) => x - acc.get(`A ${b}`).p50[i]);
  console.log(`\n${b}: B/A round trips/s per round median ${median(r).toFixed(3)} (${Math.min.apply(null, r).toFixed(2)}-${Math.max.apply(null, r).toFixed(2)}), B faster in ${r.filter((x) => x > 1).length}/${r.length}; p50 B-A median ${median(dp).toFixed(2)} µs`);
}
