/**
 * The pipeline example (examples/pipeline/pipeline.mjs), run as the README says: a separate Node
 * process against the built package (dist/, imported by the package's own name). Checks what it
 * prints and the trace it writes, on both backends, and that one seed gives one run on both.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKENDS } from './helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, ['examples/pipeline/pipeline.mjs', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('pipeline example', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmafence-pipeline-'));
  const outputs: Record<string, string> = {};
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(BACKENDS)('S3/S4/M3 (%s backend): renders every frame after its copy and compute, frees every input on signal, writes a trace', (backend) => {
    const trace = join(dir, `${backend}.json`);
    const r = run(['--backend', backend, '--frames', '40', '--trace', trace]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    outputs[backend] = r.stdout;
    expect(r.stdout).toContain(`${backend} backend, seed 1`);
    expect(r.stdout).toContain('frames: 40 rendered, 40 without error');
    expect(r.stdout).toContain('violations: 0, corruptions: 0, fence errors: none');
    for (const ring of ['copy', 'compute', 'render']) expect(r.stdout).toMatch(new RegExp(`ring ${ring} +on (dma0|gpu0): 40 jobs`));
    // Every upload and scratch buffer went back on signal: only the swapchain is still allocated.
    const mem = /memory free after the run: (\d+) of (\d+) bytes \(the swapchain holds (\d+)\)/.exec(r.stdout)!;
    expect(Number(mem[1])).toBe(Number(mem[2]) - Number(mem[3]));

    const json = JSON.parse(readFileSync(trace, 'utf8'));
    // Job spans are complete events (cat 'job') on their ring's track, named by thread_name metadata.
    type Ev = { ph: string; name: string; cat?: string; tid: number; ts: number; dur: number; args: { name?: string } };
    const tracks = new Map((json.traceEvents as Ev[]).filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, e.args.name]));
    const jobs = (json.traceEvents as Ev[]).filter((e) => e.ph === 'X' && e.cat === 'job');
    expect(jobs.length).toBe(120);
    const byRing = (ring: string) => jobs.filter((e) => tracks.get(e.tid) === `ring ${ring}`).sort((a, b) => a.ts - b.ts);
    const copies = byRing('copy');
    const computes = byRing('compute');
    const renders = byRing('render');
    expect([copies.length, computes.length, renders.length]).toEqual([40, 40, 40]);
    // S4: frame i's render job starts only after its copy and its compute job ended.
    // (The trace is in µs; back to whole ns before comparing.)
    const ns = (us: number) => Math.round(us * 1000);
    for (let i = 0; i < 40; i++) {
      const start = ns(renders[i].ts);
      expect(start).toBeGreaterThanOrEqual(ns(copies[i].ts + copies[i].dur));
      expect(start).toBeGreaterThanOrEqual(ns(computes[i].ts + computes[i].dur));
    }
  });

  it('one seed, two backends: the same run', () => {
    if (!outputs.wasm || !outputs.ts) throw new Error('the runs above did not complete');
    const strip = (s: string) => s.replace(/^.*backend.*$/m, '').replace(/trace: .*$/m, '');
    expect(strip(outputs.ts)).toBe(strip(outputs.wasm));
  });

  it('prints what the README shows (default run, wasm backend)', () => {
    const trace = join(dir, 'default.json');
    const r = run(['--trace', trace]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const shown = /### The pipeline example[\s\S]*?It prints:\n\n```\n([\s\S]*?)```/.exec(readme);
    expect(shown).not.toBeNull();
    expect(r.stdout.replaceAll(trace, 'pipeline-trace.json')).toBe(shown![1]);
  });

  it('refuses a bad flag with a message', () => {
    const r = run(['--frames', 'many']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--frames');
  });
});
