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

/** Expects fn to throw an error with this code, and returns it. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
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
