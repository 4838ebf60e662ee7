/** Rules D1-D4 (modeled DMA device) and M1-M3 (DMA memory) of SEMANTICS.md, on both backends. */
import { describe, expect, it } from 'vitest';
import { Errno, createRuntime } from '../bindings/index.js';
import { BACKENDS, codeOf, rig } from './helpers.js';

const count = (bytes: Uint8Array, v: number) => bytes.reduce((n, b) => n + (b === v ? 1 : 0), 0);

describe.each(BACKENDS)('device rules (%s backend)', (backend) => {
  it('D1: jobs run in order for base + per-byte time; bytes land in chunks over the duration, then writeback and IRQ', async () => {
    const { rt, ring, mem } = await rig(backend, { latency: { baseNs: 1000, perByteNs: 1 } });
    const buf = mem.alloc(4000);
    const f = ring.submit({ dst: buf, pattern: 0x11 }); // 1000 + 4000 = 5000 ns
    rt.sim.advance(1249);
    expect(count(buf.read(), 0x11)).toBe(0);
    rt.sim.advance(1); // 1250: first quarter
    expect(count(buf.read(), 0x11)).toBe(1000);
    expect(f.signaled).toBe(false);
    rt.sim.advance(2500); // 3750: three quarters
    expect(count(buf.read(), 0x11)).toBe(3000);
    expect(ring.completedSeqno).toBe(0);
    rt.sim.advance(1250);
    expect(count(buf.read(), 0x11)).toBe(4000);
    expect([ring.completedSeqno, ring.irqs, f.status, f.timestamp]).toEqual([1, 1, 1, 5000]);
    expect(rt.stats.dmaBytesWritten).toBe(4000);
  });

  it('D1: unaligned jobs write exactly their bytes, on both backends alike', async () => {
    for (const [offset, bytes] of [[3, 13], [1, 2], [5, 1029], [0, 7], [6, 64]]) {
      const { rt, ring, mem } = await rig(backend, { latency: { baseNs: 100 } });
      const buf = mem.alloc(2048);
      ring.submit({ dst: buf, offset, bytes, pattern: 0x5c });
      rt.sim.runUntilIdle();
      const b = buf.read();
      const expected = new Uint8Array(2048);
      expected.fill(0x5c, offset, offset + bytes);
      expect(Array.from(b), `offset ${offset} bytes ${bytes}`).toEqual(Array.from(expected));
    }
  });

  it('D1: seeded jitter stretches durations, the same for the same seed', async () => {
    const times = async (seed: number) => {
      const { rt, ring } = await rig(backend, { latency: { baseNs: 1000, jitter: 0.5 } }, {}, { seed });
      const fs = [0, 1, 2, 3].map(() => ring.submit({}));
      rt.sim.runUntilIdle();
      return fs.map((f) => f.timestamp);
    };
    const a = await times(7);
    expect(await times(7)).toEqual(a);
    expect(a.every((t, i) => i === 0 || t - a[i - 1] >= 1000)).toBe(true);
    expect(a.some((t, i) => t - (i ? a[i - 1] : 0) > 1000)).toBe(true);
    expect(await times(8)).not.toEqual(a);
  });

  it('D2: a stoppable device honours STOP (ACK, then nothing); a non-stoppable one finishes its jobs', async () => {
    const s = await rig(backend, { stoppable: true, ackNs: 500 });
    const sf = [0, 1, 2].map(() => s.ring.submit({}));
    s.rt.sim.advance(1500); // job 1 done, job 2 running
    await s.rt.sim.runUntilSettled(s.ring.stop());
    expect(s.rt.sim.now).toBe(2000); // ACK 500 ns after STOP
    expect(sf.map((f) => f.status)).toEqual([1, -Errno.ECANCELED, -Errno.ECANCELED]);
    expect(s.rt.stats.jobsCompleted).toBe(1);
    const n = await rig(backend, { stoppable: false });
    const nf = [0, 1, 2].map(() => n.ring.submit({}));
    n.rt.sim.advance(1500);
    await n.rt.sim.runUntilSettled(n.ring.stop());
    expect(n.rt.sim.now).toBe(3000);
    expect(nf.map((f) => f.status)).toEqual([1, 1, 1]);
  });

  it('D3: faults by probability are seeded and identical across backends; slow is 10x', async () => {
    const run = async (b: 'wasm' | 'ts') => {
      const { rt, ring } = await rig(b, { faults: { slow: 0.3, lostIrq: 0.2 } }, { timeoutNs: 50_000 }, { seed: 42 });
      const fs = Array.from({ length: 8 }, () => ring.submit({}));
      rt.sim.runUntilIdle();
      return { t: fs.map((f) => f.timestamp), irqs: ring.irqs, now: rt.sim.now };
    };
    const a = await run(backend);
    expect(await run(backend === 'wasm' ? 'ts' : 'wasm')).toEqual(a);
    expect(a.irqs).toBeLessThan(8); // some interrupts were lost, and recovered by polling
    const gaps = a.t.map((t, i) => t - (i ? a.t[i - 1] : 0));
    expect(gaps.some((g) => g >= 10_000)).toBe(true);
  });

  it('D3: faults on demand: hang never completes, ack never comes (the stop then resets)', async () => {
    const { rt, dev, ring } = await rig(backend, { resetNs: 2000, ackNs: 100 }, { timeoutNs: Infinity, stopTimeoutNs: 10_000 });
    dev.inject('hang');
    const f = ring.submit({});
    rt.sim.runUntil(1_000_000);
    expect(f.signaled).toBe(false);
    dev.inject('noAck');
    const t0 = rt.sim.now;
    await rt.sim.runUntilSettled(ring.stop());
    expect(rt.sim.now - t0).toBe(12_000); // stop bound, then the reset
    expect(f.status).toBe(-Errno.ETIME);
    expect(rt.events.map((e) => e.name)).toEqual(expect.arrayContaining(['stop', 'ack-timeout', 'reset-request', 'reset-effective']));
  });

  it('D3: a delayed ACK comes after 20 x ackNs', async () => {
    const { rt, ring } = await rig(backend, { ackNs: 100, faults: { ack: 'delayed' } });
    ring.submit({});
    await rt.sim.runUntilSettled(ring.stop());
    expect(rt.sim.now).toBe(2000);
  });

  it('D4: until a reset is effective the device may still write; after it, nothing', async () => {
    const { rt, ring, mem } = await rig(backend, { latency: { baseNs: 0, perByteNs: 10 }, resetNs: 25_000 });
    const buf = mem.alloc(4000); // 40000 ns, a quarter every 10000
    ring.submit({ dst: buf, pattern: 0x22 });
    rt.sim.advance(5000);
    const reset = ring.reset();
    rt.sim.advance(20_000); // 25000: the device went on writing during the reset
    expect(count(buf.read(), 0x22)).toBe(2000);
    await rt.sim.runUntilSettled(reset);
    rt.sim.runUntil(100_000);
    expect(count(buf.read(), 0x22)).toBe(2000);
    expect(ring.state).toBe('stopped');
  });

  it('D1-D4 options are validated with coded errors', async () => {
    const rt = await createRuntime({ backend });
    expect(codeOf(() => rt.createDevice({ latency: { baseNs: -1 } }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.createDevice({ latency: { jitter: 2 } }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.createDevice({ faults: { hang: NaN } }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.createDevice({ faults: { ack: 'maybe' as 'ok' } }))).toBe('ERR_INVALID_ARG');
    const dev = rt.createDevice();
    expect(codeOf(() => dev.inject('melt' as 'hang'))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.createRing({ device: {} as never }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.createRing({ device: dev, timeoutNs: -5 }))).toBe('ERR_INVALID_TIMEOUT');
  });
});

describe.each(BACKENDS)('memory rules (%s backend)', (backend) => {
  it('M1: first fit at the lowest address; a freed range goes to the next allocation that fits; ids are fresh', async () => {
    const { mem } = await rig(backend);
    const a = mem.alloc(100);
    const b = mem.alloc(64);
    const c = mem.alloc(64);
    expect([a.offset, b.offset, c.offset]).toEqual([0, 128, 192]);
    mem.free(b);
    const d = mem.alloc(10);
    expect(d.offset).toBe(128);
    expect(d.id).not.toBe(b.id);
    mem.free(a);
    expect(mem.alloc(200).offset).toBe(256); // 0..127 is too small
    expect(mem.alloc(128).offset).toBe(0);
    expect(codeOf(() => mem.free(b))).toBe('ERR_STALE_HANDLE');
    expect(codeOf(() => mem.alloc(0))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => mem.alloc(1 << 20))).toBe('ERR_INVALID_ARG');
  });

  it('M1: exhausted DMA memory is ERR_CAPACITY and changes nothing', async () => {
    const { mem } = await rig(backend, {}, {}, { dmaBytes: 1024 });
    mem.alloc(1000);
    expect(codeOf(() => mem.alloc(64))).toBe('ERR_CAPACITY');
    expect(mem.available).toBe(0);
  });

  it('M2: a write into a range freed since submit is a corruption naming the job, the buffer and the new owner', async () => {
    const { rt, ring, mem } = await rig(backend, { latency: { baseNs: 0, perByteNs: 1 } });
    const buf = mem.alloc(4096);
    const f = ring.submit({ dst: buf, pattern: 0x33 });
    rt.sim.advance(1500); // first quarter written
    mem.free(buf); // the user frees too early
    const thief = mem.alloc(4096);
    rt.sim.runUntilIdle();
    expect(mem.corruptions.length).toBe(3);
    expect(mem.corruptions[0]).toMatchObject({ ring: ring.name, seqno: f.seqno, bufferId: buf.id, offset: 1024, newOwner: { id: thief.id } });
    expect(count(thief.read().subarray(1024), 0x33)).toBe(3072); // landed in the new owner's memory
    expect(rt.violations.filter((v) => v.kind === 'corruption').length).toBe(3);
    expect(rt.stats.corruptions).toBe(3);
  });

  it('M2: writing into freed memory with no new owner is a corruption too', async () => {
    const { rt, ring, mem } = await rig(backend, { latency: { baseNs: 0, perByteNs: 1 } });
    const buf = mem.alloc(256);
    ring.submit({ dst: buf });
    mem.free(buf);
    rt.sim.runUntilIdle();
    expect(mem.corruptions.map((c) => c.newOwner)).toEqual([null, null, null, null]);
  });

  it('M3: freeAfter frees the buffer when the fence signals, whatever its error', async () => {
    const { rt, dev, ring, mem } = await rig(backend, { resetNs: 100 }, { timeoutNs: 2000 });
    const a = mem.alloc(64);
    const b = mem.alloc(64);
    const fa = ring.submit({ dst: a });
    rt.sim.advance(1);
    dev.inject('hang');
    const fb = ring.submit({ dst: b });
    mem.freeAfter(a, fa);
    mem.freeAfter(b, fb);
    fa.release();
    expect([a.freed, b.freed]).toEqual([false, false]);
    rt.sim.runUntilIdle();
    expect([a.freed, b.freed, fb.status]).toEqual([true, true, -Errno.ETIME]);
    const c = mem.alloc(64);
    mem.freeAfter(c, fb); // already signaled: at once
    expect(c.freed).toBe(true);
    expect(mem.corruptions).toEqual([]);
  });
});
