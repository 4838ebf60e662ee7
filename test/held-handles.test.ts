/**
 * Held handles (issue 12 §1): `fence.share()` holds by default, and every view made from a held
 * handle, in any thread, counts one reference in the arena. The fence's slot is not recycled
 * while any is held; each view's release, dispose, GC or its thread's end drops exactly its own.
 */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { Errno, attachRuntime, createRuntime } from '../bindings/index.js';
import type { DriverFence, FenceContext, Runtime, SharedFenceHandle } from '../bindings/index.js';
import * as L from '../bindings/core/layout.js';
import { HOLD_EXPIRED_MS, HOLD_SCAN_MS } from '../bindings/remote/holds.js';
import { BACKENDS, codeOf } from './helpers.js';

const scenarios = new URL('./workers/emitter-scenarios.mjs', import.meta.url);
type Msg = Record<string, unknown>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker making `views` views of one handle; `ask(m, key)` posts m and awaits the reply holding key. */
function viewer(runtime: unknown, fence: SharedFenceHandle, views: number) {
  const w = new Worker(scenarios);
  const inbox: Msg[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  w.on('message', (m: Msg) => (inbox.push(m), wake?.()));
  w.on('error', (e) => ((failure = e), wake?.()));
  w.postMessage({ scenario: 'viewHeld', runtime, fence, views });
  const next = async <T = Msg>(key: string): Promise<T> => {
    for (;;) {
      if (failure) throw failure;
      const i = inbox.findIndex((m) => key in m);
      if (i >= 0) return inbox.splice(i, 1)[0] as T;
      await new Promise<void>((r) => (wake = r));
    }
  };
  return { w, next, ask: <T = Msg>(m: string, key: string) => (w.postMessage(m), next<T>(key)) };
}

/** The emitter lets go of its own handles and churns every other slot. */
function letGoAndChurn(rt: Runtime, ctx: FenceContext, df: DriverFence): void {
  df.fence.release();
  df.release();
  for (let i = 0; i < 3; i++) {
    const n = Math.max(1, rt.arena.layout.maxFences - 1 - rt.stats.fencesInUse);
    ctx.signalUpTo(ctx.createFences(n) + n);
  }
}

async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await sleep(20);
  return pred();
}

describe.each(BACKENDS)('held handles: reference counts in the arena (%s backend)', (backend) => {
  it('views in two threads keep the fence alive until both let go; a terminated thread loses its references after the lease; values stay readable', async () => {
    const rt = await createRuntime({ backend, maxFences: 16 });
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const h = df.fence.share(); // held by default
    expect(typeof h.hold).toBe('number');
    const a = viewer(rt.share(), h, 2);
    const b = viewer(rt.share(), h, 1);
    expect(await a.next('held')).toEqual({ held: [true, true] });
    expect(await b.next('held')).toEqual({ held: [true] });
    df.setError(-Errno.EIO);
    df.signal({ timestamp: 42 });
    letGoAndChurn(rt, ctx, df);
    expect(rt.stats.fencesInUse).toBe(1); // only the held fence
    expect(await b.ask('read', 'read')).toEqual({ read: [[true, true, -Errno.EIO, -Errno.EIO]], ts: [42] });
    // Thread a ends without releasing: its two references go once its lease expires; b's stays.
    await a.w.terminate();
    await sleep(HOLD_EXPIRED_MS + 4 * HOLD_SCAN_MS + 300);
    letGoAndChurn(rt, ctx, ctx.createFence());
    expect(rt.stats.fencesInUse).toBe(1);
    expect(await b.ask('read', 'read')).toEqual({ read: [[true, true, -Errno.EIO, -Errno.EIO]], ts: [42] });
    // b releases (twice: the second changes nothing): nobody holds it, the issuer lets it go.
    expect(await b.ask('release', 'released')).toEqual({ released: [[true, false, false]] });
    expect(await until(() => rt.stats.fencesInUse === 0, 5000)).toBe(true);
    await b.w.terminate();
    await rt.dispose();
  });

  it('one reference per view, dropped once: release twice, release after dispose, dispose and using change nothing more', async () => {
    const rt = await createRuntime({ backend, maxFences: 16 });
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const h = df.fence.share();
    const v1 = attachRuntime(rt.share());
    const v2 = attachRuntime(rt.share());
    const [x, y] = [v1.fence(h), v1.fence(h)];
    const z = v2.fence(h);
    {
      using u = v2.fence(h);
      expect(u.held).toBe(true);
    } // released at the end of the scope
    expect([x.held, y.held, z.held]).toEqual([true, true, true]);
    df.signal();
    letGoAndChurn(rt, ctx, df);
    expect([x.release(), x.release(), x.held]).toEqual([true, false, false]);
    v2.dispose(); // drops z's reference
    expect(codeOf(() => z.release())).toBe('ERR_DISPOSED');
    await sleep(4 * HOLD_SCAN_MS);
    expect(rt.stats.fencesInUse).toBe(1); // y still holds it
    expect([y.held, y.status]).toEqual([true, 1]);
    // A new view after a release holds nothing (the handle is closed to new views).
    expect(v1.fence(h).held).toBe(false);
    expect(y.release()).toBe(true);
    expect(await until(() => rt.stats.fencesInUse === 0, 5000)).toBe(true);
    v1.dispose();
    await rt.dispose();
  });

  it('a full hold table: share() gives a plain handle (no hold) and a view of a held handle with no room holds nothing', async () => {
    const rt = await createRuntime({ backend, maxFences: 16 });
    const view = attachRuntime(rt.share());
    const ctx = rt.createContext();
    const df = ctx.createFence();
    const hs: SharedFenceHandle[] = [];
    for (let i = 0; i < L.HOLD_ENTRIES - 1; i++) hs.push(df.fence.share());
    expect(hs.every((h) => typeof h.hold === 'number')).toBe(true);
    const last = df.fence.share(); // the last entry: no room left for any view entry
    expect(typeof last.hold).toBe('number');
    const full = df.fence.share();
    expect('hold' in full).toBe(false);
    expect([view.fence(full).held, view.fence(last).held]).toEqual([false, false]);
    // Plain handles still work, and a plain one never holds.
    expect(view.fence(df.fence.share({ hold: false })).held).toBe(false);
    view.dispose();
    await rt.dispose();
  });
});
