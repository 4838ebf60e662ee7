#!/usr/bin/env node
/**
 * The dmafence command. `dmafence teardown` runs the teardown matrix (devices × drop policies ×
 * guarantees, built-in or the user's own) and prints what each run did, optionally as an SVG heat
 * map; `dmafence run` runs a scenario file and prints its report (optionally its trace and a
 * check against its expected verdict); `dmafence example` runs the basic example.
 *
 * Exit codes: 0 done; 1 a --check that failed, or an error while running; 2 bad usage (an unknown
 * flag, a bad value, a bad device file, policy module or scenario: the message names it, and
 * nothing has run).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MAX_TEARDOWN_JOBS, runTeardownMatrix } from './scenario.js';
import type { TeardownMatrixOptions, TeardownResult } from './scenario.js';
import { conclusion, formatSchedulerTable, formatTable, schedulerConclusion, submittedJobs } from './matrix-report.js';
import { MAX_SCHED_TEARDOWN_JOBS, runSchedulerTeardown } from './sched-teardown.js';
import { DEVICE_KINDS } from './specs.js';
import type { DeviceKind } from './specs.js';
import { DROP_POLICIES } from '../hw-ring.js';
import { UsageError, loadDevice, loadPolicy, loadScenarioFile } from './cli-inputs.js';
import { runScenario } from './run-scenario.js';
import { formatScenarioReport } from './scenario-report.js';
import { matrixSvg } from './svg.js';
import type { HeatCell } from './svg.js';
import { GUARANTEES } from '../hw-ring.js';
import type { DropPolicy, Guarantee } from '../hw-ring.js';
import type { PolicySpec } from './specs.js';

const MAX_FENCES = 1 << 24;

const USAGE = `usage: dmafence teardown [--device KIND|FILE]... [--policy NAME|MODULE]... [--guarantee emitter|fence]...
                         [--jobs N] [--max-fences N] [--seed N] [--backend wasm|ts] [--json] [--svg FILE]
       dmafence run SCENARIO.json [--json] [--trace FILE] [--check] [--seed N] [--backend wasm|ts]
       dmafence example [wasm|ts]
       dmafence --version | --help

teardown  the teardown matrix: each device under each drop policy (and guarantee), one row each
  --device D      a device kind (stoppable, non-stoppable, hung, hung-no-tdr, ...) or a JSON file
                  holding a device spec: { "name": ..., device options }. Repeat for more.
                  Default: every built-in kind
  --policy P      a drop policy (emitter-guarantee, wait, signal-on-drop, leak) or an ES module
                  whose default export is a policy function of the drop steps (its name: an
                  exported \`name\`, else the file's). Repeat for more. Default: every built-in one
  --guarantee G   where the guarantee lives (T7): emitter or fence. Repeat for both (the default)
  --jobs N        the producer's jobs per run, 1 to ${MAX_TEARDOWN_JOBS} (default 200): the ring is
                  dropped once half of them (rounded up) are submitted; the rest never are
  --max-fences N  the fence table of each run, 1 to ${MAX_FENCES} (default: follows --jobs)
  --seed N        seed of the device model, 0 to 4294967295 (default 1)
  --backend B     wasm (default) or ts
  --json          print the rows as JSON instead of a table
  --svg FILE      also write the matrix as an SVG heat map to FILE
          then the scheduler rows (S10): a scheduler with jobs queued and on its ring, torn down
          by fini() or by dropping its ring under each policy (then fini), on each built-in device
          kind and policy selected (emitter level; min(--jobs, ${MAX_SCHED_TEARDOWN_JOBS}) jobs pushed per run)
run       runs a scenario file (see README: devices, rings, streams, faults, teardown, expect)
  --json          print the report as JSON instead of text
  --trace FILE    write the run's trace to FILE (Trace Event Format: open it in ui.perfetto.dev)
  --check         exit 1 unless the verdict matches the scenario's "expect" (without one: unless
                  no rule broke)
  --seed N        override the scenario's seed;  --backend B  override its backend
example   runs the basic fence example on the wasm (default) or ts backend
  -h, --help      print this help
  -v, --version   print the version of dmafence`;

/** Bad usage: the message, the usage text (unless the flags were right and a file was wrong), exit 2. */
function fail(msg: string, usage = true): never {
  process.stderr.write(`dmafence: ${msg}\n${usage ? `\n${USAGE}\n` : ''}`);
  process.exit(2);
}

/** The package's version, from the package.json beside dist/ (also in an installed package). */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'dmafence' && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  return 'unknown';
}

/** A decimal integer in [min, max], or a usage error naming the flag. */
function intFlag(flag: string, v: string, min: number, max: number): number {
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) fail(`${flag} takes an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

const FLAGS = {
  device: { type: 'string', multiple: true },
  policy: { type: 'string', multiple: true },
  guarantee: { type: 'string', multiple: true },
  jobs: { type: 'string' },
  'max-fences': { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean' },
  svg: { type: 'string' },
  trace: { type: 'string' },
  check: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;
/** The flags each command takes (parseArgs knows them all; a flag of another command is refused). */
const COMMAND_FLAGS: Record<string, readonly string[]> = {
  teardown: ['device', 'policy', 'guarantee', 'jobs', 'max-fences', 'seed', 'backend', 'json', 'svg', 'help'],
  run: ['json', 'trace', 'check', 'seed', 'backend', 'help'],
};

/** Parses the command line (strict: an unknown flag, a missing value or a stray argument is an error). */
function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: FLAGS });
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const { values: v, positionals } = parsed;
  const cmd = positionals[0];
  if (v.help || v.version) return { cmd: v.help ? 'help' : 'version', v, positionals };
  if (cmd === undefined) fail('missing command (teardown, run or example)');
  if (!(cmd in COMMAND_FLAGS)) fail(`unknown command ${JSON.stringify(cmd)} (teardown, run or example)`);
  for (const k of Object.keys(v)) if (!COMMAND_FLAGS[cmd].includes(k)) fail(`--${k} is not a flag of ${cmd}`);
  const max = cmd === 'run' ? 2 : 1;
  if (cmd === 'run' && positionals.length < 2) fail('run needs a scenario file: dmafence run SCENARIO.json');
  if (positionals.length > max) fail(`unexpected argument ${JSON.stringify(positionals[max])}`);
  const backend = v.backend;
  if (backend !== undefined && backend !== 'wasm' && backend !== 'ts') fail(`--backend takes wasm or ts, got ${JSON.stringify(backend)}`);
  const seed = v.seed === undefined ? undefined : intFlag('--seed', v.seed, 0, 0xffffffff);
  for (const f of ['svg', 'trace'] as const) if (v[f] === '') fail(`--${f} needs a file name`);
  return { cmd, v, positionals, seed, backend: backend as 'wasm' | 'ts' | undefined };
}

async function teardown(p: ReturnType<typeof parse> & { seed?: number; backend?: 'wasm' | 'ts' }): Promise<void> {
  const v = p.v;
  const jobs = v.jobs === undefined ? 200 : intFlag('--jobs', v.jobs, 1, MAX_TEARDOWN_JOBS);
  const maxFences = v['max-fences'] === undefined ? undefined : intFlag('--max-fences', v['max-fences'], 1, MAX_FENCES);
  const guarantees = (v.guarantee ?? []).map((g) => ((GUARANTEES as readonly string[]).includes(g) ? g : fail(`--guarantee takes emitter or fence, got ${JSON.stringify(g)}`)));
  const devices = (v.device ?? []).map(loadDevice);
  const policies: (DropPolicy | PolicySpec)[] = [];
  for (const x of v.policy ?? []) policies.push(await loadPolicy(x));
  const twice = (flag: string, names: string[]) => {
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new UsageError(`${flag}: ${JSON.stringify(dup)} is given twice (each names a row)`);
  };
  twice('--device', devices.map((d) => (typeof d === 'string' ? d : d.name)));
  twice('--policy', policies.map((x) => (typeof x === 'string' ? x : x.name)));
  const seed = p.seed ?? 1;
  const backend = p.backend ?? 'wasm';
  const opts: TeardownMatrixOptions = { seed, jobs, backend };
  if (devices.length) opts.devices = devices;
  if (policies.length) opts.policies = policies;
  if (guarantees.length) opts.guarantees = [...new Set(guarantees)] as Guarantee[];
  if (maxFences !== undefined) opts.maxFences = maxFences;
  const t0 = Date.now();
  let started = false;
  const rows = await runTeardownMatrix(opts, (r, i, n) => {
    started = true;
    if (process.stderr.isTTY) process.stderr.write(`\r[${i}/${n}] ${r.device} / ${r.policy}`.padEnd(60));
  }).catch((e: unknown) => {
    // The matrix checks its options before the first run: a fence table too small for --jobs is bad usage.
    if (!started && (e as { code?: string }).code === 'ERR_CAPACITY' && maxFences !== undefined) throw new UsageError(`--max-fences: ${(e as Error).message}`);
    throw e;
  });
  // The scheduler's rows: the built-in device kinds and policies among those selected.
  const schedDevices = (devices.length ? devices.filter((d): d is DeviceKind => typeof d === 'string') : DEVICE_KINDS).filter((d) => DEVICE_KINDS.includes(d));
  const schedPolicies = (policies.length ? policies.filter((x): x is DropPolicy => typeof x === 'string') : DROP_POLICIES).filter((x) => DROP_POLICIES.includes(x));
  const schedJobs = Math.min(jobs, MAX_SCHED_TEARDOWN_JOBS);
  const schedRows = [];
  for (const device of schedDevices) {
    schedRows.push(...(await runSchedulerTeardown({ seed, backend, jobs: schedJobs, device, action: 'fini' })));
    for (const policy of schedPolicies) schedRows.push(...(await runSchedulerTeardown({ seed, backend, jobs: schedJobs, device, action: 'drop', policy })));
    if (process.stderr.isTTY) process.stderr.write(`\r[scheduler] ${device}`.padEnd(60));
  }
  if (process.stderr.isTTY) process.stderr.write('\r'.padEnd(61) + '\r');
  if (v.svg !== undefined) {
    const sub = `${submittedJobs(rows)} jobs of 4 KiB per run, dropped halfway; buffers freed on signal; seed ${seed}, ${backend} backend`;
    writeFileSync(v.svg, matrixSvg(rows.map(heatCell), 'dmafence teardown matrix: corruptions + unsignaled fences', sub));
  }
  if (v.json) {
    process.stdout.write(JSON.stringify({ seed, jobs, backend, rows, schedulerRows: schedRows }, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    `dmafence teardown matrix: ${submittedJobs(rows)} jobs of 4 KiB per run (the ring is dropped halfway through --jobs ${jobs}), buffers freed on signal and reused at once; seed ${seed}, ${backend} backend\n\n`,
  );
  process.stdout.write(formatTable(rows) + '\n\n');
  process.stdout.write(conclusion(rows) + '\n');
  if (schedRows.length) {
    process.stdout.write(
      `\nThe scheduler (S10): ${schedJobs} jobs of 4 KiB pushed to one entity, torn down once a quarter finished (the rest queued or on the ring), buffers freed on their finished fence and reused at once; emitter level\n\n`,
    );
    process.stdout.write(formatSchedulerTable(schedRows) + '\n\n' + schedulerConclusion(schedRows) + '\n');
  }
  process.stdout.write(`(${rows.length + schedRows.length} runs in ${Date.now() - t0} ms of host time)\n`);
  if (v.svg !== undefined) process.stdout.write(`heat map written to ${v.svg}\n`);
}

function heatCell(r: TeardownResult): HeatCell {
  return {
    device: r.device,
    policy: r.policy,
    guarantee: r.guarantee,
    corruptions: r.corruptions,
    unsignaled: r.unsignaled,
    prematureSignals: r.prematureSignals,
    deadlock: r.deadlock,
  };
}

async function run(p: ReturnType<typeof parse> & { seed?: number; backend?: 'wasm' | 'ts' }): Promise<number> {
  const file = p.positionals[1];
  const scenario = await loadScenarioFile(file);
  let report;
  try {
    report = await runScenario(scenario, { trace: p.v.trace !== undefined, ...(p.seed === undefined ? {} : { seed: p.seed }), ...(p.backend === undefined ? {} : { backend: p.backend }) });
  } catch (e) {
    const code = (e as { code?: string }).code;
    // A bad field, or sizes no runtime can hold (ERR_CAPACITY from createRuntime): nothing ran.
    if (code === 'ERR_INVALID_ARG' || code === 'ERR_INVALID_TIMEOUT' || code === 'ERR_CAPACITY') throw new UsageError(`${file}: ${(e as Error).message}`);
    throw e;
  }
  const { trace, ...rest } = report;
  if (p.v.trace !== undefined && trace !== undefined) writeFileSync(p.v.trace, trace);
  process.stdout.write(p.v.json ? JSON.stringify(rest, null, 2) + '\n' : formatScenarioReport(report) + '\n');
  if (p.v.trace !== undefined && !p.v.json) process.stdout.write(`trace written to ${p.v.trace} (open it in ui.perfetto.dev)\n`);
  return p.v.check && !report.verdict.pass ? 1 : 0;
}

async function main(): Promise<void> {
  // `dmafence teardown | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const argv = process.argv.slice(2);
  if (argv[0] === 'example') {
    // `dmafence example [wasm|ts]`: the example reads its backend from argv[2].
    const rest = argv.slice(1);
    if (rest.length > 1 || (rest.length === 1 && rest[0] !== 'wasm' && rest[0] !== 'ts')) fail(`example takes wasm or ts, got ${rest.map((a) => JSON.stringify(a)).join(' ')}`);
    process.argv.splice(2, 1);
    await import('../examples/basic.js');
    return;
  }
  const p = parse(argv);
  if (p.cmd === 'help') return void process.stdout.write(USAGE + '\n');
  if (p.cmd === 'version') return void process.stdout.write(version() + '\n');
  try {
    if (p.cmd === 'teardown') await teardown(p);
    else process.exitCode = await run(p);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message, false);
    throw e;
  }
}

main().catch((e) => {
  const code = (e as { code?: string }).code;
  process.stderr.write(`dmafence: ${e instanceof Error ? e.message : String(e)}\n`);
  // A coded usage error of the library (a bad device spec or policy, caught before any run): 2.
  process.exit(code === 'ERR_INVALID_ARG' || code === 'ERR_INVALID_TIMEOUT' ? 2 : 1);
});
