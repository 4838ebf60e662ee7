/**
 * The dmafence command (dist/cli.js, as `npm start` runs it): --jobs over its whole documented
 * range (1 to 1,000,000; the fence table follows it), the header true to what runs, strict flags
 * (an unknown or malformed one is an error naming it), --help and --version.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

interface Row {
  device: string;
  policy: string;
  jobs: number;
  corruptions: number;
  prematureSignals: number;
  unsignaled: number;
  blockedWaiters: number;
  deadlock: boolean;
  counts: { jobsSubmitted: number };
}

describe('dmafence teardown --jobs', () => {
  it('runs the whole matrix with --jobs 10000 (was "no free fence slot" above 8193): 5000 jobs submitted per run', () => {
    const r = cli('teardown', '--jobs', '10000', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { jobs: number; rows: Row[] };
    expect(out.jobs).toBe(10000);
    expect(out.rows.length).toBe(16);
    for (const row of out.rows) {
      expect(row.jobs, `${row.device}/${row.policy}`).toBe(5000);
      expect(row.counts.jobsSubmitted).toBe(5000);
    }
    for (const row of out.rows.filter((x) => x.policy === 'emitter-guarantee')) {
      expect([row.corruptions, row.prematureSignals, row.unsignaled, row.blockedWaiters, row.deadlock], row.device).toEqual([0, 0, 0, 0, false]);
    }
  });

  it('--jobs 1 (the low end) runs: one job per run', () => {
    const r = cli('teardown', '--jobs', '1', '--json');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { rows: Row[] }).rows.map((x) => x.jobs)).toEqual(Array(16).fill(1));
  });

  it('the header says how many jobs each run submits (half of --jobs: the ring is dropped halfway)', () => {
    const def = cli('teardown');
    expect(def.status).toBe(0);
    const lines = def.stdout.split('\n');
    expect(lines[0]).toBe(
      'dmafence teardown matrix: 100 jobs of 4 KiB per run (the ring is dropped halfway through --jobs 200), buffers freed on signal and reused at once; seed 1, wasm backend',
    );
    expect(lines[2]).toBe('| device        | policy            | corruptions | premature signals | unsignaled fences | blocked waiters |    teardown time |');
    expect(lines.filter((l) => l.startsWith('| ')).length).toBe(17);
    expect(def.stdout).toContain('Safe on every device: emitter-guarantee.');
    const odd = cli('teardown', '--jobs', '41', '--seed', '3', '--backend', 'ts');
    expect(odd.status).toBe(0);
    expect(odd.stdout.split('\n')[0]).toBe(
      'dmafence teardown matrix: 21 jobs of 4 KiB per run (the ring is dropped halfway through --jobs 41), buffers freed on signal and reused at once; seed 3, ts backend',
    );
  });

  it.each([
    [['--jobs', '0'], '--jobs'],
    [['--jobs', 'abc'], '--jobs'],
    [['--jobs', '1000001'], '--jobs'],
    [['--jobs', '1.5'], '--jobs'],
    [['--jobs', '-5'], '--jobs'],
    [['--jobs', '1e3'], '--jobs'],
    [['--jobs', ''], '--jobs'],
    [['--jobs'], '--jobs'],
    [['--seed', 'x'], '--seed'],
    [['--seed', '4294967296'], '--seed'],
    [['--backend', 'gpu'], '--backend'],
    [['--bogus'], '--bogus'],
    [['--json=yes'], '--json'],
    [['stray'], 'stray'],
  ])('teardown %j exits non-zero with a message naming %s', (args, named) => {
    const r = cli('teardown', ...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^dmafence: /);
    expect(r.stderr.split('\n')[0]).toContain(named);
    expect(r.stderr).toContain('usage: dmafence teardown');
  });

  it('a missing or unknown command, or a bad example backend, exits non-zero', () => {
    for (const args of [[], ['teardwn'], ['--bogus'], ['example', 'gpu'], ['example', 'wasm', 'extra']]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^dmafence: /);
    }
  });
});

describe('dmafence --help and --version', () => {
  it('--help lists every flag and exits 0', () => {
    for (const args of [['--help'], ['-h'], ['teardown', '--help']]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(0);
      for (const f of ['--seed N', '--jobs N', '--backend', '--json', '--help', '--version', 'example', '1 to 1000000']) expect(r.stdout).toContain(f);
    }
  });

  it('--version prints the package version', () => {
    for (const flag of ['--version', '-v']) {
      const r = cli(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
    }
  });
});
