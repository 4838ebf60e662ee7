#!/usr/bin/env node
// dmafence benchmarks: the WebAssembly core against its TypeScript twin (and, where there is one,
// a peer: what an app would write without this library), same process, same run, interleaved.
// Each task is primed if it needs it and warmed until two warm-up rounds agree, then timed in
// rounds that alternate which backend goes first; a figure is the median over rounds, with the
// slowest and the fastest round beside it.
// `npm run bench -- --help` lists the flags. The sections are the modules in SECTIONS below.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createHarness } from './harness.mjs';
import { checkRun, compareTable, environment, finish, markdownTable } from './report.mjs';

/**
 * The sections of a run, in order: each module exports `section(h)` and adds its rows through
 * the harness `h` (bench/harness.mjs: pair, manual, record, recordValue, CFG, BACKENDS, mode,
 * log, createRuntime). A new section is one more module here (its name for --only: the file's).
 */
const SECTIONS = ['./core.mjs', './real-clock.mjs', './sched.mjs', './composite.mjs', './memory.mjs', './threads.mjs'];
const sectionName = (m) => m.replace(/^\.\/|\.mjs$/g, '');

const USAGE = `usage: npm run bench [-- FLAGS]      (or: node bench/run.mjs [FLAGS])

Runs every workload on both backends (wasm and ts) and its peer in one process, interleaved, and
prints per backend the median throughput over rounds [slowest–fastest round], the wasm/ts and
wasm/peer ratios, and each goal with met or miss. No figure is asserted.

  (no flag)       the default run: 5 rounds, 400 ms per task per round, after a warm-up
                  (about two minutes on 2 cores)
  --quick         a few seconds: 2 rounds, 25 ms per task, smaller workloads (checks that it runs)
  --long          longer: 8 rounds, 1.5 s per task per round, 1M real-clock jobs
  --json F        also write the run to file F: every figure with its rounds, the goals, the
                  ratios, the machine (CPU, cores, memory), Node and V8, the load, the commit
  --compare F     also print each workload's change against a run saved with --json F
  --only S[,S]    run only these sections: ${SECTIONS.map(sectionName).join(', ')}
  -h, --help      print this help and exit

--quick and --long exclude each other. A bad flag, or a --compare file that is not a saved run,
exits with status 2 before anything runs.`;

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
      compare: { type: 'string' },
      only: { type: 'string' },
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
let base;
if (flags.compare !== undefined) {
  if (flags.compare === '') usageError('--compare needs a file name');
  try {
    base = JSON.parse(readFileSync(flags.compare, 'utf8'));
    checkRun(base);
  } catch (e) {
    usageError(`--compare ${flags.compare}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
let sections = SECTIONS;
if (flags.only !== undefined) {
  const names = flags.only.split(',').map((x) => x.trim());
  const known = SECTIONS.map(sectionName);
  const bad = names.filter((n) => !known.includes(n));
  if (names.length === 0 || bad.length > 0 || flags.only.trim() === '') usageError(`--only: ${bad.length ? `unknown section ${bad.map((b) => JSON.stringify(b)).join(', ')}` : 'needs section names'}; the sections are ${known.join(', ')}`);
  sections = SECTIONS.filter((m) => names.includes(sectionName(m)));
}
const mode = flags.long ? 'long' : flags.quick ? 'quick' : 'default';
const { createRuntime } = await import('../dist/index.js'); // after the flags: --help needs no build
const CFG = {
  quick: { rounds: 2, time: 25, warmTime: 10, warmMax: 2, minIterations: 2, signalN: 100_000, realJobs: 20_000, latencySamples: 200, baselineN: 256 },
  default: { rounds: 5, time: 400, warmTime: 150, warmMax: 10, minIterations: 5, signalN: 1_000_000, realJobs: 300_000, latencySamples: 2000, baselineN: 1024 },
  long: { rounds: 8, time: 1500, warmTime: 300, warmMax: 12, minIterations: 5, signalN: 1_000_000, realJobs: 1_000_000, latencySamples: 10_000, baselineN: 1024 },
}[mode];
const BACKENDS = ['wasm', 'ts'];
const log = (s) => process.stderr.write(s + '\n');


const run = environment(mode, fileURLToPath(new URL('..', import.meta.url)));
run.config = CFG;
log(`dmafence bench (${mode}): ${CFG.rounds} round(s), ${CFG.time} ms per task per round, load ${run.load.start.map((x) => x.toFixed(1)).join(' ')}`);
const h = createHarness({ createRuntime, CFG, BACKENDS, mode, log });
// A section that throws is reported (and the run exits 1 at the end); the others still run.
run.errors = [];
run.sections = sections.map(sectionName);
for (const s of sections) {
  const t0 = performance.now();
  try {
    await (await import(s)).section(h);
  } catch (e) {
    run.errors.push({ section: s, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    log(`  ${s} FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  log(`  (${s}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
run.load.end = os.loadavg();
finish(run, h.results);

console.log(`\ndmafence benchmarks (${mode}): Node ${run.machine.node}, ${run.machine.cpu}, ${run.machine.cores} cores\n`);
console.log(markdownTable(run));
for (const a of h.appendix) {
  console.log(`\n${a.title}:\n\n${a.table}`);
  run[a.key] = a.json;
}
for (const e of run.errors) console.log(`\nSection ${e.section} failed: ${e.error.split('\n')[0]}`);
if (base) console.log('\n' + compareTable(base, run, flags.compare));
if (jsonPath) {
  writeFileSync(jsonPath, JSON.stringify(run, null, 2) + '\n');
  log(`\nwrote ${jsonPath}`);
}
if (run.errors.length) {
  log(`\nbench: ${run.errors.length} section(s) failed: ${run.errors.map((e) => e.section).join(', ')}`);
  process.exit(1); // a failed section may have left a worker thread running
}
