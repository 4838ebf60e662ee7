/** The benchmark runs and writes valid JSON (its figures are never asserted: no timed tests). */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

describe('bench', () => {
  it('npm run bench -- --quick runs every workload on both backends and writes valid JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafence-bench-'));
    try {
      const out = join(dir, 'out.json');
      const root = fileURLToPath(new URL('..', import.meta.url));
      const table = execFileSync(process.execPath, ['bench/run.mjs', '--quick', '--json', out], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      expect(table).toContain('| workload | wasm (median) | ts (median) | wasm/ts | goal |');
      const json = JSON.parse(readFileSync(out, 'utf8'));
      expect(json.machine).toMatchObject({ node: process.version, cores: expect.any(Number), cpu: expect.any(String), mode: 'quick' });
      const names = json.results.map((r: { workload: string }) => r.workload).join('\n');
      for (const w of ['signal loop', 'create+signal', 'object API', 'pipeline, virtual clock, zero-byte jobs, 1 ring', 'pipeline, virtual clock, 4 KiB jobs, 8 rings', 'pipeline, real clock', 'memory: arena bytes per in-flight fence']) {
        expect(names).toContain(w);
      }
      for (const r of json.results) {
        if (r.value !== undefined) continue;
        for (const b of ['wasm', 'ts']) expect(r[b].median).toBeGreaterThan(0);
        expect(r.ratio).toBeGreaterThan(0);
      }
      const real = json.results.find((r: { workload: string }) => r.workload.startsWith('pipeline, real clock'));
      expect(real.wasm.latencyUs.p99).toBeGreaterThanOrEqual(real.wasm.latencyUs.p50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
