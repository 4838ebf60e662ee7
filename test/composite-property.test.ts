/**
 * Property (X1-X3): random DAGs of arrays (wait-all and signal-on-any), chains and merges over
 * random plain fences, signaled in random order: every composite signals exactly once, at the
 * signal that completes what it depends on (never before), with the right error and timestamp; and
 * the wasm and ts backends record the same history.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DmaFence, DriverFence } from '../bindings/index.js';
import { BACKENDS, runtime } from './helpers.js';
import type { Backend } from './helpers.js';

interface Op {
  kind: 'array' | 'any' | 'chain' | 'merge';
  picks: number[];
  seqno: number;
}
interface Scenario {
  ctxOf: number[]; // plain fence i is on context ctxOf[i] (seqnos in creation order)
  ops: Op[];
  order: number[]; // events: signal plain order[e] (signalUpTo its seqno on its context)
  errors: number[]; // the event's error (0: none)
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    ctxOf: fc.array(fc.nat(3), { minLength: 2, maxLength: 10 }),
    ops: fc.array(
      fc.record({
        kind: fc.constantFrom('array', 'any', 'chain', 'merge') as fc.Arbitrary<Op['kind']>,
        picks: fc.array(fc.nat(1000), { minLength: 1, maxLength: 4 }),
        seqno: fc.integer({ min: 1, max: 20 }),
      }),
      { minLength: 1, maxLength: 12 },
    ),
    keys: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 10, maxLength: 10 }),
    errs: fc.array(fc.constantFrom(0, 0, -5, -62), { minLength: 10, maxLength: 10 }),
  })
  .map(({ ctxOf, ops, keys, errs }) => {
    const order = ctxOf.map((_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
    return { ctxOf, ops, order, errors: order.map((_, e) => errs[e]) };
  });

interface Node {
  f: DmaFence;
  /** Expected: the event that completes it, and (arrays, chains) its error. */
  doneAt: number;
  error: number | undefined;
  leaves: number[]; // plain fences it depends on
  composite: boolean;
}

/** One run: returns the history (per composite: the event its callback ran at, error, timestamp). */
async function run(backend: Backend, sc: Scenario): Promise<unknown[]> {
  const rt = await runtime(backend, { maxFences: 512, maxContexts: 128, strict: true });
  const ctxs = [0, 1, 2, 3].map(() => rt.createContext());
  const plains: DriverFence[] = sc.ctxOf.map((c) => ctxs[c].createFence());
  const P = plains.length;
  // The model: when each plain fence signals (event index) and with which error.
  const doneAt = new Array<number>(P).fill(Infinity);
  const errOf = new Array<number>(P).fill(0);
  const rank = new Array<number>(P).fill(Infinity); // signal order across the whole run
  let r = 0;
  sc.order.forEach((j, e) => {
    const idx = plains.map((_, i) => i).filter((i) => sc.ctxOf[i] === sc.ctxOf[j] && plains[i].seqno <= plains[j].seqno && doneAt[i] === Infinity);
    idx.sort((a, b) => plains[a].seqno - plains[b].seqno);
    for (const i of idx) {
      doneAt[i] = e;
      errOf[i] = sc.errors[e];
      rank[i] = r++;
    }
  });
  const nodes: Node[] = plains.map((p, i) => ({ f: p.fence, doneAt: doneAt[i], error: errOf[i], leaves: [i], composite: false }));
  for (const op of sc.ops) {
    const pick = (k: number) => op.picks[k % op.picks.length];
    if (op.kind === 'array' || op.kind === 'any') {
      const kids = [...new Set(op.picks.map((p) => p % P))];
      const f = rt.fenceArray(kids.map((i) => plains[i].fence), { signalOnAny: op.kind === 'any' });
      const byRank = [...kids].sort((a, b) => rank[a] - rank[b]);
      const first = byRank[0];
      nodes.push({
        f,
        doneAt: op.kind === 'any' ? doneAt[first] : Math.max(...kids.map((i) => doneAt[i])),
        error: op.kind === 'any' ? errOf[first] : (byRank.map((i) => errOf[i]).find((e) => e !== 0) ?? 0),
        leaves: kids,
        composite: true,
      });
    } else if (op.kind === 'chain') {
      const pi = pick(0) % (nodes.length + 1);
      const prev = pi === nodes.length || nodes[pi].f.kind === 'array' ? null : nodes[pi];
      let fnode = nodes[pick(1) % nodes.length];
      if (fnode.f.kind === 'chain') fnode = nodes[pick(1) % P];
      const f = rt.fenceChain(prev ? prev.f : null, fnode.f, op.seqno);
      nodes.push({
        f,
        doneAt: Math.max(fnode.doneAt, prev ? prev.doneAt : -1),
        error: 0, // X2.3: a link never carries an error
        leaves: [...fnode.leaves, ...(prev ? prev.leaves : [])],
        composite: true,
      });
    } else {
      const ins = op.picks.slice(0, 3).map((p) => nodes[p % nodes.length]);
      const f = rt.merge(...ins.map((n) => n.f));
      const leaves = [...new Set(ins.flatMap((n) => n.leaves))];
      // A merge waits for every leaf: a signal-on-any array merged is flattened into all of its children.
      nodes.push({ f, doneAt: Math.max(...leaves.map((i) => doneAt[i])), error: undefined, leaves, composite: true });
    }
  }
  // Every composite is enabled from the start: a callback records the event it ran at.
  const fired: number[][] = nodes.map(() => []);
  let event = -1;
  nodes.forEach((n, k) => {
    if (n.composite) expect(n.f.addCallback(() => fired[k].push(event))).toBe(true);
  });
  sc.order.forEach((j, e) => {
    event = e;
    rt.sim.advance(10);
    ctxs[sc.ctxOf[j]].signalUpTo(plains[j].seqno, sc.errors[e] ? { error: sc.errors[e] } : undefined);
  });
  const history: unknown[] = [];
  nodes.forEach((n, k) => {
    if (!n.composite) return;
    expect(fired[k], `node ${k} (${n.f.kind}) signals once, at event ${n.doneAt}`).toEqual([n.doneAt]);
    expect(n.f.signaled).toBe(true);
    expect(n.f.timestamp).toBe((n.doneAt + 1) * 10);
    if (n.error !== undefined) expect(n.f.error, `node ${k} (${n.f.kind}) error`).toBe(n.error);
    else expect([0, ...n.leaves.map((i) => errOf[i])]).toContain(n.f.error);
    history.push([n.f.kind, fired[k], n.f.error, n.f.timestamp, rt.unwrap(n.f).length]);
  });
  expect(rt.violations).toEqual([]);
  await rt.dispose();
  return history;
}

describe('composite DAG property', () => {
  it('X1-X3: every composite signals exactly once, never before its dependencies, with the right error; wasm and ts agree', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const [a, b] = [await run(BACKENDS[0], sc), await run(BACKENDS[1], sc)];
        expect(a).toEqual(b);
      }),
      { numRuns: 150, seed: 0x9e3779b9 },
    );
  }, 120_000);
});
