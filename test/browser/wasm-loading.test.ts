/**
 * In Chromium: the wasm core compiles by streaming when the server sends application/wasm, and
 * falls back to compiling the bytes when it sends another type; custom hosting (createRuntime's
 * `wasm` and `workerUrl`) runs both clocks from files at other URLs, and a device worker that is
 * not there is ERR_DEVICE_WORKER naming the URL.
 */
import { describe, expect, it } from 'vitest';
import { compileUrl } from '../../bindings/platform.js'; // the browser build, by the project's alias
import { createRuntime } from '../../bindings/index.js';

describe('wasm loading in the browser', () => {
  it('compiles with either MIME type, and reports a missing file as undefined', async () => {
    const bytes = await (await fetch('/build/dmafence.unshared.wasm')).arrayBuffer();
    for (const type of ['application/wasm', 'application/octet-stream']) {
      const url = URL.createObjectURL(new Blob([bytes], { type }));
      const module = await compileUrl(new URL(url));
      expect(module).toBeInstanceOf(WebAssembly.Module);
      expect(WebAssembly.Module.exports(module!).map((e) => e.name)).toContain('signalUpTo');
      URL.revokeObjectURL(url);
    }
    expect(await compileUrl(new URL('/build/no-such-core.wasm', location.href))).toBeUndefined();
  });

  it('custom hosting: createRuntime({ wasm, workerUrl }) runs the real clock from those URLs', async () => {
    const wasm = new URL('/build/dmafence.wasm', location.href);
    const rt = await createRuntime({ clock: 'real', wasm, workerUrl: new URL('/dist/device-worker.browser.js', location.href) });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 1000 } }), timeoutNs: 10e9 });
    const buf = rt.memory.alloc(64);
    const f = ring.submit({ dst: buf, pattern: 9 });
    expect(await f.wait({ timeoutNs: 10e9 })).toBe(true);
    expect(buf.read()[63]).toBe(9); // the device worker wrote it
    expect(rt.backend).toBe('wasm');
    await rt.dispose();
  });

  it('a workerUrl with no worker there: ERR_DEVICE_WORKER naming the URL and the option', async () => {
    const workerUrl = new URL('/dist/no-such-worker.js', location.href);
    const e = (await createRuntime({ clock: 'real', workerUrl }).catch((x: unknown) => x)) as { code?: string; message: string };
    expect(e.code).toBe('ERR_DEVICE_WORKER');
    expect(e.message).toContain(workerUrl.href);
    expect(e.message).toContain('workerUrl');
    // Another origin: the browser refuses the worker at once; the same code, with the reason.
    const other = 'http://127.0.0.2:9/device-worker.browser.js';
    const x = (await createRuntime({ clock: 'real', workerUrl: other }).catch((y: unknown) => y)) as { code?: string; message: string };
    expect(x.code).toBe('ERR_DEVICE_WORKER');
    expect(x.message).toContain(other);
  });
});
