/**
 * In Chromium: the device in a module Web Worker on the shared arena (cross-origin isolated by the
 * test server's COOP/COEP headers), both backends, R4, the pipelined refill and T3 on the real clock.
 */
import { describe, expect, it } from 'vitest';
import { Errno, createRuntime } from '../../bindings/index.js';
import { BACKENDS, refillRing } from '../helpers.js';

describe.each(BACKENDS)('worker ring in the browser (%s backend)', (backend) => {
  it('the page is cross-origin isolated and the real clock runs the device in a Web Worker', async () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    const rt = await createRuntime({ backend, clock: 'real' });
    expect(rt.shared).toBe(true);
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 0 } }), capacity: 256, timeoutNs: 10e9 });
    const total = 20_000;
    let submitted = 0;
    while (submitted < total) {
      const n = Math.min(ring.space, total - submitted);
      if (n > 0) {
        ring.submitBatch(n, {});
        submitted += n;
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    const last = await ring.submitAsync({});
    expect(await last.wait({ timeoutNs: 30e9 })).toBe(true);
    expect(rt.stats.fencesSignaled).toBe(total + 1);
    expect(ring.context.pending).toBe(0);
    await rt.dispose();
  });

  it('R2/C3: a 4-slot ring refilled as space frees while the Web Worker runs (the handler yields a task when the device raised again): nothing lost, callbacks in seqno order', async () => {
    const rt = await createRuntime({ backend, clock: 'real', maxFences: 1024 });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 0 } }), capacity: 4, timeoutNs: 10e9 });
    const total = 5000;
    // A message to itself: the next task, as the handler's yield is (setTimeout(0) is clamped).
    const turn = () =>
      new Promise<void>((r) => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => r();
        ch.port2.postMessage(0);
      });
    const order = await refillRing(ring, total, turn);
    const last = await ring.submitAsync({});
    expect(await last.wait({ timeoutNs: 30e9 })).toBe(true);
    expect(rt.stats.fencesSignaled).toBe(total + 1);
    expect(ring.context.signaledSeqno).toBe(total + 1);
    expect(order.length).toBeGreaterThan(10);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
    expect(rt.violations).toEqual([]);
    last.release();
    await rt.dispose();
  });

  it('T3: stop in the browser: the worker ACKs and the rest signals -ECANCELED', async () => {
    const rt = await createRuntime({ backend, clock: 'real' });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 100e6 }, ackNs: 1e6 }), timeoutNs: Infinity });
    const fs = [ring.submit({}), ring.submit({})];
    await new Promise((r) => setTimeout(r, 5));
    await ring.stop();
    expect(fs.map((f) => f.status)).toEqual([-Errno.ECANCELED, -Errno.ECANCELED]);
    await rt.dispose();
  });
});
