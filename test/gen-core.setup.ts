/**
 * Setup file of test/gen-core.vitest.config.ts: every runtime with backend 'ts' gets the
 * generated core (bindings/core/ts-core.gen.ts) instead of the hand-written one. Only the
 * driver thread's core is swapped: the real clock's device thread runs dist/device-worker.js.
 */
import { vi } from 'vitest';

vi.mock('../bindings/core/ts-ring.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../bindings/core/ts-ring.js')>();
  const gen = await import('../bindings/core/ts-core.gen.js');
  return { ...orig, TsCore: gen.TsCore };
});
