/**
 * In Chromium: the wasm core compiles by streaming when the server sends application/wasm, and
 * falls back to compiling the bytes when it sends another type.
 */
import { describe, expect, it } from 'vitest';
import { compileUrl } from '../../bindings/platform.js'; // the browser build, by the project's alias

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
});
