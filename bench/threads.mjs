#!/usr/bin/env node
// Cross-thread signal -> wake: a ping-pong between the main thread and one worker_threads worker
// (the same two threads for every mode, in one run), measured against what a user would
// hand-write between them: Atomics on a SharedArrayBuffer (the main thread waits with
// Atomics.waitAsync, the worker with Atomics.wait) and postMessage. Per mode: round trips/s (the
// median, min and max over rounds), the round trip's p50/p99, and each leg's signal -> wake
// latency (from the signaling thread's timestamp, taken just before it signals, to the woken
// thread running; both threads read CLOCK_MONOTONIC through process.hrtime).
//
// Part of `npm run bench` (a section of bench/run.mjs, `--only threads`), and runnable alone:
//   node bench/threads.mjs [--quick | --long] [--json FILE]
import { Worker } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { median, percentile } from './stats.mjs';

/** Round trips per round, rounds per mode (modes interleave, their order rotating per round). */
export const THREAD_CFG = {
  quick: { rounds: 2, trips: 300, warmup: 50 },
  default: { rounds: 8, trips: 2000, warmup: 300 },
  long: { rounds: 16, trips: 10_000, warmup: 1000 },
};

const tick = () => Number(process.hrtime.bigint());
const PING = 0;
const PONG = 1;
const T_MAIN = 0;
const T_WORKER = 1;

/** One worker, driven one command at a time (bench/threads-split.mjs drives it too). */
export function startWorker() {
  const w = new Worker(new URL('./threads-worker.mjs', import.meta.url));
  const inbox = [];
  const waiting = [];
  let failed;
  w.on('message', (m) => {
    if (m.error) failed = new Error(`bench worker: ${m.error}`);
    const r = waiting.shift();
    if (r) r(m);
    else inbox.push(m);
  });
  w.on('error', (e) => {
    failed = e;
    for (const r of waiting.splice(0)) r({ error: String(e) });
  });
  return {
    post: (m, transfer) => w.postMessage(m, transfer),
    next: () =>
      new Promise((resolve, reject) => {
        const take = (m) => (m.error ? reject(failed ?? new Error(m.error)) : resolve(m));
        if (failed) reject(failed);
        else if (inbox.length) take(inbox.shift());
        else waiting.push(take);
      }),
    close: () => w.terminate(),
  };
}

/**
 * The main thread's side of each mode: `run(worker, n)` sets the worker up, runs n round trips and
 * returns { ms, rttNs, toWorkerNs, toMainNs } (per-trip samples in ns).
 */
export const modes = {
  /** Hand-written Atomics: store + notify the ping word, Atomics.waitAsync on the pong word. */
  atomics: {
    label: 'hand-written Atomics (SharedArrayBuffer; main Atomics.waitAsync, worker Atomics.wait)',
    async run(worker, n) {
      const words = new SharedArrayBuffer(8);
      const times = new SharedArrayBuffer(16);
      const W = new Int32Array(words);
      const T = new Float64Array(times);
      worker.post({ cmd: 'atomics', n, words, times });
      await worker.next();
      const rtt = new Float64Array(n);
      const back = new Float64Array(n);
      const t0 = performance.now();
      for (let i = 1; i <= n; i++) {
        const s = tick();
        T[T_MAIN] = s;
        Atomics.store(W, PING, i);
        Atomics.notify(W, PING);
        while (Atomics.load(W, PONG) !== i) {
          const r = Atomics.waitAsync(W, PONG, i - 1);
          if (r.async) await r.value;
        }
        const e = tick();
        rtt[i - 1] = e - s;
        back[i - 1] = e - T[T_WORKER];
      }
      const ms = performance.now() - t0;
      const { toWorkerNs } = await worker.next();
      return { ms, rttNs: rtt, toWorkerNs, toMainNs: back };
    },
  },

  /** Hand-written postMessage on a MessageChannel port: post, await the echo. */
  postMessage: {
    label: 'hand-written postMessage (MessageChannel, echo)',
    async run(worker, n) {
      const { port1, port2 } = new MessageChannel();
      worker.post({ cmd: 'postMessage', n, port: port2 }, [port2]);
      await worker.next();
      const rtt = new Float64Array(n);
      const back = new Float64Array(n);
      let resolve;
      port1.on('message', (m) => resolve(m));
      const t0 = performance.now();
      for (let i = 1; i <= n; i++) {
        const s = tick();
        const got = new Promise((r) => (resolve = r));
        port1.postMessage([i, s]);
        const m = await got;
        const e = tick();
        rtt[i - 1] = e - s;
        back[i - 1] = e - m[1];
      }
      const ms = performance.now() - t0;
      port1.close();
      const { toWorkerNs } = await worker.next();
      return { ms, rttNs: rtt, toWorkerNs, toMainNs: back };
    },
  },
};

/**
 * Runs `list` ([name, mode] pairs, each mode a `{ run(worker, trips), close?(worker) }`) between
 * the main thread and one new worker: each mode once to warm up, then `rounds` rounds of `trips`
 * round trips, interleaved, the order rotating per round; `onResult(name, result)` gets every
 * timed run. The worker is ended after. Used by bench/threads-ab.mjs and bench/threads-hops.mjs.
 */
export async function interleaved(list, rounds, trips, onResult) {
  const worker = startWorker();
  try {
    for (const [, m] of list) await m.run(worker, 500);
    for (let round = 0; round < rounds; round++) {
      const order = list.slice(round % list.length).concat(list.slice(0, round % list.length));
      for (const [k, m] of order) onResult(k, await m.run(worker, trips));
    }
    for (const [, m] of list) await m.close?.(worker);
  } finally {
    worker.post({ cmd: 'exit' });
    await worker.close();
  }
}

/**
 * dmafence, the worker an emitter on this thread's runtime: this thread signals its fence, the
 * worker (blocked in RemoteFence.waitSync) wakes and signals its own, this thread wakes from
 * RemoteFence.wait on its view of the worker's fence. One runtime per backend for the whole run,
 * and the worker keeps its attachment and context (as an application would): each run only
 * creates its fences, outside the timed loop. `dist`: the build's file URL, for the worker
 * (bench/threads-ab.mjs; default this checkout's).
 */
export function dmafenceEmitter(backend, createRuntime, attachRuntime, maxTrips, dist) {
  let rt;
  let ctx;
  let view;
  return {
    label: `dmafence ${backend} (the worker an emitter: waitSync there, RemoteFence.wait here)`,
    async run(worker, n) {
      if (rt === undefined) {
        rt = await createRuntime({ backend, maxFences: maxTrips + 64, maxEmitterThreads: 1, emitterFences: maxTrips + 64 });
        ctx = rt.createContext({ timelineName: 'ping' });
        view = attachRuntime(rt.share());
      }
      const times = new SharedArrayBuffer(16);
      const T = new Float64Array(times);
      const ping = [];
      for (let i = 0; i < n; i++) ping.push(ctx.createFence());
      worker.post({ cmd: 'emitter', dist, n, runtime: rt.share(), fences: ping.map((df) => df.fence.share({ hold: false })), times });
      const ready = await worker.next();
      const pong = ready.fences.map((h) => view.fence(h));
      const rtt = new Float64Array(n);
      const back = new Float64Array(n);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const s = tick();
        T[T_MAIN] = s;
        ping[i].signal();
        await pong[i].wait();
        const e = tick();
        rtt[i] = e - s;
        back[i] = e - T[T_WORKER];
      }
      const ms = performance.now() - t0;
      const { toWorkerNs } = await worker.next();
      for (const df of ping) {
        df.fence.release(); // the shareable handle pins the slot too
        df.release();
      }
      return { ms, rttNs: rtt, toWorkerNs, toMainNs: back };
    },
    async close(worker) {
      if (rt === undefined) return;
      worker.post({ cmd: 'detach', dist, runtime: rt.share() });
      await worker.next();
      await rt.dispose();
    },
  };
}

const us = (ns) => ns / 1000;
const pcts = (xs) => ({ p50: us(percentile(xs, 50)), p99: us(percentile(xs, 99)) });
function fmtRate(x) {
  return x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0);
}
const fmtUs = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(0)} µs`);

/**
 * Runs every mode for cfg.rounds rounds (after one warm-up run each), interleaved, and returns
 * the rows: { workload, unit, roundTrips: { median, min, max, rounds }, rttUs, toWorkerUs,
 * toMainUs ({ p50, p99 }), vsAtomics } plus a Markdown table.
 */
export async function threadRows({ mode = 'default', log = () => {} } = {}) {
  const { createRuntime, attachRuntime } = await import('../dist/index.js');
  const cfg = THREAD_CFG[mode] ?? THREAD_CFG.default;
  const list = [
    ['atomics', modes.atomics],
    ['postMessage', modes.postMessage],
    ['dmafence-wasm', dmafenceEmitter('wasm', createRuntime, attachRuntime, Math.max(cfg.trips, cfg.warmup))],
    ['dmafence-ts', dmafenceEmitter('ts', createRuntime, attachRuntime, Math.max(cfg.trips, cfg.warmup))],
  ];
  const loadBefore = os.loadavg()[0];
  const worker = startWorker();
  const acc = new Map(list.map(([k]) => [k, { rates: [], rtt: [], there: [], back: [] }]));
  try {
    for (const [, m] of list) await m.run(worker, cfg.warmup);
    for (let round = 0; round < cfg.rounds; round++) {
      const order = list.slice(round % list.length).concat(list.slice(0, round % list.length));
      for (const [k, m] of order) {
        const r = await m.run(worker, cfg.trips);
        const a = acc.get(k);
        a.rates.push(cfg.trips / (r.ms / 1000));
        for (const x of r.rttNs) a.rtt.push(x);
        for (const x of r.toWorkerNs) a.there.push(x);
        for (const x of r.toMainNs) a.back.push(x);
      }
    }
    for (const [, m] of list) await m.close?.(worker);
  } finally {
    worker.post({ cmd: 'exit' });
    await worker.close();
  }
  const rows = list.map(([k, m]) => {
    const a = acc.get(k);
    return {
      workload: `cross-thread ping-pong, ${m.label}`,
      mode: k,
      unit: 'round trips/s',
      roundTrips: { median: median(a.rates), min: Math.min.apply(null, a.rates), max: Math.max.apply(null, a.rates), rounds: a.rates.length },
      rttUs: pcts(a.rtt),
      toWorkerUs: pcts(a.there),
      toMainUs: pcts(a.back),
      samples: a.rtt.length,
    };
  });
  // The 1-minute load average before and after: on a shared machine the tails move with it.
  const load = { before: loadBefore, after: os.loadavg()[0], cores: os.cpus().length };
  const base = rows[0].roundTrips.median;
  for (const r of rows) r.vsAtomics = r.roundTrips.median / base;
  const lines = [
    `| between main and one worker | round trips/s (median; min-max over ${cfg.rounds} rounds) | round trip p50 / p99 | main -> worker wake p50 / p99 | worker -> main wake p50 / p99 | vs Atomics |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const t = r.roundTrips;
    lines.push(
      `| ${r.workload.replace('cross-thread ping-pong, ', '')} | ${fmtRate(t.median)} (${fmtRate(t.min)}-${fmtRate(t.max)}) | ${fmtUs(r.rttUs.p50)} / ${fmtUs(r.rttUs.p99)} | ${fmtUs(r.toWorkerUs.p50)} / ${fmtUs(r.toWorkerUs.p99)} | ${fmtUs(r.toMainUs.p50)} / ${fmtUs(r.toMainUs.p99)} | ${r.vsAtomics.toFixed(2)} |`,
    );
    log(`  ${r.workload}: ${fmtRate(t.median)} round trips/s, p50/p99 ${fmtUs(r.rttUs.p50)}/${fmtUs(r.rttUs.p99)}, vs Atomics ${r.vsAtomics.toFixed(2)}`);
  }
  lines.push('', `load average (1 min) ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after, on ${load.cores} cores`);
  return { rows, load, table: lines.join('\n') };
}

// ── alone: node bench/threads.mjs [--quick | --long] [--json FILE] ─────────────────────────────
/**
 * The section of `npm run bench` (bench/run.mjs): the same rows, printed as their own table after
 * the run's table (their columns are not the wasm/ts/peer ones) and kept in the JSON as `threads`.
 */
export async function section(h) {
  const t = await threadRows({ mode: h.mode, log: h.log });
  h.appendix.push({ key: 'threads', title: 'cross-thread ping-pong between the main thread and one worker (bench/threads.mjs)', table: t.table, json: { rows: t.rows, load: t.load } });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let flags;
  try {
    flags = parseArgs({ args: process.argv.slice(2), strict: true, allowPositionals: false, options: { quick: { type: 'boolean' }, long: { type: 'boolean' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (e) {
    process.stderr.write(`bench/threads: ${e instanceof Error ? e.message : String(e)}\nusage: node bench/threads.mjs [--quick | --long] [--json FILE]\n`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write('usage: node bench/threads.mjs [--quick | --long] [--json FILE]\n\nThe cross-thread ping-pong rows of npm run bench alone: hand-written Atomics and postMessage\nagainst dmafence fences (wasm and ts) between the main thread and one worker.\n');
    process.exit(0);
  }
  if (flags.quick && flags.long) {
    process.stderr.write('bench/threads: --quick and --long exclude each other\n');
    process.exit(2);
  }
  const mode = flags.long ? 'long' : flags.quick ? 'quick' : 'default';
  const log = (s) => process.stderr.write(s + '\n');
  log(`dmafence cross-thread bench (${mode}): ${THREAD_CFG[mode].rounds} round(s) of ${THREAD_CFG[mode].trips} round trips per mode`);
  const { rows, load, table } = await threadRows({ mode, log });
  console.log(`\n${table}`);
  if (flags.json) writeFileSync(flags.json, JSON.stringify({ node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', mode, load, threads: rows }, null, 2) + '\n');
}
