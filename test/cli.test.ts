/**
 * The dmafence command (dist/cli.js, as `npm start` runs it): --jobs over its whole documented
 * range (1 to 1,000,000; the fence table follows it), the header true to what runs, strict flags
 * (an unknown or malformed one is an error naming it, exit 2), --help and --version; `run` of
 * every shipped scenario with --check and its expected verdict, its --trace and --json; the
 * teardown matrix's --svg heat map (well-formed, one cell per run, the run's numbers in it) and
 * its device files and policy modules.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matrixSvg } from '../bindings/cli/svg.js';
import { checkTrace } from './trace-format.js';

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
  const FOUR = ['--device', 'stoppable', '--device', 'non-stoppable', '--device', 'hung', '--device', 'hung-no-tdr', '--guarantee', 'emitter'];
  it('runs the matrix with --jobs 10000 (was "no free fence slot" above 8193): 5000 jobs submitted per run', () => {
    const r = cli('teardown', '--jobs', '10000', '--json', ...FOUR);
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
    // S10: the scheduler's rows, per device: fini, then the ring dropped under each policy (then fini).
    const sched = (JSON.parse(r.stdout) as { schedulerRows: (Row & { action: string; queued: number; onRing: number })[] }).schedulerRows;
    expect(sched.map((x) => `${x.device} ${x.action} ${x.policy}`)).toEqual(
      ['stoppable', 'non-stoppable', 'hung', 'hung-no-tdr'].flatMap((d) => [`${d} fini emitter-guarantee`, ...['emitter-guarantee', 'wait', 'signal-on-drop', 'leak'].map((p) => `${d} drop ${p}`)]),
    );
    for (const row of sched) {
      expect(row.jobs).toBe(10000);
      expect(row.queued, `${row.device} ${row.action}`).toBeGreaterThan(0);
      expect(row.onRing, `${row.device} ${row.action}`).toBeGreaterThan(0);
      if (row.policy === 'emitter-guarantee') expect([row.corruptions, row.prematureSignals, row.unsignaled, row.blockedWaiters, row.deadlock], `${row.device} ${row.action}`).toEqual([0, 0, 0, 0, false]);
    }
  });

  it('--jobs 1 (the low end) runs: one job per run', () => {
    const r = cli('teardown', '--jobs', '1', '--json');
    expect(r.status).toBe(0);
    const rows = (JSON.parse(r.stdout) as { rows: (Row & { guarantee: string })[] }).rows;
    expect(rows.map((x) => x.jobs)).toEqual(Array(64).fill(1)); // 8 device kinds × 4 policies × 2 guarantees by default
    expect(new Set(rows.map((x) => x.guarantee))).toEqual(new Set(['emitter', 'fence']));
  });

  it('the header says how many jobs each run submits (half of --jobs: the ring is dropped halfway)', () => {
    const def = cli('teardown', ...FOUR);
    expect(def.status).toBe(0);
    const lines = def.stdout.split('\n');
    expect(lines[0]).toBe(
      'dmafence teardown matrix: 100 jobs of 4 KiB per run (the ring is dropped halfway through --jobs 200), buffers freed on signal and reused at once; seed 1, wasm backend',
    );
    expect(lines[2]).toMatch(/^\| device +\| policy +\|(.* \|)? corruptions \| premature signals \| unsignaled fences \| blocked waiters \| +teardown time \|$/);
    expect(lines.slice(0, lines.indexOf('', 2)).filter((l) => l.startsWith('| ')).length).toBe(17);
    expect(def.stdout).toContain('Safe on every device: emitter-guarantee.');
    // Then the scheduler's table (S10): one row per device and way of tearing it down.
    expect(def.stdout).toContain('The scheduler (S10): 200 jobs of 4 KiB pushed to one entity');
    expect(lines.filter((l) => /^\| \S+ +\| (fini|drop \()/.test(l)).length).toBe(4 * 5);
    expect(def.stdout).toContain('  fini: no corruption, nothing left unsignaled, no blocked waiter, on every device');
    const odd = cli('teardown', '--jobs', '41', '--seed', '3', '--backend', 'ts', '--device', 'stoppable');
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
      for (const f of ['--seed N', '--jobs N', '--backend', '--json', '--help', '--version', 'example', '1 to 1000000', '--device', '--policy', '--guarantee', '--max-fences N', '--svg FILE', 'run SCENARIO.json', '--trace FILE', '--check']) expect(r.stdout).toContain(f);
    }
  });

  it('--version prints the package version', () => {
    for (const args of [['--version'], ['-v'], ['teardown', '--version'], ['run', '--version']]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toBe(`${pkg.version}\n`);
      expect(r.stderr).toBe('');
    }
    // -V is not a flag (the short form is -v): refused like any unknown flag.
    const upper = cli('-V');
    expect(upper.status).toBe(2);
    expect(upper.stderr).toContain('-V');
  });
});

describe('dmafence flag forms and pipes', () => {
  it('--flag=value is the same as --flag value (teardown and run); --flag= with no value is an error naming it', () => {
    const spaced = cli('teardown', '--jobs', '20', '--seed', '3', '--backend', 'ts', '--device', 'stoppable', '--policy', 'wait', '--guarantee', 'emitter', '--json');
    const joined = cli('teardown', '--jobs=20', '--seed=3', '--backend=ts', '--device=stoppable', '--policy=wait', '--guarantee=emitter', '--json');
    expect(spaced.status).toBe(0);
    expect(joined.stderr).toBe('');
    expect(joined.status).toBe(0);
    expect(JSON.parse(joined.stdout)).toEqual(JSON.parse(spaced.stdout));
    expect((JSON.parse(joined.stdout) as { rows: Row[] }).rows.map((r) => `${r.device} ${r.policy} ${r.jobs}`)).toEqual(['stoppable wait 10']);
    const f = 'examples/scenarios/driver-unload-stoppable.json';
    const runSpaced = cli('run', f, '--seed', '2', '--backend', 'ts', '--json');
    const runJoined = cli('run', f, '--seed=2', '--backend=ts', '--json');
    expect(runJoined.status).toBe(0);
    expect(runJoined.stdout).toBe(runSpaced.stdout);
    for (const [args, named] of [[['teardown', '--jobs='], '--jobs'], [['teardown', '--seed=-1'], '--seed'], [['teardown', '--backend=gpu'], '--backend'], [['run', f, '--jobs=5'], '--jobs']] as const) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0], args.join(' ')).toContain(named);
    }
  });

  it('a reader that closes the pipe early (| head) ends it quietly: exit 0, nothing on stderr', async () => {
    const child = spawn(process.execPath, ['dist/cli.js', 'teardown'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    child.stdout.destroy(); // as head does after its lines: every later write gets EPIPE
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    expect(first).toContain('dmafence teardown matrix');
    expect(stderr).toBe('');
    expect([code, signal]).toEqual([0, null]);
  });
});

const tmp = mkdtempSync(join(tmpdir(), 'dmafence-cli-'));
const scenarios = readdirSync(join(root, 'examples/scenarios')).filter((f) => f.endsWith('.json')).sort();

describe('dmafence run', () => {
  it.each(scenarios)('run examples/scenarios/%s --check: exit 0 with its expected verdict; --trace writes a valid trace', (f) => {
    const out = join(tmp, `${f}.trace.json`);
    const r = cli('run', `examples/scenarios/${f}`, '--check', '--json', '--trace', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { verdict: { pass: boolean; rules: string[]; expected: string[] } };
    const expected = JSON.parse(readFileSync(join(root, 'examples/scenarios', f), 'utf8')).expect;
    expect(report.verdict.rules).toEqual(expected === 'clean' ? [] : [...expected.violations].sort());
    expect(report.verdict.pass).toBe(true);
    expect(checkTrace(JSON.parse(readFileSync(out, 'utf8')))).toEqual([]);
  });

  it('--check exits 1 when the verdict is not the expected one (the report still prints)', () => {
    const f = join(tmp, 'wrong-expectation.json');
    const s = JSON.parse(readFileSync(join(root, 'examples/scenarios/signal-on-drop-corrupts.json'), 'utf8'));
    writeFileSync(f, JSON.stringify({ ...s, expect: 'clean' }));
    const r = cli('run', f, '--check');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('verdict: rules broken: M2, T1; expected clean: NOT as expected');
    const plain = cli('run', f, '--seed', '2', '--backend', 'ts'); // without --check the verdict is only reported
    expect(plain.status).toBe(0);
    expect(plain.stdout.split('\n')[0]).toBe('scenario: signal-on-drop on a non-stoppable device (seed 2, ts backend, guarantee at the emitter)'); // the flags override the file
  });

  it('a bad scenario exits 2 naming the field, runs nothing, writes no trace', () => {
    const f = join(tmp, 'bad.json');
    writeFileSync(f, JSON.stringify({ devices: [{ name: 'gpu' }], rings: [{ name: 'gfx0', device: 'foo' }] }));
    const out = join(tmp, 'bad.trace.json');
    const r = cli('run', f, '--trace', out);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`dmafence: ${f}: rings[0].device: unknown device "foo"; declared: gpu`);
    expect(existsSync(out)).toBe(false);
  });

  it('usage errors exit 2 naming what is wrong: no file, a missing file, not JSON, a flag of another command', () => {
    const notJson = join(tmp, 'not.json');
    writeFileSync(notJson, '{ devices: ');
    for (const [args, named] of [
      [['run'], 'run needs a scenario file'],
      [['run', join(tmp, 'missing.json')], 'ENOENT'],
      [['run', notJson], 'is not JSON'],
      [['run', notJson, '--svg', 'x.svg'], '--svg is not a flag of run'],
      [['teardown', '--trace', 'x.json'], '--trace is not a flag of teardown'],
    ] as [string[], string][]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], args.join(' ')).toContain(named);
    }
  });
});

/** A small XML well-formedness check: balanced tags, quoted attributes, escaped text. */
function xmlProblems(xml: string): string[] {
  const bad: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<&]*(?:&(?:lt|gt|amp|quot|apos);[^"<&]*)*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m; (m = tag.exec(xml)); ) {
    const text = xml.slice(last, m.index);
    if (/[<>]|&(?!(lt|gt|amp|quot|apos);)/.test(text)) bad.push(`bad text before <${m[2]}>: ${text.slice(0, 40)}`);
    last = tag.lastIndex;
    if (m[1]) {
      if (stack.pop() !== m[2]) bad.push(`</${m[2]}> does not close the open tag`);
    } else if (!m[4]) stack.push(m[2]);
  }
  if (xml.slice(last).trim() !== '') bad.push('text after the root');
  if (stack.length) bad.push(`unclosed: ${stack.join(', ')}`);
  if (!xml.startsWith('<svg ')) bad.push('root is not <svg>');
  return bad;
}

describe('dmafence teardown --svg', () => {
  it('writes a well-formed heat map: one cell per run, the run numbers in it, a title and a legend', () => {
    const out = join(tmp, 'matrix.svg');
    const r = cli('teardown', '--jobs', '20', '--json', '--svg', out);
    expect(r.status).toBe(0);
    const rows = (JSON.parse(r.stdout) as { rows: (Row & { guarantee: string })[] }).rows;
    const svg = readFileSync(out, 'utf8');
    expect(xmlProblems(svg)).toEqual([]);
    const cells = [...svg.matchAll(/<g class="cell" data-device="([^"]*)" data-column="([^"]*)" data-corruptions="(\d+)" data-unsignaled="(\d+)">/g)];
    expect(cells.length).toBe(rows.length);
    for (const row of rows) {
      const c = cells.find((m) => m[1] === row.device && m[2] === `${row.policy} · ${row.guarantee}`);
      expect(c, `${row.device}/${row.policy}`).toBeDefined();
      expect([Number(c![3]), Number(c![4])]).toEqual([row.corruptions, row.unsignaled]);
    }
    expect(svg).toContain('<title>dmafence teardown matrix: corruptions + unsignaled fences</title>');
    expect(svg).toContain('premature signals (T1)');
  });

  it('matrixSvg: rows × columns (policy × guarantee), colours by damage, escapes names', () => {
    const svg = matrixSvg(
      [
        { device: 'a<b', policy: 'p&q', guarantee: 'emitter', corruptions: 0, unsignaled: 0 },
        { device: 'a<b', policy: 'p&q', guarantee: 'fence', corruptions: 12, unsignaled: 3, prematureSignals: 4 },
        { device: 'c', policy: 'p&q', guarantee: 'emitter', corruptions: 0, unsignaled: 5, deadlock: true },
        { device: 'c', policy: 'p&q', guarantee: 'fence', corruptions: 0, unsignaled: 0 },
      ],
      'title "quoted"',
    );
    expect(xmlProblems(svg)).toEqual([]);
    const cells = [...svg.matchAll(/<g class="cell"[^>]*>\n<title>[^<]*<\/title>\n<rect [^>]*fill="([^"]+)"[^>]*\/>\n<text [^>]*>([^<]*)<\/text>/g)].map((m) => [m[1], m[2]]);
    expect(cells).toEqual([
      ['#2e9d4f', '0'],
      [expect.stringMatching(/^rgb\(230,/), '15'],
      ['#8e44ad', 'deadlock'],
      ['#2e9d4f', '0'],
    ]);
    expect(svg).toContain('p&amp;q · fence');
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('title &quot;quoted&quot;');
  });
});

describe('dmafence teardown --device / --policy / --guarantee / --max-fences: bad input exits 2 naming the flag', () => {
  it('rejects each with a message naming the flag or the field', () => {
    const badDev = join(tmp, 'bad-device.json');
    writeFileSync(badDev, JSON.stringify({ name: 'mine', ackNS: 5 }));
    const noDefault = join(tmp, 'no-default.mjs');
    writeFileSync(noDefault, 'export const name = "x";\n');
    for (const [args, named] of [
      [['--device', 'stopable'], '--device: "stopable" is neither a device kind'],
      [['--device', join(tmp, 'missing.json')], '--device: cannot read'],
      [['--device', badDev], `--device ${badDev} has no option "ackNS" (did you mean "ackNs"?)`],
      [['--policy', 'wiat'], '--policy: "wiat" is neither a policy'],
      [['--policy', noDefault], 'must export the policy function as its default export'],
      [['--guarantee', 'driver'], '--guarantee takes emitter or fence'],
      [['--max-fences', '0'], '--max-fences takes an integer from 1 to 16777216'],
      [['--max-fences', '5'], '--max-fences: maxFences 5 is below the 132 fences a run of 200 jobs keeps'],
      [['--device', 'hung', '--device', 'hung'], '--device: "hung" is given twice'],
      [['--svg', ''], '--svg needs a file name'],
    ] as [string[], string][]) {
      const r = cli('teardown', ...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr.split('\n')[0], args.join(' ')).toContain(named);
    }
  });
});

describe('dmafence teardown with a device file and policy modules (T8)', () => {
  it('runs them beside the built-ins: rows named by the spec and the modules; a policy that signals first is caught', () => {
    const dev = join(tmp, 'my-device.json');
    writeFileSync(dev, JSON.stringify({ name: 'my-dma', stoppable: false, latency: { baseNs: 3000, perByteNs: 1 } }));
    const early = join(tmp, 'signal-first.mjs');
    writeFileSync(early, 'export default async function (s) { s.signalPending(-125); await s.stop(); }\n');
    const r = cli('teardown', '--device', dev, '--device', 'stoppable', '--policy', join(root, 'examples/scenarios/policies/stop-or-reset.mjs'), '--policy', early, '--policy', 'wait', '--guarantee', 'emitter', '--jobs', '20', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = (JSON.parse(r.stdout) as { rows: (Row & { guarantee: string })[] }).rows;
    expect(rows.map((x) => `${x.device}/${x.policy}/${x.guarantee}`)).toEqual([
      'my-dma/stop-or-reset/emitter', 'my-dma/signal-first/emitter', 'my-dma/wait/emitter',
      'stoppable/stop-or-reset/emitter', 'stoppable/signal-first/emitter', 'stoppable/wait/emitter',
    ]);
    for (const x of rows.filter((y) => y.policy === 'signal-first')) expect(x.prematureSignals, x.device).toBeGreaterThan(0);
    for (const x of rows.filter((y) => y.policy !== 'signal-first')) expect([x.corruptions, x.prematureSignals, x.unsignaled], `${x.device}/${x.policy}`).toEqual([0, 0, 0]);
  });
});
