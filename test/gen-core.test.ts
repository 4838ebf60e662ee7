/**
 * The generated ts core (bindings/core/ts-core.gen.ts, made from assembly/ by
 * scripts/gen-ts-core.mjs):
 * - the file is exactly what the generator makes now (run in memory), so nobody edits it by hand
 *   and a change to assembly/ without `npm run gen:core` fails here;
 * - every memory access is aligned for its width (the generator proves it; here its constant
 *   offsets and its assumptions about the arena are checked against the layout);
 * - the generator refuses what it does not understand and notes implicit wraps;
 * - differential: the wasm core and the generated ts core run the same
 *   random operations (fences, rings, devices, faults, DMA memory, protocols) with identical
 *   results at every step and identical arena bytes at the end; the same at the u32 edges (ring
 *   counters about to wrap, a context index with the state word's top bit, 32-bit seqno wrap);
 *   and the teardown matrix is identical.
 *
 * The generated core is the ts backend (there is no hand-written one any more): every other suite
 * runs on it as backend 'ts'.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as L from '../bindings/core/layout.js';
import { ARENA_BASE, Arena, computeLayout } from '../bindings/arena.js';
import { runTeardownMatrix } from '../bindings/index.js';
import type { DmaBuffer, DmaDevice, DmaFence, DriverFence, FenceContext, HwRing, Runtime, RuntimeOptions, TeardownResult } from '../bindings/index.js';
import { TsCore as GenTsCore } from '../bindings/core/ts-core.gen.js';
import { createWasmCore } from '../bindings/core/wasm-core.js';
import { ALIGNED_HEADER_WORDS, OUTPUT, ROOT, generate } from '../scripts/gen-ts-core.mjs';
import { runtime } from './helpers.js';

type Kind = 'wasm' | 'ts';
const KINDS: Kind[] = ['wasm', 'ts'];

/** A runtime on one of the two cores (and a check that 'ts' is the generated core). */
async function rtOf(kind: Kind, opts: RuntimeOptions): Promise<Runtime> {
  const rt = await runtime(kind, opts);
  const core = (rt as unknown as { core: object }).core;
  if (kind === 'ts' && !(core instanceof GenTsCore)) throw new Error('the ts backend is not the generated core');
  return rt;
}

function arenaBytes(rt: Runtime): Buffer {
  const { base, size } = rt.arena.layout;
  return Buffer.from(rt.arena.u8.subarray(base, base + size));
}

describe('generated ts core: the file', () => {
  it('is what scripts/gen-ts-core.mjs makes from assembly/ now (run npm run gen:core)', () => {
    const { text } = generate();
    expect(readFileSync(join(ROOT, OUTPUT), 'utf8') === text).toBe(true);
    expect(text.startsWith('/**\n * generated from assembly/ by scripts/gen-ts-core.mjs; do not edit.')).toBe(true);
  });

  it('is plain TypeScript over typed arrays: no DataView, no closure, no allocation in a method', () => {
    const code = generate()
      .text.replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    expect(code).not.toMatch(/DataView|=>|function\b|new (?!Uint8Array|Int32Array|Uint32Array|Float64Array|Int8Array|Uint16Array|Int16Array|Float32Array)\w+|\[\]|\{\s*\}/);
  });

  it('every access is aligned for its width: constant offsets, and what the generator assumes of the arena', () => {
    const { accesses } = generate();
    expect(accesses.length).toBeGreaterThan(100);
    for (const a of accesses) {
      expect(a.align % a.width, a.at).toBe(0);
      for (const c of a.consts) expect(c.value % a.width, `${a.at}: ${c.name} for a ${a.type} access`).toBe(0);
    }
    // The arena base, every region offset in the header and the ring stride are ALIGN-aligned.
    expect(ARENA_BASE % L.ALIGN).toBe(0);
    expect(L.RING_SIZE % L.ALIGN).toBe(0);
    expect(L.SLOT_BYTES % L.ALIGN).toBe(0);
    for (const sizes of [
      { maxFences: 1, maxContexts: 1, maxRings: 0, ringStride: L.RING_SIZE, dmaBytes: 0, maxSchedulers: 0, maxEntities: 0, maxJobs: 0 },
      { maxFences: 7, maxContexts: 3, maxRings: 3, ringStride: L.RING_SIZE + 8 * L.SLOT_BYTES, dmaBytes: 64 * 5, maxSchedulers: 1, maxEntities: 3, maxJobs: 5 },
      { maxFences: 65537, maxContexts: 1025, maxRings: 8, ringStride: L.RING_SIZE + 1024 * L.SLOT_BYTES, dmaBytes: 1 << 16, maxSchedulers: 8, maxEntities: 64, maxJobs: 65536 },
    ]) {
      const arena = new Arena(computeLayout(sizes));
      for (const w of ALIGNED_HEADER_WORDS) expect(arena.header((L as Record<string, number>)[w]) % L.ALIGN, w).toBe(0);
      expect(arena.base % L.ALIGN).toBe(0);
    }
  });
});

describe('generated ts core: the generator', () => {
  /** A scratch repository: the real layout, a made-up assembly/. */
  function scratch(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'gen-core-'));
    mkdirSync(join(root, 'assembly'));
    mkdirSync(join(root, 'bindings/core'), { recursive: true });
    cpSync(join(ROOT, 'bindings/core/layout.ts'), join(root, 'bindings/core/layout.ts'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
    return root;
  }
  const head = 'import { S_STATE, DMA_CHUNKS } from "../bindings/core/layout";\n';

  it('refuses what it does not understand, naming the file and line', () => {
    const root = scratch({
      'assembly/index.ts': 'export { f } from "./m";\n',
      'assembly/m.ts': head + 'export function f(base: usize): i32 {\n  return changetype<i32>(base);\n}\n',
    });
    expect(() => generate({ root })).toThrow(/assembly\/m\.ts:3:\d+: unknown function changetype/);
    const root2 = scratch({
      'assembly/index.ts': 'export { f } from "./m";\n',
      'assembly/m.ts': head + 'export function f(base: usize): i32 {\n  return load<u32>(base + 2);\n}\n',
    });
    expect(() => generate({ root: root2 })).toThrow(/m\.ts:3:\d+: cannot prove this u32 access 4-byte aligned/);
  });

  it('makes a wrapped value exact where its value matters, and notes it unless a cast says so', () => {
    const root = scratch({
      'assembly/index.ts': 'export { f, g } from "./m";\n',
      'assembly/m.ts':
        head +
        'export function f(base: usize, a: u32): i32 {\n  const d = a - load<u32>(base + S_STATE);\n  store<u32>(base + S_STATE, d);\n  return d < <u32>DMA_CHUNKS ? 1 : 0;\n}\n' +
        'export function g(base: usize, a: u32): i32 {\n  const d = <u32>(a - load<u32>(base + S_STATE));\n  return d >> 1 < <u32>DMA_CHUNKS ? 1 : 0;\n}\n',
    });
    const { text, notes } = generate({ root });
    expect(text).toContain('const d = (a - u32[(base + S_STATE) >>> 2]) >>> 0;');
    expect(text).toContain('return (d >>> 1) < DMA_CHUNKS ? 1 : 0;');
    expect(notes.map((n: { line: number }) => n.line)).toEqual([3, 9]); // f's d (no cast); g's unsigned >>
  });
});

// ── differential ─────────────────────────────────────────────────────────────────────────────

type Op =
  | { op: 'create'; ctx: number }
  | { op: 'batch'; ctx: number; n: number }
  | { op: 'setError'; i: number; e: number }
  | { op: 'signal'; i: number }
  | { op: 'signalUpTo'; ctx: number; ahead: number; error: number }
  | { op: 'addCallback'; i: number }
  | { op: 'removeCallback'; i: number }
  | { op: 'release'; i: number }
  | { op: 'wait0'; i: number }
  | { op: 'submit'; ring: number; job: number; hold: boolean }
  | { op: 'submitBatch'; ring: number; n: number; job: number }
  | { op: 'inject'; dev: number; kind: 'hang' | 'slow' | 'lostIrq' | 'noAck' }
  | { op: 'stop'; ring: number }
  | { op: 'reset'; ring: number }
  | { op: 'restart'; ring: number }
  | { op: 'drop'; ring: number; policy: 'emitter-guarantee' | 'wait' | 'signal-on-drop' | 'leak' }
  | { op: 'newRing'; dev: number }
  | { op: 'realloc'; buf: number }
  | { op: 'freeAfter'; buf: number; i: number }
  | { op: 'advance'; ns: number }
  | { op: 'idle' }
  | { op: 'lose'; dev: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), ctx: fc.nat(2) }),
  fc.record({ op: fc.constant('batch' as const), ctx: fc.nat(2), n: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('setError' as const), i: fc.nat(30), e: fc.constantFrom(-5, -62, -125, -4095, 0, 7) }),
  fc.record({ op: fc.constant('signal' as const), i: fc.nat(30) }),
  fc.record({ op: fc.constant('signalUpTo' as const), ctx: fc.nat(2), ahead: fc.integer({ min: -2, max: 8 }), error: fc.constantFrom(0, -125) }),
  fc.record({ op: fc.constant('addCallback' as const), i: fc.nat(30) }),
  fc.record({ op: fc.constant('removeCallback' as const), i: fc.nat(30) }),
  fc.record({ op: fc.constant('release' as const), i: fc.nat(30) }),
  fc.record({ op: fc.constant('wait0' as const), i: fc.nat(30) }),
  { weight: 8, arbitrary: fc.record({ op: fc.constant('submit' as const), ring: fc.nat(3), job: fc.nat(3), hold: fc.boolean() }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('submitBatch' as const), ring: fc.nat(3), n: fc.integer({ min: 1, max: 5 }), job: fc.nat(3) }) },
  fc.record({ op: fc.constant('inject' as const), dev: fc.nat(1), kind: fc.constantFrom('hang' as const, 'slow' as const, 'lostIrq' as const, 'noAck' as const) }),
  fc.record({ op: fc.constant('stop' as const), ring: fc.nat(3) }),
  fc.record({ op: fc.constant('reset' as const), ring: fc.nat(3) }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('restart' as const), ring: fc.nat(3) }) },
  fc.record({ op: fc.constant('drop' as const), ring: fc.nat(3), policy: fc.constantFrom('emitter-guarantee' as const, 'wait' as const, 'signal-on-drop' as const, 'leak' as const) }),
  fc.record({ op: fc.constant('newRing' as const), dev: fc.nat(1) }),
  fc.record({ op: fc.constant('realloc' as const), buf: fc.nat(3) }),
  fc.record({ op: fc.constant('freeAfter' as const), buf: fc.nat(3), i: fc.nat(30) }),
  { weight: 8, arbitrary: fc.record({ op: fc.constant('advance' as const), ns: fc.integer({ min: 1, max: 20_000 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('idle' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('lose' as const), dev: fc.nat(1) }) },
);

const BUF_SIZES = [4096, 4096, 200, 1000];

/** One runtime and what the operations made on it; every operation's result goes in the log. */
class Model {
  ctxs: FenceContext[];
  devs: DmaDevice[];
  rings: HwRing[] = [];
  fences: DriverFence[] = [];
  held: DmaFence[] = [];
  bufs: DmaBuffer[];
  log: string[] = [];
  /** The callback last added to each fence index (removeCallback takes it off again). */
  cbs = new Map<number, (f: DmaFence) => void>();
  constructor(readonly rt: Runtime, readonly tag = '') {
    this.ctxs = [rt.createContext(), rt.createContext({ startSeqno: 0xfffffff0 }), rt.createContext({ seqno64: true })];
    const faults = { hang: 0.03, slow: 0.05, lostIrq: 0.03 };
    this.devs = [
      rt.createDevice({ latency: { baseNs: 700, perByteNs: 0.5, jitter: 0.4 }, faults, resetNs: 3000, ackNs: 400 }),
      rt.createDevice({ stoppable: false, latency: { baseNs: 300, perByteNs: 1 }, resetNs: 2000, ackNs: 300, faults: { ack: 'delayed' } }),
    ];
    this.rings.push(rt.createRing({ device: this.devs[0], capacity: 8, timeoutNs: 60_000, resubmit: true }));
    this.rings.push(rt.createRing({ device: this.devs[1], capacity: 4, timeoutNs: 40_000 }));
    this.bufs = BUF_SIZES.map((n) => rt.memory.alloc(n));
  }
  job(k: number) {
    switch (k) {
      case 0:
        return {};
      case 1:
        return { dst: this.bufs[0], pattern: 0xab };
      case 2:
        return { dst: this.bufs[2], offset: 3, bytes: 101, pattern: 0x5a }; // unaligned head and tail
      default:
        return { dst: this.bufs[3], offset: 64, bytes: 900, pattern: 0xff };
    }
  }
  now(): number | string {
    return this.rt.disposed ? 'disposed' : this.rt.sim.now;
  }
  later(p: Promise<unknown>, what: string) {
    p.then(
      (v) => this.log.push(`${what} ok ${JSON.stringify(v)} @${this.now()}`),
      (e) => this.log.push(`${what} ${(e as { code?: string }).code} @${this.now()}`),
    );
  }
  apply(o: Op): unknown {
    const pick = (i: number) => (this.fences.length ? this.fences[i % this.fences.length] : undefined);
    const ring = (i: number) => this.rings[i % this.rings.length];
    // A promise (protocols, lose) settles only as the clock is driven: its outcome goes in the log.
    const guard = (fn: () => unknown) => {
      try {
        const v = fn();
        if (v instanceof Promise) {
          this.later(v, `${o.op} #${this.log.length}`);
          return 'promise';
        }
        return v;
      } catch (e) {
        return `throw ${(e as { code?: string }).code ?? e}`;
      }
    };
    switch (o.op) {
      case 'create':
        return guard(() => {
          const df = this.ctxs[o.ctx].createFence();
          this.fences.push(df);
          return df.seqno;
        });
      case 'batch':
        return guard(() => this.ctxs[o.ctx].createFences(o.n));
      case 'setError':
        return guard(() => pick(o.i)?.setError(o.e));
      case 'signal':
        return guard(() => pick(o.i)?.signal());
      case 'signalUpTo': {
        const c = this.ctxs[o.ctx];
        return guard(() => c.signalUpTo(Math.max(0, c.signaledSeqno + o.ahead), o.error ? { error: o.error } : undefined));
      }
      case 'addCallback':
        return guard(() => {
          const df = pick(o.i);
          if (!df) return;
          const id = `${df.fence.context}:${df.seqno}`;
          const fn = (f: DmaFence) => this.log.push(`cb ${id} ${f.status} @${this.now()}`);
          this.cbs.set(o.i % this.fences.length, fn);
          return df.fence.addCallback(fn);
        });
      case 'removeCallback':
        return guard(() => {
          const df = pick(o.i);
          const fn = this.cbs.get(o.i % Math.max(1, this.fences.length));
          if (!df || !fn) return;
          return df.fence.removeCallback(fn);
        });
      case 'release':
        return guard(() => {
          const df = pick(o.i);
          if (!df) return;
          const f = df.fence;
          return [df.release(), f.release()];
        });
      case 'wait0':
        return guard(() => pick(o.i)?.fence.wait({ timeoutNs: 0 }));
      case 'submit':
        return guard(() => {
          const f = ring(o.ring).submit(this.job(o.job));
          const id = `${f.context}:${f.seqno}`;
          f.addCallback((g) => this.log.push(`job ${id} ${g.status} @${this.now()}`));
          if (o.hold) this.held.push(f);
          else f.release();
          return id;
        });
      case 'submitBatch':
        return guard(() => ring(o.ring).submitBatch(o.n, this.job(o.job)));
      case 'inject':
        return guard(() => this.devs[o.dev].inject(o.kind));
      case 'stop':
        return guard(() => ring(o.ring).stop());
      case 'reset':
        return guard(() => ring(o.ring).reset());
      case 'restart':
        return guard(() => ring(o.ring).restart());
      case 'drop':
        return guard(() =>
          ring(o.ring)
            .drop({ policy: o.policy })
            .then((r) => ({ fences: r.fences, violations: r.violations.length })),
        );
      case 'newRing':
        return guard(() => this.rings.push(this.rt.createRing({ device: this.devs[o.dev], capacity: 2 << o.dev, timeoutNs: 30_000 })));
      case 'realloc':
        return guard(() => {
          this.rt.memory.free(this.bufs[o.buf]); // jobs in flight may now write someone else's memory (M2)
          this.bufs[o.buf] = this.rt.memory.alloc(BUF_SIZES[o.buf]);
          return this.bufs[o.buf].offset;
        });
      case 'freeAfter':
        return guard(() => {
          const f = this.held.length ? this.held[o.i % this.held.length] : undefined;
          if (!f || f.released) return;
          this.rt.memory.freeAfter(this.bufs[o.buf], f);
          this.bufs[o.buf] = this.rt.memory.alloc(BUF_SIZES[o.buf]);
          return this.bufs[o.buf].offset;
        });
      case 'advance':
        return guard(() => this.rt.sim.advance(o.ns));
      case 'idle':
        return guard(() => this.rt.sim.runUntilIdle());
      case 'lose':
        return guard(() => this.devs[o.dev].lose());
    }
  }
  observe(): unknown {
    const ringState = (r: HwRing) => {
      try {
        return [r.state, r.inFlight, r.space, r.completedSeqno, r.irqs];
      } catch (e) {
        return (e as { code?: string }).code;
      }
    };
    return {
      now: this.rt.sim.now,
      ctx: this.ctxs.map((c) => [c.lastSeqno, c.signaledSeqno, c.pending]),
      fences: this.fences.map((df) => (df.released ? 'released' : fenceState(df.fence))),
      held: this.held.map((f) => (f.released ? 'released' : fenceState(f))),
      rings: this.rings.map(ringState),
      stats: this.rt.stats,
      violations: this.rt.violations.map((v) => `${v.kind} ${v.rule} ${v.context}:${v.seqno} @${v.timeNs}`),
      corruptions: this.rt.memory.corruptions.map((c) => JSON.stringify(c)),
      log: this.log.join('|'),
    };
  }
}

function fenceState(f: DmaFence) {
  return [f.seqno, f.status, f.error, f.signaled ? f.timestamp : null];
}

/** What the random runs reached (a test that drives nothing proves nothing). */
const coverage = { runs: 0, jobs: 0, bytes: 0, corruptions: 0, fences: 0, violations: new Set<string>(), events: new Set<string>() };

const settle = () => new Promise((r) => setImmediate(r));

async function twoWay(ops: Op[], opts: RuntimeOptions, prepare?: (m: Model) => void) {
  const models = [] as Model[];
  for (const k of KINDS) {
    const m = new Model(await rtOf(k, opts), k);
    prepare?.(m);
    models.push(m);
  }
  const [a, ...others] = models;
  for (const o of ops) {
    const ra = a.apply(o);
    for (const b of others) expect(b.apply(o), `${b.tag} ${JSON.stringify(o)}`).toEqual(ra);
    await Promise.resolve();
    const oa = a.observe();
    for (const b of others) expect(b.observe(), `${b.tag} after ${JSON.stringify(o)}`).toEqual(oa);
  }
  await settle();
  for (const b of others) expect(b.observe()).toEqual(a.observe());
  coverage.runs++;
  const st = a.rt.stats;
  coverage.jobs += st.jobsCompleted;
  coverage.bytes += st.dmaBytesWritten;
  coverage.corruptions += st.corruptions;
  coverage.fences += st.fencesSignaled;
  for (const v of a.rt.violations) coverage.violations.add(v.kind);
  for (const e of a.rt.events) coverage.events.add(e.name);
  const bytes = arenaBytes(a.rt);
  for (const b of others) expect(arenaBytes(b.rt).equals(bytes), `${b.tag}: arena bytes differ from wasm`).toBe(true);
  for (const m of models) await m.rt.dispose();
}

const OPTS: RuntimeOptions = { maxFences: 96, maxRings: 6, maxRingCapacity: 8, dmaBytes: 1 << 14, seed: 7 };

describe('generated ts core: differential against the wasm core', () => {
  it('F1-F8, C2-C4, R1-R6, D1-D4, M1-M3, T3-T4: fences, rings, devices, faults, DMA memory and protocols give identical results at every step, identical arena bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 100 }), fc.integer({ min: 1, max: 1000 }), async (ops, seed) => {
        await twoWay(ops, { ...OPTS, seed });
      }),
      { numRuns: 300 },
    );
    // What the runs reached: jobs with DMA writes, writes into memory that changed hands, the
    // timeout handler's resets, premature signals.
    expect(coverage.jobs).toBeGreaterThan(500);
    expect(coverage.bytes).toBeGreaterThan(100_000);
    expect(coverage.corruptions).toBeGreaterThan(0);
    expect([...coverage.violations]).toEqual(expect.arrayContaining(['corruption', 'premature-signal', 'unsignaled-at-drop']));
    expect([...coverage.events]).toEqual(expect.arrayContaining(['reset-effective', 'ack', 'drop']));
  });

  /** Sets a fresh ring's free-running counters (and its PRNG) just below 2^32, and its context's seqnos just below 2^32. */
  function nearWrap(m: Model) {
    const a = m.rt.arena;
    for (const r of m.rings) {
      const rp = a.base + a.layout.ringsOff + r.index * a.header(L.H_RING_STRIDE);
      for (const w of [L.R_TAIL, L.R_SIG_IDX, L.R_HEAD, L.R_RETIRED]) a.u32[(rp + w) >> 2] = 0xfffffffa;
      a.u32[(rp + L.R_PRNG) >> 2] = 0xdeadbeef;
      const c = a.ctxWord(a.u32[(rp + L.R_CTX) >> 2]);
      for (const w of [L.C_LAST_SEQNO, L.C_SIGNALED_SEQNO]) a.f64[(c >> 1) + (w >> 3)] = 0xfffffff9;
      a.f64[(rp + L.R_WRITEBACK) >> 3] = 0xfffffff9;
    }
  }

  it('u32 edges: ring counters and 32-bit seqnos wrapping, the PRNG with its top bit set', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 80 }), async (ops) => {
        await twoWay([{ op: 'submitBatch', ring: 0, n: 5, job: 1 }, { op: 'idle' }, ...ops, { op: 'submitBatch', ring: 1, n: 3, job: 3 }, { op: 'idle' }], OPTS, nearWrap);
      }),
      { numRuns: 40 },
    );
  });

  it('a context index >= 2^15: the state word has its top bit set', async () => {
    const opts = { ...OPTS, maxContexts: 33_000 };
    const ops: Op[] = [];
    for (let i = 0; i < 40; i++) ops.push({ op: 'submit', ring: 2 + (i % 2), job: i % 4, hold: i % 3 === 0 }, { op: 'create', ctx: i % 3 }, { op: 'advance', ns: 900 });
    ops.push({ op: 'signalUpTo', ctx: 0, ahead: 8, error: 0 }, { op: 'idle' }, { op: 'drop', ring: 3, policy: 'signal-on-drop' }, { op: 'idle' });
    await twoWay(ops, opts, (m) => {
      while (m.ctxs.length < 32_770) m.ctxs.push(m.rt.createContext());
      m.ctxs.splice(0, m.ctxs.length, ...m.ctxs.slice(-3));
      m.rings.push(m.rt.createRing({ device: m.devs[0], capacity: 8 }), m.rt.createRing({ device: m.devs[1], capacity: 4 }));
    });
  });

  it('isLater: the wasm and the generated core agree on any pair of seqnos', async () => {
    const rt = await rtOf('wasm', {});
    const wasm = await createWasmCore(rt.arena.memory);
    const gen = new GenTsCore(rt.arena.memory.buffer);
    const seq = fc.oneof(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0xfffff000, max: 0x100001000 }), fc.nat(1000));
    fc.assert(
      fc.property(seq, seq, fc.nat(1), (a, b, s) => {
        expect(gen.isLater(a, b, s)).toBe(wasm.isLater(a, b, s));
      }),
      { numRuns: 5000 },
    );
    await rt.dispose();
  });

  it('the teardown matrix is the same on the generated core as on the wasm core', async () => {
    const strip = (rows: TeardownResult[]) => rows.map(({ backend: _b, report, ...r }) => ({ ...r, fences: report?.fences, violations: report?.violations.map((v) => [v.kind, v.seqno, v.timeNs]) }));
    const a = await runTeardownMatrix({ backend: 'wasm', seed: 5, jobs: 80 });
    const g = await runTeardownMatrix({ backend: 'ts', seed: 5, jobs: 80 });
    expect(strip(g)).toEqual(strip(a));
  });
});
