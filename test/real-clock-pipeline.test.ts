/**
 * The real clock's pipeline: the driver refills the ring while the device thread runs (the
 * device's run of clean jobs in the core, completions handed back every 256, the IRQ word raised
 * once per batch), and the device thread's bounded spin before it parks. Outcomes only, never a
 * duration: nothing lost, each fence signaled once and in order, bytes written, STOP honoured in
 * the middle of a run, and an idle device thread that parks instead of spinning. Both backends.
 * The worker runs built JS (dist/), which `npm test` builds first.
 */
import { describe, expect, it } from 'vitest';
import { Errno, createRuntime } from '../bindings/index.js';
import type { Runtime } from '../bindings/index.js';
import { BACKENDS, refillRing } from './helpers.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

type DeviceStats = { passes: number; irqs: number; spins: number; spinHits: number; parks: number };
const deviceStats = (rt: Runtime) => (rt as unknown as { _deviceStats(): DeviceStats | undefined })._deviceStats()!;

/** Polls (one task at a time, up to ~10 s of real time) until ok() holds; returns whether it did. */
async function until(ok: () => boolean): Promise<boolean> {
  for (let i = 0; i < 2000 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  return ok();
}

describe.each(BACKENDS)('real-clock pipeline (%s backend)', (backend) => {
  it('R2/R3/C3: refilled as space frees while the device runs, a 4-slot ring loses nothing: 20,000 jobs, each fence signaled once, in seqno order', async () => {
    const rt = await createRuntime({ backend, clock: 'real', maxFences: 1024 });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 0 } }), capacity: 4, timeoutNs: 10e9 });
    const total = 20_000;
    const order = await refillRing(ring, total, turn);
    const last = await ring.submitAsync({});
    expect(await last.wait({ timeoutNs: 30e9 })).toBe(true);
    expect(rt.stats.jobsCompleted).toBe(total + 1);
    expect(rt.stats.fencesSignaled).toBe(total + 1); // exactly once each
    expect(ring.context.pending).toBe(0);
    expect(ring.context.signaledSeqno).toBe(total + 1);
    expect(order.length).toBeGreaterThan(100);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
    expect(ring.irqs).toBe(total + 1); // R4: one interrupt per job, raised to the driver in batches
    expect(rt.violations).toEqual([]);
    last.release();
    await rt.dispose();
  });

  it('D1/M2: jobs with bytes in runs of the device thread land whole, in order, in buffers their jobs own: no corruption', async () => {
    const rt = await createRuntime({ backend, clock: 'real', maxFences: 4096 });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 0 } }), capacity: 8, timeoutNs: 10e9 });
    const bufs = [rt.memory.alloc(256), rt.memory.alloc(256), rt.memory.alloc(256)];
    const total = 3000;
    const fences = [];
    for (let i = 0; i < total; i++) {
      while (ring.space === 0) await turn();
      const f = ring.submit({ dst: bufs[i % 3], pattern: i & 255 });
      fences.push(f);
    }
    expect(await fences[total - 1].wait({ timeoutNs: 30e9 })).toBe(true);
    // The last job on each buffer wrote it last (in order): its pattern fills the buffer.
    for (let b = 0; b < 3; b++) {
      let lastJob = total - 1;
      while (lastJob % 3 !== b) lastJob--;
      expect(new Set(bufs[b].read())).toEqual(new Set([lastJob & 255]));
    }
    expect(rt.stats.dmaBytesWritten).toBe(total * 256);
    expect(fences.every((f) => f.status === 1)).toBe(true);
    expect(rt.violations).toEqual([]);
    for (const f of fences) f.release();
    await rt.dispose();
  });

  it('T3/T1: a stop while thousands of jobs are queued: the device thread stops fetching, ACKs; finished jobs signal 0, the rest -ECANCELED, in order, none early', async () => {
    const rt = await createRuntime({ backend, clock: 'real', maxFences: 1 << 14, maxRingCapacity: 8192 });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 0 }, ackNs: 1000 }), capacity: 8192, timeoutNs: 10e9 });
    const fences = [];
    for (let i = 0; i < 8000; i++) fences.push(ring.submit({}));
    await ring.stop();
    expect(ring.state).toBe('stopped');
    const status = fences.map((f) => f.status);
    expect(status.every((s) => s === 1 || s === -Errno.ECANCELED)).toBe(true);
    // In order: every completed job comes before every canceled one (the device takes them in order).
    const firstCanceled = status.indexOf(-Errno.ECANCELED);
    if (firstCanceled >= 0) expect(status.slice(firstCanceled).every((s) => s === -Errno.ECANCELED)).toBe(true);
    expect(rt.stats.jobsCompleted).toBe(firstCanceled < 0 ? 8000 : firstCanceled);
    expect(rt.violations).toEqual([]); // T1: nothing signaled while the device could still run it
    for (const f of fences) f.release();
    await rt.dispose();
  });

  it('the device thread spins only after work and for a bounded time: once the work stops it parks, and while idle it never spins', async () => {
    const rt = await createRuntime({ backend, clock: 'real', maxFences: 4096, maxRingCapacity: 1024 });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 0 } }), capacity: 1024, timeoutNs: 10e9 });
    for (let round = 0; round < 20; round++) {
      ring.submitBatch(ring.space, {});
      const f = await ring.submitAsync({});
      await f.wait({ timeoutNs: 10e9 });
      f.release();
    }
    const afterWork = deviceStats(rt);
    expect(afterWork.irqs).toBeGreaterThan(0);
    // Idle from here: the thread must park (its bounded spin ends), again and again (it wakes
    // every MAX_SLEEP_MS to look at its words), and never spin, since no pass completes a job.
    expect(await until(() => deviceStats(rt).parks >= afterWork.parks + 3)).toBe(true);
    const idle1 = deviceStats(rt);
    expect(await until(() => deviceStats(rt).parks >= idle1.parks + 2)).toBe(true);
    const idle2 = deviceStats(rt);
    expect(idle2.spins).toBe(idle1.spins);
    expect(idle2.irqs).toBe(idle1.irqs);
    // Each idle pass ends in a park: no pass without one (a thread spinning would pass many times).
    expect(idle2.passes - idle1.passes).toBeLessThanOrEqual(idle2.parks - idle1.parks + 1);
    await rt.dispose();
  });
});
