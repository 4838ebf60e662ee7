/**
 * The real clock: the device in its own thread (worker_threads) on the shared arena, the driver
 * waiting on the IRQ word (R4), timeouts (R6) and STOP/ACK (T3) in real time. Both backends.
 * The worker runs built JS (dist/), which `npm test` builds first.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Errno, createRuntime, runTeardown } from '../bindings/index.js';
import { arenaMemory, BACKENDS, rejectionCode } from './helpers.js';

/**
 * A program on the built package: a real-clock runtime with a job in flight and a stop() pending
 * (the device never ACKs), then dispose. It reports how long the process lived after dispose, what
 * still held it, and how the pending stop ended.
 */
const EXIT_PROGRAM = `(async () => {
const { createRuntime } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
const rt = await createRuntime({ backend: process.argv[1], clock: 'real' });
const dev = rt.createDevice({ latency: { baseNs: 100000 }, faults: { ack: 'never' } });
const ring = rt.createRing({ device: dev, timeoutNs: 1e10, stopTimeoutNs: 1e10 });
await ring.submit({}).wait({ timeoutNs: 5e9 });
ring.submit({});
let stop = 'pending';
ring.stop().then(() => (stop = 'resolved'), (e) => (stop = e.code));
await rt.dispose();
const t = performance.now();
const holding = process.getActiveResourcesInfo();
process.on('exit', () => console.log(JSON.stringify({ lingerMs: performance.now() - t, holding, stop })));
})();`;

const activeWorkers = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker').length;

describe.each(BACKENDS)('real clock (%s backend)', (backend) => {
  it('R4: jobs complete in the device thread; the driver signals on the interrupt; dispose ends the thread', async () => {
    const before = activeWorkers();
    const rt = await createRuntime({ backend, clock: 'real' });
    const dev = rt.createDevice({ latency: { baseNs: 200_000 } }); // 0.2 ms a job
    const ring = rt.createRing({ device: dev, capacity: 8, timeoutNs: 10e9 });
    const t0 = rt.sim.now;
    const fs = [ring.submit({}), ring.submit({}), ring.submit({})];
    const order: number[] = [];
    for (const f of fs) f.addCallback((x) => order.push(x.seqno));
    expect(await fs[2].wait({ timeoutNs: 5e9 })).toBe(true);
    expect(order).toEqual([1, 2, 3]);
    expect(fs.map((f) => f.status)).toEqual([1, 1, 1]);
    expect(fs[2].timestamp - t0).toBeGreaterThanOrEqual(600_000);
    expect(ring.irqs).toBe(3);
    expect(await rejectionCode(Promise.resolve().then(() => rt.sim.advance(1)))).toBe('ERR_REAL_CLOCK');
    await rt.dispose();
    expect(activeWorkers()).toBe(before);
  });

  it('dispose: a real-clock program exits at once after await rt.dispose(); a pending stop() rejects ERR_DISPOSED', async () => {
    const started = performance.now();
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = execFile(process.execPath, ['-e', EXIT_PROGRAM, backend], { timeout: 5000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stdout + stderr }),
      );
      void child;
    });
    expect(code, out).toBe(0); // exited by itself, within the generous 5 s bound
    const r = JSON.parse(out.trim().split('\n').pop()!);
    // Nothing (no timer, no worker) holds the process after dispose; its stdio pipes do not count.
    expect(r.holding.filter((x: string) => x !== 'PipeWrap' && x !== 'TTYWrap')).toEqual([]);
    expect(r.lingerMs).toBeLessThan(900); // it used to stay 1 s for a timer of the driver's
    expect(r.stop).toBe('ERR_DISPOSED');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('T3/T4: real clock, non-stoppable device, hung job, no timeout handler: emitter-guarantee is bounded, resets, then drops', async () => {
    const rt = await createRuntime({ backend, clock: 'real' });
    const dev = rt.createDevice({ stoppable: false, latency: { baseNs: 0 }, resetNs: 1e6 });
    const ring = rt.createRing({ device: dev, capacity: 8, timeoutNs: Infinity, stopTimeoutNs: 20e6 });
    dev.inject('hang');
    const fs = [ring.submit({}), ring.submit({})];
    await new Promise((r) => setTimeout(r, 5));
    const report = await Promise.race([ring.drop(), new Promise<never>((_, no) => setTimeout(() => no(new Error('the drop never ended')), 5000))]);
    expect(report.fences).toMatchObject({ total: 2, timedOut: 1, canceled: 1, unsignaled: 0 });
    expect(fs.map((f) => f.status)).toEqual([-Errno.ETIME, -Errno.ECANCELED]);
    expect([ring.state, report.violations]).toEqual(['dropped', []]);
    expect(report.timeNs).toBeGreaterThanOrEqual(20e6);
    await rt.dispose();
  });

  it('F9: a wait times out in real time', async () => {
    const rt = await createRuntime({ backend, clock: 'real' });
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 1e9 } }), timeoutNs: Infinity });
    const f = ring.submit({});
    const t0 = performance.now();
    expect(await f.wait({ timeoutNs: 20e6 })).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
    await rt.dispose();
  });

  it('R6: a hung job is caught by the timeout watchdog and reset by the device thread', async () => {
    const rt = await createRuntime({ backend, clock: 'real' });
    const dev = rt.createDevice({ latency: { baseNs: 0 }, resetNs: 2e6 });
    const ring = rt.createRing({ device: dev, capacity: 8, timeoutNs: 20e6 });
    dev.inject('hang');
    const hung = ring.submit({});
    const next = ring.submit({});
    expect(await next.wait({ timeoutNs: 5e9 })).toBe(true);
    expect([hung.status, next.status, ring.state]).toEqual([-Errno.ETIME, -Errno.ECANCELED, 'stopped']);
    await rt.dispose();
  });

  it('T3: stop on the real clock: the device thread ACKs, then the rest signals -ECANCELED; emitter-guarantee drop is clean', async () => {
    const rt = await createRuntime({ backend, clock: 'real' });
    const dev = rt.createDevice({ latency: { baseNs: 50e6 }, ackNs: 1e6 });
    const ring = rt.createRing({ device: dev, capacity: 8, timeoutNs: Infinity });
    const fs = [ring.submit({}), ring.submit({})];
    await new Promise((r) => setTimeout(r, 5));
    const report = await ring.drop();
    expect(report.fences).toMatchObject({ total: 2, canceled: 2, unsignaled: 0 });
    expect(report.violations).toEqual([]);
    expect(fs.every((f) => f.signaled)).toBe(true);
    expect(rt.events.map((e) => e.name)).toContain('ack');
    await rt.dispose();
  });

  it('T8/T1/M2 real clock: a user policy (T3 with the steps) on a device that ACKs before its last burst: the device thread writes late, T1 and M2 catch it', async () => {
    const rt = await createRuntime({ backend, clock: 'real' });
    const dev = rt.createDevice({ latency: { baseNs: 200e6 }, ackNs: 1e6, writesAfterAckNs: 20e6 });
    const ring = rt.createRing({ device: dev, capacity: 8, timeoutNs: Infinity });
    const buf = rt.memory.alloc(4096);
    const f = ring.submit({ dst: buf });
    rt.memory.freeAfter(buf, f);
    f.addCallback(() => rt.memory.alloc(4096)); // the freed range changes hands at once
    // The device thread is running the job: its first chunk (of four, at 50 ms) has landed.
    for (let i = 0; i < 2000 && buf.read()[0] !== 0xab; i++) await new Promise((r) => setTimeout(r, 1));
    const report = await ring.drop({ policy: async function t3(s) { if ((await s.stop()) === 'timeout') await s.reset(); } });
    expect([report.policy, f.status]).toEqual(['t3', -Errno.ECANCELED]);
    await new Promise((r) => setTimeout(r, 100)); // the late burst lands (20 ms after the ACK)
    const kinds = rt.violations.map((v) => v.kind);
    expect(kinds[0]).toBe('premature-signal');
    expect(kinds.filter((k) => k === 'corruption').length).toBeGreaterThan(0);
    await rt.dispose();
  });

  it('stress: 1,000,000 jobs through 2 rings: none lost, each fence signaled once, in seqno order per context', async () => {
    const rt = await createRuntime({ backend, clock: 'real', maxFences: 1 << 14, maxRingCapacity: 1024 });
    const dev = rt.createDevice({ latency: { baseNs: 0 } });
    // Generous timeouts: on two busy cores the device thread may be descheduled for milliseconds.
    const rings = [rt.createRing({ device: dev, capacity: 1024, timeoutNs: 10e9 }), rt.createRing({ device: dev, capacity: 1024, timeoutNs: 10e9 })];
    const seen = [[], []] as number[][];
    const total = 1_000_000;
    let submitted = 0;
    const rounds = [0, 0]; // per ring, so both rings get observed fences whatever the timing
    while (submitted < total) {
      for (let r = 0; r < 2; r++) {
        const n = Math.min(rings[r].space, total - submitted);
        if (n <= 0) continue;
        if (rounds[r]++ % 16 === 0) {
          // A handle fence among the batches: observed by a callback on the driver's thread.
          const f = rings[r].submit({});
          f.addCallback((x) => seen[r].push(x.seqno));
          f.release();
          submitted++;
        } else {
          rings[r].submitBatch(n, {});
          submitted += n;
        }
      }
      await new Promise((res) => setImmediate(res));
    }
    const tails = await Promise.all(rings.map((r) => r.submitAsync({})));
    await Promise.all(tails.map((f) => f.wait({ timeoutNs: 60e9 })));
    expect(rt.stats.jobsCompleted).toBe(total + 2);
    expect(rt.stats.fencesSignaled).toBe(total + 2); // exactly once each: no double signal
    for (let r = 0; r < 2; r++) {
      const c = rings[r].context;
      expect([c.pending, c.signaledSeqno]).toEqual([0, c.lastSeqno]);
      expect(seen[r].length).toBeGreaterThan(10);
      expect(seen[r]).toEqual([...seen[r]].sort((a, b) => a - b));
      expect(new Set(seen[r]).size).toBe(seen[r].length);
    }
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });
});

describe('no SharedArrayBuffer (a page that is not cross-origin isolated)', () => {
  it("clock: 'real' fails at once with ERR_NOT_ISOLATED naming both headers; the virtual clock runs unshared with identical results", async () => {
    const g = globalThis as { crossOriginIsolated?: boolean };
    const shared = await runTeardown({ device: 'stoppable', policy: 'signal-on-drop', seed: 3 });
    g.crossOriginIsolated = false;
    try {
      const err = await createRuntime({ clock: 'real' }).catch((e) => e);
      expect(err.code).toBe('ERR_NOT_ISOLATED');
      expect(err.message).toContain('Cross-Origin-Opener-Policy: same-origin');
      expect(err.message).toContain('Cross-Origin-Embedder-Policy: require-corp');
      for (const backend of ['wasm', 'ts'] as const) {
        const rt = await createRuntime({ backend });
        expect(rt.shared).toBe(false);
        expect(arenaMemory(rt).buffer instanceof SharedArrayBuffer).toBe(false);
        const unshared = await runTeardown({ backend, device: 'stoppable', policy: 'signal-on-drop', seed: 3 });
        const strip = (r: typeof shared) => ({ ...r, backend: '', report: r.report?.fences });
        expect(strip(unshared)).toEqual(strip(shared));
      }
    } finally {
      delete g.crossOriginIsolated;
    }
  });
});
