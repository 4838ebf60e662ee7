/**
 * The signaling loop's run walk (assembly/fence.ts, signalLoop): a drain with no error walks runs
 * of consecutive slots by address, ascending or descending, checking each fence's link, and hands
 * every fence it must not recycle (a handle, callbacks, a holder, signaled out of order) to the
 * general loop. Checked against the general loop itself: the same operations run in two worlds,
 * one signaling each target in one call (the run walk), the other fence by fence up to it (calls
 * that do not drain, so the general loop, and one-fence drains); their arenas must be byte-identical
 * after every operation except the signal-call counter, with the same callbacks, timestamps,
 * errors, returns and statistics (C3, F3, F4, R4). Both backends, in lockstep: the four arenas
 * agree.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../bindings/core/layout.js';
import type { DmaFence, DriverFence, FenceContext, Runtime } from '../bindings/index.js';
import { BACKENDS, codeOf, prng, runtime } from './helpers.js';

const SCENARIOS = 24;
const OPS = 80;

interface World {
  rt: Runtime;
  ctxs: FenceContext[];
  /** Emitter handles kept, each with its fence handle unless that was dropped. */
  held: { df: DriverFence; fence: DmaFence | null }[];
  log: string[];
  /** Signal each target in one call (the run walk) or fence by fence. */
  whole: boolean;
}

async function world(backend: 'wasm' | 'ts', whole: boolean, maxFences: number): Promise<World> {
  const rt = await runtime(backend, { maxFences, maxContexts: 8 });
  return { rt, ctxs: [rt.createContext(), rt.createContext()], held: [], log: [], whole };
}

/**
 * The arena without what depends on how the signaling was cut into calls (and nothing reads):
 * the signal-call counter, and the `next` word of a slot that stays signaled for a handle once
 * unlinked (its last link, a pending list's or the notify list's, is left in it).
 */
function arena(w: World): Buffer {
  const { base, size, slotOff, totalSlots } = w.rt.arena.layout;
  const b = Buffer.from(w.rt.arena.u8.slice(base, base + size));
  b.fill(0, L.ST_SIGNAL_CALLS, L.ST_SIGNAL_CALLS + 8);
  for (let s = 0; s < totalSlots; s++) {
    const p = slotOff + s * L.HOT_SIZE;
    const st = b.readUInt32LE(p + L.S_STATE);
    if (st & L.FS_ALLOC && !(st & (L.FS_QUEUED | L.FS_NOTIFY))) b.fill(0, p + L.S_NEXT, p + L.S_NEXT + 4);
  }
  return b;
}

function signalUpTo(w: World, ci: number, target: number, error: number): number {
  const ctx = w.ctxs[ci];
  const opts = error ? { error } : undefined;
  if (w.whole) return ctx.signalUpTo(target, opts);
  let n = 0;
  for (let s = ctx.signaledSeqno + 1; s < target; s++) n += ctx.signalUpTo(s, opts);
  return n + ctx.signalUpTo(target, opts);
}

type Op = (w: World) => unknown;

/** The scenario's operations, drawn once per seed (the same for the four worlds). */
function ops(seed: number, maxFences: number): Op[] {
  const r = prng(seed * 104729 + 7);
  const int = (n: number) => Math.floor(r() * n);
  const out: Op[] = [];
  for (let i = 0; i < OPS; i++) {
    const ci = int(2);
    const x = r();
    if (x < 0.3) {
      const n = [1, 2, 7, 64, 100, maxFences >> 1, 1 + int(maxFences)][int(7)];
      out.push((w) => codeOf(() => w.ctxs[ci].createFences(n)) ?? 'ok');
    } else if (x < 0.45) {
      const cb = r() < 0.6;
      const drop = !cb && r() < 0.4; // a handle-less fence (a callback keeps its handle)
      const dropEmitter = r() < 0.3;
      out.push((w) => {
        const code = codeOf(() => w.ctxs[ci].createFence());
        if (code) return code;
        const df = w.ctxs[ci].createFence();
        const seqno = df.seqno;
        if (cb) df.fence.addCallback((f) => w.log.push(`cb ${ci}:${f.seqno} t=${f.timestamp} e=${f.error}`));
        const fence = df.fence;
        if (drop) fence.release();
        if (dropEmitter) df.release();
        else w.held.push({ df, fence: drop ? null : fence });
        return seqno;
      });
    } else if (x < 0.75) {
      const drain = r() < 0.6;
      const error = r() < 0.2 ? -5 : 0;
      const frac = r();
      const dt = int(3) * 10;
      out.push((w) => {
        const ctx = w.ctxs[ci];
        if (dt) w.rt.sim.advance(dt);
        const lo = ctx.signaledSeqno;
        const target = drain ? ctx.lastSeqno : lo + Math.floor(frac * (ctx.lastSeqno - lo));
        if (target <= lo) return 'none';
        const n = signalUpTo(w, ci, target, error);
        expect(ctx.signaledSeqno).toBe(target);
        return n;
      });
    } else if (x < 0.85) {
      const k = r();
      out.push((w) => {
        // Out of order (C3): the fence stays linked, signaled, until it reaches the head.
        if (!w.held.length) return 'none';
        w.rt.sim.advance(5);
        return w.held[Math.floor(k * w.held.length)].df.signal();
      });
    } else {
      const k = r();
      out.push((w) => {
        if (!w.held.length) return 'none';
        const [{ df, fence }] = w.held.splice(Math.floor(k * w.held.length), 1);
        const seqno = df.seqno;
        df.release();
        fence?.release();
        return seqno;
      });
    }
  }
  return out;
}

describe('signal loop: run walk against the general loop', () => {
  it.each(Array.from({ length: SCENARIOS }, (_, i) => i + 1))('C3/R4: scenario %i gives byte-identical arenas, callbacks and timestamps', async (seed) => {
    const maxFences = [64, 300, 1024][seed % 3];
    const worlds = [await world('wasm', true, maxFences), await world('wasm', false, maxFences), await world('ts', true, maxFences), await world('ts', false, maxFences)];
    const names = ['wasm whole', 'wasm per fence', 'ts whole', 'ts per fence'];
    const list = ops(seed, maxFences);
    for (let i = 0; i < list.length; i++) {
      const res = worlds.map((w) => list[i](w));
      const ref = arena(worlds[0]);
      for (let k = 1; k < 4; k++) {
        expect(res[k], `${names[k]} result of op ${i}`).toEqual(res[0]);
        expect(arena(worlds[k]).equals(ref), `${names[k]} arena after op ${i}`).toBe(true);
      }
    }
    // Drain both contexts: every fence signaled, every slot without a handle recycled.
    for (const w of worlds) for (let ci = 0; ci < 2; ci++) if (w.ctxs[ci].pending) signalUpTo(w, ci, w.ctxs[ci].lastSeqno, 0);
    for (let k = 1; k < 4; k++) {
      expect(worlds[k].log, names[k]).toEqual(worlds[0].log);
      expect(arena(worlds[k]).equals(arena(worlds[0])), `${names[k]} final arena`).toBe(true);
      expect(worlds[k].rt.stats.fencesSignaled).toBe(worlds[0].rt.stats.fencesSignaled);
    }
    for (const w of worlds) {
      for (const ctx of w.ctxs) expect(ctx.pending).toBe(0);
      for (const { fence } of w.held) if (fence) expect(fence.signaled).toBe(true);
    }
  });
});

describe.each(BACKENDS)('signal loop edge cases (%s backend)', (backend) => {
  it('C3: runs walked both ways: a recycled batch comes back reversed, and each round signals all with its own timestamp', async () => {
    const N = 500;
    const rt = await runtime(backend, { maxFences: N });
    const ctx = rt.createContext();
    for (let round = 0; round < 4; round++) {
      const first = ctx.createFences(N);
      expect(codeOf(() => ctx.createFences(1))).toBe('ERR_CAPACITY'); // full: all or nothing
      rt.sim.advance(100);
      expect(ctx.signalUpTo(first + N - 1)).toBe(N);
      expect(ctx.pending).toBe(0);
      expect(ctx.signaledSeqno).toBe(first + N - 1);
    }
    expect(rt.stats.fencesSignaled).toBe(4 * N);
    // Every slot is free again: a full batch fits.
    expect(ctx.createFences(N)).toBe(4 * N + 1);
  });

  it('C3/F3: a held fence, a fence with callbacks and an out-of-order signaled fence in the middle of a run', async () => {
    const rt = await runtime(backend, { maxFences: 200 });
    const ctx = rt.createContext();
    const a = ctx.createFences(50); // 1..50
    const held = ctx.createFence(); // 51: a handle (pinned)
    const withCb = ctx.createFence(); // 52: callbacks
    const seen: string[] = [];
    withCb.fence.addCallback((f) => seen.push(`52 t=${f.timestamp} signaled=${f.signaled}`));
    ctx.createFences(20); // 53..72
    const early = ctx.createFence(); // 73: signaled out of order below
    ctx.createFences(27); // 74..100
    rt.sim.advance(7);
    early.signal();
    rt.sim.advance(3);
    expect(ctx.signalUpTo(100)).toBe(99);
    expect(a).toBe(1);
    expect(seen).toEqual(['52 t=10 signaled=true']);
    expect(held.fence.signaled).toBe(true);
    expect(held.fence.timestamp).toBe(10);
    expect(early.fence.timestamp).toBe(7);
    expect(ctx.pending).toBe(0);
    // Every slot without a handle was recycled: the three held fences keep theirs.
    expect(codeOf(() => ctx.createFences(198))).toBe('ERR_CAPACITY');
    expect(ctx.createFences(197)).toBe(101);
  });

  it('F3: a fence a loop recycles at once is never shown signaled and gets no timestamp (its cold slot keeps 0); a kept one gets its time', async () => {
    // The common drain touches only the hot array (layout.ts, "Fence slot"): what the test above
    // compares byte for byte relies on both loops leaving a recycled fence's timestamp alone.
    const rt = await runtime(backend, { maxFences: 64 });
    const ctx = rt.createContext();
    const a = rt.arena;
    ctx.createFences(10); // slots 0..9
    const held = ctx.createFence(); // slot 10
    ctx.createFences(5); // slots 11..15
    rt.sim.advance(42);
    expect(ctx.signalUpTo(8)).toBe(8); // a partial target: the general loop
    expect(ctx.signalUpTo(16)).toBe(8); // a drain: the run walk
    expect(held.fence.timestamp).toBe(42);
    expect(a.slotTimestamp(held.fence._record.slot)).toBe(42);
    const free: number[] = [];
    for (let s = a.header(L.H_FREE_HEAD); s !== L.NIL; s = a.i32[a.slotWord(s) + (L.S_NEXT >> 2)]) free.push(s);
    expect(free.length).toBe(15);
    expect(free.map((s) => a.slotTimestamp(s))).toEqual(free.map(() => 0));
    expect(free.map((s) => a.slotState(s))).toEqual(free.map(() => 0));
  });

  it('F4: a drain with an error sets it on every fence that has none', async () => {
    const rt = await runtime(backend, { maxFences: 64 });
    const ctx = rt.createContext();
    const fs = Array.from({ length: 5 }, () => ctx.createFence());
    fs[2].setError(-110);
    expect(ctx.signalUpTo(5, { error: -5 })).toBe(5);
    expect(fs.map((d) => d.fence.error)).toEqual([-5, -5, -110, -5, -5]);
  });

  it('C3: a partial target stops at it; interleaved batches on two contexts keep their own order', async () => {
    const rt = await runtime(backend, { maxFences: 300 });
    const [c1, c2] = [rt.createContext(), rt.createContext()];
    for (let i = 0; i < 5; i++) {
      c1.createFences(20);
      c2.createFences(20);
    }
    const h1 = c1.createFence();
    expect(c1.signalUpTo(37)).toBe(37);
    expect(c1.pending).toBe(64);
    expect(c2.signalUpTo(100)).toBe(100);
    expect(c1.signalUpTo(100)).toBe(63);
    expect(h1.fence.signaled).toBe(false);
    expect(c1.signalUpTo(101)).toBe(1);
    expect(h1.fence.signaled).toBe(true);
    expect(c1.pending + c2.pending).toBe(0);
  });

  it('C3: the run walk on a context with 64-bit seqnos and on one near the 32-bit wrap', async () => {
    const rt = await runtime(backend, { maxFences: 128 });
    const c64 = rt.createContext({ seqno64: true, startSeqno: 2 ** 40 });
    const first = c64.createFences(100);
    expect(first).toBe(2 ** 40);
    expect(c64.signalUpTo(first + 99)).toBe(100);
    const c32 = rt.createContext({ startSeqno: 0xffffffff - 10 });
    const f32 = c32.createFences(20);
    expect(c32.signalUpTo(f32 + 19)).toBe(20);
    expect(c32.pending + c64.pending).toBe(0);
  });
});
