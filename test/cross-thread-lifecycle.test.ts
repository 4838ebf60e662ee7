/**
 * Attached emitter threads over their life: a thread that ends while holding fences (T2: its
 * pending fences signal -ECANCELED, its slots come back), art.dispose(), the owner's dispose,
 * callbacks that throw on an attached thread, and blocking waits (waitSync).
 */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { Errno, attachRuntime, createRuntime } from '../bindings/index.js';
import type { Runtime, SharedFenceHandle } from '../bindings/index.js';
import { BACKENDS, outcome } from './helpers.js';
import * as L from '../bindings/core/layout.js';

const scenarios = new URL('./workers/emitter-scenarios.mjs', import.meta.url);
type Msg = Record<string, unknown>;

/** Starts a scenario; `next(pred)` is its next message that satisfies pred. */
function start(scenario: string, data: Msg) {
  const w = new Worker(scenarios);
  const inbox: Msg[] = [];
  const waiting: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  let failure: unknown;
  w.on('message', (m: Msg) => {
    const i = waiting.findIndex((x) => x.pred(m));
    if (i >= 0) waiting.splice(i, 1)[0].resolve(m);
    else inbox.push(m);
  });
  w.on('error', (e) => (failure = e));
  w.postMessage({ scenario, ...data });
  return {
    w,
    next<T = Msg>(pred: (m: Msg) => boolean): Promise<T> {
      if (failure) return Promise.reject(failure);
      const i = inbox.findIndex(pred);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as T);
      return new Promise((resolve) => waiting.push({ pred, resolve: resolve as (m: Msg) => void }));
    },
  };
}

/** A thread claims the emitter header, creates fences until its slots are full, and detaches: its report. */
async function fillOnce(rt: Runtime, backend: string): Promise<Msg> {
  const f = start('fill', { runtime: rt.share(), backend, dispose: true });
  const m = await f.next((x) => 'created' in x);
  await f.w.terminate();
  return m;
}

/** A runtime with one emitter header of 4 slots, a worker emitter running `scenario` that shares
 *  held handles of its fences, and this thread's views of them (held, not read yet). */
async function sharedFromWorker(backend: (typeof BACKENDS)[number], scenario: string) {
  const rt = await createRuntime({ backend, maxEmitterThreads: 1, emitterFences: 4 });
  const s = start(scenario, { runtime: rt.share() });
  const { fences } = await s.next<{ fences: SharedFenceHandle[] }>((m) => 'fences' in m);
  const view = attachRuntime(rt.share());
  return { rt, s, fences, view, remotes: fences.map((h) => view.fence(h)) };
}

describe.each(BACKENDS)('attached emitter threads over their life (%s backend)', (backend) => {
  it('T2: a worker terminated while holding pending fences: they signal -ECANCELED, waiters wake, its slots come back', async () => {
    const rt = await createRuntime({ backend, maxEmitterThreads: 1, emitterFences: 8 });
    const holder = start('hold', { runtime: rt.share(), n: 4 });
    const { fences } = await holder.next<{ fences: SharedFenceHandle[] }>((m) => 'fences' in m);
    const view = attachRuntime(rt.share());
    const remotes = fences.map((h) => view.fence(h));
    expect(remotes.map((f) => f.status)).toEqual([1, 0, 0, 0]);
    // While it lives, its header is taken: another thread cannot become an emitter.
    const refused = start('fill', { runtime: rt.share(), backend });
    expect(await refused.next((m) => 'created' in m)).toMatchObject({ created: 0, code: 'ERR_CAPACITY' });
    await refused.w.terminate();
    let ran = 0;
    expect(remotes[1].addCallback(() => ran++)).toBe(true);
    const t0 = performance.now();
    const waited = remotes[3].wait({ timeoutNs: 30e9 });
    await holder.w.terminate(); // it never releases anything
    expect(await waited).toBe(true);
    expect(performance.now() - t0).toBeLessThan(30e3);
    expect([remotes[1].status, remotes[3].status]).toEqual([-Errno.ECANCELED, -Errno.ECANCELED]);
    await new Promise((r) => setTimeout(r, 10));
    expect(ran).toBe(1);
    // The header is free again, and every slot of its range but the 4 this thread's views hold
    // (the dead thread's pins swept): remotes[2], never read so far, still reads how it ended.
    const next = start('fill', { runtime: rt.share(), backend, dispose: true });
    expect(await next.next((m) => 'created' in m)).toEqual({ created: 4, code: 'ERR_CAPACITY', backend });
    expect(remotes[2].status).toBe(-Errno.ECANCELED);
    await next.w.terminate();
    // Once the views let go, the next claimer frees those slots too.
    view.dispose();
    expect(await fillOnce(rt, backend)).toEqual({ created: 8, code: 'ERR_CAPACITY', backend });
    await rt.dispose();
  }, 40e3);

  it('art.dispose(): pending fences of its contexts signal -ECANCELED; its objects throw ERR_DISPOSED; its slots are free again but those views hold', async () => {
    const { rt, s, view, remotes } = await sharedFromWorker(backend, 'artDispose');
    const statuses = new Promise<number[]>((resolve) => {
      const got: number[] = [];
      remotes[1].addCallback((f) => got.push(f.status));
      remotes[2].addCallback((f) => {
        got.push(f.status);
        resolve(got);
      });
    });
    s.w.postMessage('dispose');
    expect(await s.next((m) => 'after' in m)).toEqual({ local: 'resolved', after: ['ERR_DISPOSED', 'ERR_DISPOSED', 'ERR_DISPOSED', 'ERR_DISPOSED', 'no error'] });
    expect(await statuses).toEqual([-Errno.ECANCELED, -Errno.ECANCELED]);
    await s.w.terminate();
    // The 3 fences this thread's views hold keep their slots: one is free for the next claimer.
    expect(await fillOnce(rt, backend)).toMatchObject({ created: 1, code: 'ERR_CAPACITY' });
    expect(remotes.map((f) => f.status)).toEqual([1, -Errno.ECANCELED, -Errno.ECANCELED]);
    view.dispose();
    expect(await fillOnce(rt, backend)).toMatchObject({ created: 4, code: 'ERR_CAPACITY' });
    await rt.dispose();
  });

  it('T2: a view that holds a fence reads how it ended after its emitter disposed, even when it never looked before and the slots were claimed again', async () => {
    const { rt, s, view, remotes } = await sharedFromWorker(backend, 'artDispose'); // held, and not read before the dispose
    s.w.postMessage('dispose');
    await s.next((m) => 'after' in m);
    await s.w.terminate();
    const filled = await fillOnce(rt, backend); // (it reused every slot it could)
    expect(remotes.map((f) => [f.held, outcome(() => f.status), outcome(() => f.error)])).toEqual([
      [true, 1, 0],
      [true, -Errno.ECANCELED, -Errno.ECANCELED],
      [true, -Errno.ECANCELED, -Errno.ECANCELED],
    ]);
    expect(remotes[1].timestamp).toBeGreaterThan(0);
    expect(filled).toMatchObject({ created: 1 });
    // A released view lets its slot go at the next claim; the others keep theirs.
    expect(remotes[0].release()).toBe(true);
    expect(await fillOnce(rt, backend)).toMatchObject({ created: 2 });
    expect(remotes[2].status).toBe(-Errno.ECANCELED);
    view.dispose();
    await rt.dispose();
  });

  it('T2: a fence shared twice and held by two views keeps its slot until both let go, and is freed once', async () => {
    const { rt, s, view, remotes } = await sharedFromWorker(backend, 'shareTwice');
    const [v1, v2] = remotes;
    expect([v1.held, v2.held]).toEqual([true, true]);
    s.w.postMessage('dispose');
    await s.next((m) => 'disposed' in m);
    await s.w.terminate();
    const c = start('claimer', { runtime: rt.share(), backend });
    const fill = async () => (c.w.postMessage('fill'), c.next<{ created: number; live: number; seqnos: number }>((m) => 'created' in m));
    expect(await fill()).toMatchObject({ created: 3 }); // its slot is held
    expect(v1.release()).toBe(true);
    await new Promise((r) => setTimeout(r, 400)); // the claimer's scans (every 100 ms)
    expect(outcome(() => v2.status)).toBe(-Errno.ECANCELED); // v2 still holds it
    expect(await fill()).toMatchObject({ created: 0 });
    expect(v2.release()).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    // Freed once: one more fence fits, never two (a second unpin would free a live fence).
    expect(await fill()).toMatchObject({ created: 1, live: 4, seqnos: 4 });
    await new Promise((r) => setTimeout(r, 400));
    expect(await fill()).toMatchObject({ created: 0, live: 4, seqnos: 4 });
    await c.w.terminate();
    view.dispose();
    await rt.dispose();
  });

  it('T2: a hold entry an earlier claimer left open (issued after its entries were retired) is closed and freed by the next claimer', async () => {
    const { rt, s, view, remotes, fences } = await sharedFromWorker(backend, 'artDispose');
    s.w.postMessage('dispose');
    await s.next((m) => 'after' in m);
    await s.w.terminate();
    remotes.forEach((v) => v.release());
    // As a share() that a reclaim overtook leaves it: the entry open again, no view of it.
    const { memory, base } = rt.share();
    const i32 = new Int32Array(memory.buffer);
    const holdOff = base + i32[(base + L.H_HOLD_OFF) >> 2];
    const w = (holdOff + Math.floor(fences[1].hold! / 2 ** 31) * L.HOLD_SIZE + L.HD_WORD) >> 2;
    const issued = fences[1].hold! % 2 ** 31;
    Atomics.store(i32, w, issued);
    expect(await fillOnce(rt, backend)).toMatchObject({ created: 4 });
    expect(Atomics.load(i32, w)).toBe(L.HS_FREE);
    view.dispose();
    await rt.dispose();
  });

  it("T2: a hold entry whose slot word names another thread's fence never frees that fence", async () => {
    const rt = await createRuntime({ backend, maxEmitterThreads: 1, emitterFences: 4 });
    const own = rt.createContext().createFence(); // the owner's fence, in the owner's range
    own.signal();
    const ownSlot = own.fence.share({ hold: false }).slot;
    const s = start('shareTwice', { runtime: rt.share() });
    const { fences } = await s.next<{ fences: SharedFenceHandle[] }>((m) => 'fences' in m);
    const view = attachRuntime(rt.share());
    const vs = fences.map((h) => view.fence(h)); // (this runtime also has a fence of the owner's)
    // A stale slot word, as a thread that ended between claiming the entry and writing its slot
    // leaves it: the entries name the owner's slot.
    const { memory, base } = rt.share();
    const i32 = new Int32Array(memory.buffer);
    const holdOff = base + i32[(base + L.H_HOLD_OFF) >> 2];
    for (const h of fences) i32[(holdOff + Math.floor(h.hold! / 2 ** 31) * L.HOLD_SIZE + L.HD_SLOT) >> 2] = ownSlot;
    s.w.postMessage('dispose');
    await s.next((m) => 'disposed' in m);
    await s.w.terminate();
    const c = start('claimer', { runtime: rt.share(), backend });
    c.w.postMessage('fill');
    await c.next((m) => 'created' in m);
    vs.forEach((v) => v.release());
    await new Promise((r) => setTimeout(r, 400)); // the claimer's scans (every 100 ms)
    expect([own.fence.status, own.fence.seqno, own.fence.timestamp]).toEqual([1, 1, 0]);
    const next = rt.createContext().createFence(); // never in the owner's still-held slot
    expect(next.fence.share({ hold: false }).slot).not.toBe(ownSlot);
    expect(own.fence.seqno).toBe(1);
    await c.w.terminate();
    view.dispose();
    await rt.dispose();
  });

  it("the owner's dispose: the attached thread's objects throw ERR_DISPOSED and its pending waits reject with it", async () => {
    const rt = await createRuntime({ backend });
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const s = start('ownerDispose', { runtime: rt.share(), fences: [df.fence.share()] });
    await s.next((m) => 'ready' in m);
    await rt.dispose();
    expect(await s.next((m) => 'after' in m)).toEqual({
      local: 'ERR_DISPOSED',
      remote: 'ERR_DISPOSED',
      after: ['ERR_DISPOSED', 'ERR_DISPOSED', 'ERR_DISPOSED', 'ERR_DISPOSED', 'ERR_DISPOSED'],
      dispose: 'no error',
    });
    await s.w.terminate();
  });

  it('callback errors on an attached thread go to art.on("callbackError") or the console; the thread goes on', async () => {
    const rt = await createRuntime({ backend });
    const ctx = rt.createContext();
    const [a, b] = [ctx.createFence(), ctx.createFence()];
    const s = start('throws', { runtime: rt.share(), fences: [a.fence.share(), b.fence.share()] });
    let died: unknown;
    s.w.on('error', (e) => (died = e));
    await s.next((m) => 'started' in m);
    a.signal();
    await s.next((m) => 'ready' in m);
    b.signal();
    const r = await s.next((m) => 'alive' in m);
    expect(r).toEqual({ seen: [['boom-remote', 'number'], ['boom-own', 'number']], ran: 1, signalCode: 'no error', printed: ['boom-unheard'], alive: true });
    expect(died).toBeUndefined();
    await s.w.terminate();
    await rt.dispose();
  });

  it('a held handle keeps its fence alive for the view that adopted it, until release(); the values stay readable', async () => {
    const rt = await createRuntime({ backend, maxFences: 16 });
    const view = attachRuntime(rt.share());
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const held = view.fence(df.fence.share({ hold: true }));
    const plain = view.fence(df.fence.share({ hold: false }));
    expect([held.held, plain.held]).toEqual([true, false]);
    df.setError(-Errno.EIO);
    df.signal();
    const ts = df.fence.timestamp;
    df.fence.release();
    df.release();
    // The emitter let go of every handle; churn reuses every free slot, never the held one.
    for (let i = 0; i < 4; i++) ctx.signalUpTo(ctx.createFences(rt.stats.fencesInUse < 15 ? 15 - rt.stats.fencesInUse : 1) + 20);
    expect(rt.stats.fencesInUse).toBe(1);
    expect([held.signaled, held.status, held.error, held.timestamp]).toEqual([true, -Errno.EIO, -Errno.EIO, ts]);
    expect(held.release()).toBe(true);
    expect(held.release()).toBe(false);
    const deadline = Date.now() + 5000;
    while (rt.stats.fencesInUse !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(rt.stats.fencesInUse).toBe(0); // the emitter's scan dropped its reference: recycled
    // A handle used twice holds twice (one reference each); once one is released, a new view of
    // that handle holds nothing.
    const df2 = ctx.createFence();
    const h2 = df2.fence.share();
    const [a2, b2] = [view.fence(h2), view.fence(h2)];
    expect([a2.held, b2.held]).toEqual([true, true]);
    a2.release();
    expect([a2.held, b2.held, view.fence(h2).held]).toEqual([false, true, false]);
    // A forged hold (a wrong nonce, another entry) adopts nothing and changes nothing.
    const h3 = df2.fence.share({ hold: true });
    expect(view.fence({ ...h3, hold: h3.hold! + 4 }).held).toBe(false);
    expect(view.fence({ ...h3, hold: h3.hold! + 2 ** 31 }).held).toBe(false);
    expect(view.fence(h3).held).toBe(true);
    view.dispose();
    await rt.dispose();
  });

  it('a held view the GC collects lets its fence go', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'tests run with --expose-gc').toBeTypeOf('function');
    const rt = await createRuntime({ backend, maxFences: 16 });
    const view = attachRuntime(rt.share());
    const ctx = rt.createContext();
    const df = ctx.createFence();
    ((h: SharedFenceHandle) => {
      expect(view.fence(h).held).toBe(true);
    })(df.fence.share({ hold: true }));
    df.signal();
    df.fence.release();
    df.release();
    expect(rt.stats.fencesInUse).toBe(1);
    for (let i = 0; i < 50 && rt.stats.fencesInUse !== 0; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(rt.stats.fencesInUse).toBe(0);
    view.dispose();
    await rt.dispose();
  });

  it('a held handle in a thread that ends is let go once its lease expires', async () => {
    const rt = await createRuntime({ backend, maxFences: 16 });
    const ctx = rt.createContext();
    const dfs = [ctx.createFence(), ctx.createFence()];
    const s = start('holdViews', { runtime: rt.share(), fences: dfs.map((d) => d.fence.share({ hold: true })) });
    expect(await s.next((m) => 'held' in m)).toEqual({ held: [true, true] });
    ctx.signalUpTo(2);
    for (const d of dfs) {
      d.fence.release();
      d.release();
    }
    ctx.signalUpTo(ctx.createFences(8) + 7);
    expect(rt.stats.fencesInUse).toBe(2); // held by the worker
    await s.w.terminate(); // it never releases them
    const deadline = Date.now() + 10_000;
    while (rt.stats.fencesInUse !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(rt.stats.fencesInUse).toBe(0);
    await rt.dispose();
  });

  it("an attached emitter's held handle: its fence outlives the emitter's own handles until the owner's view releases it", async () => {
    const rt = await createRuntime({ backend, emitterFences: 4 });
    const s = start('emitHeld', { runtime: rt.share() });
    const m = await s.next<{ h: SharedFenceHandle; made: number; full: string }>((x) => 'h' in x);
    expect([m.made, m.full]).toEqual([3, 'ERR_CAPACITY']); // the held slot stays taken
    const view = attachRuntime(rt.share());
    const f = view.fence(m.h);
    expect([f.held, f.status]).toEqual([true, -Errno.EIO]);
    f.release();
    s.w.postMessage('again');
    expect(await s.next((x) => 'again' in x)).toEqual({ again: 4 }); // every slot is free again
    await s.w.terminate();
    view.dispose();
    await rt.dispose();
  });

  it('F9 across threads, blocking: waitSync in a worker wakes when the owner signals; false at its timeout', async () => {
    const rt = await createRuntime({ backend });
    const ctx = rt.createContext();
    const [a, b] = [ctx.createFence(), ctx.createFence()];
    a.setError(-Errno.EIO);
    const s = start('waitSync', { runtime: rt.share(), fences: [a.fence.share(), b.fence.share()] });
    await s.next((m) => 'waiting' in m);
    await new Promise((r) => setTimeout(r, 20));
    a.signal();
    expect(await s.next((m) => 'value' in m)).toMatchObject({ timedOut: false, value: true, status: -Errno.EIO, bad: ['ERR_INVALID_ARG', 'ERR_INVALID_TIMEOUT'] });
    await s.w.terminate();
    await rt.dispose();
  });
});
