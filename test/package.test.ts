/**
 * The published package: `npm pack` of this checkout, installed into a clean temporary project,
 * imported from Node by name, on both backends and both clocks. Needs `npm run build` first
 * (npm test does it).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEVICE_KINDS, DROP_POLICIES } from '../bindings/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('package', () => {
  it('the packed tarball installs into a clean project and works from Node', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafence-pack-'));
    try {
      // --ignore-scripts: no rebuild of dist/ under the other test files (npm test has built it).
      const listing = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root))[0];
      const files = listing.files.map((f: { path: string }) => f.path);
      expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/browser.js', 'dist/index.d.ts', 'dist/dmafence.wasm', 'dist/dmafence.unshared.wasm', 'dist/device-worker.js', 'dist/device-worker.browser.js', 'dist/cli.js']));
      expect(files.some((f: string) => f.startsWith('bindings/') || f.startsWith('test/') || f.startsWith('build/'))).toBe(false);
      const app = join(dir, 'app');
      execFileSync('mkdir', ['-p', app]);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
      npm(['install', '--offline', '--no-audit', '--no-fund', join(dir, listing.filename)], app);
      expect(existsSync(join(app, 'node_modules/dmafence/dist/index.d.ts'))).toBe(true);
      writeFileSync(
        join(app, 'main.js'),
        `import { createRuntime } from 'dmafence';
const out = [];
for (const backend of ['wasm', 'ts']) {
  for (const clock of ['virtual', 'real']) {
    const rt = await createRuntime({ backend, clock });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 1000 } }), timeoutNs: 10e9 });
    const buf = rt.memory.alloc(256);
    const f = ring.submit({ dst: buf, pattern: 7 });
    const ok = await rt.sim.runUntilSettled(f.wait({ timeoutNs: 5e9 }));
    out.push([backend, clock, ok, f.status, buf.read()[255]].join(':'));
    await rt.dispose();
  }
}
console.log(out.join(' '));
`,
      );
      const printed = execFileSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8', timeout: 60_000 }).trim();
      expect(printed).toBe('wasm:virtual:true:1:7 wasm:real:true:1:7 ts:virtual:true:1:7 ts:real:true:1:7');
      // The pipeline example ships in the package and imports it by name.
      const example = execFileSync(process.execPath, ['node_modules/dmafence/examples/pipeline/pipeline.mjs', '--frames', '5', '--trace', join(dir, 'trace.json')], { cwd: app, encoding: 'utf8', timeout: 60_000 });
      expect(example).toContain('frames: 5 rendered, 5 without error');
      expect(files).toContain('examples/pipeline/pipeline.mjs');
      const cli = execFileSync(join(app, 'node_modules/.bin/dmafence'), ['teardown', '--jobs', '20', '--json'], { cwd: app, encoding: 'utf8' });
      // Every device kind × every drop policy × both guarantee levels (T7).
      expect(JSON.parse(cli).rows.length).toBe(DEVICE_KINDS.length * DROP_POLICIES.length * 2);
      // The shipped scenarios run from the installed package (npx dmafence run node_modules/dmafence/examples/...).
      expect(files).toEqual(expect.arrayContaining(['examples/scenarios/driver-unload-stoppable.json', 'examples/scenarios/driver-unload-non-stoppable.json']));
      const run = execFileSync(join(app, 'node_modules/.bin/dmafence'), ['run', 'node_modules/dmafence/examples/scenarios/driver-unload-non-stoppable.json', '--check', '--json'], { cwd: app, encoding: 'utf8' });
      expect(JSON.parse(run).verdict).toEqual({ rules: [], expected: [], pass: true });
      // The shipped source maps lead to the TypeScript sources (inlined: bindings/ is not shipped),
      // not to the intermediate build/ts/*.js.
      for (const f of files.filter((x: string) => x.endsWith('.js.map'))) {
        const map = JSON.parse(readFileSync(join(app, 'node_modules/dmafence', f), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
        expect(map.sources.length, f).toBeGreaterThan(0);
        expect(map.sources.filter((x) => !/^\.\.\/bindings\/.+\.ts$/.test(x)), f).toEqual([]);
        expect(map.sourcesContent?.every((c) => typeof c === 'string' && c.length > 0), f).toBe(true);
      }
      // What bundlers read (Vite, Rollup, webpack emit the files; esbuild users copy them): literal
      // URLs beside the bundle, and a browser bundle and device worker that import nothing.
      const shipped = (f: string) => readFileSync(join(app, 'node_modules/dmafence/dist', f), 'utf8');
      const browserJs = shipped('browser.js');
      expect(browserJs).toContain("new URL('./dmafence.wasm', import.meta.url)");
      expect(browserJs).toContain("new URL('./dmafence.unshared.wasm', import.meta.url)");
      expect(browserJs).toContain("new Worker(new URL('./device-worker.browser.js', import.meta.url), { type: 'module' })");
      const nodeJs = files.filter((f: string) => /^dist\/[^/]+\.js$/.test(f) && f !== 'dist/browser.js' && f !== 'dist/device-worker.browser.js');
      expect(nodeJs.some((f: string) => shipped(f.slice(5)).includes("new URL('./device-worker.js', import.meta.url)"))).toBe(true); // in a chunk beside index.js
      for (const f of ['browser.js', 'device-worker.browser.js']) {
        expect(shipped(f), f).not.toMatch(/^\s*(import|export)\b.*\bfrom\s*['"]/m);
        expect(shipped(f), f).not.toMatch(/\bimport\s*\(|node:/);
      }
      expect(shipped('device-worker.browser.js')).not.toMatch(/^[^\s/*][^\n]*\bawait\b/m); // no top-level await: emits as a classic worker too
      expect(shipped('device-worker.browser.js')).not.toContain('import.meta');
      const pkg = JSON.parse(readFileSync(join(app, 'node_modules/dmafence/package.json'), 'utf8'));
      expect(pkg.exports['.']).toMatchObject({ browser: './dist/browser.js', node: './dist/index.js', types: './dist/index.d.ts' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
