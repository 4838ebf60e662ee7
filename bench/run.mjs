#!/usr/bin/env node
// dmafence benchmarks: the WebAssembly core against its TypeScript twin, same process, same run,
// interleaved (rounds alternate which backend goes first; samples are pooled per backend).
// Figures are medians; ratios compare the two backends within this run only.
// `npm run bench -- --help` lists the flags.
import { Bench } from 'tinybench';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { appendSamples, median, percentile as pct } from './stats.mjs';

const USAGE = `usage: npm run bench [-- FLAGS]      (or: node bench/run.mjs [FLAGS])

Runs every workload on both backends (wasm and ts) in one process, interleaved, and prints the
median throughput per backend and the wasm/ts ratio. No figure is asserted.

  (no flag)      the default run: 3 rounds, 700 ms per task per round (about a minute on 2 cores)
  --quick        a few seconds: 1 round, 60 ms per task, smaller workloads (checks that it runs)
  --long         longer: 6 rounds, 2 s per task per round, 1M real-clock jobs
  --json F       also write the figures, with the Node version, CPU model and core count, to file F
  -h, --help     print this help and exit

--quick and --long exclude each other.`;

/** Exits with status 2 and a message naming what was wrong. */
function usageError(msg) {
  process.stderr.write(`bench: ${msg}\nRun with --help for the flags.\n`);
  process.exit(2);
}

let flags;
try {
  flags = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean' },
      long: { type: 'boolean' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (e) {
  usageError(e instanceof Error ? e.message : String(e));
}
if (flags.help) {
  process.stdout.write(USAGE + '\n');
  process.exit(0);
}
if (flags.quick && flags.long) usageError('--quick and --long exclude each other');
const jsonPath = flags.json;
if (jsonPath !== undefined && jsonPath === '') usageError('--json needs a file name');
const mode = flags.long ? 'long' : flags.quick ? 'quick' : 'default';
const { createRuntime } = await import('../dist/index.js'); // after the flags: --help needs no build
const CFG = {
  quick: { rounds: 1, time: 60, signalN: 100_000, realJobs: 20_000, latencySamples: 200, baselineN: 256 },
  default: { rounds: 3, time: 700, signalN: 1_000_000, realJobs: 300_000, latencySamples: 2000, baselineN: 1024 },
  long: { rounds: 6, time: 2000, signalN: 1_000_000, realJobs: 1_000_000, latencySamples: 10_000, baselineN: 1024 },
}[mode];
const BACKENDS = ['wasm', 'ts'];
const log = (s) => process.stderr.write(s + '\n');

/** Runs a pair of tasks (one per backend) for CFG.rounds rounds; returns pooled samples (ms). */
async function pair(name, make) {
  const samples = { wasm: [], ts: [] };
  const ctxs = {};
  for (const b of BACKENDS) ctxs[b] = await make(b);
  for (let round = 0; round < CFG.rounds; round++) {
    const order = round % 2 ? BACKENDS.slice().reverse() : BACKENDS;
    for (const b of order) {
      const { fn, beforeEach } = ctxs[b];
      const bench = new Bench({ time: CFG.time, warmupTime: Math.min(200, CFG.time), iterations: 5, warmupIterations: 2, retainSamples: true });
      bench.add(`${name} ${b}`, fn, beforeEach ? { beforeEach } : undefined);
      await bench.run();
      const r = bench.tasks[0].result;
      if (r.state !== 'completed') throw new Error(`${name} ${b}: ${r.state} ${r.error ?? ''}`);
      appendSamples(samples[b], r.latency.samples);
    }
  }
  for (const b of BACKENDS) await ctxs[b].dispose?.();
  return samples;
}


const results = [];
function record(workload, unit, units, samples, extra = {}) {
  const row = Object.assign({ workload, unit }, extra);
  // Spread: the throughput at the 75th and 25th percentile of the time per iteration (the middle half).
  const rate = (ms) => units / (ms / 1000);
  for (const b of BACKENDS) row[b] = { median: rate(median(samples[b])), p25: rate(pct(samples[b], 75)), p75: rate(pct(samples[b], 25)), samples: samples[b].length };
  row.ratio = row.wasm.median / row.ts.median;
  results.push(row);
  const spread = (b) => `${fmt(row[b].median)} ${unit} (middle half ${fmt(row[b].p25)}-${fmt(row[b].p75)})`;
  log(`  ${workload}: wasm ${spread('wasm')}, ts ${spread('ts')}, wasm/ts ${row.ratio.toFixed(2)}`);
}

function fmt(x) {
  if (x >= 1e9) return (x / 1e9).toFixed(2) + ' G';
  if (x >= 1e6) return (x / 1e6).toFixed(2) + ' M';
  if (x >= 1e3) return (x / 1e3).toFixed(1) + ' k';
  return x.toFixed(1);
}

// ── signal loop: N pending fences on one context, one signalUpTo ─────────────────────────────
log(`dmafence bench (${mode}): ${CFG.rounds} round(s), ${CFG.time} ms per task per round`);
{
  const N = CFG.signalN;
  const s = await pair('signal loop', async (backend) => {
    const rt = await createRuntime({ backend, maxFences: N + 16 });
    const ctx = rt.createContext();
    let last = 0;
    return {
      beforeEach: () => {
        last = ctx.createFences(N) + N - 1;
      },
      fn: () => {
        ctx.signalUpTo(last);
      },
      dispose: () => rt.dispose(),
    };
  });
  record('signal loop (1M pending, one signalUpTo)'.replace('1M', N >= 1e6 ? '1M' : `${N / 1000}k`), 'fences/s', N, s, { hot: true, goal: { wasm: 500e6 } });
}

// ── create + signal in batches of 1024 ───────────────────────────────────────────────────────
{
  const s = await pair('create+signal', async (backend) => {
    const rt = await createRuntime({ backend, maxFences: 4096 });
    const ctx = rt.createContext();
    return {
      fn: () => {
        const first = ctx.createFences(1024);
        ctx.signalUpTo(first + 1023);
      },
    };
  });
  record('create+signal, batches of 1024', 'fences/s', 1024, s, { hot: true });
}

// ── object API: DriverFence, one callback, one signal, through the public objects ───────────
{
  const K = 1000;
  const s = await pair('object API', async (backend) => {
    const rt = await createRuntime({ backend, maxFences: 4096 });
    const ctx = rt.createContext();
    let hits = 0;
    const cb = () => hits++;
    return {
      fn: () => {
        for (let i = 0; i < K; i++) {
          const df = ctx.createFence();
          const f = df.fence;
          f.addCallback(cb);
          df.signal();
          f.release();
          df.release();
        }
      },
    };
  });
  record('object API (create, addCallback, signal, release)', 'fences/s', K, s, { goal: { wasm: 5e6 } });
}

// ── pipeline on the virtual clock: submit -> ring -> device -> writeback -> IRQ -> signal ───
for (const bytes of [0, 4096]) {
  for (const rings of [1, 8]) {
    const s = await pair(`pipeline ${bytes} B x${rings}`, async (backend) => {
      const rt = await createRuntime({ backend, maxFences: 16384, maxRings: 8, maxRingCapacity: 1024, dmaBytes: 1 << 16 });
      const dev = rt.createDevice({ latency: { baseNs: 1000, perByteNs: 0.25 } });
      const rs = Array.from({ length: rings }, () => rt.createRing({ device: dev, capacity: 1024 }));
      const job = bytes ? { dst: rt.memory.alloc(bytes) } : {};
      return {
        fn: () => {
          for (const r of rs) r.submitBatch(1024, job);
          rt.sim.runUntilIdle();
        },
      };
    });
    record(`pipeline, virtual clock, ${bytes ? '4 KiB' : 'zero-byte'} jobs, ${rings} ring${rings > 1 ? 's' : ''}`, 'jobs/s', 1024 * rings, s, {
      hot: true,
      goal: bytes === 0 && rings === 1 ? { wasm: 100e6 } : undefined,
    });
  }
}

// ── pipeline on the real clock: the device in a worker thread ─────────────────────────────────
{
  const sustained = { wasm: [], ts: [] };
  const latency = { wasm: [], ts: [] };
  const endToEnd = { wasm: [], ts: [] };
  for (let round = 0; round < CFG.rounds; round++) {
    for (const backend of round % 2 ? BACKENDS.slice().reverse() : BACKENDS) {
      const rt = await createRuntime({ backend, clock: 'real', maxFences: 1 << 14, maxRingCapacity: 1024 });
      const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 0 } }), capacity: 1024, timeoutNs: 10e9 });
      // Sustained: keep the ring full for CFG.realJobs jobs.
      const t0 = performance.now();
      let submitted = 0;
      while (submitted < CFG.realJobs) {
        const n = Math.min(ring.space, CFG.realJobs - submitted);
        if (n > 0) {
          ring.submitBatch(n, {});
          submitted += n;
        }
        if (ring.space === 0) await new Promise((r) => setImmediate(r));
      }
      const last = await ring.submitAsync({});
      await last.wait();
      sustained[backend].push(performance.now() - t0);
      last.release();
      // Latency, one zero-duration job at a time: from the device completing it (in its thread)
      // to its callback running on this thread (the interrupt path), and from submit to callback.
      for (let i = 0; i < CFG.latencySamples; i++) {
        const s = performance.now();
        const f = ring.submit({});
        const cbAt = await new Promise((res) => f.addCallback(() => res(rt.sim.now)));
        endToEnd[backend].push((performance.now() - s) * 1000);
        const done = ring._jobStartNs(f.seqno); // zero duration: completion = start
        if (done !== undefined) latency[backend].push((cbAt - done) / 1000);
        f.release();
      }
      await rt.dispose();
    }
  }
  const row = { workload: 'pipeline, real clock (device in a worker), zero-byte jobs', unit: 'jobs/s', goal: { wasm: 30e6 }, hot: true };
  for (const b of BACKENDS) {
    row[b] = {
      median: CFG.realJobs / (median(sustained[b]) / 1000),
      samples: sustained[b].length,
      latencyUs: { p50: pct(latency[b], 50), p99: pct(latency[b], 99) },
      submitToCallbackUs: { p50: pct(endToEnd[b], 50), p99: pct(endToEnd[b], 99) },
    };
  }
  row.ratio = row.wasm.median / row.ts.median;
  results.push(row);
  log(`  ${row.workload}: wasm ${fmt(row.wasm.median)} jobs/s, ts ${fmt(row.ts.median)} jobs/s; completion-to-callback p50/p99 wasm ${row.wasm.latencyUs.p50.toFixed(1)}/${row.wasm.latencyUs.p99.toFixed(1)} µs, ts ${row.ts.latencyUs.p50.toFixed(1)}/${row.ts.latencyUs.p99.toFixed(1)} µs`);
}

// ── scheduled pipelines: copy -> render on two rings, each ring fed by a scheduler ──────────────
// The same pipeline three ways: (a) the batch form (pushBatch with `after`: render job i waits for
// copy job i, no handles); (b) one ent.push per job, one dependency each, a callback on every 64th
// finished fence; (c) the hand-written baseline the scheduler replaces: fence callbacks submit the
// next stage's job, JS queues hold what does not fit, and advance() polls the clock.
const SCHED_N = 1024;
/** Two rings (copy, render) on one device, a scheduler and an entity on each. */
async function schedPipeline(backend) {
  const rt = await createRuntime({ backend, maxFences: 16384, maxContexts: 64, maxRings: 4, maxRingCapacity: 1024 });
  const dev = rt.createDevice({ latency: { baseNs: 1000 } });
  const copyRing = rt.createRing({ device: dev, capacity: 1024, name: 'copy' });
  const renderRing = rt.createRing({ device: dev, capacity: 1024, name: 'render' });
  const copy = rt.createScheduler({ ring: copyRing, name: 'copy' }).createEntity({ priority: 'normal' });
  const render = rt.createScheduler({ ring: renderRing, name: 'render' }).createEntity({ priority: 'normal' });
  return { rt, copy, render };
}
{
  const s = await pair('sched batch', async (backend) => {
    const { rt, copy, render } = await schedPipeline(backend);
    const context = copy.finishedContext;
    return {
      fn: () => {
        const firstSeqno = copy.pushBatch(SCHED_N, {});
        render.pushBatch(SCHED_N, { after: { context, firstSeqno } });
        rt.sim.runUntilIdle();
      },
      dispose: () => rt.dispose(),
    };
  });
  record('scheduled pipeline, virtual clock, zero-byte jobs, copy->render on 2 rings, pushBatch with after', 'jobs/s', 2 * SCHED_N, s, { hot: true, goal: { wasm: 30e6 } });
}
{
  const s = await pair('sched push', async (backend) => {
    const { rt, copy, render } = await schedPipeline(backend);
    let hits = 0;
    const onFinished = (f) => {
      hits++;
      f.release();
    };
    return {
      fn: () => {
        for (let i = 0; i < SCHED_N; i++) {
          const c = copy.push({});
          const r = render.push({ deps: [c.finished] });
          c.scheduled.release();
          c.finished.release();
          r.scheduled.release();
          if ((i & 63) === 63) r.finished.addCallback(onFinished);
          else r.finished.release();
        }
        rt.sim.runUntilIdle();
      },
      dispose: () => rt.dispose(),
    };
  });
  record('scheduled pipeline, ent.push, one dependency per job, a callback every 64th job', 'jobs/s', 2 * SCHED_N, s, { hot: true, goal: { wasm: 3e6 } });
}
{
  // The baseline: three rings (copy, compute, render), each job of a stage submitted by the
  // callback of the previous stage's fence; a ring that is full leaves the job in a JS queue that
  // the polling loop retries after each advance() of one job's duration.
  const N = CFG.baselineN;
  const s = await pair('hand-written', async (backend) => {
    const rt = await createRuntime({ backend, maxFences: 16384, maxRings: 4, maxRingCapacity: 256 });
    const dev = rt.createDevice({ latency: { baseNs: 1000 } });
    const rings = ['copy', 'compute', 'render'].map((name) => rt.createRing({ device: dev, capacity: 256, name }));
    const waiting = [0, 0, 0];
    let done = 0;
    const submit = (k) => {
      const f = rings[k].submit({});
      f.addCallback(() => {
        f.release();
        if (k === 2) done++;
        else {
          waiting[k + 1]++;
          drain(k + 1);
        }
      });
    };
    const drain = (k) => {
      while (waiting[k] > 0 && rings[k].space > 0) {
        waiting[k]--;
        submit(k);
      }
    };
    return {
      fn: () => {
        done = 0;
        waiting[0] = N;
        while (done < N) {
          drain(0);
          drain(1);
          drain(2);
          rt.sim.advance(1000);
        }
      },
      dispose: () => rt.dispose(),
    };
  });
  record('hand-written pipeline (baseline): 3 rings, one dependency per job, fence callbacks and advance() polling', 'jobs/s', 3 * N, s, { hot: true });
}
// ── composite fences: merge, syncobj timeline, chain find / GC per link (bench/composite.mjs) ──
await (await import('./composite.mjs')).compositeRows({ createRuntime, CFG, BACKENDS, record, mode, log });

// ── memory: arena bytes per in-flight fence and per ring slot, from the layout ───────────────
{
  const size = async (o) => (await createRuntime(o)).capacity.arenaBytes;
  const perFence = ((await size({ maxFences: 1 << 17 })) - (await size({ maxFences: 1 << 16 }))) / (1 << 16);
  const perSlot = ((await size({ maxRings: 1, maxRingCapacity: 2048 })) - (await size({ maxRings: 1, maxRingCapacity: 1024 }))) / 1024;
  results.push({ workload: 'memory: arena bytes per in-flight fence', unit: 'bytes', value: perFence, goal: { max: 32 } });
  results.push({ workload: 'memory: arena bytes per ring slot (descriptor)', unit: 'bytes', value: perSlot });
  log(`  memory: ${perFence} B per in-flight fence, ${perSlot} B per ring slot`);
}

// ── report ───────────────────────────────────────────────────────────────────────────────────
const cpus = os.cpus();
const machine = { node: process.version, cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, platform: `${os.platform()} ${os.arch()}`, date: new Date().toISOString(), mode };
const lines = [];
lines.push(`| workload | wasm (median) | ts (median) | wasm/ts | goal |`);
lines.push(`|---|---:|---:|---:|---|`);
for (const r of results) {
  if (r.value !== undefined) {
    lines.push(`| ${r.workload} | ${r.value} ${r.unit} | ${r.value} ${r.unit} | same layout | ${r.goal ? `<= ${r.goal.max} B: ${r.value <= r.goal.max ? 'met' : 'missed'}` : ''} |`);
    continue;
  }
  const lat = (b) => (r[b].latencyUs ? `; completion to callback p50 ${r[b].latencyUs.p50.toFixed(0)} µs, p99 ${r[b].latencyUs.p99.toFixed(0)} µs` : '');
  let goal = '';
  if (r.goal?.wasm) goal = `>= ${fmt(r.goal.wasm)}${r.unit}: ${r.wasm.median >= r.goal.wasm ? 'met' : `missed (${((r.wasm.median / r.goal.wasm) * 100).toFixed(0)}%)`}`;
  if (r.hot) goal += `${goal ? '; ' : ''}wasm ahead: ${r.ratio > 1 ? 'yes' : 'no'}`;
  lines.push(`| ${r.workload} | ${fmt(r.wasm.median)} ${r.unit}${lat('wasm')} | ${fmt(r.ts.median)} ${r.unit}${lat('ts')} | ${r.ratio.toFixed(2)} | ${goal} |`);
}
console.log(`\ndmafence benchmarks (${mode}): Node ${machine.node}, ${machine.cpu}, ${machine.cores} cores\n`);
console.log(lines.join('\n'));
if (jsonPath) {
  writeFileSync(jsonPath, JSON.stringify({ machine, results }, null, 2) + '\n');
  log(`\nwrote ${jsonPath}`);
}

// ── cross-thread ping-pong against hand-written Atomics and postMessage (bench/threads.mjs) ──
{
  const threads = await (await import('./threads.mjs')).threadRows({ mode, log });
  console.log(`\ncross-thread ping-pong between the main thread and one worker (bench/threads.mjs):\n\n${threads.table}`);
  if (jsonPath) {
    const { readFileSync } = await import('node:fs');
    const json = JSON.parse(readFileSync(jsonPath, 'utf8'));
    json.threads = threads.rows;
    json.threadsLoad = threads.load;
    writeFileSync(jsonPath, JSON.stringify(json, null, 2) + '\n');
  }
}
