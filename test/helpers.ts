import { createRuntime } from '../bindings/index.js';
import type { Runtime, RuntimeOptions } from '../bindings/index.js';

/** Every suite runs on both backends. */
export const BACKENDS = ['wasm', 'ts'] as const;
export type Backend = (typeof BACKENDS)[number];

export function runtime(backend: Backend, opts: RuntimeOptions = {}): Promise<Runtime> {
  return createRuntime({ backend, maxFences: 256, maxContexts: 16, ...opts });
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
