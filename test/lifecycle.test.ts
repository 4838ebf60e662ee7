/**
 * The runtime's lifecycle: dispose ends every object (ERR_DISPOSED, nothing changes, pending waits
 * reject), callback errors go to one documented place, strict throws are not also recorded, and
 * every options object refuses misspelled keys.
 */
import { describe, expect, it } from 'vitest';
import { createRuntime, DmaFence } from '../bindings/index.js';
import type { DmaFenceError } from '../bindings/index.js';
import { BACKENDS, codeOf, rejectionCode, runtime } from './helpers.js';

describe.each(BACKENDS)('dispose (%s)', (backend) => {
  it('after dispose every member of the runtime, its contexts, fences and clock throws ERR_DISPOSED and nothing changes', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const f = df.fence;
    const batch = ctx.createFences(2);
    const signaled = ctx.createFence();
    signaled.signal();
    const sim = rt.sim;
    await rt.dispose();
    expect(rt.disposed).toBe(true);
    const calls: [string, () => unknown][] = [
      ['rt.createContext', () => rt.createContext()],
      ['rt.createDevice', () => rt.createDevice()],
      ['rt.allocContextIds', () => rt.allocContextIds(1)],
      ['rt.stubFence', () => rt.stubFence()],
      ['rt.memory', () => rt.memory],
      ['rt.sim', () => rt.sim],
      ['rt.backend', () => rt.backend],
      ['rt.stats', () => rt.stats],
      ['rt.violations', () => rt.violations],
      ['rt.events', () => rt.events],
      ['rt.exportTrace', () => rt.exportTrace()],
      ['rt.rings', () => rt.rings],
      ['rt.share', () => rt.share()],
      ['rt.on', () => rt.on('callbackError', () => {})],
      ['ctx.createFence', () => ctx.createFence()],
      ['ctx.createFences', () => ctx.createFences(1)],
      ['ctx.signalUpTo', () => ctx.signalUpTo(batch + 1)],
      ['ctx.findFence', () => ctx.findFence(batch)],
      ['ctx.pending', () => ctx.pending],
      ['ctx.lastSeqno', () => ctx.lastSeqno],
      ['ctx.id', () => ctx.id],
      ['df.signal', () => df.signal()],
      ['df.setError', () => df.setError(-5)],
      ['df.fence', () => df.fence],
      ['df.release', () => df.release()],
      ['f.signaled', () => f.signaled],
      ['f.status', () => f.status],
      ['f.seqno', () => f.seqno],
      ['f.addCallback', () => f.addCallback(() => {})],
      ['f.removeCallback', () => f.removeCallback(() => {})],
      ['f.enableSignaling', () => f.enableSignaling()],
      ['f.setDeadline', () => f.setDeadline(1)],
      ['f.share', () => f.share()],
      ['f.release', () => f.release()],
      ['DmaFence.isLater', () => DmaFence.isLater(f, f)],
      ['sim.advance', () => sim.advance(1)],
      ['sim.runUntil', () => sim.runUntil(10)],
      ['sim.runUntilIdle', () => sim.runUntilIdle()],
      ['sim.schedule', () => sim.schedule(1, () => {})],
    ];
    for (const [name, fn] of calls) expect(codeOf(fn), name).toBe('ERR_DISPOSED');
    for (const [name, p] of [
      ['f.wait', () => f.wait()],
      ['rt.waitAny', () => rt.waitAny([f])],
      ['rt.unloadDriver', () => rt.unloadDriver('dmafence')],
      ['sim.runUntilSettled', () => sim.runUntilSettled(Promise.resolve())],
    ] as const) {
      expect(await rejectionCode(p()), name).toBe('ERR_DISPOSED');
    }
    await rt.dispose(); // idempotent
  });

  it('waits pending at dispose reject ERR_DISPOSED, and timers scheduled before it never run', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const w1 = df.fence.wait();
    const w2 = df.fence.wait({ timeoutNs: 1e6 });
    const any = rt.waitAny([df.fence]);
    let ran = false;
    rt.sim.schedule(10, () => (ran = true));
    await rt.dispose();
    for (const p of [w1, w2, any]) expect(await rejectionCode(p)).toBe('ERR_DISPOSED');
    expect(ran).toBe(false);
  });

  it('a runUntilSettled in progress rejects ERR_DISPOSED when the runtime is disposed under it', async () => {
    const rt = await runtime(backend);
    const df = rt.createContext().createFence();
    const p = rt.sim.runUntilSettled(df.fence.wait());
    await rt.dispose();
    expect(await rejectionCode(p)).toBe('ERR_DISPOSED');
  });
});

describe.each(BACKENDS)('callback errors (%s)', (backend) => {
  it('without a listener, the call that ran the callbacks throws ERR_CALLBACK after all ran; the fence stays signaled', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const order: number[] = [];
    df.fence.addCallback(() => {
      order.push(1);
      throw new Error('boom');
    });
    df.fence.addCallback(() => order.push(2));
    let err: DmaFenceError & { errors?: unknown[] } = undefined as never;
    try {
      df.signal();
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe('ERR_CALLBACK');
    expect((err.errors![0] as Error).message).toBe('boom');
    expect(order).toEqual([1, 2]);
    expect(df.fence.signaled).toBe(true);
    // Nothing is kept to surface later from an unrelated call.
    expect(() => ctx.createFence().signal()).not.toThrow();
  });

  it('callbacks run while the virtual clock is driven (a job completing): the driving call throws them after it ran', async () => {
    const rt = await runtime(backend);
    const ring = rt.createRing({ device: rt.createDevice({ latency: { baseNs: 100 } }) });
    const f = ring.submit({});
    f.addCallback(() => {
      throw new Error('late');
    });
    expect(codeOf(() => rt.sim.advance(200))).toBe('ERR_CALLBACK');
    expect(rt.sim.now).toBe(200);
    expect(f.signaled).toBe(true);
    expect(() => rt.sim.advance(1)).not.toThrow();
  });

  it("with rt.on('callbackError') the listener gets each error and the fence, and nothing is thrown", async () => {
    const rt = await runtime(backend);
    const seen: [string, number][] = [];
    const listener = (e: unknown, f: DmaFence) => seen.push([(e as Error).message, f.seqno]);
    rt.on('callbackError', listener);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    df.fence.addCallback(() => {
      throw new Error('a');
    });
    expect(() => df.signal()).not.toThrow();
    expect(seen).toEqual([['a', 1]]);
    expect(rt.off('callbackError', listener)).toBe(true);
    expect(codeOf(() => rt.on('callbakError' as 'callbackError', listener))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.on('callbackError', 5 as never))).toBe('ERR_INVALID_ARG');
  });
});

describe.each(BACKENDS)('strict throws are not also recorded (%s)', (backend) => {
  it('F4, F11, T5: under strict the ViolationError is thrown and rt.violations stays empty', async () => {
    const rt = await runtime(backend, { strict: true });
    const a = rt.createContext({ driverName: 'drv' });
    const b = rt.createContext();
    const df = a.createFence();
    df.signal();
    expect(codeOf(() => df.setError(-5))).toBe('ERR_VIOLATION');
    const fa = a.createFence();
    const fb = b.createFence();
    expect(codeOf(() => DmaFence.isLater(fa.fence, fb.fence))).toBe('ERR_VIOLATION');
    const pending = a.createFence();
    const handle = pending.fence;
    const unload = rt.unloadDriver('drv', { force: true });
    rt.sim.runUntilIdle();
    await unload;
    expect(codeOf(() => handle.driverName)).toBe('ERR_VIOLATION');
    expect(rt.violations).toEqual([]);
  });
});

describe.each(BACKENDS)('options refuse misspelled keys (%s)', (backend) => {
  it('every options object names the unknown key and the closest valid one', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const check = (fn: () => unknown, key: string, near?: string) => {
      let err: Error | undefined;
      try {
        fn();
      } catch (e) {
        err = e as Error;
      }
      expect((err as DmaFenceError | undefined)?.code, key).toBe('ERR_INVALID_ARG');
      expect(err!.message).toContain(JSON.stringify(key));
      if (near) expect(err!.message).toContain(`did you mean "${near}"`);
    };
    check(() => rt.createContext({ timelinename: 'x' } as never), 'timelinename', 'timelineName');
    check(() => ctx.signalUpTo(1, { eror: -5 } as never), 'eror', 'error');
    check(() => df.signal({ timestmp: 1 } as never), 'timestmp', 'timestamp');
    check(() => rt.createRing({ device: rt.createDevice(), capcity: 8 } as never), 'capcity', 'capacity');
    expect(await rejectionCode(df.fence.wait({ timeout: 5 } as never))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(rt.waitAny([df.fence], { timeout: 5 } as never))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(rt.unloadDriver('dmafence', { forse: true } as never))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(rt.unloadDriver('dmafence', { force: 'x' } as never))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime({ backend, maxFence: 8 } as never))).toBe('ERR_INVALID_ARG');
    expect(ctx.pending).toBe(1);
    expect(df.fence.signaled).toBe(false);
  });

  it('F10: waitAny with holes in the array is refused, not hung', async () => {
    const rt = await runtime(backend);
    const df = rt.createContext().createFence();
    // eslint-disable-next-line no-sparse-arrays
    expect(await rejectionCode(rt.waitAny([df.fence, , df.fence] as never))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(rt.waitAny(new Array(3) as never))).toBe('ERR_INVALID_ARG');
  });

  it('null is not a default: backend: null and clock: null are refused', async () => {
    expect(await rejectionCode(createRuntime({ backend: null } as never))).toBe('ERR_INVALID_ARG');
    expect(await rejectionCode(createRuntime({ backend, clock: null } as never))).toBe('ERR_INVALID_ARG');
  });

  it('public fields cannot be assigned: rt.memory, rt.backend, ctx.id stay what they were', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const mem = rt.memory;
    for (const [o, k] of [[rt, 'memory'], [rt, 'backend'], [rt, 'sim'], [rt, 'seed'], [ctx, 'id'], [ctx, 'driverName'], [ctx, 'timelineName'], [ctx, 'seqno64']] as const) {
      const before = (o as unknown as Record<string, unknown>)[k];
      expect(() => ((o as unknown as Record<string, unknown>)[k] = 12)).toThrow(TypeError);
      expect((o as unknown as Record<string, unknown>)[k]).toBe(before);
    }
    expect(rt.memory).toBe(mem);
  });
});

describe('createRuntime sizes and the wasm option', () => {
  it('an arena larger than one runtime can have is ERR_CAPACITY saying what fits, before any size wraps', async () => {
    for (const o of [{ dmaBytes: 2 ** 31 }, { maxRings: 1024, maxRingCapacity: 1 << 20 }]) {
      let err: DmaFenceError | undefined;
      try {
        await createRuntime({ backend: 'ts', ...o });
      } catch (e) {
        err = e as DmaFenceError;
      }
      expect(err?.code).toBe('ERR_CAPACITY');
      expect(err!.message).toMatch(/fits|lower/);
      expect(err!.message).not.toMatch(/-\d/);
    }
  });

  it('wasm bytes that do not compile, an unreadable URL, or a module that is not the core: ERR_WASM', async () => {
    expect(await rejectionCode(createRuntime({ wasm: new Uint8Array([0, 97, 115, 109]) }))).toBe('ERR_WASM');
    expect(await rejectionCode(createRuntime({ wasm: new Uint8Array([1, 2, 3]) }))).toBe('ERR_WASM');
    expect(await rejectionCode(createRuntime({ wasm: new URL('./no-such-core.wasm', import.meta.url) }))).toBe('ERR_WASM');
    // A valid module with none of the core's exports: (module)
    const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    expect(await rejectionCode(createRuntime({ wasm: empty }))).toBe('ERR_WASM');
    expect(await rejectionCode(createRuntime({ wasm: new WebAssembly.Module(empty) }))).toBe('ERR_WASM');
  });
});
