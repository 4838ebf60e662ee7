/**
 * In Chromium: a module Web Worker is an emitter of the page's runtime (attachRuntime(h)
 * .createContext()), and the page waits on and adds callbacks to its fences while it signals
 * them (F18 across threads: "already signaled" or runs once, never lost, never twice). Both
 * backends: the worker instantiates the page's wasm module synchronously, or runs the ts core.
 */
import { describe, expect, it } from 'vitest';
import { Errno, attachRuntime, createRuntime } from '../../bindings/index.js';
import type { SharedFenceHandle } from '../../bindings/index.js';
import { BACKENDS } from '../helpers.js';

const N = 2000;

describe.each(BACKENDS)('a Web Worker as an emitter (%s backend)', (backend) => {
  it('F18: the worker signals while the page adds callbacks and waits; the page is an emitter too', async () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    const rt = await createRuntime({ backend });
    const w = new Worker(new URL('./emitter-web-worker.ts', import.meta.url), { type: 'module' });
    const messages: Record<string, unknown>[] = [];
    let wake: () => void = () => {};
    w.onmessage = (e) => {
      messages.push(e.data);
      wake();
    };
    const next = async (key: string) => {
      for (;;) {
        const m = messages.find((x) => key in x);
        if (m) return m;
        await new Promise<void>((r) => (wake = r));
      }
    };
    w.postMessage({ rt: rt.share(), n: N, backend });
    const ready = (await next('fences')) as { fences: SharedFenceHandle[]; backend: string; context: number };
    expect(ready.backend).toBe(backend);
    const view = attachRuntime(rt.share());
    // The page's own attached contexts: ids from the same counter (C1), distinct from the worker's.
    const pageCtx = view.createContext();
    expect(new Set([rt.createContext().id, ready.context, pageCtx.id]).size).toBe(3);
    const remotes = ready.fences.map((h) => view.fence(h));
    const results = remotes.map(() => ({ added: false, runs: 0 }));
    const lastWait = remotes[N - 1].wait({ timeoutNs: 60e9 });
    w.postMessage('go');
    while (!remotes[0].signaled) await new Promise((r) => setTimeout(r, 0));
    remotes.forEach((f, i) => (results[i].added = f.addCallback(() => results[i].runs++)));
    expect(await lastWait).toBe(true);
    const done = (await next('signaled')) as { pending: number; violations: number };
    expect([done.pending, done.violations]).toEqual([0, 0]);
    const deadline = Date.now() + 30_000;
    while (results.some((r) => r.added && r.runs === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(results.every((r) => (r.added ? r.runs === 1 : r.runs === 0))).toBe(true);
    expect(results.some((r) => r.added)).toBe(true);
    expect(remotes.every((f, i) => f.status === (i % 5 === 0 ? -Errno.EIO : 1))).toBe(true);
    w.terminate();
    view.dispose();
    await rt.dispose();
  });
});
