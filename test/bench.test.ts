/**
 * The benchmark runs and writes valid JSON (its figures are never asserted: no timed tests), its
 * flags are checked, and its sample aggregation takes pools of any size (a default run on a quiet
 * machine pools millions of samples; spreading them into push() overflowed the stack).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendSamples, median, percentile } from '../bench/stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bench = (args: string[]) => spawnSync(process.execPath, ['bench/run.mjs', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('bench', () => {
  it('npm run bench -- --quick runs every workload on both backends and writes valid JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafence-bench-'));
    try {
      const out = join(dir, 'out.json');
      const table = execFileSync(process.execPath, ['bench/run.mjs', '--quick', '--json', out], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      expect(table).toContain('| workload | wasm (median) | ts (median) | wasm/ts | goal |');
      const json = JSON.parse(readFileSync(out, 'utf8'));
      expect(json.machine).toMatchObject({ node: process.version, cores: expect.any(Number), cpu: expect.any(String), mode: 'quick' });
      const names = json.results.map((r: { workload: string }) => r.workload).join('\n');
      for (const w of ['signal loop', 'create+signal', 'object API', 'pipeline, virtual clock, zero-byte jobs, 1 ring', 'pipeline, virtual clock, 4 KiB jobs, 8 rings', 'pipeline, real clock', 'scheduled pipeline, virtual clock, zero-byte jobs, copy->render on 2 rings, pushBatch with after', 'scheduled pipeline, ent.push, one dependency per job', 'hand-written pipeline (baseline)', 'memory: arena bytes per in-flight fence']) {
        expect(names).toContain(w);
      }
      for (const r of json.results) {
        if (r.value !== undefined) continue;
        for (const b of ['wasm', 'ts']) expect(r[b].median).toBeGreaterThan(0);
        // The middle half of the samples brackets the median (the spread the README reports).
        for (const b of ['wasm', 'ts']) {
          if (r[b].p25 === undefined) continue; // the real-clock row reports latencies instead
          expect(r[b].p25).toBeLessThanOrEqual(r[b].median);
          expect(r[b].p75).toBeGreaterThanOrEqual(r[b].median);
        }
        expect(r.ratio).toBeGreaterThan(0);
      }
      const real = json.results.find((r: { workload: string }) => r.workload.startsWith('pipeline, real clock'));
      expect(real.wasm.latencyUs.p99).toBeGreaterThanOrEqual(real.wasm.latencyUs.p50);
      // The cross-thread section (bench/threads.mjs): its table, and its rows in the JSON.
      expect(table).toContain('cross-thread ping-pong between the main thread and one worker');
      for (const m of ['hand-written Atomics', 'hand-written postMessage', 'dmafence wasm', 'dmafence ts']) expect(table).toContain(`| ${m}`);
      expect(json.threads.map((r: { mode: string }) => r.mode)).toEqual(['atomics', 'postMessage', 'dmafence-wasm', 'dmafence-ts']);
      for (const r of json.threads) {
        expect(r.unit).toBe('round trips/s');
        expect(r.roundTrips.min).toBeGreaterThan(0);
        expect(r.roundTrips.min).toBeLessThanOrEqual(r.roundTrips.median);
        expect(r.roundTrips.max).toBeGreaterThanOrEqual(r.roundTrips.median);
        for (const k of ['rttUs', 'toWorkerUs', 'toMainUs']) expect(r[k].p99).toBeGreaterThanOrEqual(r[k].p50);
        expect(r.vsAtomics).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown flag, naming it, with a non-zero exit and before running anything', () => {
    const r = bench(['--bogus']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--bogus');
    expect(r.stderr).toContain('--help');
    expect(r.stdout).toBe('');
    for (const args of [['--json'], ['--quick', '--long'], ['extra'], ['--quick=yes']]) {
      const bad = bench(args);
      expect(bad.status, args.join(' ')).not.toBe(0);
      expect(bad.stderr, args.join(' ')).toMatch(/^bench: /);
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

  it('--help lists every flag and exits 0 without running', () => {
    for (const flag of ['--help', '-h']) {
      const r = bench([flag]);
      expect(r.status).toBe(0);
      for (const f of ['--quick', '--long', '--json F', '--help']) expect(r.stdout).toContain(f);
      expect(r.stdout).not.toContain('| workload |');
    }
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
