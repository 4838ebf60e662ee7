#!/usr/bin/env node
/**
 * The dmafence command. `dmafence teardown` runs the teardown matrix (every device kind under
 * every drop policy) and prints what each policy does: corruptions, premature signals, fences
 * left unsignaled, waiters still blocked, teardown time. `dmafence example` runs the basic example.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MAX_TEARDOWN_JOBS, runTeardownMatrix } from './scenario.js';
import { conclusion, formatTable, submittedJobs } from './matrix-report.js';

const USAGE = `usage: dmafence teardown [--seed N] [--jobs N] [--backend wasm|ts] [--json]
       dmafence example [wasm|ts]
       dmafence --version | --help

teardown  runs every device kind (stoppable, non-stoppable, hung, hung-no-tdr) under every drop
          policy (emitter-guarantee, wait, signal-on-drop, leak) and prints one row each.
  --seed N        seed of the device model, 0 to 4294967295 (default 1)
  --jobs N        the producer's jobs per run, 1 to ${MAX_TEARDOWN_JOBS} (default 200): the ring is
                  dropped once half of them (rounded up) are submitted; the rest never are
  --backend B     wasm (default) or ts
  --json          print the rows as JSON instead of a table
example   runs the basic fence example on the wasm (default) or ts backend
  -h, --help      print this help
  -v, --version   print the version of dmafence`;

function fail(msg: string): never {
  process.stderr.write(`dmafence: ${msg}\n\n${USAGE}\n`);
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

/** Parses the command line (strict: an unknown flag, a missing value or a stray argument is an error). */
function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        seed: { type: 'string' },
        jobs: { type: 'string' },
        backend: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const { values: v, positionals } = parsed;
  const o = { cmd: positionals[0], help: v.help === true, version: v.version === true, seed: 1, jobs: 200, backend: 'wasm' as 'wasm' | 'ts', json: v.json === true };
  if (o.help || o.version) return o;
  if (o.cmd === undefined) fail('missing command');
  if (o.cmd !== 'teardown') fail(`unknown command ${JSON.stringify(o.cmd)}`);
  if (positionals.length > 1) fail(`unexpected argument ${JSON.stringify(positionals[1])}`);
  if (v.seed !== undefined) o.seed = intFlag('--seed', v.seed, 0, 0xffffffff);
  if (v.jobs !== undefined) o.jobs = intFlag('--jobs', v.jobs, 1, MAX_TEARDOWN_JOBS);
  if (v.backend !== undefined) {
    if (v.backend !== 'wasm' && v.backend !== 'ts') fail(`--backend takes wasm or ts, got ${JSON.stringify(v.backend)}`);
    o.backend = v.backend;
  }
  return o;
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
  const o = parse(argv);
  if (o.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (o.version) {
    process.stdout.write(version() + '\n');
    return;
  }
  const t0 = Date.now();
  const rows = await runTeardownMatrix({ seed: o.seed, jobs: o.jobs, backend: o.backend }, (r, i, n) => {
    if (process.stderr.isTTY) process.stderr.write(`\r[${i}/${n}] ${r.device} / ${r.policy}`.padEnd(60));
  });
  if (process.stderr.isTTY) process.stderr.write('\r'.padEnd(61) + '\r');
  if (o.json) {
    process.stdout.write(JSON.stringify({ seed: o.seed, jobs: o.jobs, backend: o.backend, rows: rows.map(({ report, ...r }) => ({ ...r, report })) }, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    `dmafence teardown matrix: ${submittedJobs(rows)} jobs of 4 KiB per run (the ring is dropped halfway through --jobs ${o.jobs}), buffers freed on signal and reused at once; seed ${o.seed}, ${o.backend} backend\n\n`,
  );
  process.stdout.write(formatTable(rows) + '\n\n');
  process.stdout.write(conclusion(rows) + `\n(${rows.length} runs in ${Date.now() - t0} ms of host time)\n`);
}

main().catch((e) => {
  process.stderr.write(`dmafence: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
