/**
 * The worker examples (examples/node-workers/), run as the README says: separate Node processes
 * against the built package (dist/, imported by the package's own name). A pool of
 * worker_threads workers (pool.mjs) and a piscina pool (piscina.mjs), every worker the emitter of
 * its own context on the main thread's runtime; the main thread waits on its views of their
 * fences (a race of RemoteFence.wait, then fence.wait). Checks what they print: every job completed with its result written before its
 * fence signaled, each context's fences seen signaled in seqno order, no violation.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BACKENDS } from './helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (file: string, args: string[]) => spawnSync(process.execPath, [`examples/node-workers/${file}`, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

describe('worker examples', () => {
  it.each(BACKENDS)('C3/C5/F9 (%s backend): pool.mjs completes every job, results published by the signal, each worker in seqno order', (backend) => {
    const r = run('pool.mjs', ['--backend', backend, '--workers', '3', '--jobs', '24', '--batch', '2']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`3 workers, each the emitter of its own context; 24 jobs of 20000 numbers; ${backend} backend`);
    // The sieve's count of the primes below 480000, and every job's count matched its range.
    expect(r.stdout).toContain('jobs: 24 completed, 24 results correct (primes below 480000: 40005)');
    const workers = r.stdout.split('\n').filter((l) => /^ {2}worker\d/.test(l));
    expect(workers).toHaveLength(3);
    let jobs = 0;
    const contexts = new Set<string>();
    for (const line of workers) {
      const m = /^ {2}worker\d \(context (\d+)\): (\d+) jobs, seqnos 1\.\.(\d+), signaled in order$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![3]).toBe(m![2]); // C2: seqnos 1..n, one per job
      contexts.add(m![1]);
      jobs += Number(m![2]);
    }
    expect(jobs).toBe(24);
    expect(contexts.size).toBe(3); // one context per worker
    const waits = /waits: (\d+) waitAny while handing out jobs, (\d+) fence\.wait for the last ones/.exec(r.stdout)!;
    expect(Number(waits[1]) + Number(waits[2])).toBe(24);
    expect(Number(waits[1])).toBeGreaterThan(0);
    expect(Number(waits[2])).toBeGreaterThan(0);
    expect(r.stdout).toContain('violations: 0 on this thread, 0 in the workers');
  });

  it.each(BACKENDS)('C3/C5/F9 (%s backend): piscina.mjs completes every job on piscina threads, each thread its own context, in seqno order', (backend) => {
    const r = run('piscina.mjs', ['--backend', backend, '--threads', '2', '--jobs', '16']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`2 threads, each the emitter of its own context; 16 jobs of 20000 numbers; ${backend} backend`);
    expect(r.stdout).toContain('jobs: 16 completed, 16 results correct (primes below 320000: 27608)');
    const contexts = r.stdout.split('\n').filter((l) => /^ {2}context \d+:/.test(l));
    expect(contexts.length).toBeGreaterThanOrEqual(1);
    expect(contexts.length).toBeLessThanOrEqual(2);
    let jobs = 0;
    for (const line of contexts) {
      const m = /^ {2}context \d+: (\d+) jobs, signaled in order$/.exec(line);
      expect(m, line).not.toBeNull();
      jobs += Number(m![1]);
    }
    expect(jobs).toBe(16);
    expect(r.stdout).toContain(`contexts: ${contexts.length}, ${contexts.length} signaled in order`);
    expect(r.stdout).toContain("violations: 0 on this thread, 0 on piscina's threads");
  });

  it('rejects a bad flag value with a message naming it', () => {
    for (const [file, args, name] of [
      ['pool.mjs', ['--backend', 'js'], '--backend'],
      ['pool.mjs', ['--workers', '0'], '--workers'],
      ['piscina.mjs', ['--jobs', 'x'], '--jobs'],
    ] as const) {
      const r = run(file, [...args]);
      expect(r.status, `${file} ${args.join(' ')}`).not.toBe(0);
      expect(r.stderr).toContain(name);
    }
  });
});
