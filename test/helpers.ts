import { expect } from 'vitest';
import { H_MODE } from '../bindings/core/layout.js';
import { createRuntime } from '../bindings/index.js';
import type { Runtime, RuntimeOptions } from '../bindings/index.js';

/** Every suite runs on both backends. */
export const BACKENDS = ['wasm', 'ts'] as const;
export type Backend = (typeof BACKENDS)[number];

export function runtime(backend: Backend, opts: RuntimeOptions = {}): Promise<Runtime> {
  return createRuntime({ backend, maxFences: 256, maxContexts: 16, ...opts });
}

/** The arena's bytes now: to check that a refused call changed nothing. */
export function arenaSnapshot(rt: Runtime): Buffer {
  const { base, size } = rt.arena.layout;
  return Buffer.from(rt.arena.u8.slice(base, base + size));
}

/** The WebAssembly.Memory that holds the arena: to check how it was made (shared or not). */
export function arenaMemory(rt: Runtime): WebAssembly.Memory {
  return rt.arena.memory;
}

/** The backend core's own F11 comparison (the one the signaling paths run), as a boolean: to check
 *  that each backend's core follows the 32-bit wrapping rule, not only the bindings' copy. */
export function coreIsLater(rt: Runtime, a: number, b: number, seqno64 = false): boolean {
  return rt.core.isLater(a, b, seqno64 ? 1 : 0) === 1;
}

/** Expects fn to throw an error with this code, and returns it. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

/** What fn throws (an ERR_CALLBACK carries the callbacks' errors), or undefined if it returns. */
export function thrownBy(fn: () => unknown): { code?: string; errors?: unknown[] } | undefined {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; errors?: unknown[] };
  }
  return undefined;
}

export async function rejectionCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DOMException) return e.name;
    return (e as { code?: string }).code ?? (e as Error).name;
  }
  return undefined;
}

import type { DeviceOptions, RingOptions } from '../bindings/index.js';

/** A runtime with one device and one ring on it. */
export async function rig(backend: Backend, dev: DeviceOptions = {}, ring: Partial<RingOptions> = {}, rt: RuntimeOptions = {}) {
  const r = await runtime(backend, { maxFences: 4096, maxRingCapacity: 64, dmaBytes: 1 << 16, ...rt });
  const d = r.createDevice({ latency: { baseNs: 1000 }, ...dev });
  const g = r.createRing({ device: d, capacity: 8, timeoutNs: 100_000, ...ring });
  return { rt: r, dev: d, ring: g, mem: r.memory };
}

/** A seeded PRNG (mulberry32): floats in [0, 1), the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The next message of a worker_threads worker that satisfies `pred`. Rejects at once if the worker
 * fails (its 'error': an uncaught exception or unhandled rejection in it) or exits before posting
 * it (an event loop that ran dry, process.exit): never a silent wait until the test's timeout.
 */
export function nextMessage<T>(w: import('node:worker_threads').Worker, pred: (m: Record<string, unknown>) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: Record<string, unknown>) => {
      if (!pred(m)) return;
      w.off('message', on);
      w.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number) => {
      w.off('message', on);
      reject(new Error(`the worker exited (code ${code}) before posting the message awaited (${pred})`));
    };
    w.on('message', on);
    w.once('error', reject);
    w.once('exit', onExit);
  });
}

/**
 * Keeps a ring fed as space frees until `total` jobs went in (R2/C3 refill tests): each round, a
 * handle fence whose callback records its seqno, then a batch of whatever space is left; `turn`
 * yields a task while the ring is full. Returns the recorded seqnos, in callback order.
 */
export async function refillRing(ring: ReturnType<Runtime['createRing']>, total: number, turn: () => Promise<void>): Promise<number[]> {
  const order: number[] = [];
  let submitted = 0;
  while (submitted < total) {
    if (ring.space > 0) {
      const f = ring.submit({});
      f.addCallback((x) => order.push(x.seqno));
      f.release();
      submitted++;
    }
    const k = Math.min(ring.space, total - submitted);
    if (k > 0) {
      ring.submitBatch(k, {});
      submitted += k;
    }
    if (ring.space === 0) await turn();
  }
  return order;
}

/** The arena without the mode word (the one word MODE_NO_FAST_PATH itself changes). */
export function arenaWithoutMode(rt: Runtime): Buffer {
  const b = arenaSnapshot(rt);
  b.fill(0, H_MODE, H_MODE + 4);
  return b;
}

/**
 * The fast paths' differential check (R4): one seeded scenario in four worlds (wasm and ts, the
 * fast paths off and on), `ops` random steps each, then runUntilIdle; the results, callback logs
 * and arenas must be identical after every step, and `final` at the end. Returns the worlds (the
 * caller checks the scenario did something, and disposes them).
 */
export async function expectSameWorlds<W extends { rt: Runtime; log: unknown[] }>(
  make: (backend: Backend, fast: boolean) => Promise<W>, seed: number, ops: number,
  step: (w: W, r: () => number) => unknown, final: (w: W) => unknown,
): Promise<W[]> {
  const worlds = [await make('wasm', false), await make('wasm', true), await make('ts', false), await make('ts', true)];
  const names = ['wasm general', 'wasm fast', 'ts general', 'ts fast'];
  const rs = worlds.map(() => prng(seed));
  for (let i = 0; i < ops; i++) {
    const results = worlds.map((w, k) => step(w, rs[k]));
    const ref = arenaWithoutMode(worlds[0].rt);
    for (let k = 1; k < 4; k++) {
      expect(results[k], `${names[k]} op ${i}`).toEqual(results[0]);
      expect(worlds[k].log, `${names[k]} op ${i}`).toEqual(worlds[0].log);
      expect(arenaWithoutMode(worlds[k].rt).equals(ref), `${names[k]} arena after op ${i}`).toBe(true);
    }
  }
  for (const w of worlds) w.rt.sim.runUntilIdle();
  for (let k = 1; k < 4; k++) {
    expect(worlds[k].log).toEqual(worlds[0].log);
    expect(final(worlds[k])).toEqual(final(worlds[0]));
    expect(arenaWithoutMode(worlds[k].rt).equals(arenaWithoutMode(worlds[0].rt)), `${names[k]} final arena`).toBe(true);
  }
  return worlds;
}

/** fn's value, or `throw <code>` if it threw: an operation's outcome, for a differential log. */
export function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    return `throw ${(e as { code?: string }).code ?? String(e)}`;
  }
}
