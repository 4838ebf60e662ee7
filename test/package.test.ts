/**
 * The published package: `npm pack` of this checkout, installed into a clean temporary project,
 * imported from Node by name, on both backends and both clocks. Needs `npm run build` first
 * (npm test does it).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEVICE_KINDS, DROP_POLICIES } from '../bindings/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A heading's anchor as the package page and GitHub make it: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

/** The anchors of a Markdown file: its headings' (a repeated one gets -1, -2...) and its explicit `<a id>`s. */
function anchorsOf(md: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of md.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of md.matchAll(/<a id="([^"]+)"><\/a>/g)) out.add(m[1]);
  return out;
}

/** Where the README links the package's own files (the package page resolves no relative link). */
const UNPKG = 'https://unpkg.com/dmafence/';

describe('package', () => {
  it('the package page: every relative link of the shipped Markdown resolves to a shipped file (and its anchor to a heading); license, changelog and metadata', () => {
    const listing = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root))[0] as { files: { path: string }[] };
    const files = new Set(listing.files.map((f) => f.path));
    expect([...files]).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json', 'docs/RULES.md', 'docs/DESIGN.md', 'examples/real-clock.mjs']));
    const markdown = [...files].filter((f) => f.endsWith('.md'));
    const broken: string[] = [];
    let checked = 0;
    for (const file of markdown) {
      const md = readFileSync(join(root, file), 'utf8');
      const dir = posix.dirname(file);
      for (const m of md.replace(/^```[\s\S]*?^```/gm, '').matchAll(/\]\(([^)\s]+)\)/g)) {
        let link = m[1];
        // The README is rendered on the package page, where a relative link has no repository to
        // resolve against: it links the package's files by their address on unpkg, one per file.
        if (link.startsWith(UNPKG)) link = posix.relative(dir, link.slice(UNPKG.length)) || posix.basename(file);
        else if (/^[a-z]+:/i.test(link)) continue; // https:, mailto: (absolute: not the package's files)
        else if (file === 'README.md' && !link.startsWith('#')) {
          broken.push(`${file}: ${link} (relative: broken on the package page; link https://unpkg.com/dmafence/...)`);
          continue;
        }
        checked++;
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? file : posix.normalize(posix.join(dir, path)).replace(/\/$/, '');
        const isFile = files.has(target);
        const isDir = [...files].some((f) => f.startsWith(`${target}/`));
        if (!isFile && !isDir) {
          broken.push(`${file}: ${link} (not in the package)`);
          continue;
        }
        if (anchor !== undefined && !(isFile && target.endsWith('.md') && anchorsOf(readFileSync(join(root, target), 'utf8')).has(anchor))) broken.push(`${file}: ${link} (no such anchor)`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(10);
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    const meta = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(meta.license).toBe('MIT');
    expect(readFileSync(join(root, 'CHANGELOG.md'), 'utf8')).toContain(`## ${meta.version} (`);
    expect(meta.homepage).toBe('https://www.npmjs.com/package/dmafence');
    expect(meta.keywords).toEqual(expect.arrayContaining(['dma-fence', 'webassembly', 'sharedarraybuffer', 'atomics', 'gpu', 'scheduler', 'simulation']));
  });

  it('the anchors of a link check follow the package page (the check can fail)', () => {
    expect([...anchorsOf('# dmafence\n## Scenario files: `dmafence run`\n### Lifecycle: what is guaranteed\n## Rules\n## Rules\n<a id="T1"></a>')]).toEqual([
      'dmafence', 'scenario-files-dmafence-run', 'lifecycle-what-is-guaranteed', 'rules', 'rules-1', 'T1',
    ]);
  });

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
      // So does the real-clock example (the README's Examples: they run from an installed package).
      const realClock = execFileSync(process.execPath, ['node_modules/dmafence/examples/real-clock.mjs', '--jobs', '5'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
      expect(realClock).toContain('5 jobs of 4 KiB on ring copy: last fence signaled, 5 fences seen signaled');
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
