/**
 * The examples the README lists, run as it says: separate Node processes against the built
 * package (dist/, imported by the package's own name, as a user's project imports it). The
 * README's first example (the fenced block after `npm install dmafence`) is run verbatim, so it
 * cannot rot. Needs `npm run build` first (npm test does it).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKENDS } from './helpers.js';
import { checkTrace } from './trace-format.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; files: string[] };
const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });

/** The first fenced code block after the line that says `npm install dmafence`. */
function firstExample(): string {
  const at = readme.indexOf('npm install dmafence');
  expect(at).toBeGreaterThan(-1);
  const m = /```(?:js|ts)\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(m).not.toBeNull();
  return m![1];
}

describe('README examples', () => {
  it('the first example (after npm install dmafence) runs as written and prints what the README says', () => {
    // The README opens with what the package is, then how to install it and this example.
    expect(readme.startsWith('# dmafence\n\nA WebAssembly-accelerated model of the Linux DMA-fence machinery')).toBe(true);
    expect(readme.indexOf('npm install dmafence')).toBeLessThan(readme.indexOf('## The two commands'));
    const code = firstExample();
    expect(code).toContain("from 'dmafence'");
    expect(code.trim().split('\n').length).toBeLessThanOrEqual(12);
    // Evaluated from the checkout's root: `dmafence` resolves to this package (its exports, dist/).
    const r = node(['--input-type=module', '--eval', code]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('fence 1 signaled at 1000 ns\n42 0\n');
    expect(readme).toContain('It prints `fence 1 signaled at 1000 ns`, then `42 0`.');
  });

  it('every example script the README names runs its file, and the files ship in the package', () => {
    for (const [script, file] of [['example:real-clock', 'examples/real-clock.mjs'], ['example:trace', 'examples/trace-export.mjs'], ['example:policy', 'examples/custom-policy.mjs'], ['example:pipeline', 'examples/pipeline/pipeline.mjs']]) {
      expect(readme).toContain(`npm run ${script}`);
      expect(pkg.scripts[script]).toBe(`node ${file}`);
      expect(readme).toContain(`](https://unpkg.com/dmafence/${file})`);
    }
    expect(pkg.files).toEqual(expect.arrayContaining(['examples/*.mjs', 'examples/pipeline']));
  });

  it('an example piped into `head -1` ends quietly (no EPIPE error), as the command line does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafence-head-'));
    try {
      for (const [file, flags] of [['examples/real-clock.mjs', ''], ['examples/trace-export.mjs', `--out ${join(dir, 't.json')}`], ['examples/custom-policy.mjs', ''], ['examples/pipeline/pipeline.mjs', `--trace ${join(dir, 'p.json')}`]]) {
        // The shell's status is head's; the example's stderr is what shows an unhandled EPIPE.
        const r = spawnSync('sh', ['-c', `"${process.execPath}" ${file} ${flags} | head -1`], { cwd: root, encoding: 'utf8', timeout: 60_000 });
        expect(r.stderr, file).toBe('');
        expect(r.stdout.split('\n').length, file).toBe(2);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(BACKENDS)('real clock (%s backend): every job done by the device thread, every fence seen signaled, the process exits', (backend) => {
    const r = node(['examples/real-clock.mjs', '--jobs', '40', '--backend', backend]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`dmafence real clock: ${backend} backend, the device in its own thread`);
    expect(r.stdout).toMatch(/^40 jobs of 4 KiB on ring copy: last fence signaled, 40 fences seen signaled, in [0-9.]+ ms$/m);
    expect(r.stdout).toContain('device: 40 jobs completed, 163840 bytes written by DMA');
    expect(r.stdout).toContain('violations: 0');
  });

  it('R6/T4 trace export: a valid Trace Event Format file, one per seed on both backends, and the output the README shows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafence-trace-example-'));
    try {
      const traces: string[] = [];
      for (const backend of BACKENDS) {
        const out = join(dir, `${backend}.json`);
        const r = node(['examples/trace-export.mjs', '--out', out, '--backend', backend]);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        if (backend === 'wasm') {
          // The README shows this run's output, with the default file name.
          const shown = r.stdout.replaceAll(out, 'trace-export.json');
          for (const line of shown.trim().split('\n')) expect(readme, line).toContain(line);
        }
        expect(r.stdout).toContain('(gfx0 7: -62, gfx0 8: -125, gfx0 9: -125, gfx0 10: -125)');
        const text = readFileSync(out, 'utf8');
        traces.push(text);
        const trace = JSON.parse(text) as { traceEvents: { name: string; ph: string; args?: Record<string, unknown> }[] };
        expect(checkTrace(trace)).toEqual([]);
        const names = new Set(trace.traceEvents.map((e) => e.name));
        for (const n of ['timeout', 'reset-request', 'reset-effective', 'drop']) expect(names, n).toContain(n);
        const outcomes = trace.traceEvents.filter((e) => e.ph === 'X' && /^job /.test(e.name)).map((e) => e.args?.outcome);
        expect(outcomes).toContain('completed');
        expect(outcomes).toContain('timed-out');
      }
      expect(traces[1]).toBe(traces[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(BACKENDS)('T8/T1/M2 custom policy (%s backend): the careful policy breaks nothing, the hasty one T1 and M2, as the README shows', (backend) => {
    const r = node(['examples/custom-policy.mjs', '--backend', backend]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([
      `dmafence custom teardown policies: ${backend} backend, a device whose running job hangs and that never ACKs`,
      'policy stopOrReset: 30000 ns; of 8 fences in flight 0 ok, 7 -ECANCELED, 1 -ETIME, 0 unsignaled',
      '  rules broken: none',
      'policy cancelFirst: 20000 ns; of 8 fences in flight 0 ok, 8 -ECANCELED, 0 -ETIME, 0 unsignaled',
      '  rules broken: T1 premature-signal ×8, M2 corruption ×2',
    ]);
    for (const line of lines.slice(1)) expect(readme).toContain(line);
  });
});
