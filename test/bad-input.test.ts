/** Bad input: coded errors, and nothing changes. */
import { describe, expect, it } from 'vitest';
import { attachRuntime, createRuntime, DmaFence, runTeardownMatrix } from '../bindings/index.js';
import type { VirtualClock } from '../bindings/index.js';
import { arenaSnapshot, BACKENDS, codeOf, rejectionCode, runtime } from './helpers.js';

describe('createRuntime options', () => {
  it('rejects wrong types and ranges with coded errors', async () => {
    expect(await rejectionCode(createRuntime({ backend: 'gpu' as 'ts' }))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime({ maxFences: 0 }))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime({ maxFences: 1.5 }))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime({ maxFences: NaN }))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime({ maxContexts: 70000 }))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime({ seed: -1 }))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime({ strict: 1 as unknown as boolean }))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime(5 as never))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime({ wasm: 5 as never }))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime({ wasm: {} as never }))).toBe('ERR_INVALID_ARG');
  });

  it('the real clock checks schedule and runUntilSettled like the virtual one', async () => {
    const rt = await createRuntime({ clock: 'real' });
    try {
      expect(codeOf(() => rt.sim.schedule(NaN, () => 0))).toBe('ERR_INVALID_TIMEOUT');
      expect(codeOf(() => rt.sim.schedule(1, 'x' as never))).toBe('ERR_INVALID_ARG');
      expect(await rejectionCode(rt.sim.runUntilSettled(5 as never))).toBe('ERR_INVALID_ARG');
    } finally {
      await rt.dispose();
    }
  });

  it('a forged or foreign fence handle is refused by an attached view; the matrix checks onRow first', async () => {
    const rt = await createRuntime({ maxFences: 8 });
    const view = attachRuntime(rt.share());
    const h = { kind: 'dmafence/fence' as const, slot: 0, gen: 0, context: 1, seqno: 1 };
    for (const bad of [{ slot: -1 }, { slot: 9 }, { slot: 1e9 }, { slot: 0.5 }, { gen: -1 }, { seqno: NaN }, { context: '1' }]) {
      expect(codeOf(() => view.fence({ ...h, ...bad } as never))).toBe('ERR_INVALID_ARG');
    }
    await expect(runTeardownMatrix({ jobs: 2 }, 'x' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });
});

describe.each(BACKENDS)('bad input (%s backend)', (backend) => {
  it('context options and counts are checked before anything changes', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const before = arenaSnapshot(rt);
    expect(codeOf(() => rt.createContext({ driverName: 5 as unknown as string }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.createContext({ startSeqno: -1 }))).toBe('ERR_INVALID_SEQNO');
    expect(codeOf(() => rt.createContext({ startSeqno: 2 ** 53 }))).toBe('ERR_INVALID_SEQNO');
    expect(codeOf(() => rt.createContext({ enableSignaling: 'yes' as never }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.createContext({ seqno64: 'no' as never }))).toBe('ERR_INVALID_ARG');
    for (const n of [0, -1, 1.5, NaN, Infinity, '3']) expect(codeOf(() => ctx.createFences(n as number))).toBe('ERR_INVALID_ARG');
    for (const s of [-1, 0.5, NaN, 2 ** 53, '1', undefined]) expect(codeOf(() => ctx.signalUpTo(s as number))).toBe('ERR_INVALID_SEQNO');
    expect(codeOf(() => DmaFence.isLaterSeqno(-1, 0))).toBe('ERR_INVALID_SEQNO');
    expect(arenaSnapshot(rt).equals(before)).toBe(true);
  });

  it('exhausted capacity is ERR_CAPACITY and changes nothing', async () => {
    const rt = await runtime(backend, { maxFences: 8, maxContexts: 2 });
    const ctx = rt.createContext();
    rt.createContext();
    expect(codeOf(() => rt.createContext())).toBe('ERR_CAPACITY');
    ctx.createFences(5);
    const before = arenaSnapshot(rt);
    expect(codeOf(() => ctx.createFences(4))).toBe('ERR_CAPACITY');
    expect(arenaSnapshot(rt).equals(before)).toBe(true);
    const dfs = [ctx.createFence(), ctx.createFence(), ctx.createFence()];
    expect(codeOf(() => ctx.createFence())).toBe('ERR_CAPACITY');
    expect(ctx.lastSeqno).toBe(8);
    ctx.signalUpTo(8);
    for (const d of dfs) d.release();
    expect(ctx.createFences(8)).toBe(9);
  });

  it('stale and foreign handles are detected, never served another fence', async () => {
    const rt = await runtime(backend, { maxFences: 4 });
    const other = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const f = df.fence;
    df.signal();
    df.release();
    f.release();
    ctx.createFences(4); // reuses the slot
    for (const read of [() => f.seqno, () => f.status, () => f.addCallback(() => 0), () => df.signal(), () => df.setError(-5)]) {
      expect(codeOf(read)).toBe('ERR_STALE_HANDLE');
    }
    expect(f.release()).toBe(false);
    expect(await rejectionCode(f.wait())).toBe('ERR_STALE_HANDLE');
    const mine = rt.stubFence();
    const theirs = other.stubFence();
    expect(codeOf(() => DmaFence.isLater(mine, theirs))).toBe('ERR_FOREIGN_HANDLE');
    expect(await rejectionCode(rt.waitAny([theirs]))).toBe('ERR_FOREIGN_HANDLE');
    expect(await rejectionCode(rt.waitAny([{} as DmaFence]))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => mine.addCallback('x' as never))).toBe('ERR_INVALID_ARG');
  });

  it('durations are checked: negative, NaN and non-numbers', async () => {
    const rt = await runtime(backend);
    expect(codeOf(() => rt.sim.advance(-1))).toBe('ERR_INVALID_TIMEOUT');
    expect(codeOf(() => rt.sim.advance(NaN))).toBe('ERR_INVALID_TIMEOUT');
    expect(codeOf(() => rt.sim.runUntil('5' as never))).toBe('ERR_INVALID_TIMEOUT');
    const f = rt.createContext().createFence().fence;
    expect(codeOf(() => f.setDeadline(-5))).toBe('ERR_INVALID_TIMEOUT');
    expect(rt.sim.now).toBe(0);
  });

  it('the clock and DMA memory check their arguments', async () => {
    const rt = await runtime(backend);
    const other = await runtime(backend);
    expect(codeOf(() => rt.sim.schedule(NaN, () => 0))).toBe('ERR_INVALID_TIMEOUT');
    expect(codeOf(() => rt.sim.schedule(10, 'x' as never))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(rt.sim.runUntilSettled(5 as never))).toBe('ERR_INVALID_ARG');
    const ring = other.createRing({ device: other.createDevice() });
    const buf = rt.memory.alloc(64);
    expect(codeOf(() => rt.memory.freeAfter(buf, {} as never))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.memory.freeAfter(buf, ring.submit({})))).toBe('ERR_FOREIGN_HANDLE');
    expect(codeOf(() => other.memory.free(buf))).toBe('ERR_FOREIGN_HANDLE');
    expect(codeOf(() => ring.submit({ dst: buf }))).toBe('ERR_FOREIGN_HANDLE');
    expect(buf.freed).toBe(false);
    expect((rt.sim as VirtualClock).pendingTimers).toBe(0);
  });

  it("R2: a job's own enumerable keys are checked by name (an unknown one after valid ones is refused, nothing changes); an inherited one is not checked, a field is read wherever it is", async () => {
    const rt = await runtime(backend);
    const ring = rt.createRing({ device: rt.createDevice(), capacity: 8 });
    const before = arenaSnapshot(rt);
    for (const submit of [(j: object) => ring.submit(j), (j: object) => ring.submitBatch(2, j)]) {
      expect(() => submit({ pattern: 1, bytes: 0, patern: 2 })).toThrow(/job has no option "patern" \(did you mean "pattern"\?\)/);
      expect(codeOf(() => submit({ pattern: 1, bytes: 0, patern: 2 }))).toBe('ERR_INVALID_ARG');
      expect(codeOf(() => submit(Object.assign(Object.create({ pattern: 3 }), { sizes: 1 })))).toBe('ERR_INVALID_ARG');
    }
    expect(arenaSnapshot(rt).equals(before)).toBe(true);
    // Inherited keys are not checked by name (bogus is no error); pattern is read from the prototype.
    const buf = rt.memory.alloc(64);
    const inherited = Object.assign(Object.create({ pattern: 7, bogus: 1 }), { dst: buf, bytes: 4 }) as object;
    const first = ring.submitBatch(2, inherited);
    expect(ring.submit(inherited).seqno).toBe(first + 2);
    rt.sim.runUntilIdle();
    expect([...buf.read()].slice(0, 5)).toEqual([7, 7, 7, 7, 0]);
  });

  it('R2: a Proxy job is checked as a plain one: a trap that throws while its keys are walked, or keys that change between two asks, still get ERR_INVALID_ARG for an unknown key and change nothing', async () => {
    const rt = await runtime(backend);
    const ring = rt.createRing({ device: rt.createDevice(), capacity: 8 });
    const before = arenaSnapshot(rt);
    for (const submit of [(j: object) => ring.submit(j), (j: object) => ring.submitBatch(2, j)]) {
      // for…in asks for the prototype, Object.keys does not: the throwing trap is not the answer.
      expect(codeOf(() => submit(new Proxy({ bogus: 1 }, { getPrototypeOf: () => { throw new Error('trap'); } })))).toBe('ERR_INVALID_ARG');
      // An unknown key seen once is refused: the job is not asked again (it would now say none).
      let asks = 0;
      const shifty = new Proxy({ bogus: 1 }, { ownKeys: (t) => (asks++ === 0 ? Reflect.ownKeys(t) : []) });
      expect(codeOf(() => submit(shifty))).toBe('ERR_INVALID_ARG');
    }
    expect(arenaSnapshot(rt).equals(before)).toBe(true);
    // A Proxy of a valid job whose prototype trap throws is accepted, as a plain job is.
    expect(ring.submit(new Proxy({}, { getPrototypeOf: () => { throw new Error('trap'); } })).seqno).toBeGreaterThan(0);
  });

  it('a disposed runtime refuses work with ERR_DISPOSED', async () => {
    const rt = await runtime(backend);
    await rt.dispose();
    expect(codeOf(() => rt.createContext())).toBe('ERR_DISPOSED');
  });
});
