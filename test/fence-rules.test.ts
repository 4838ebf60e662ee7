/** Rules F1-F18 and C1-C5 of SEMANTICS.md, on both backends. */
import { describe, expect, it } from 'vitest';
import { DmaFence, Errno } from '../bindings/index.js';
import { BACKENDS, codeOf, coreIsLater, rejectionCode, runtime } from './helpers.js';

describe.each(BACKENDS)('fence rules (%s backend)', (backend) => {
  it('F1: a fence has context, seqno, pending state, no error; creating never signals', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const f = ctx.createFence().fence;
    expect(f.context).toBe(ctx.id);
    expect(f.seqno).toBe(1);
    expect(f.signaled).toBe(false);
    expect(f.error).toBe(0);
    expect(f.status).toBe(0);
    expect(ctx.pending).toBe(1);
  });

  it('F2: signal is once; a second signal reports already signaled and changes nothing', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    let runs = 0;
    df.fence.addCallback(() => runs++);
    rt.sim.advance(10);
    expect(df.signal()).toBe(true);
    rt.sim.advance(10);
    expect(df.signal()).toBe(false);
    expect(runs).toBe(1);
    expect(df.fence.timestamp).toBe(10);
    expect(rt.stats.fencesSignaled).toBe(1);
  });

  it('F3: at callback time the fence is marked, detached and stamped; callbacks run in order', async () => {
    const rt = await runtime(backend);
    const df = rt.createContext({ driverName: 'drv' }).createFence();
    const seen: string[] = [];
    for (const tag of ['a', 'b', 'c']) {
      df.fence.addCallback((f) => seen.push(`${tag}:${f.signaled}:${f.driverName}:${f.timestamp}`));
    }
    df.signal({ timestamp: 77 });
    expect(seen).toEqual(['a:true:detached-driver:77', 'b:true:detached-driver:77', 'c:true:detached-driver:77']);
  });

  it('F4: setError takes only -4095..-1; bad values throw ERR_INVALID_ERRNO and change nothing', async () => {
    const rt = await runtime(backend);
    const df = rt.createContext().createFence();
    for (const bad of [0, 1, -4096, -1.5, NaN, '5', undefined, -Infinity]) {
      expect(codeOf(() => df.setError(bad as number))).toBe('ERR_INVALID_ERRNO');
    }
    expect(df.fence.error).toBe(0);
    df.setError(-4095);
    df.setError(-Errno.EIO);
    expect(df.fence.error).toBe(-5);
  });

  it('F4: setError after signal is a recorded violation and the error stays', async () => {
    const rt = await runtime(backend);
    const df = rt.createContext().createFence();
    df.setError(-Errno.EIO);
    df.signal();
    df.setError(-Errno.ETIME);
    expect(df.fence.error).toBe(-Errno.EIO);
    expect(rt.violations.map((v) => v.kind)).toEqual(['set-error-after-signal']);
  });

  it('F4: under strict, setError after signal throws ERR_VIOLATION', async () => {
    const rt = await runtime(backend, { strict: true });
    const df = rt.createContext().createFence();
    df.signal();
    expect(codeOf(() => df.setError(-Errno.EIO))).toBe('ERR_VIOLATION');
    expect(df.fence.error).toBe(0);
  });

  it('F5: status is 0 while pending even with an error, then error || 1', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const a = ctx.createFence();
    const b = ctx.createFence();
    b.setError(-Errno.ECANCELED);
    expect(a.fence.status).toBe(0);
    expect(b.fence.status).toBe(0);
    a.signal();
    b.signal();
    expect(a.fence.status).toBe(1);
    expect(b.fence.status).toBe(-Errno.ECANCELED);
  });

  it('F6: a callback added while pending runs exactly once, at signal', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const calls: number[] = [];
    expect(df.fence.addCallback((f) => calls.push(f.seqno))).toBe(true);
    expect(calls).toEqual([]);
    ctx.signalUpTo(5);
    ctx.signalUpTo(5);
    expect(calls).toEqual([1]);
  });

  it('F7: addCallback on a signaled fence returns false and the callback never runs', async () => {
    const rt = await runtime(backend);
    const df = rt.createContext().createFence();
    df.signal();
    let ran = false;
    expect(df.fence.addCallback(() => (ran = true))).toBe(false);
    rt.sim.runUntilIdle();
    expect(ran).toBe(false);
  });

  it('F8: removeCallback is true only while queued; a removed callback never runs', async () => {
    const rt = await runtime(backend);
    const df = rt.createContext().createFence();
    let a = 0;
    let b = 0;
    const fa = () => a++;
    const fb = () => b++;
    df.fence.addCallback(fa);
    df.fence.addCallback(fb);
    expect(df.fence.removeCallback(fa)).toBe(true);
    expect(df.fence.removeCallback(fa)).toBe(false);
    expect(df.fence.removeCallback(() => 0)).toBe(false);
    df.signal();
    expect([a, b]).toEqual([0, 1]);
    expect(df.fence.removeCallback(fb)).toBe(false);
  });

  it('F9: wait(0) answers at once; wait(t) resolves true on signal or false after t on the clock', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    expect(await df.fence.wait({ timeoutNs: 0 })).toBe(false);
    const timedOut = df.fence.wait({ timeoutNs: 100 });
    const signaled = df.fence.wait({ timeoutNs: 1000 });
    rt.sim.advance(99);
    rt.sim.advance(1);
    expect(await timedOut).toBe(false);
    df.signal();
    expect(await signaled).toBe(true);
    expect(await df.fence.wait({ timeoutNs: 0 })).toBe(true);
  });

  it('F9: a negative or NaN timeout is a usage error; abort rejects with AbortError and leaves the fence', async () => {
    const rt = await runtime(backend);
    const df = rt.createContext().createFence();
    expect(await rejectionCode(df.fence.wait({ timeoutNs: -1 }))).toBe('ERR_INVALID_TIMEOUT');
    expect(await rejectionCode(df.fence.wait({ timeoutNs: NaN }))).toBe('ERR_INVALID_TIMEOUT');
    expect(await rejectionCode(df.fence.wait({ signal: {} as AbortSignal }))).toBe('ERR_INVALID_ARG');
    const ac = new AbortController();
    const p = df.fence.wait({ signal: ac.signal });
    ac.abort();
    expect(await rejectionCode(p)).toBe('AbortError');
    expect(df.fence.signaled).toBe(false);
    const pre = new AbortController();
    pre.abort();
    expect(await rejectionCode(df.fence.wait({ signal: pre.signal }))).toBe('AbortError');
    // the aborted waiter is gone: signaling later runs nothing stale and the fence works normally
    const later = df.fence.wait();
    df.signal();
    expect(await later).toBe(true);
  });

  it('F10: waitAny: empty list is -EINVAL; signaled wins at once; t=0 answers at once; first to signal wins', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const [a, b, c] = [ctx.createFence(), ctx.createFence(), ctx.createFence()];
    expect(await rejectionCode(rt.waitAny([]))).toBe('ERR_INVALID_ARG');
    expect(await rt.waitAny([a.fence, b.fence], { timeoutNs: 0 })).toBe(-1);
    const p = rt.waitAny([c.fence, b.fence, a.fence]);
    a.signal();
    expect(await p).toBe(2);
    expect(await rt.waitAny([b.fence, a.fence], { timeoutNs: 0 })).toBe(1);
    const q = rt.waitAny([b.fence, c.fence], { timeoutNs: 50 });
    rt.sim.advance(50);
    expect(await q).toBe(-1);
  });

  it('F11: 32-bit is_later wraps (1 is later than 0xFFFFFFFF; at distance 2^31 neither is later)', async () => {
    expect(DmaFence.isLaterSeqno(1, 0xffffffff)).toBe(true);
    expect(DmaFence.isLaterSeqno(0xffffffff, 1)).toBe(false);
    expect(DmaFence.isLaterSeqno(2 ** 31, 0)).toBe(false);
    expect(DmaFence.isLaterSeqno(0, 2 ** 31)).toBe(false);
    expect(DmaFence.isLaterSeqno(1, 0xffffffff, true)).toBe(false);
    expect(DmaFence.isLaterSeqno(2 ** 40, 5, true)).toBe(true);
    const rt = await runtime(backend);
    expect(coreIsLater(rt, 1, 0xffffffff)).toBe(true);
    expect(coreIsLater(rt, 2 ** 31, 0)).toBe(false);
    expect(coreIsLater(rt, 0xffffffff, 1, true)).toBe(true);
    expect(DmaFence.isLaterSeqno(0xffffffff, 1, true)).toBe(true);
  });

  it('F11: fences of a context started near the wrap compare by the 32-bit rule; later() skips signaled', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext({ startSeqno: 0xffffffff });
    const a = ctx.createFence();
    const b = ctx.createFence();
    expect(b.seqno).toBe(0x100000000);
    expect(DmaFence.isLater(b.fence, a.fence)).toBe(true);
    expect(DmaFence.isLater(a.fence, b.fence)).toBe(false);
    expect(DmaFence.later(a.fence, b.fence)).toBe(b.fence);
    a.signal();
    b.signal();
    expect(DmaFence.later(a.fence, b.fence)).toBe(null);
    const ctx64 = rt.createContext({ seqno64: true, startSeqno: 0xffffffff });
    const c = ctx64.createFence();
    const d = ctx64.createFence();
    expect(DmaFence.isLater(d.fence, c.fence)).toBe(true);
  });

  it('F11: fences of different contexts are not comparable: false and a violation', async () => {
    const rt = await runtime(backend);
    const a = rt.createContext().createFence();
    const b = rt.createContext().createFence();
    expect(DmaFence.isLater(a.fence, b.fence)).toBe(false);
    expect(rt.violations.map((v) => v.kind)).toEqual(['incomparable-contexts']);
  });

  it('F12: the timestamp of a pending fence is a usage error; signal may take an explicit one', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const a = ctx.createFence();
    const b = ctx.createFence();
    expect(codeOf(() => a.fence.timestamp)).toBe('ERR_FENCE_PENDING');
    rt.sim.advance(123);
    a.signal();
    expect(a.fence.timestamp).toBe(123);
    b.signal({ timestamp: 5 });
    expect(b.fence.timestamp).toBe(5);
    expect(codeOf(() => ctx.createFence().signal({ timestamp: NaN }))).toBe('ERR_INVALID_ARG');
  });

  it('F13: the enable hook runs at most once; if it reports complete the fence signals then', async () => {
    const rt = await runtime(backend);
    let calls = 0;
    let done = false;
    const ctx = rt.createContext({ enableSignaling: () => (calls++, !done) });
    const a = ctx.createFence();
    a.fence.addCallback(() => 0);
    a.fence.enableSignaling();
    void a.fence.wait({ timeoutNs: 5 });
    expect(calls).toBe(1);
    expect(a.fence.signaled).toBe(false);
    done = true;
    const b = ctx.createFence();
    let ran = false;
    expect(b.fence.addCallback(() => (ran = true))).toBe(false);
    expect(b.fence.signaled).toBe(true);
    expect(ran).toBe(false);
    expect(calls).toBe(2);
  });

  it('F13: the signaled hook is polled and, when it says complete, the fence signals', async () => {
    const rt = await runtime(backend);
    let hw = 0;
    const ctx = rt.createContext({ signaled: (f) => f.seqno <= hw });
    const a = ctx.createFence();
    expect(a.fence.signaled).toBe(false);
    hw = 1;
    expect(await a.fence.wait({ timeoutNs: 0 })).toBe(true);
    expect(a.fence.status).toBe(1);
  });

  it('F14: after signal the fence reads detached names and never calls its issuer again', async () => {
    const rt = await runtime(backend);
    const calls: string[] = [];
    const ctx = rt.createContext({
      driverName: 'gpu',
      timelineName: 'gfx0',
      enableSignaling: () => (calls.push('enable'), true),
      signaled: () => (calls.push('signaled'), false),
      setDeadline: () => void calls.push('deadline'),
    });
    const df = ctx.createFence();
    expect([df.fence.driverName, df.fence.timelineName]).toEqual(['gpu', 'gfx0']);
    df.signal();
    calls.length = 0;
    expect([df.fence.driverName, df.fence.timelineName]).toEqual(['detached-driver', 'signaled-timeline']);
    df.fence.enableSignaling();
    df.fence.setDeadline(10);
    void df.fence.signaled;
    expect(df.fence.addCallback(() => 0)).toBe(false);
    expect(calls).toEqual([]);
  });

  it('F15: deadlines are forwarded while pending, the earliest kept; ignored once signaled', async () => {
    const rt = await runtime(backend);
    const seen: number[] = [];
    const df = rt.createContext({ setDeadline: (_f, t) => void seen.push(t) }).createFence();
    df.fence.setDeadline(100);
    df.fence.setDeadline(200);
    df.fence.setDeadline(50);
    expect(seen).toEqual([100, 50]);
    expect(df.fence.deadline).toBe(50);
    df.signal();
    df.fence.setDeadline(1);
    expect(seen).toEqual([100, 50]);
  });

  it('F16: releasing the last reference to a pending fence with callbacks signals it -EDEADLK, a violation', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const f = df.fence;
    let status = 0;
    f.addCallback((x) => (status = x.status));
    df.release();
    expect(rt.violations).toEqual([]);
    f.release();
    expect(status).toBe(-Errno.EDEADLK);
    expect(rt.violations.map((v) => v.kind)).toEqual(['released-with-callbacks']);
    expect(ctx.pending).toBe(0);
    expect(codeOf(() => f.signaled)).toBe('ERR_STALE_HANDLE');
  });

  it('F16: a callback run by that release gets a live handle, not the one being released: releasing what it was given cannot release that handle twice', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const inUse = rt.stats.fencesInUse;
    const df = ctx.createFence();
    const f = df.fence;
    let inner: boolean | undefined;
    let same: boolean | undefined;
    f.addCallback((h) => {
      same = h === f;
      inner = h.release();
    });
    df.release();
    expect(f.release()).toBe(true);
    expect(same).toBe(false);
    expect(inner).toBe(true); // the live handle the call was given, released once
    expect(f.release()).toBe(false);
    expect(rt.stats.fencesInUse).toBe(inUse);
  });

  it('F16: under strict, that release throws and the fence stays pending', async () => {
    const rt = await runtime(backend, { strict: true });
    const df = rt.createContext().createFence();
    df.fence.addCallback(() => 0);
    const f = df.fence;
    df.release();
    expect(codeOf(() => f.release())).toBe('ERR_VIOLATION');
    expect(f.signaled).toBe(false);
  });

  it('F16: a DriverFence garbage-collected while pending is reported', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'tests run with --expose-gc').toBeTypeOf('function');
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    (() => {
      ctx.createFence();
    })();
    for (let i = 0; i < 20 && rt.violations.length === 0; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(rt.violations.map((v) => v.kind)).toEqual(['leaked-driver-fence']);
    // the context still owns the seqno and can signal it
    expect(ctx.signalUpTo(1)).toBe(1);
  });

  it('F17: the stub fence is always signaled, context 0, seqno 0', async () => {
    const rt = await runtime(backend);
    const s = rt.stubFence();
    expect([s.signaled, s.context, s.seqno, s.status]).toEqual([true, 0, 0, 1]);
    expect(s.addCallback(() => 0)).toBe(false);
    expect(await s.wait()).toBe(true);
    s.release();
    expect(rt.stubFence().signaled).toBe(true);
  });

  it('F18: add_callback racing signal: either "already signaled" or the callback runs once, never lost', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    for (let i = 0; i < 200; i++) {
      const df = ctx.createFence();
      let runs = 0;
      const order = i % 3;
      let added = false;
      if (order === 0) (added = df.fence.addCallback(() => runs++)), df.signal();
      else if (order === 1) df.signal(), (added = df.fence.addCallback(() => runs++));
      else df.fence.addCallback(() => (added = df.fence.addCallback(() => runs++))), ctx.signalUpTo(df.seqno);
      expect(added ? runs : 0).toBe(added ? 1 : 0);
      expect(added || runs === 0).toBe(true);
      df.release();
    }
  });

  it('C1: context ids come from one counter starting at 1; allocContextIds(n) hands out n; 0 is an error', async () => {
    const rt = await runtime(backend);
    expect(rt.createContext().id).toBe(1);
    expect(rt.allocContextIds(5)).toBe(2);
    expect(rt.createContext().id).toBe(7);
    expect(codeOf(() => rt.allocContextIds(0))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => rt.allocContextIds(1.5))).toBe('ERR_INVALID_ARG');
    expect(rt.allocContextIds(1)).toBe(8);
  });

  it('C2: seqnos are handed out strictly increasing from 1 (or startSeqno)', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    expect([ctx.createFence().seqno, ctx.createFence().seqno]).toEqual([1, 2]);
    expect(ctx.createFences(10)).toBe(3);
    expect(ctx.createFence().seqno).toBe(13);
    expect(rt.createContext({ startSeqno: 1000 }).createFence().seqno).toBe(1000);
  });

  it('C3: signalUpTo signals every pending fence <= N oldest first; out-of-order signal is a violation', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext();
    const dfs = [ctx.createFence(), ctx.createFence(), ctx.createFence(), ctx.createFence()];
    const order: number[] = [];
    for (const d of dfs) d.fence.addCallback((f) => order.push(f.seqno));
    expect(ctx.signalUpTo(2, { error: -Errno.ECANCELED })).toBe(2);
    expect(order).toEqual([1, 2]);
    expect(dfs[0].fence.status).toBe(-Errno.ECANCELED);
    dfs[3].signal();
    expect(rt.violations).toMatchObject([{ kind: 'ordering', rule: 'C3', seqno: 4, detail: { pendingSeqno: 3 } }]);
    expect(ctx.signalUpTo(10)).toBe(1);
    expect(order).toEqual([1, 2, 4, 3]);
    expect(codeOf(() => ctx.signalUpTo(-1))).toBe('ERR_INVALID_SEQNO');
    expect(codeOf(() => ctx.signalUpTo(2 ** 53))).toBe('ERR_INVALID_SEQNO');
    expect(codeOf(() => ctx.signalUpTo(1, { error: 3 }))).toBe('ERR_INVALID_ERRNO');
  });

  it('C3: signalUpTo across the 32-bit wrap signals exactly the fences not later than the target', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext({ startSeqno: 0xfffffff0 });
    const first = ctx.createFences(32); // 0xfffffff0 .. 0x10000000f
    expect(first).toBe(0xfffffff0);
    expect(ctx.signalUpTo(0x100000005)).toBe(22); // low 32 bits 5: later than every 0xffffff.. seqno
    expect([ctx.pending, ctx.signaledSeqno]).toEqual([10, 0x100000005]);
    expect(ctx.signalUpTo(0xfffffff8)).toBe(0); // behind: nothing
    expect(ctx.signalUpTo(0x100000000 + 40)).toBe(10); // drains the rest
    expect([ctx.pending, ctx.signaledSeqno]).toEqual([0, 0x10000000f]);
  });

  it('C3: under strict an out-of-order signal throws and signals nothing', async () => {
    const rt = await runtime(backend, { strict: true });
    const ctx = rt.createContext();
    ctx.createFence();
    const b = ctx.createFence();
    expect(codeOf(() => b.signal())).toBe('ERR_VIOLATION');
    expect(b.fence.signaled).toBe(false);
    expect(ctx.pending).toBe(2);
  });

  it('C4: a context knows its last seqno, last signaled seqno and pending count', async () => {
    const rt = await runtime(backend);
    const ctx = rt.createContext({ startSeqno: 10 });
    expect([ctx.lastSeqno, ctx.signaledSeqno, ctx.pending]).toEqual([9, 9, 0]);
    ctx.createFences(5);
    ctx.signalUpTo(12);
    expect([ctx.lastSeqno, ctx.signaledSeqno, ctx.pending]).toEqual([14, 12, 2]);
  });

  it('C5: only the emitter signals: a DmaFence has no way to signal or set an error', async () => {
    const rt = await runtime(backend);
    const f = rt.createContext().createFence().fence as unknown as Record<string, unknown>;
    expect(f.signal).toBeUndefined();
    expect(f.setError).toBeUndefined();
    expect(f.signalUpTo).toBeUndefined();
  });
});
