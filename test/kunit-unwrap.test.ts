/**
 * A port of the kernel's KUnit suite drivers/dma-buf/st-dma-fence-unwrap.c (X3): sanity,
 * unwrap_array, unwrap_chain, unwrap_chain_array, unwrap_merge, unwrap_merge_duplicate,
 * unwrap_merge_seqno, unwrap_merge_order, unwrap_merge_complex, unwrap_merge_complex_seqno.
 * The kernel's `__mock_fence(context, seqno)` is a fence of a context of ours; fences are told
 * apart by (context, seqno).
 */
import { describe, expect, it } from 'vitest';
import type { DmaFence, FenceContext, Runtime } from '../bindings/index.js';
import { BACKENDS, runtime } from './helpers.js';

const id = (f: DmaFence) => `${f.context}:${f.seqno}`;

describe.each(BACKENDS)('st-dma-fence-unwrap (%s backend)', (backend) => {
  const rt0 = () => runtime(backend, { maxFences: 256, maxContexts: 64 });
  const mock = (rt: Runtime) => rt.createContext({ driverName: 'mock', timelineName: 'mock' }).createFence().fence;
  /** Fences at given seqnos of one context (created in order: seqno i is the i-th). */
  const on = (ctx: FenceContext, n: number) => Array.from({ length: n }, () => ctx.createFence().fence);

  it('X3.1 sanity: unwrap of a plain fence is that fence', async () => {
    const rt = await rt0();
    const f = mock(rt);
    expect(rt.unwrap(f).map(id)).toEqual([id(f)]);
  });

  it('X3.1 unwrap_array: an array unwraps to its children, in order', async () => {
    const rt = await rt0();
    const [f1, f2] = [mock(rt), mock(rt)];
    const array = rt.fenceArray([f1, f2]);
    expect(rt.unwrap(array).map(id)).toEqual([id(f1), id(f2)]);
  });

  it('X3.1 unwrap_chain: a chain unwraps newest link first', async () => {
    const rt = await rt0();
    const [f1, f2] = [mock(rt), mock(rt)];
    const chain = rt.fenceChain(rt.fenceChain(null, f1, 1), f2, 2);
    expect(rt.unwrap(chain).map(id)).toEqual([id(f2), id(f1)]);
  });

  it('X3.1 unwrap_chain_array: a chain over an array unwraps to the array\'s children', async () => {
    const rt = await rt0();
    const [f1, f2] = [mock(rt), mock(rt)];
    const chain = rt.fenceChain(null, rt.fenceArray([f1, f2]), 1);
    expect(rt.unwrap(chain).map(id)).toEqual([id(f1), id(f2)]);
  });

  it('X3.2 unwrap_merge: merge(f1, f2) then merge(f3, f1) hold f1 and f2 once each', async () => {
    const rt = await rt0();
    const [f1, f2] = [mock(rt), mock(rt)];
    const f3 = rt.merge(f1, f2);
    expect(rt.unwrap(f3).map(id).sort()).toEqual([id(f1), id(f2)].sort());
    const f4 = rt.merge(f3, f1);
    expect(rt.unwrap(f4).map(id).sort()).toEqual([id(f1), id(f2)].sort());
  });

  it('X3.2 unwrap_merge_duplicate: merge(f1, f1) is f1 itself', async () => {
    const rt = await rt0();
    const f1 = mock(rt);
    const f2 = rt.merge(f1, f1);
    expect(f2.kind).toBe('fence');
    expect(rt.unwrap(f2).map(id)).toEqual([id(f1)]);
  });

  it('X3.2 unwrap_merge_seqno: per context only the later fence is kept', async () => {
    const rt = await rt0();
    const [c0, c1] = [rt.createContext(), rt.createContext()];
    const [f3, f4] = on(c0, 2);
    const [f1, f2] = on(c1, 2);
    const f5 = rt.merge(f1, f2, f3, f4);
    expect(rt.unwrap(f5).map(id).sort()).toEqual([id(f2), id(f4)].sort());
  });

  it('X3.2 unwrap_merge_order: the merged array is in context order, whatever the input order', async () => {
    const rt = await rt0();
    const [f1, f2] = [mock(rt), mock(rt)];
    const a1 = rt.fenceArray([f2, f1]);
    const c1 = rt.fenceChain(rt.fenceChain(null, f2, 1), f1, 2);
    for (const m of [rt.merge(a1, c1), rt.merge(c1, a1)]) expect(rt.unwrap(m).map(id)).toEqual([id(f1), id(f2)]);
  });

  it('X3.2 unwrap_merge_complex: merges of merges stay flat, each leaf once', async () => {
    const rt = await rt0();
    const [f1, f2] = [mock(rt), mock(rt)];
    const f3 = rt.merge(f1, f2);
    const f4 = rt.merge(f2, f1);
    const f5 = rt.merge(f3, f4);
    expect(rt.unwrap(f5).map(id)).toEqual([id(f1), id(f2)]);
    for (const leaf of rt.unwrap(f5)) expect(leaf.kind).toBe('fence');
  });

  it('X3.2 unwrap_merge_complex_seqno: across merges, per context the latest survives', async () => {
    const rt = await rt0();
    const [c0, c1] = [rt.createContext(), rt.createContext()];
    const [f3, f1] = on(c0, 2); // f1 = (c0, 2), f3 = (c0, 1)
    const [f2, f4] = on(c1, 2); // f2 = (c1, 1), f4 = (c1, 2)
    const f5 = rt.merge(f1, f2);
    const f6 = rt.merge(f3, f4);
    const f7 = rt.merge(f5, f6);
    expect(rt.unwrap(f7).map(id)).toEqual([id(f1), id(f4)]);
  });
});
