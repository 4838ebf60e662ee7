/**
 * dmafence in apps built by bundlers, loaded for real in headless Chromium (Debian's, through
 * Playwright): examples/vite-app built by Vite, the same page bundled by esbuild, and the Vite dev
 * server over an installed copy of the package (node_modules/dmafence, pre-bundled by Vite's
 * dependency optimizer). Each page runs a ring on the virtual clock and one on the real clock
 * (the device worker); the test asserts both ran the wasm core and that the device wrote the
 * bytes. With esbuild, whose output keeps the package's URLs as they are, a page that is not
 * cross-origin isolated runs the unshared core, and a missing wasm core or device worker gives
 * ERR_WASM / ERR_DEVICE_WORKER messages saying where the file was expected. Last, custom hosting
 * of the device worker in Node (createRuntime({ workerUrl })).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { build as viteBuild, createServer } from 'vite';
import { createRuntime } from '../bindings/index.js';
// @ts-expect-error: a plain JS module
import { startServer } from '../scripts/serve.mjs';
// @ts-expect-error: a plain JS module
import { buildApp, DMAFENCE_FILES } from '../examples/esbuild-app/build.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VITE_APP = join(ROOT, 'examples/vite-app');
const JOBS = 48; // examples/vite-app/main.js

type Ran = { clock: string; backend?: string; signaled?: number; lastPattern?: number; violations?: number; error?: string };
type AppState = { isolated: boolean; results: Record<string, Ran> };

let browser: Browser;
let tmp: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'dmafence-bundlers-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
});
afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Opens the app, waits for it to finish both clocks, returns what it reported and the console errors. */
async function runApp(url: string): Promise<{ state: AppState; errors: string[]; text: string }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as { __dmafenceApp?: unknown }).__dmafenceApp, null, { timeout: 30_000 });
    const state = await page.evaluate(() => (globalThis as unknown as { __dmafenceApp: AppState }).__dmafenceApp);
    return { state, errors, text: (await page.locator('#out').textContent()) ?? '' };
  } finally {
    await page.close();
  }
}

/** Both clocks ran the wasm core; on the real clock that was the device worker writing the bytes. */
function expectBothClocks(state: AppState): void {
  expect(state.isolated).toBe(true);
  for (const clock of ['virtual', 'real']) {
    expect(state.results[clock]).toEqual({ clock, backend: 'wasm', signaled: JOBS, lastPattern: JOBS, violations: 0 });
  }
}

async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  return startServer({ port: 0, root: dir });
}

describe('bundlers', () => {
  it('Vite build: the app finds the wasm core and the device worker with no setting, on both clocks', async () => {
    const out = join(tmp, 'vite');
    await viteBuild({ root: VITE_APP, configFile: join(VITE_APP, 'vite.config.js'), logLevel: 'silent', cacheDir: join(tmp, 'vite-cache'), build: { outDir: out, emptyOutDir: true } });
    const assets = readdirSync(join(out, 'assets'));
    expect(assets.some((f) => /^dmafence-.*\.wasm$/.test(f))).toBe(true);
    expect(assets.some((f) => /^dmafence\.unshared-.*\.wasm$/.test(f))).toBe(true);
    expect(assets.some((f) => /^device-worker\.browser-.*\.js$/.test(f))).toBe(true);
    const server = await serve(out);
    try {
      const { state, errors } = await runApp(server.url);
      expectBothClocks(state);
      expect(errors).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('Vite dev server over an installed package (pre-bundled by the dependency optimizer): both clocks', async () => {
    // The layout npm install gives: node_modules/dmafence with package.json and dist/.
    const app = join(tmp, 'vite-dev');
    const pkg = join(app, 'node_modules/dmafence');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    for (const f of ['index.html', 'main.js', 'vite.config.js']) cpSync(join(VITE_APP, f), join(app, f));
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    for (const f of readdirSync(join(ROOT, 'dist'))) cpSync(join(ROOT, 'dist', f), join(pkg, 'dist', f));
    const server = await createServer({ root: app, configFile: join(app, 'vite.config.js'), logLevel: 'silent', server: { port: 0, host: '127.0.0.1' } });
    await server.listen();
    try {
      const { state, errors } = await runApp(server.resolvedUrls!.local[0]);
      expectBothClocks(state);
      expect(errors).toEqual([]);
      expect(readdirSync(join(app, 'node_modules/.vite/deps'))).toContain('dmafence.js'); // it went through the optimizer
    } finally {
      await server.close();
    }
  });

  it('esbuild: with the three files copied beside the bundle, both clocks (and the unshared core on a page that is not isolated); without them, ERR_WASM and ERR_DEVICE_WORKER say where', async () => {
    const out = await buildApp(join(tmp, 'esbuild'));
    const server = await serve(out);
    try {
      const ok = await runApp(server.url);
      expectBothClocks(ok.state);
      expect(ok.errors).toEqual([]);

      // Not cross-origin isolated: the virtual clock only, on the other core (dmafence.unshared.wasm).
      const plain = await startServer({ port: 0, root: out, isolate: false });
      try {
        const { state } = await runApp(plain.url);
        expect(state).toEqual({ isolated: false, results: { virtual: { clock: 'virtual', backend: 'wasm', signaled: JOBS, lastPattern: JOBS, violations: 0 } } });
      } finally {
        await plain.close();
      }

      rmSync(join(out, 'device-worker.browser.js'));
      const noWorker = await runApp(server.url);
      expect(noWorker.state.results.virtual.backend).toBe('wasm');
      const w = noWorker.state.results.real.error!;
      expect(w).toMatch(/^ERR_DEVICE_WORKER /);
      expect(w).toContain(`${server.url}device-worker.browser.js`);
      expect(w).toContain('404');
      expect(w).toContain('workerUrl');

      for (const f of DMAFENCE_FILES as string[]) rmSync(join(out, f), { force: true });
      const noWasm = await runApp(server.url);
      const e = noWasm.state.results.virtual.error!;
      expect(e).toMatch(/^ERR_WASM /);
      expect(e).toContain(`${server.url}dmafence.wasm`);
      expect(e).toContain('createRuntime({ wasm');
      expect(e).not.toContain('npm run build');
    } finally {
      await server.close();
    }
  });
});

describe('custom hosting in Node: createRuntime({ workerUrl })', () => {
  it('a device worker at another path runs the real clock; a missing one is ERR_DEVICE_WORKER naming the file; a wrong type ERR_INVALID_ARG', async () => {
    const copy = join(tmp, 'hosted');
    mkdirSync(copy, { recursive: true });
    for (const f of readdirSync(join(ROOT, 'dist')).filter((x) => x.endsWith('.js'))) cpSync(join(ROOT, 'dist', f), join(copy, f));
    const rt = await createRuntime({ clock: 'real', workerUrl: new URL(`file://${copy}/device-worker.js`) });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 1000 } }), timeoutNs: 10e9 });
    const buf = rt.memory.alloc(64);
    const f = ring.submit({ dst: buf, pattern: 5 });
    expect(await f.wait({ timeoutNs: 10e9 })).toBe(true);
    expect(buf.read()[63]).toBe(5);
    await rt.dispose();

    const missing = new URL(`file://${copy}/no-such-worker.js`);
    const e = (await createRuntime({ clock: 'real', workerUrl: missing }).catch((x: unknown) => x)) as { code?: string; message: string };
    expect(e.code).toBe('ERR_DEVICE_WORKER');
    expect(e.message).toContain(missing.href);
    expect(e.message).toContain('workerUrl');
    const http = (await createRuntime({ clock: 'real', workerUrl: 'http://127.0.0.1:9/device-worker.js' }).catch((x: unknown) => x)) as { code?: string; message: string };
    expect(http.code).toBe('ERR_DEVICE_WORKER'); // Node starts workers from files (and data: URLs) only
    expect(http.message).toContain('http://127.0.0.1:9/device-worker.js');
    for (const bad of [42, null, {}, 'http://[bad']) {
      const b = (await createRuntime({ clock: 'real', workerUrl: bad as never }).catch((x: unknown) => x)) as { code?: string };
      expect(b.code).toBe('ERR_INVALID_ARG');
    }
  });
});
