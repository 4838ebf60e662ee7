/**
 * The benchmark runs and writes valid JSON (its figures are never asserted: no timed tests), its
 * flags are checked, --compare prints each workload's change against a saved run and refuses a
 * file that is not one, the README's table is the one a run printed, and its sample aggregation
 * takes pools of any size (a default run on a quiet machine pools millions of samples; spreading
 * them into push() overflowed the stack).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendSamples, median, percentile } from '../bench/stats.mjs';
import { createHarness, summarize } from '../bench/harness.mjs';
import { checkRun, compareTable, markdownTable, verdict } from '../bench/report.mjs';
import type { Column, Row, Run } from '../bench/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bench = (args: string[]) => spawnSync(process.execPath, ['bench/run.mjs', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
const runQuick = (args: string[]) => execFileSync(process.execPath, ['bench/run.mjs', '--quick', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
const HEADER = '| workload | wasm, median [min–max over rounds] | ts, median [min–max] | wasm/ts | peer, median [min–max] | wasm/peer | goal (wasm) | |';

describe('bench', () => {
  let dir = '';
  let first = '';
  let firstTable = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dmafence-bench-'));
    first = join(dir, 'first.json');
    firstTable = runQuick(['--json', first]);
  }, 130_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('npm run bench -- --quick runs every workload on both backends and its peers, and writes the run as JSON', () => {
    expect(firstTable).toContain(HEADER);
    const json = JSON.parse(readFileSync(first, 'utf8')) as Run;
    expect(() => checkRun(json)).not.toThrow();
    expect(json.errors).toEqual([]);
    expect(json.mode).toBe('quick');
    expect(json.machine).toMatchObject({ node: process.version, v8: process.versions.v8, cores: expect.any(Number), cpu: expect.any(String), memoryBytes: expect.any(Number) });
    expect(json.load.start).toHaveLength(3);
    expect(json.load.end).toHaveLength(3);
    expect(Number.isNaN(Date.parse(json.date))).toBe(false);
    expect(json.git === null || /^[0-9a-f]{40}$/.test(json.git.commit)).toBe(true);
    const names = json.results.map((r) => r.workload).join('\n');
    for (const w of ['signal loop', 'create+signal', 'object API', 'pipeline, virtual clock, zero-byte jobs, 1 ring', 'pipeline, virtual clock, 4 KiB jobs, 8 rings', 'pipeline, real clock', 'scheduled pipeline, virtual clock, zero-byte jobs, copy->render on 2 rings, pushBatch with after', 'scheduled pipeline, ent.push, one dependency per job', 'hand-written pipeline (baseline)', 'merge of 1,000 fences', 'chain find', 'memory: arena bytes per in-flight fence']) {
      expect(names).toContain(w);
    }
    for (const r of json.results) {
      expect(r.verdict, r.workload).toBeDefined();
      if (r.value !== undefined) continue;
      for (const c of [r.wasm, r.ts, r.peer]) {
        if (!c) continue;
        // The figure is the median over the rounds, between the slowest and the fastest round.
        expect(c.rounds, r.workload).toHaveLength(2);
        expect(c.min).toBeGreaterThan(0);
        expect(c.min).toBeLessThanOrEqual(c.median);
        expect(c.max).toBeGreaterThanOrEqual(c.median);
      }
      expect(r.ratio).toBeCloseTo(r.wasm!.median / r.ts!.median);
    }
    const row = (w: string) => json.results.find((r) => r.workload.startsWith(w))!;
    // Warm-up before timing: at least two warm-up rounds (to compare), at most the bound.
    for (const c of ['wasm', 'ts'] as const) expect(row('signal loop')[c]!.warmup!.rounds).toBeGreaterThanOrEqual(2);
    // The peers ran in the same run, their ratios are in the row and in the run's ratios list.
    for (const w of ['object API', 'pipeline, real clock']) {
      const r = row(w);
      expect(r.peer!.median).toBeGreaterThan(0);
      expect(r.peerRatio).toBeCloseTo(r.wasm!.median / r.peer!.median);
      expect((json.ratios as { workload: string; wasmOverPeer?: number }[]).find((x) => x.workload === r.workload)!.wasmOverPeer).toBe(r.peerRatio);
    }
    // The goals are on their rows, with met or miss in the table.
    expect(row('signal loop').goal!.wasm).toBe(550e6);
    expect(row('object API').goal).toEqual({ wasm: 6e6, peerWithin: 3 });
    expect(row('pipeline, real clock').goal!.wasm).toBe(30e6);
    expect((json.goals as unknown[]).length).toBeGreaterThanOrEqual(8);
    expect(firstTable).toMatch(/\| signal loop [^\n]*≥ 550 M fences\/s[^\n]*\| (met|\*\*miss\*\*) \|\n/);
    const real = row('pipeline, real clock');
    expect((real.wasm!.latencyUs as { p50: number; p99: number }).p99).toBeGreaterThanOrEqual((real.wasm!.latencyUs as { p50: number }).p50);
    // The cross-thread section (bench/threads.mjs): its own table, and its rows in the JSON.
    expect(firstTable).toContain('cross-thread ping-pong between the main thread and one worker');
    for (const m of ['hand-written Atomics', 'hand-written postMessage', 'dmafence wasm', 'dmafence ts']) expect(firstTable).toContain(`| ${m}`);
    const threads = (json as unknown as { threads: { rows: { mode: string; unit: string; roundTrips: { min: number; median: number; max: number }; vsAtomics: number; [k: string]: unknown }[] } }).threads;
    expect(threads.rows.map((r) => r.mode)).toEqual(['atomics', 'postMessage', 'dmafence-wasm', 'dmafence-ts']);
    for (const r of threads.rows) {
      expect(r.unit).toBe('round trips/s');
      expect(r.roundTrips.min).toBeGreaterThan(0);
      expect(r.roundTrips.min).toBeLessThanOrEqual(r.roundTrips.median);
      expect(r.roundTrips.max).toBeGreaterThanOrEqual(r.roundTrips.median);
      for (const k of ['rttUs', 'toWorkerUs', 'toMainUs']) expect((r[k] as { p50: number; p99: number }).p99).toBeGreaterThanOrEqual((r[k] as { p50: number }).p50);
      expect(r.vsAtomics).toBeGreaterThan(0);
    }
  });

  it('bench/threads.mjs alone: --help, and an unknown flag is an error before anything runs', () => {
    const alone = (args: string[]) => spawnSync(process.execPath, ['bench/threads.mjs', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const help = alone(['--help']);
    expect(help.status).toBe(0);
    for (const f of ['--quick', '--long', '--json FILE']) expect(help.stdout).toContain(f);
    for (const args of [['--bogus'], ['--quick', '--long'], ['extra']]) {
      const bad = alone(args);
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.stderr, args.join(' ')).toMatch(/^bench\/threads: /);
      expect(bad.stdout, args.join(' ')).toBe('');
    }
  });

  it('bench/readme-table.mjs prints, from the saved JSON, the table the run printed', () => {
    const table = execFileSync(process.execPath, ['bench/readme-table.mjs', first], { cwd: root, encoding: 'utf8' });
    expect(table).toContain(HEADER);
    expect(firstTable).toContain(table.trim());
    const bad = spawnSync(process.execPath, ['bench/readme-table.mjs', join(dir, 'missing.json')], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('missing.json');
  });

  it("the README's performance table is one saved run's (bench/readme-run.json), and --update puts a run's table there", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const saved = JSON.parse(readFileSync(join(root, 'bench/readme-run.json'), 'utf8')) as Run;
    expect(() => checkRun(saved)).not.toThrow();
    expect(saved.mode).toBe('default');
    const perf = readme.slice(readme.indexOf('## Performance'));
    expect(perf).toContain(`<!-- bench-table -->\n${markdownTable(saved)}\n<!-- /bench-table -->`);
    // --update replaces what is between the markers, and only that.
    const doc = join(dir, 'doc.md');
    writeFileSync(doc, 'before\n<!-- bench-table -->\nold table\n<!-- /bench-table -->\nafter\n');
    execFileSync(process.execPath, ['bench/readme-table.mjs', first, '--update', doc], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const firstRun = JSON.parse(readFileSync(first, 'utf8')) as Run;
    expect(readFileSync(doc, 'utf8')).toBe(`before\n<!-- bench-table -->\n${markdownTable(firstRun)}\n<!-- /bench-table -->\nafter\n`);
    writeFileSync(doc, 'no markers\n');
    const bad = spawnSync(process.execPath, ['bench/readme-table.mjs', first, '--update', doc], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('<!-- bench-table -->');
    expect(readFileSync(doc, 'utf8')).toBe('no markers\n');
  });

  it("--compare F prints each workload's change against a saved run, per backend and peer", () => {
    const out = runQuick(['--compare', first]);
    expect(out).toContain(HEADER);
    const cmp = out.slice(out.indexOf(`Against ${first}`));
    expect(cmp).toContain('| workload | | base | this run | this/base | beyond both spreads |');
    const base = JSON.parse(readFileSync(first, 'utf8')) as Run;
    for (const r of base.results) {
      if (r.value !== undefined) {
        expect(cmp).toMatch(new RegExp(`\\| ${r.workload.replace(/[()+.*?[\]\\^$|{}]/g, '\\$&')} \\| \\| 32 bytes \\| 32 bytes \\| 1\\.00 \\| unchanged \\|`));
        continue;
      }
      const i = cmp.indexOf(`| ${r.workload} | wasm |`);
      expect(i, r.workload).toBeGreaterThan(0);
      const lines = cmp.slice(i).split('\n');
      expect(lines[1]).toMatch(/^\| \| ts \| /);
      if (r.peer) expect(lines[2]).toMatch(/^\| \| peer \| /);
      for (const l of lines.slice(0, r.peer ? 3 : 2)) expect(l).toMatch(/\| \d+\.\d\d \| (no \(within the spread\)|\*\*likely real: (faster|slower)\*\*) \|$/);
    }
    // The cross-thread rows too, one per mode.
    expect(cmp).toContain('| cross-thread ping-pong | base | this run | this/base | beyond both spreads |');
    for (const mode of ['atomics', 'postMessage', 'dmafence-wasm', 'dmafence-ts']) {
      expect(cmp).toMatch(new RegExp(`\\| ${mode} \\| [^|]+ \\| [^|]+ \\| \\d+\\.\\d\\d \\| (no \\(within the spread\\)|\\*\\*likely real: (faster|slower)\\*\\*) \\| [\\d.]+ → [\\d.]+ µs \\| [\\d.]+ → [\\d.]+ \\|`));
    }
  });

  it('--only runs the sections named, and the JSON says which', () => {
    const out = join(dir, 'only.json');
    const table = runQuick(['--only', 'memory', '--json', out]);
    const json = JSON.parse(readFileSync(out, 'utf8')) as Run;
    expect(json.sections).toEqual(['memory']);
    expect(json.results.map((r) => r.workload)).toEqual(['memory: arena bytes per in-flight fence', 'memory: arena bytes per ring slot (descriptor)']);
    expect(table).not.toContain('signal loop');
    expect((JSON.parse(readFileSync(first, 'utf8')) as Run).sections).toEqual(['core', 'real-clock', 'sched', 'composite', 'memory', 'threads']);
  });

  it('--compare refuses, with status 2 and before running anything, a file that is not a saved run', () => {
    const write = (name: string, text: string) => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    const good = JSON.parse(readFileSync(first, 'utf8')) as Run;
    const noMedian = structuredClone(good);
    delete (noMedian.results[0].wasm as Partial<Column>).median;
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.json'), /ENOENT|no such file/],
      [write('not-json.json', '{"schema": '), /JSON/],
      [write('array.json', '[]'), /not a JSON object/],
      [write('schema.json', JSON.stringify({ results: good.results })), /schema/],
      [write('no-results.json', JSON.stringify({ schema: good.schema, results: [] })), /no results/],
      [write('no-median.json', JSON.stringify(noMedian)), /results\[0\]\.wasm\.median is not a positive number/],
    ];
    for (const [f, msg] of cases) {
      const r = bench(['--compare', f]);
      expect(r.status, f).toBe(2);
      expect(r.stderr, f).toMatch(/^bench: --compare /);
      expect(r.stderr, f).toMatch(msg);
      expect(r.stdout, f).toBe('');
    }
  });

  it('rejects an unknown flag, naming it, with a non-zero exit and before running anything', () => {
    const r = bench(['--bogus']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--bogus');
    expect(r.stderr).toContain('--help');
    expect(r.stdout).toBe('');
    const only = bench(['--only', 'core,bogus']);
    expect(only.status).toBe(2);
    expect(only.stderr).toContain('unknown section "bogus"; the sections are core, real-clock, sched, composite, memory');
    for (const args of [['--json'], ['--compare'], ['--compare', ''], ['--only'], ['--quick', '--long'], ['extra'], ['--quick=yes']]) {
      const bad = bench(args);
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.stderr, args.join(' ')).toMatch(/^bench: /);
    }
  });

  it('--help lists every flag and exits 0 without running', () => {
    for (const flag of ['--help', '-h']) {
      const r = bench([flag]);
      expect(r.status).toBe(0);
      for (const f of ['--quick', '--long', '--json F', '--compare F', '--only S', '--help']) expect(r.stdout).toContain(f);
      expect(r.stdout).not.toContain('| workload |');
    }
  });
});

describe('bench report', () => {
  const col = (rounds: number[]): Column => ({ median: median(rounds), min: Math.min(...rounds), max: Math.max(...rounds), rounds, samples: rounds.length });
  const runOf = (rows: Row[]): Run => ({ schema: 'dmafence-bench/2', mode: 'default', date: '2026-11-26T00:00:00Z', machine: { node: 'v20' }, git: null, load: { start: [1, 1, 1], end: [1, 1, 1] }, results: rows });
  const row = (wasm: number[], ts: number[]): Row => ({ workload: 'w', unit: 'jobs/s', wasm: col(wasm), ts: col(ts), ratio: median(wasm) / median(ts) });

  it('a change is "likely real" only beyond both runs\' spreads (the slowest round of one above the fastest of the other)', () => {
    const base = runOf([row([10, 11, 12], [5, 6, 7])]);
    const faster = compareTable(base, runOf([row([13, 14, 15], [6.5, 7, 8])]), 'b.json');
    expect(faster).toMatch(/\| w \| wasm \| [^|]+ \| [^|]+ \| 1\.27 \| \*\*likely real: faster\*\* \|/);
    expect(faster).toMatch(/\| \| ts \| [^|]+ \| [^|]+ \| 1\.17 \| no \(within the spread\) \|/);
    const slower = compareTable(base, runOf([row([8, 9, 9.5], [5, 6, 7])]), 'b.json');
    expect(slower).toContain('**likely real: slower**');
    const oneRound = compareTable(base, runOf([row([20], [10])]), 'b.json');
    expect(oneRound).toContain('unknown (one round)');
    const other = compareTable(base, runOf([{ ...row([10], [5]), workload: 'v' }]), 'b.json');
    expect(other).toContain('Not in b.json: v.');
    expect(faster).toContain('This run started at load 1.0.');
    const loaded = { ...base, load: { start: [4, 4, 4], end: [4, 4, 4] } };
    expect(compareTable(loaded, runOf([row([10], [5])]), 'b.json')).toContain('the loads differ by 2× or more');
  });

  it('verdicts: the wasm goal, within N× of the peer, wasm ahead on hot rows, a value ceiling', () => {
    const r = { ...row([5e6], [4e6]), goal: { wasm: 6e6, peerWithin: 3 }, peer: col([16e6]) };
    expect(verdict(r)).toEqual({ text: '≥ 6.00 M jobs/s (83%): miss; within 3× of the peer (3.2×): miss', met: false });
    expect(verdict({ ...r, peer: col([14e6]), goal: { wasm: 5e6, peerWithin: 3 } }).met).toBe(true);
    expect(verdict({ ...row([1], [2]), hot: true })).toEqual({ text: 'wasm ahead of ts: miss', met: false });
    expect(verdict(row([1], [2])).met).toBeUndefined();
    expect(verdict({ workload: 'm', unit: 'bytes', value: 32, goal: { max: 32 } })).toEqual({ text: '≤ 32 B: met', met: true });
  });

  it('pair: each column primed once, warmed up (at least two rounds, at most warmMax), then timed in every round, interleaved', async () => {
    const CFG = { rounds: 3, time: 2, warmTime: 1, warmMax: 4, minIterations: 2 };
    const h = createHarness({ CFG, BACKENDS: ['wasm', 'ts'], mode: 'quick', log: () => {} });
    const calls: string[] = [];
    const task = (c: string) => ({ prime: () => calls.push(`prime ${c}`), fn: () => calls.push(c), dispose: () => calls.push(`dispose ${c}`) });
    const s = await h.pair('t', async (b) => task(b), { peer: async () => task('peer') });
    for (const c of ['wasm', 'ts', 'peer']) {
      expect(calls.filter((x) => x === `prime ${c}`)).toHaveLength(1);
      expect(calls.indexOf(`prime ${c}`)).toBeLessThan(calls.indexOf(c));
      expect(calls.filter((x) => x === `dispose ${c}`)).toHaveLength(1);
      expect(s[c]).toHaveLength(3);
      for (const round of s[c]) expect(round.length).toBeGreaterThanOrEqual(2);
      const w = s.warmup[c];
      expect(w.primed).toBe(true);
      expect(w.rounds).toBeGreaterThanOrEqual(2);
      expect(w.rounds).toBeLessThanOrEqual(4);
      expect(w.msPerIteration).toHaveLength(w.rounds);
      expect(w.stable).toBe(w.rounds < 4 || Math.abs(w.msPerIteration[3] - w.msPerIteration[2]) <= 0.1 * Math.max(w.msPerIteration[3], w.msPerIteration[2]));
    }
    const row = h.record('t', 'ops/s', 1, s, { goal: { wasm: 1, peerWithin: 1e9 } }) as unknown as Row;
    expect(row.wasm!.rounds).toHaveLength(3);
    expect(row.peerRatio).toBeCloseTo(row.wasm!.median / row.peer!.median);
    // A row of one column (a section may record wasm alone) still makes a table and a run.
    const alone = h.record('wasm alone', 'ops/s', 1, { wasm: s.wasm }) as unknown as Row;
    expect(alone.ratio).toBeUndefined();
    const run = runOf([row, alone]);
    expect(() => checkRun(JSON.parse(JSON.stringify(run)))).not.toThrow();
    expect(markdownTable(run)).toMatch(/\| wasm alone \| [^|]+ ops\/s \| {2}\| {2}\| {2}\| {2}\| {2}\| {2}\|/);
  });

  it('summarize: per round the throughput at its median time; the run\'s figure is the median round', () => {
    // 1000 units per iteration; rounds of 1, 2 and 4 ms per iteration: 1 M, 500 k, 250 k units/s.
    const s = summarize([[1, 1, 5], [2, 2, 0.1], [4, 4, 4]], 1000);
    expect(s.rounds).toEqual([1e6, 5e5, 2.5e5]);
    expect(s).toMatchObject({ median: 5e5, min: 2.5e5, max: 1e6, samples: 9 });
    expect(() => checkRun(runOf([row([1], [1])]))).not.toThrow();
  });
});

describe('bench sample aggregation', () => {
  it('pools and summarises millions of samples (a spread into push() overflows the stack here)', () => {
    const n = 3_000_000;
    const round = new Float64Array(n);
    for (let i = 0; i < n; i++) round[i] = (i * 7919) % n; // a permutation of 0..n-1
    expect(() => ([] as number[]).push(...round)).toThrow(RangeError); // what the old code did
    const pool: number[] = [];
    appendSamples(pool, round);
    appendSamples(pool, [n, n + 1]);
    expect(pool.length).toBe(n + 2);
    expect(median(pool)).toBe((n + 1) / 2);
    expect(percentile(pool, 0)).toBe(0);
    expect(percentile(pool, 100)).toBe(n + 1);
    expect(pool[0]).toBe(0); // the pool itself is not sorted in place
    expect(pool[1]).toBe(7919);
  });

  it('median and percentile on small pools', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, 9, 100])).toBe(10); // numeric order, not string order
    expect(percentile([5, 1, 4, 2, 3], 99)).toBe(5);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it('no file under bench/ spreads anything (an unbounded spread into call arguments overflows the stack)', () => {
    const dir = join(root, 'bench');
    for (const f of readdirSync(dir).filter((n) => /\.m?[jt]s$/.test(n))) {
      const code = readFileSync(join(dir, f), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:])\/\/.*$/gm, '$1');
      expect(code, f).not.toContain('...');
    }
  });
});
