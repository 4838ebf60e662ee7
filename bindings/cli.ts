#!/usr/bin/env node
/**
 * The dmafence command. `dmafence teardown` runs the teardown matrix (every device kind under
 * every drop policy) and prints what each policy does: corruptions, premature signals, fences
 * left unsignaled, waiters still blocked, teardown time. `dmafence example` runs the basic example.
 */
import { runTeardownMatrix } from './sim/scenario.js';
import type { TeardownResult } from './sim/scenario.js';

const USAGE = `usage: dmafence teardown [--seed N] [--jobs N] [--backend wasm|ts] [--json]
       dmafence example [wasm|ts]

teardown  runs every device kind (stoppable, non-stoppable, hung, hung-no-tdr) under every drop
          policy (emitter-guarantee, wait, signal-on-drop, leak) and prints one row each.
  --seed N        seed of the device model (default 1)
  --jobs N        jobs per run; the ring is dropped after half of them (default 200)
  --backend B     wasm (default) or ts
  --json          print the rows as JSON instead of a table`;

function fail(msg: string): never {
  process.stderr.write(`dmafence: ${msg}\n\n${USAGE}\n`);
  process.exit(2);
}

function parse(argv: string[]) {
  const o = { seed: 1, jobs: 200, backend: 'wasm' as 'wasm' | 'ts', json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    const int = (v: string, min: number, max: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) fail(`${a} takes an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
      return n;
    };
    if (a === '--seed') o.seed = int(value(), 0, 0xffffffff);
    else if (a === '--jobs') o.jobs = int(value(), 2, 1_000_000);
    else if (a === '--backend') {
      const b = value();
      if (b !== 'wasm' && b !== 'ts') fail(`--backend takes wasm or ts, got ${JSON.stringify(b)}`);
      o.backend = b;
    } else if (a === '--json') o.json = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else fail(`unknown option ${JSON.stringify(a)}`);
  }
  return o;
}

function fmtNs(ns: number | null): string {
  if (ns === null) return 'never (deadlock)';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns} ns`;
}

export function formatTable(rows: TeardownResult[]): string {
  const head = ['device', 'policy', 'corruptions', 'premature signals', 'unsignaled fences', 'blocked waiters', 'teardown time'];
  const body = rows.map((r) => [r.device, r.policy, String(r.corruptions), String(r.prematureSignals), String(r.unsignaled), String(r.blockedWaiters), fmtNs(r.teardownNs)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(head), sep, ...body.map(line)].join('\n');
}

/** Which policies kept both promises (T1: no corruption or premature signal; T2: everything signaled) on every device. */
export function conclusion(rows: TeardownResult[]): string {
  const policies = [...new Set(rows.map((r) => r.policy))];
  const safe = policies.filter((p) =>
    rows.filter((r) => r.policy === p).every((r) => !r.corruptions && !r.prematureSignals && !r.unsignaled && !r.blockedWaiters && !r.deadlock),
  );
  const lines = policies.map((p) => {
    const bad = rows.filter((r) => r.policy === p && (r.corruptions || r.prematureSignals || r.unsignaled || r.blockedWaiters || r.deadlock));
    return bad.length ? `  ${p}: breaks a rule on ${bad.map((r) => r.device).join(', ')}` : `  ${p}: no corruption, nothing left unsignaled, no blocked waiter, on every device`;
  });
  return `${safe.length ? `Safe on every device: ${safe.join(', ')}.` : 'No policy was safe on every device.'}\n${lines.join('\n')}`;
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'example') {
    process.argv.splice(2, 1);
    await import('./examples/basic.js');
    return;
  }
  if (cmd === '-h' || cmd === '--help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (cmd !== 'teardown') fail(cmd === undefined ? 'missing command' : `unknown command ${JSON.stringify(cmd)}`);
  const o = parse(rest);
  const t0 = Date.now();
  const rows = await runTeardownMatrix({ seed: o.seed, jobs: o.jobs, backend: o.backend }, (r, i, n) => {
    if (process.stderr.isTTY) process.stderr.write(`\r[${i}/${n}] ${r.device} / ${r.policy}`.padEnd(60));
  });
  if (process.stderr.isTTY) process.stderr.write('\r'.padEnd(61) + '\r');
  if (o.json) {
    process.stdout.write(JSON.stringify({ seed: o.seed, jobs: o.jobs, backend: o.backend, rows: rows.map(({ report, ...r }) => ({ ...r, report })) }, null, 2) + '\n');
    return;
  }
  process.stdout.write(`dmafence teardown matrix: ${o.jobs} jobs of 4 KiB per run, ring dropped halfway, buffers freed on signal and reused at once; seed ${o.seed}, ${o.backend} backend\n\n`);
  process.stdout.write(formatTable(rows) + '\n\n');
  process.stdout.write(conclusion(rows) + `\n(${rows.length} runs in ${Date.now() - t0} ms of host time)\n`);
}

main().catch((e) => {
  process.stderr.write(`dmafence: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
