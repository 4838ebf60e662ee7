/**
 * In Chromium: the virtual clock's runUntilSettled steps on a macrotask that is not setTimeout
 * (a browser holds a nested setTimeout(0) back 4 ms: a teardown run of a few hundred events took
 * over a second, the teardown matrix 27 s), and still lets other tasks run between its steps.
 */
import { describe, expect, it } from 'vitest';
import { createRuntime, runTeardown } from '../../bindings/index.js';

describe('virtual clock in the browser', () => {
  it('runUntilSettled drives a drop without setTimeout, and other tasks run between its steps', async () => {
    const rt = await createRuntime({ backend: 'ts' });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 1000 } }), capacity: 16 });
    for (let i = 0; i < 16; i++) ring.submit({}).release();
    const real = globalThis.setTimeout;
    let timeouts = 0;
    globalThis.setTimeout = ((...a: Parameters<typeof setTimeout>) => (timeouts++, real(...a))) as typeof setTimeout;
    let other = 0;
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      other++;
      if (other < 5) channel.port2.postMessage(0);
    };
    channel.port2.postMessage(0);
    try {
      const report = await rt.sim.runUntilSettled(ring.drop({ policy: 'emitter-guarantee' }));
      expect(report.fences.total).toBe(16);
    } finally {
      globalThis.setTimeout = real;
    }
    expect(timeouts).toBe(0);
    expect(other).toBeGreaterThan(0);
    await rt.dispose();
    // The library's own runs, on the same path: a teardown run completes.
    const r = await runTeardown({ backend: 'ts', jobs: 32 });
    expect(r.deadlock).toBe(false);
  });
});
