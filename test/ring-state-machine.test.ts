/**
 * R5, T1-T4 as a model-based property: random interleavings of submit, submitAsync, stop, reset,
 * restart, drop (every policy), inject, dev.lose, clock steps, aborts and dispose, checked after
 * every step against a small model of the ring's state machine:
 *
 * - only legal transitions (R5); a ring enters `dropped` from anything but `stopped` only under
 *   the policies that do not wait ('signal-on-drop', 'leak'); nothing ever leaves `dropped`;
 * - a call succeeds or fails as the model says (submit only while running, restart only stopped
 *   and never once a drop began, one drop per ring), with the documented codes only;
 * - every fence signals at most once, and by the end exactly once unless the ring was leaked;
 *   never before the device is proven idle (no premature-signal violation except under
 *   'signal-on-drop', where it is the measured outcome);
 * - every promise settles: by the end of the teardown (except a 'wait' drop stuck behind a hung
 *   job or a lost interrupt with no timeout handler, as documented), and all of them at dispose.
 *
 * RING_MODEL_RUNS=N runs the virtual-clock property N times per backend (default 250).
 *
 * Both backends; the virtual clock with many runs, the real clock (device in a worker, built
 * dist/ needed) with a few short ones.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DmaFence, DropPolicy, DropReport, HwRing, InjectKind, Runtime } from '../bindings/index.js';
import { BACKENDS, codeOf, runtime } from './helpers.js';

type Abort = 'none' | 'before' | 'after';
type Op =
  | { k: 'submit'; n: number }
  | { k: 'submitAsync'; abort: Abort }
  | { k: 'stop'; abort: Abort }
  | { k: 'reset'; abort: Abort }
  | { k: 'restart' }
  | { k: 'drop'; policy: DropPolicy; abort: Abort }
  | { k: 'inject'; kind: InjectKind }
  | { k: 'lose' }
  | { k: 'advance'; ns: number }
  | { k: 'yield' }
  | { k: 'dispose' };

const abortArb = fc.constantFrom<Abort>('none', 'none', 'none', 'before', 'after');

function opArb(policies: readonly DropPolicy[]): fc.Arbitrary<Op> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ k: fc.constant('submit' as const), n: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('submitAsync' as const), abort: abortArb }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('stop' as const), abort: abortArb }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('reset' as const), abort: abortArb }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('restart' as const) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('drop' as const), policy: fc.constantFrom(...policies), abort: abortArb }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('inject' as const), kind: fc.constantFrom<InjectKind>('hang', 'slow', 'lostIrq', 'noAck') }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('lose' as const) }) },
    { weight: 6, arbitrary: fc.record({ k: fc.constant('advance' as const), ns: fc.integer({ min: 1, max: 30_000 }) }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('yield' as const) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('dispose' as const) }) },
  );
}

interface Config {
  seed: number;
  stoppable: boolean;
  ack: 'ok' | 'delayed' | 'never';
  tdr: boolean;
  resubmit: boolean;
  ops: Op[];
}

/** R5's transitions; `*` ones into dropped only under a policy that does not wait for the device. */
const LEGAL: Record<string, string[]> = {
  running: ['stopping', 'faulted', 'dropped*'],
  stopping: ['stopped', 'faulted', 'dropped*'],
  faulted: ['resetting'],
  resetting: ['stopped', 'running', 'dropped*'],
  stopped: ['running', 'faulted', 'dropped'],
  dropped: [],
};

/** Codes each promise-returning call may reject with (besides nothing at all). */
const ALLOWED_REJECTIONS: Record<string, string[]> = {
  stop: ['ERR_RING_STATE', 'AbortError', 'ERR_DISPOSED'],
  reset: ['ERR_RING_STATE', 'AbortError', 'ERR_DISPOSED'],
  drop: ['ERR_RING_STATE', 'AbortError', 'ERR_DISPOSED'],
  submitAsync: ['ERR_RING_STOPPED', 'AbortError', 'ERR_DISPOSED'],
  lose: ['AbortError', 'ERR_DISPOSED'],
};

interface Tracked {
  kind: string;
  state: 'pending' | 'resolved' | 'rejected';
  code?: string;
  /** drop: the ring's state when its report arrived */
  stateAtReport?: string;
  report?: DropReport;
  policy?: DropPolicy;
}

const macrotask = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Harness {
  readonly tracked: Tracked[] = [];
  readonly counts = new Map<DmaFence, number>();
  readonly fences: DmaFence[] = [];
  dropPolicy: DropPolicy | undefined;
  lost = false;
  disposed = false;
  /** A hang or a lost interrupt was armed: only a timeout handler ends a 'wait' drop then. */
  stallInjected = false;
  #eventsSeen = 0;
  readonly log: string[] = [];

  constructor(
    readonly rt: Runtime,
    readonly ring: HwRing,
    readonly cfg: Config,
    readonly real: boolean,
  ) {}

  watch(f: DmaFence): void {
    this.fences.push(f);
    this.counts.set(f, 0);
    if (!f.addCallback(() => this.counts.set(f, this.counts.get(f)! + 1))) this.counts.set(f, 1);
  }

  track(kind: string, p: Promise<unknown>, extra: Partial<Tracked> = {}): Tracked {
    const t: Tracked = { kind, state: 'pending', ...extra };
    this.tracked.push(t);
    p.then(
      (v) => {
        t.state = 'resolved';
        if (kind === 'drop') {
          t.report = v as DropReport;
          t.stateAtReport = this.disposed ? 'disposed' : this.ring.state;
        }
        if (kind === 'submitAsync') this.watch(v as DmaFence);
      },
      (e) => {
        t.state = 'rejected';
        t.code = e instanceof DOMException ? e.name : ((e as { code?: string })?.code ?? String(e));
      },
    );
    return t;
  }

  /** An AbortSignal for a call: none, aborted already, or aborted right after the call. */
  #signal(abort: Abort): { signal?: AbortSignal; after(): void } {
    if (abort === 'none') return { after() {} };
    if (abort === 'before') return { signal: AbortSignal.abort(), after() {} };
    const ac = new AbortController();
    return { signal: ac.signal, after: () => ac.abort() };
  }

  async step(op: Op): Promise<void> {
    const { rt, ring } = this;
    this.log.push(JSON.stringify(op));
    const before = ring.state;
    switch (op.k) {
      case 'submit':
        for (let i = 0; i < op.n; i++) {
          const s = ring.state;
          try {
            this.watch(ring.submit({}));
            expect(s, 'submit succeeds only while running').toBe('running');
          } catch (e) {
            const code = (e as { code?: string }).code;
            if (s === 'running') expect(code).toBe('ERR_RING_FULL');
            else expect(code).toBe('ERR_RING_STOPPED');
          }
        }
        break;
      case 'submitAsync': {
        const a = this.#signal(op.abort);
        const t = this.track('submitAsync', ring.submitAsync({}, a.signal ? { signal: a.signal } : undefined));
        a.after();
        await Promise.resolve();
        if (op.abort === 'before') expect(t.code).toBe('AbortError');
        break;
      }
      case 'stop':
      case 'reset': {
        const a = this.#signal(op.abort);
        const opts = a.signal ? { signal: a.signal } : undefined;
        const t = this.track(op.k, op.k === 'stop' ? ring.stop(opts) : ring.reset(opts));
        a.after();
        await Promise.resolve();
        if (op.abort === 'before') expect(t.code).toBe('AbortError');
        else if (op.k === 'reset' && this.dropPolicy) expect(t.code, 'reset once a drop began').toBe('ERR_RING_STATE');
        else if (op.k === 'stop' && before === 'dropped') expect(t.code, 'stop on a dropped ring').toBe('ERR_RING_STATE');
        break;
      }
      case 'restart': {
        const code = codeOf(() => ring.restart());
        if (before === 'stopped' && !this.dropPolicy && !this.lost) expect(code, 'restart of a stopped ring').toBeUndefined();
        else expect(code, `restart from ${before}${this.dropPolicy ? ' with a drop begun' : ''}`).toBe('ERR_RING_STATE');
        break;
      }
      case 'drop': {
        const a = this.#signal(op.abort);
        const t = this.track('drop', ring.drop({ policy: op.policy, ...(a.signal ? { signal: a.signal } : {}) }), { policy: op.policy });
        a.after();
        await Promise.resolve();
        if (op.abort === 'before') expect(t.code).toBe('AbortError');
        else if (this.dropPolicy) expect(t.code, 'one drop per ring').toBe('ERR_RING_STATE');
        else this.dropPolicy = op.policy;
        break;
      }
      case 'inject':
        ring.device.inject(op.kind);
        if (op.kind === 'hang' || op.kind === 'lostIrq') this.stallInjected = true;
        break;
      case 'lose':
        this.lost = true;
        this.track('lose', ring.device.lose());
        break;
      case 'advance':
        if (this.real) await sleep(Math.ceil(op.ns / 10_000));
        else rt.sim.advance(op.ns);
        break;
      case 'yield':
        await macrotask();
        break;
      case 'dispose':
        await this.dispose();
        return;
    }
    this.checkInvariants();
  }

  checkInvariants(): void {
    const ev = this.rt.events;
    for (; this.#eventsSeen < ev.length; this.#eventsSeen++) {
      const e = ev[this.#eventsSeen];
      if (e.name !== 'ring-state') continue;
      const from = String(e.args.from);
      const to = String(e.args.to);
      const legal = LEGAL[from];
      const ok =
        legal.includes(to) ||
        (legal.includes(`${to}*`) && (this.dropPolicy === 'leak' || this.dropPolicy === 'signal-on-drop'));
      expect(ok, `illegal transition ${from} -> ${to} (drop policy ${this.dropPolicy}); ops ${this.log.join(' ')}`).toBe(true);
      if (from === 'resetting' && to === 'running') expect(this.cfg.resubmit, 'resetting -> running only with resubmit').toBe(true);
    }
    if (!this.disposed && this.ring.state === 'dropped') expect(this.dropPolicy).toBeDefined();
    for (const [f, n] of this.counts) expect(n, `fence ${f.seqno} signaled more than once`).toBeLessThanOrEqual(1);
    for (const t of this.tracked) {
      if (t.state === 'rejected') expect(ALLOWED_REJECTIONS[t.kind], `${t.kind} rejected ${t.code}`).toContain(t.code);
      if (t.kind === 'drop' && t.state === 'resolved' && t.stateAtReport !== 'disposed') {
        expect(t.stateAtReport, 'a resolved drop leaves the ring dropped').toBe('dropped');
        if (t.policy !== 'leak') expect(t.report!.fences.unsignaled).toBe(0);
        if (t.policy === 'emitter-guarantee' || t.policy === 'wait') expect(t.report!.violations).toEqual([]);
      }
    }
    const kinds = new Set(this.rt.violations.map((v) => v.kind));
    for (const k of kinds) {
      if (k === 'premature-signal') expect(this.dropPolicy, 'premature signal outside signal-on-drop').toBe('signal-on-drop');
      else if (k === 'unsignaled-at-drop') expect(this.dropPolicy).toBe('leak');
      else expect.fail(`unexpected violation ${k}: ${this.rt.violations.find((v) => v.kind === k)?.message}`);
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.rt.dispose();
    await macrotask();
    for (const t of this.tracked) expect(t.state, `${t.kind} still pending after dispose`).not.toBe('pending');
    expect(codeOf(() => this.ring.state)).toBe('ERR_DISPOSED');
    expect(codeOf(() => this.ring.submit({}))).toBe('ERR_DISPOSED');
  }

  /** Drives the virtual clock until nothing moves any more (promise continuations included). */
  async settleVirtual(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const { events } = this.rt.sim.runUntilIdle();
      await macrotask();
      if (events === 0 && this.rt.sim.runUntilIdle().events === 0) return;
    }
  }

  /** Real clock: waits until the ring is dropped (or a deadline). */
  async settleReal(): Promise<void> {
    const until = performance.now() + 10_000;
    while (performance.now() < until && this.ring.state !== 'dropped') await sleep(5);
    await sleep(20);
  }

  /** The teardown at the end: a drop if none began, then everything must have settled. */
  async finish(): Promise<void> {
    if (this.disposed) return;
    if (!this.dropPolicy) {
      this.track('drop', this.ring.drop(), { policy: 'emitter-guarantee' });
      this.dropPolicy = 'emitter-guarantee';
    }
    if (this.real) await this.settleReal();
    else await this.settleVirtual();
    this.checkInvariants();
    const stuck = this.ring.state !== 'dropped';
    if (stuck) {
      // Documented: 'wait' relies on the timeout handler (which also polls for lost interrupts,
      // R4); with none, a hung job or a lost interrupt blocks it forever.
      expect(this.dropPolicy, `ring left ${this.ring.state}; ops ${this.log.join(' ')}`).toBe('wait');
      expect(this.cfg.tdr && !this.real, 'a timeout handler ends a hung job').toBe(false);
      expect(this.stallInjected).toBe(true);
    } else {
      const all = this.dropPolicy !== 'leak';
      for (const [f, n] of this.counts) {
        if (all) expect(n, `fence ${f.seqno} never signaled (${this.dropPolicy}); ops ${this.log.join(' ')}`).toBe(1);
      }
      for (const t of this.tracked) expect(t.state, `${t.kind} still pending after the teardown; ops ${this.log.join(' ')}`).not.toBe('pending');
    }
    await this.dispose();
  }
}

async function run(backend: (typeof BACKENDS)[number], cfg: Config, real: boolean): Promise<void> {
  const rt = await runtime(backend, { seed: cfg.seed, maxFences: 1024, maxRingCapacity: 8, ...(real ? { clock: 'real' as const } : {}) });
  try {
    const dev = rt.createDevice({
      stoppable: cfg.stoppable,
      latency: real ? { baseNs: 200_000 } : { baseNs: 1000, jitter: 0.3 },
      ackNs: real ? 300_000 : 300,
      resetNs: real ? 500_000 : 2000,
      faults: { ack: cfg.ack },
    });
    const ring = rt.createRing({
      device: dev,
      capacity: 4,
      // Real clock: no timeout handler (a loaded machine must not fire it spuriously); the stop
      // bound still ends a hung job.
      timeoutNs: !real && cfg.tdr ? 20_000 : Infinity,
      stopTimeoutNs: real ? 5e6 : 10_000,
      resubmit: cfg.resubmit,
    });
    const h = new Harness(rt, ring, cfg, real);
    for (const op of cfg.ops) {
      await h.step(op);
      if (h.disposed) break;
    }
    await h.finish();
  } finally {
    if (!rt.disposed) await rt.dispose();
  }
}

function configArb(policies: readonly DropPolicy[], maxOps: number): fc.Arbitrary<Config> {
  return fc.record({
    seed: fc.integer({ min: 1, max: 1 << 30 }),
    stoppable: fc.boolean(),
    ack: fc.constantFrom<'ok' | 'delayed' | 'never'>('ok', 'delayed', 'never'),
    tdr: fc.boolean(),
    resubmit: fc.boolean(),
    ops: fc.array(opArb(policies), { minLength: 1, maxLength: maxOps }),
  });
}

const ALL_POLICIES: readonly DropPolicy[] = ['emitter-guarantee', 'wait', 'signal-on-drop', 'leak'];

describe.each(BACKENDS)('ring state machine, model-based (%s backend)', (backend) => {
  it('R5/T1-T4: random stop/reset/restart/drop/dispose/submit/advance/inject interleavings on the virtual clock follow the model', async () => {
    await fc.assert(
      fc.asyncProperty(configArb(ALL_POLICIES, 40), (cfg) => run(backend, cfg, false)),
      {
        numRuns: Number(process.env.RING_MODEL_RUNS ?? 250),
        // Found by this test once drop policies became functions of the steps: a device loss while
        // the policy's promise settled began a reset, and the drop went resetting -> dropped.
        examples: [
          [{ seed: 1, stoppable: false, ack: 'ok', tdr: false, resubmit: false, ops: [{ k: 'drop', policy: 'emitter-guarantee', abort: 'none' }, { k: 'lose' }, { k: 'submitAsync', abort: 'none' }] } as never],
        ],
      },
    );
  });

  it('R5/T1-T4: the same on the real clock (device in a worker), fewer and shorter runs', async () => {
    // 'wait' is left out here: with no timeout handler a hung job blocks it for good (shown on the
    // virtual clock), and a real-clock run cannot tell "blocked" from "slow" in bounded time.
    await fc.assert(
      fc.asyncProperty(configArb(['emitter-guarantee', 'signal-on-drop', 'leak'], 12), (cfg) => run(backend, cfg, true)),
      {
        numRuns: Number(process.env.RING_MODEL_REAL_RUNS ?? 8),
        // Found by this test: a second device loss began a reset after the stop had resolved, and
        // the emitter-guarantee drop went resetting -> dropped. Always run it.
        examples: [
          [
            {
              seed: 13, stoppable: false, ack: 'never', tdr: true, resubmit: true,
              ops: [
                { k: 'submitAsync', abort: 'none' }, { k: 'submit', n: 1 }, { k: 'lose' }, { k: 'restart' }, { k: 'restart' },
                { k: 'submit', n: 2 }, { k: 'submit', n: 3 }, { k: 'submit', n: 1 }, { k: 'submit', n: 3 }, { k: 'lose' },
                { k: 'stop', abort: 'none' }, { k: 'advance', ns: 22515 },
              ],
            } as never,
          ],
        ],
      },
    );
  });
});
