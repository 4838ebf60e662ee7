/**
 * F10 across threads: rt.waitAny takes the runtime's own fences and RemoteFences (views of the
 * fences a worker emits) in one list, as the main thread of a worker pool waits on its workers.
 * The first to signal wins, the lowest index when several are signaled; every wait timed out is
 * -1; an abort rejects; an object shaped like a fence is refused and changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { attachRuntime, createRuntime } from '../bindings/index.js';
import type { RemoteFence, Runtime, SharedFenceHandle } from '../bindings/index.js';
import { BACKENDS, nextMessage } from './helpers.js';

const workerUrl = new URL('./workers/signal-on-command.mjs', import.meta.url);

const next = <T>(w: Worker, key: string) => nextMessage<T>(w, (m) => key in m);

interface Pool {
  rt: Runtime;
  w: Worker;
  remotes: RemoteFence[];
  signal(i: number, error?: number): Promise<unknown>;
}

const open: Pool[] = [];
afterEach(async () => {
  for (const p of open.splice(0)) {
    p.w.postMessage({ end: true });
    await next(p.w, 'ended');
    await p.w.terminate();
    await p.rt.dispose();
  }
});

async function pool(backend: 'wasm' | 'ts', n: number): Promise<Pool> {
  const rt = await createRuntime({ backend });
  const w = new Worker(workerUrl);
  w.postMessage({ runtime: rt.share(), n, backend });
  const { fences } = await next<{ fences: SharedFenceHandle[] }>(w, 'fences');
  const view = attachRuntime(rt.share());
  const p: Pool = {
    rt,
    w,
    remotes: fences.map((h) => view.fence(h)),
    signal: (i, error) => {
      w.postMessage({ signal: i, error });
      return next(w, 'signaled');
    },
  };
  open.push(p);
  return p;
}

describe.each(BACKENDS)('%s backend', (backend) => {
  it('F10: a worker emitter\'s fence ends rt.waitAny over a mixed list (own fences and RemoteFences): its index', async () => {
    const p = await pool(backend, 3);
    const own = p.rt.createContext().createFence();
    const waiting = p.rt.waitAny([own.fence, p.remotes[0], p.remotes[2]], { timeoutNs: 30e9 });
    await p.signal(2, -5);
    expect(await waiting).toBe(2);
    expect(p.remotes[2].error).toBe(-5);
    expect(p.remotes[0].signaled).toBe(false);
    own.signal();
    own.release();
  });

  it('F10: the runtime\'s own fence can win the same race; an already-signaled remote wins at once, lowest index first', async () => {
    const p = await pool(backend, 2);
    const own = p.rt.createContext().createFence();
    const waiting = p.rt.waitAny([p.remotes[0], own.fence], { timeoutNs: 30e9 });
    own.signal();
    expect(await waiting).toBe(1);
    await p.signal(1);
    await p.signal(0);
    expect(await p.rt.waitAny([p.remotes[1], p.remotes[0]])).toBe(0);
    own.release();
  });

  it('F10: -1 once every wait timed out; an abort rejects with its reason', async () => {
    const p = await pool(backend, 2);
    expect(await p.rt.waitAny(p.remotes, { timeoutNs: 30e6 })).toBe(-1);
    const ac = new AbortController();
    const waiting = p.rt.waitAny(p.remotes, { timeoutNs: 30e9, signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    // Still waitable afterwards: the aborted race left nothing behind.
    const again = p.rt.waitAny(p.remotes, { timeoutNs: 30e9 });
    await p.signal(1);
    expect(await again).toBe(1);
  });

  it('bad input: an object shaped like a fence is refused with ERR_INVALID_ARG', async () => {
    const p = await pool(backend, 1);
    const forged = { signaled: false, wait: () => Promise.resolve(true) };
    await expect(p.rt.waitAny([p.remotes[0], forged as unknown as RemoteFence])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect(p.remotes[0].signaled).toBe(false);
  });
});
