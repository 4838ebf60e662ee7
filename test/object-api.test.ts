/**
 * The object API's fast paths (fence-table.ts): the GC safety net taken at the end of the task
 * (F16 still catches a DriverFence leaked in the task that made it), callbacks kept in the record
 * (F3, F6-F8: registration order, removal, errors), and signals that skip the cross-thread publish
 * until rt.share(). Both backends.
 */
import { describe, expect, it } from 'vitest';
import { DmaFence, DriverFence, Errno } from '../bindings/index.js';
import { BACKENDS, codeOf, runtime, thrownBy } from './helpers.js';

const gc = (globalThis as { gc?: () => void }).gc;

/** Collects garbage until `done` or 20 rounds (finalizers run in later tasks). */
async function collect(done: () => boolean): Promise<void> {
  for (let i = 0; i < 20 && !done(); i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(BACKENDS)('object API fast paths (%s backend)', (backend) => {
  it('F16: a handle made with `new` (not by the runtime) is refused with ERR_INVALID_ARG, and the real handles keep their fence and references', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const f = df.fence;
    const forged = (C: unknown, ...args: unknown[]) => () => new (C as new (...a: unknown[]) => unknown)(...args);
    const inner = f as unknown as { _table: unknown; _record: unknown };
    expect(codeOf(forged(DmaFence, inner._table, inner._record))).toBe('ERR_INVALID_ARG');
    expect(codeOf(forged(DriverFence, inner._table, inner._record))).toBe('ERR_INVALID_ARG');
    expect(codeOf(forged(DmaFence, Symbol('dmafence fence handle'), inner._table, inner._record))).toBe('ERR_INVALID_ARG');
    df.signal({ timestamp: 111 });
    df.release();
    for (let i = 0; i < 3; i++) {
      const other = ctx.createFence();
      other.signal({ timestamp: 999 });
      other.release();
    }
    expect([f.seqno, f.status, f.timestamp]).toEqual([1, 1, 111]);
    expect(f.release()).toBe(true);
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });

  it('F16: DriverFences leaked in the task that made them (past the 256 waiting) are each reported once collected; released ones are not', async () => {
    expect(gc, 'tests run with --expose-gc').toBeTypeOf('function');
    const rt = await runtime(backend, { maxFences: 1024 });
    const ctx = rt.createContext();
    const seen: number[] = [];
    // One synchronous run: the first 256 wait for their entry until the bound, the rest until the
    // end of the task; every third is leaked (never released), one of them with a callback.
    (() => {
      for (let i = 0; i < 600; i++) {
        const df = ctx.createFence();
        if (i % 3 !== 0) df.release();
        else if (i === 300) df.fence.addCallback((f) => seen.push(f.status));
      }
    })();
    const leaked = () => rt.violations.filter((v) => v.kind === 'leaked-driver-fence');
    await collect(() => leaked().length === 200);
    expect(leaked().length).toBe(200);
    expect(leaked().map((v) => v.rule)).toEqual(new Array(200).fill('F16'));
    expect(new Set(leaked().map((v) => v.seqno)).size).toBe(200);
    expect(leaked().every((v) => (v.seqno! - 1) % 3 === 0)).toBe(true);
    // The context still owns every seqno and signals them in order; the callback runs then.
    expect(ctx.signalUpTo(600)).toBe(600);
    expect(seen).toEqual([1]);
    expect(ctx.pending).toBe(0);
  });

  it('F16/M3: the handle memory.freeAfter holds, dropped by a signal in a later task, leaves the live handles of its fence pinned: collected, nothing unpins the slot twice', async () => {
    const rt = await runtime(backend, { maxFences: 16 });
    const ctx = rt.createContext();
    const buf = rt.memory.alloc(64);
    const df = ctx.createFence();
    const f = df.fence;
    rt.memory.freeAfter(buf, f);
    await new Promise((r) => setTimeout(r, 1)); // a later task: the handles have their registry entries
    df.signal({ timestamp: 42 }); // frees buf and drops freeAfter's own handle
    expect(df.release()).toBe(true);
    let n = 0;
    await collect(() => ++n > 5);
    // The slot stays f's: new fences take other slots, and f reads and shares its own values.
    const others = [0, 1, 2].map(() => ctx.createFence());
    others[0].signal({ timestamp: 99 });
    expect([f.seqno, f.status, f.timestamp]).toEqual([1, 1, 42]);
    expect(f.share().seqno).toBe(1);
    expect(rt.memory.available).toBe(rt.memory.size);
    for (const o of others) {
      o.signal();
      o.release();
    }
    expect(f.release()).toBe(true);
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });

  it('F16: a DriverFence leaked in the task that made it, with nothing else in that task, is reported once collected', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    (() => void ctx.createFence())();
    await collect(() => rt.violations.length > 0);
    expect(rt.violations.map((v) => [v.kind, v.seqno])).toEqual([['leaked-driver-fence', 1]]);
  });

  it('a handle released in the task that made it takes no registry entry; one kept past the task takes one', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const before = rt.fences.registered;
    for (let i = 0; i < 1000; i++) {
      const df = ctx.createFence();
      const f = df.fence;
      f.addCallback(() => 0);
      df.signal();
      f.release();
      df.release();
    }
    await Promise.resolve();
    expect(rt.fences.registered).toBe(before);
    const kept: DriverFence[] = [];
    for (let i = 0; i < 3; i++) kept.push(ctx.createFence());
    void kept[0].fence;
    await Promise.resolve();
    expect(rt.fences.registered).toBe(before + 4);
    // released after their entry was taken: unregistered, and nothing is reported later
    for (const df of kept) df.signal(), df.release();
    await collect(() => false);
    expect(rt.violations).toEqual([]);
  });

  it('F16: a DriverFence\'s fence released before it (the handle\'s own short path) takes no registry entry and keeps no slot; the DriverFence kept past the task still takes its entry and is reported leaked once collected', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const inUse = rt.stats.fencesInUse;
    const before = rt.fences.registered;
    // Released in the task: the slot comes back once the DriverFence goes too, in either order of its two handles' releases.
    for (let i = 0; i < 3; i++) {
      const df = ctx.createFence();
      const f = df.fence;
      expect(f.release()).toBe(true);
      expect([f.released, df.released, f.release()]).toEqual([true, false, false]);
      expect(codeOf(() => f.seqno)).toBe('ERR_STALE_HANDLE');
      const g = df.fence; // a new handle: the first one is released
      expect(g).not.toBe(f);
      expect(g.seqno).toBe(df.seqno);
      df.signal();
      if (i === 1) df.release(), g.release();
      else g.release(), df.release();
    }
    expect(rt.stats.fencesInUse).toBe(inUse);
    await Promise.resolve();
    expect(rt.fences.registered).toBe(before);
    // Kept past the task: the DriverFence takes an entry, its released fence handle none.
    (() => {
      const df = ctx.createFence();
      expect(df.fence.release()).toBe(true);
    })();
    await Promise.resolve();
    expect(rt.fences.registered).toBe(before + 1);
    await collect(() => rt.violations.length > 0);
    expect(rt.violations.map((v) => [v.kind, v.rule, v.seqno])).toEqual([['leaked-driver-fence', 'F16', 4]]);
    expect(ctx.signalUpTo(4)).toBe(1);
    expect(rt.stats.fencesInUse).toBe(inUse);
  });

  it('F6, F8, F15: a record\'s cold state (more callbacks, waiters, deadline) is its own: another fence never sees it, before or after', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const log: string[] = [];
    const a = ctx.createFence();
    const fa = a.fence;
    fa.addCallback(() => log.push('a1'));
    fa.addCallback(() => log.push('a2'));
    fa.setDeadline(500);
    const waited = fa.wait();
    const b = ctx.createFence();
    const fb = b.fence;
    fb.addCallback(() => log.push('b1'));
    expect([fa.deadline, fb.deadline]).toEqual([500, Infinity]);
    fb.setDeadline(900);
    expect([fa.deadline, fb.deadline]).toEqual([500, 900]);
    b.signal(); // out of order (C3, recorded): only b's own callback runs
    expect(log).toEqual(['b1']);
    a.signal();
    expect(log).toEqual(['b1', 'a1', 'a2']);
    expect(await waited).toBe(true);
    // A fence made after them starts with none of it.
    const c = ctx.createFence();
    const fc = c.fence;
    expect(fc.deadline).toBe(Infinity);
    fc.addCallback(() => log.push('c1'));
    expect(fc.removeCallback(() => 0)).toBe(false);
    c.signal();
    expect(log).toEqual(['b1', 'a1', 'a2', 'c1']);
    for (const h of [fa, fb, fc, a, b, c]) h.release();
    expect(rt.stats.fencesInUse).toBe(0);
  });

  it('F3, F6-F8: callbacks run in registration order; removing the first moves the next up; a callback added twice runs twice', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const f = df.fence;
    const log: string[] = [];
    const cb = (name: string) => () => void log.push(name);
    const [a, b, c, d] = [cb('a'), cb('b'), cb('c'), cb('d')];
    expect([f.addCallback(a), f.addCallback(b), f.addCallback(c)]).toEqual([true, true, true]);
    expect(f.removeCallback(a)).toBe(true);
    expect(f.removeCallback(a)).toBe(false);
    expect(f.addCallback(d)).toBe(true);
    expect(f.addCallback(b)).toBe(true);
    expect(f.removeCallback(c)).toBe(true);
    expect(f.removeCallback(b)).toBe(true); // the first b
    expect(df.signal()).toBe(true);
    expect(log).toEqual(['d', 'b']);
    expect(f.removeCallback(d)).toBe(false);
    expect(f.addCallback(a)).toBe(false);
    // one callback, removed: nothing runs, and a later one is the first again
    const df2 = ctx.createFence();
    df2.fence.addCallback(a);
    expect(df2.fence.removeCallback(a)).toBe(true);
    df2.fence.addCallback(c);
    df2.signal();
    expect(log).toEqual(['d', 'b', 'c']);
  });

  it('F6: a callback gets the handle it was added through, or a live one if that was released; callbacks on two handles run in order', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const f1 = df.fence;
    const f2 = ctx.findFence(1)!;
    const got: unknown[] = [];
    f1.addCallback((h) => got.push(h === f1 ? 'f1' : h.released ? 'stale' : h.seqno));
    f2.addCallback((h) => got.push(h === f2 ? 'f2' : 'other'));
    f1.release();
    df.signal();
    expect(got).toEqual([1, 'f2']);
  });

  it('F6: one callback (the usual fence, signal written out for it): the handle it was added through, or a live one if that was released; by signal() and by signalUpTo; its error still thrown', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const got: unknown[] = [];
    const attached = () => rt.fences.records.filter((r) => r !== undefined).length;
    const before = attached();
    const note = (f: DmaFence) => (h: DmaFence) => got.push(h === f ? 'same' : h.released ? 'stale' : `live ${h.seqno}`);
    // Kept: the handle itself; released before the signal: a live handle of the same fence.
    for (const release of [false, true]) {
      for (const bySignal of [true, false]) {
        const df = ctx.createFence();
        const f = df.fence;
        f.addCallback(note(f));
        if (release) f.release();
        if (bySignal) df.signal();
        else ctx.signalUpTo(ctx.lastSeqno);
        if (!release) f.release();
        df.release();
      }
    }
    expect(got).toEqual(['same', 'same', 'live 3', 'live 4']);
    expect(attached()).toBe(before); // every record left its slot
    const df = ctx.createFence();
    df.fence.addCallback(() => {
      throw new Error('only');
    });
    const err = thrownBy(() => df.signal());
    expect(err?.code).toBe('ERR_CALLBACK');
    expect(err?.errors?.map((e) => (e as Error).message)).toEqual(['only']);
  });

  it('F6: a callback that throws through a released handle (the call gets a live one, released after it) loses no later callback and no slot; ERR_CALLBACK is thrown once, after all ran; by signal() and by signalUpTo', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const inUse = rt.stats.fencesInUse;
    // signalUpTo over two fences: the first one's callback throws, the second's must still run.
    let ran = 0;
    const d1 = ctx.createFence();
    const d2 = ctx.createFence();
    const f1 = d1.fence;
    const f2 = d2.fence;
    f1.addCallback(() => {
      throw new Error('boom');
    });
    f2.addCallback(() => ran++);
    f1.release();
    f2.release();
    const e = thrownBy(() => ctx.signalUpTo(d2.seqno));
    expect(e?.code).toBe('ERR_CALLBACK');
    expect(e?.errors?.map((x) => (x as Error).message)).toEqual(['boom']);
    expect(ran).toBe(1);
    d1.release();
    d2.release();
    expect(rt.stats.fencesInUse).toBe(inUse);
    // One fence, signal(): its one callback throws through a released handle; the slot comes back.
    const d3 = ctx.createFence();
    d3.fence.addCallback(() => {
      throw new Error('once');
    });
    d3.fence.release();
    expect(thrownBy(() => d3.signal())?.code).toBe('ERR_CALLBACK');
    d3.release();
    expect(rt.stats.fencesInUse).toBe(inUse);
    expect(thrownBy(() => rt.createContext().createFence().signal())).toBeUndefined(); // nothing left kept
  });

  it('callback errors: one that throws does not stop the others (first or later in the list); signal throws ERR_CALLBACK after all ran', async () => {
    const rt = await runtime(backend);
    const df = rt.createContext().createFence();
    const ran: number[] = [];
    df.fence.addCallback(() => {
      ran.push(1);
      throw new Error('one');
    });
    df.fence.addCallback(() => void ran.push(2));
    df.fence.addCallback(() => {
      ran.push(3);
      throw new Error('three');
    });
    const err = thrownBy(() => df.signal());
    expect(ran).toEqual([1, 2, 3]);
    expect(err?.code).toBe('ERR_CALLBACK');
    expect(err?.errors?.map((e) => (e as Error).message)).toEqual(['one', 'three']);
    expect(df.fence.signaled).toBe(true);
  });

  it('F13: a context with hooks still gets them on the callback path: enable once, and add_callback reports a fence the hook says is complete', async () => {
    const rt = await runtime(backend);
    let enabled = 0;
    const hooked = rt.createContext({ enableSignaling: () => (enabled++, true) });
    const df = hooked.createFence();
    df.fence.addCallback(() => 0);
    df.fence.addCallback(() => 0);
    expect(enabled).toBe(1);
    // complete per the hook: add_callback reports "already signaled" and signals it (F13)
    const done = rt.createContext({ enableSignaling: () => false }).createFence();
    const runs: number[] = [];
    expect(done.fence.addCallback(() => runs.push(1))).toBe(false);
    expect([done.fence.signaled, runs]).toEqual([true, []]);
  });

  it('rt.share() turns the cross-thread publish on (before it no other thread can wait); signals and callbacks behave the same either way', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const early = ctx.createFence();
    early.signal();
    early.release();
    expect(rt.fences.sharedOut).toBe(false);
    rt.share();
    expect(rt.fences.sharedOut).toBe(true);
    const df = ctx.createFence();
    let status = 0;
    df.fence.addCallback((f) => (status = f.status));
    df.setError(-Errno.EIO);
    df.signal();
    expect(status).toBe(-Errno.EIO);
    expect(codeOf(() => df.fence.addCallback(undefined as never))).toBe('ERR_INVALID_ARG');
  });
});
