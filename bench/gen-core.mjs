#!/usr/bin/env node
// The generated ts core (bindings/core/ts-core.gen.ts, made from assembly/) against the
// hand-written ts core and the wasm core: same process, same run, interleaved (each round
// rotates which core goes first; samples are pooled per core). Figures are medians of tinybench
// samples; the spread is the 25th-75th percentile of the samples and the range of the per-round
// medians. Nothing is asserted.
//
//   npm run build && node bench/gen-core.mjs [--quick | --long] [--json FILE]
//
// The cores run under the same bindings, bundled like dist/: this script bundles build/ts/index.js
// with rollup into build/bench-gen/, replacing core/ts-ring.js by a switch that makes either
// TsCore (the hand-written one, or the generated one) for each runtime with backend 'ts'.
import { Bench } from 'tinybench';
import { rollup } from 'rollup';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { appendSamples, median, percentile } from './stats.mjs';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean' }, long: { type: 'boolean' }, json: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (flags.help) {
  process.stdout.write('usage: node bench/gen-core.mjs [--quick | --long] [--only TEXT] [--json FILE]   (after npm run build)\n  --only TEXT  only the workloads whose name contains TEXT\n');
  process.exit(0);
}
const wanted = (name) => flags.only === undefined || name.includes(flags.only);
const mode = flags.long ? 'long' : flags.quick ? 'quick' : 'default';
const CFG = {
  quick: { rounds: 2, time: 80, signalN: 100_000 },
  default: { rounds: 6, time: 600, signalN: 1_000_000 },
  long: { rounds: 10, time: 1500, signalN: 1_000_000 },
}[mode];

// ── the bundle: build/ts with the core switch ─────────────────────────────────────────────────
const root = new URL('../', import.meta.url);
const ts = (p) => fileURLToPath(new URL(`build/ts/${p}`, root));
const SWITCH = '\0dmafence-ts-core-switch';
const coreSwitch = {
  name: 'ts-core-switch',
  resolveId(source, importer) {
    if (importer !== SWITCH && /(^|\/)core\/ts-ring\.js$/.test(source)) return SWITCH;
    return null;
  },
  load(id) {
    if (id !== SWITCH) return null;
    return `import { TsCore as Hand } from ${JSON.stringify(ts('core/ts-ring.js'))};
import { TsCore as Gen } from ${JSON.stringify(ts('core/ts-core.gen.js'))};
/** new TsCore(buffer): the hand-written core, or the generated one while globalThis.__tsCore is 'gen'. */
export function TsCore(buffer) {
  return globalThis.__tsCore === 'gen' ? new Gen(buffer) : new Hand(buffer);
}`;
  },
};
const outDir = fileURLToPath(new URL('build/bench-gen/', root));
const bundle = await rollup({ input: ts('index.js'), external: [/^node:/], plugins: [coreSwitch], onwarn: () => {} });
await bundle.write({ dir: outDir, format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' });
await bundle.close();
const { createRuntime } = await import(pathToFileURL(`${outDir}index.js`).href);

const CORES = ['wasm', 'hand', 'gen'];

/**
 * Small calls before the big ones, the same for every core. Without them the first call of a
 * workload (a million fences, 1024 jobs) runs its loop long enough for V8 to compile it on the
 * stack (OSR) before the code after the loop has any type feedback; in some processes V8 then
 * re-enters that cached OSR code at every call and deoptimizes at the loop's exit every time, which
 * halves the figure of whichever ts core it hits (measured: 40-60 vs 90-150 M fences/s for either
 * core; --trace-deopt shows one deopt per call at the first operation after the loop).
 */
function warmFences(ctx) {
  for (let i = 0; i < 300; i++) ctx.signalUpTo(ctx.createFences(64) + 63);
}
const log = (s) => process.stderr.write(s + '\n');

async function make(core, opts) {
  globalThis.__tsCore = core === 'gen' ? 'gen' : 'hand';
  try {
    const rt = await createRuntime(Object.assign({ backend: core === 'wasm' ? 'wasm' : 'ts' }, opts));
    // The generated class has memoryFill (the hand-written one a private #fill): check the switch worked.
    if (core !== 'wasm' && (typeof rt.core.memoryFill === 'function') !== (core === 'gen')) throw new Error(`${core}: the switch made the wrong core`);
    return rt;
  } finally {
    globalThis.__tsCore = 'hand';
  }
}

/** Runs one task per core for CFG.rounds rounds (the order rotates); pooled samples and per-round medians (ms). */
async function trio(name, setup) {
  const samples = { wasm: [], hand: [], gen: [] };
  const rounds = { wasm: [], hand: [], gen: [] };
  const ctxs = {};
  for (const c of CORES) ctxs[c] = await setup(c);
  for (let round = 0; round < CFG.rounds; round++) {
    const order = CORES.slice(round % 3).concat(CORES.slice(0, round % 3));
    for (const c of round % 2 ? order.reverse() : order) {
      const { fn, beforeEach } = ctxs[c];
      const bench = new Bench({ time: CFG.time, warmupTime: Math.min(200, CFG.time), iterations: 5, warmupIterations: 2, retainSamples: true });
      bench.add(`${name} ${c}`, fn, beforeEach ? { beforeEach } : undefined);
      await bench.run();
      const r = bench.tasks[0].result;
      if (r.state !== 'completed') throw new Error(`${name} ${c}: ${r.state} ${r.error ?? ''}`);
      appendSamples(samples[c], r.latency.samples);
      rounds[c].push(median(r.latency.samples));
    }
  }
  for (const c of CORES) await ctxs[c].dispose?.();
  return { samples, rounds };
}

const results = [];
function record(workload, unit, units, { samples, rounds }) {
  const row = { workload, unit };
  const rate = (ms) => units / (ms / 1000);
  for (const c of CORES) {
    row[c] = {
      median: rate(median(samples[c])),
      p25: rate(percentile(samples[c], 75)), // a longer sample is a lower rate
      p75: rate(percentile(samples[c], 25)),
      roundMin: rate(percentile(rounds[c], 100)),
      roundMax: rate(percentile(rounds[c], 0)),
      samples: samples[c].length,
    };
  }
  const ratios = rounds.gen.map((g, i) => rounds.hand[i] / g);
  row.genOverHand = { median: row.gen.median / row.hand.median, roundMin: percentile(ratios, 0), roundMax: percentile(ratios, 100) };
  results.push(row);
  log(`  ${workload}: wasm ${fmt(row.wasm.median)}, hand ${fmt(row.hand.median)}, gen ${fmt(row.gen.median)} ${unit}; gen/hand ${row.genOverHand.median.toFixed(3)} (rounds ${row.genOverHand.roundMin.toFixed(2)}-${row.genOverHand.roundMax.toFixed(2)})`);
}
function fmt(x) {
  if (x >= 1e6) return (x / 1e6).toFixed(2) + ' M';
  if (x >= 1e3) return (x / 1e3).toFixed(1) + ' k';
  return x.toFixed(1);
}

log(`dmafence gen-core bench (${mode}): ${CFG.rounds} rounds, ${CFG.time} ms per task per round; cores: ${CORES.join(', ')}`);

// ── signal loop: N pending fences on one context, one signalUpTo (as bench/run.mjs) ──────────
if (wanted('signal loop')) {
  const N = CFG.signalN;
  const r = await trio('signal loop', async (core) => {
    const rt = await make(core, { maxFences: N + 16 });
    const ctx = rt.createContext();
    warmFences(ctx);
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
  record(`signal loop (${N >= 1e6 ? '1M' : N / 1000 + 'k'} pending, one signalUpTo)`, 'fences/s', N, r);
}

// ── create + signal in batches of 1024 ───────────────────────────────────────────────────────
if (wanted('create+signal')) {
  const r = await trio('create+signal', async (core) => {
    const rt = await make(core, { maxFences: 4096 });
    const ctx = rt.createContext();
    warmFences(ctx);
    return {
      fn: () => {
        const first = ctx.createFences(1024);
        ctx.signalUpTo(first + 1023);
      },
      dispose: () => rt.dispose(),
    };
  });
  record('create+signal, batches of 1024', 'fences/s', 1024, r);
}

// ── pipeline on the virtual clock (as bench/run.mjs) ─────────────────────────────────────────
for (const bytes of [0, 4096]) {
  for (const rings of [1, 8]) {
    const title = `pipeline, virtual clock, ${bytes ? '4 KiB' : 'zero-byte'} jobs, ${rings} ring${rings > 1 ? 's' : ''}`;
    if (!wanted(title)) continue;
    const r = await trio(`pipeline ${bytes} B x${rings}`, async (core) => {
      const rt = await make(core, { maxFences: 16384, maxRings: 8, maxRingCapacity: 1024, dmaBytes: 1 << 16 });
      const dev = rt.createDevice({ latency: { baseNs: 1000, perByteNs: 0.25 } });
      const rs = Array.from({ length: rings }, () => rt.createRing({ device: dev, capacity: 1024 }));
      const job = bytes ? { dst: rt.memory.alloc(bytes) } : {};
      for (let i = 0; i < 300; i++) {
        for (const ring of rs) ring.submitBatch(4, job);
        rt.sim.runUntilIdle();
      }
      return {
        fn: () => {
          for (const ring of rs) ring.submitBatch(1024, job);
          rt.sim.runUntilIdle();
        },
        dispose: () => rt.dispose(),
      };
    });
    record(title, 'jobs/s', 1024 * rings, r);
  }
}

// ── report ───────────────────────────────────────────────────────────────────────────────────
const cpus = os.cpus();
const machine = { node: process.version, cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, date: new Date().toISOString(), mode };
const cell = (x) => `${fmt(x.median)} (${fmt(x.p25)}–${fmt(x.p75)})`;
const lines = [`| workload | wasm | ts, hand-written | ts, generated | generated / hand-written |`, `|---|---:|---:|---:|---:|`];
for (const r of results) {
  lines.push(`| ${r.workload} | ${cell(r.wasm)} | ${cell(r.hand)} | ${cell(r.gen)} | ${r.genOverHand.median.toFixed(3)} (rounds ${r.genOverHand.roundMin.toFixed(2)}–${r.genOverHand.roundMax.toFixed(2)}) |`);
}
console.log(`\ndmafence: generated vs hand-written ts core (${mode}): Node ${machine.node}, ${machine.cpu}, ${machine.cores} cores`);
console.log(`medians of the pooled samples, ${'(p25–p75)'} of the samples; the ratio's range is over the ${CFG.rounds} rounds (per-round medians)\n`);
console.log(lines.join('\n'));
if (flags.json) {
  writeFileSync(flags.json, JSON.stringify({ machine, results }, null, 2) + '\n');
  log(`\nwrote ${flags.json}`);
}
