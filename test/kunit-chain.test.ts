/**
 * A port of the kernel's KUnit suite drivers/dma-buf/st-dma-fence-chain.c (X2): find_seqno,
 * find_signaled, find_out_of_order, find_gap, find_race (as a seeded single-thread interleaving),
 * signal_forward/backward and wait_forward/backward/random on CHAIN_SZ = 4096 links. The mock fences
 * are each on a context of their own (the kernel's mocks share context 0 and skip ordering checks).
 */
import { describe, expect, it } from 'vitest';
import type { DmaFence, DriverFence, Runtime } from '../bindings/index.js';
import { BACKENDS, codeOf, runtime, prng } from './helpers.js';

const CHAIN_SZ = 4 << 10;

interface FenceChains {
  fences: DriverFence[];
  chains: DmaFence[];
  tail: DmaFence;
}

/** fence_chains_init: count mock fences, each wrapped in a link at seqno(i), chained in order. */
function chainsInit(rt: Runtime, count: number, seqno: (i: number) => number): FenceChains {
  const fences: DriverFence[] = [];
  const chains: DmaFence[] = [];
  let prev: DmaFence | null = null;
  for (let i = 0; i < count; i++) {
    const df = rt.createContext({ driverName: 'mock', timelineName: 'mock' }).createFence();
    fences.push(df);
    prev = rt.fenceChain(prev, df.fence, seqno(i));
    chains.push(prev);
  }
  return { fences, chains, tail: prev! };
}

const same = (a: DmaFence | null, b: DmaFence) => a !== null && a.context === b.context && a.seqno === b.seqno;

describe.each(BACKENDS)('st-dma-fence-chain (%s backend)', (backend) => {
  const rt0 = () => runtime(backend, { maxFences: 3 * CHAIN_SZ + 64, maxContexts: CHAIN_SZ + 64 });

  it('X2 sanity: a one-link chain signals with its fence', async () => {
    const rt = await rt0();
    const df = rt.createContext().createFence();
    const chain = rt.fenceChain(null, df.fence, 1);
    expect(chain.signaled).toBe(false);
    df.signal();
    expect(chain.signaled).toBe(true);
  });

  it('X2.6 find_seqno: every point found from the tail and from itself; future points refused', async () => {
    const rt = await rt0();
    const fc = chainsInit(rt, 64, (i) => i + 1);
    expect(same(rt.chainFind(fc.tail, 0), fc.tail)).toBe(true);
    for (let i = 0; i < 64; i++) {
      expect(same(rt.chainFind(fc.tail, i + 1), fc.chains[i])).toBe(true);
      expect(same(rt.chainFind(fc.chains[i], i + 1), fc.chains[i])).toBe(true);
      expect(codeOf(() => rt.chainFind(fc.chains[i], i + 2))).toBe('ERR_INVALID_SEQNO');
      if (i > 0) expect(same(rt.chainFind(fc.chains[i], i), fc.chains[i - 1])).toBe(true);
    }
  });

  it('X2.6 find_signaled: a signaled and collected point is null (or its own link)', async () => {
    const rt = await rt0();
    const fc = chainsInit(rt, 2, (i) => i + 1);
    fc.fences[0].signal();
    const f = rt.chainFind(fc.tail, 1);
    expect(f === null || same(f, fc.chains[0])).toBe(true);
    expect(f).toBe(null); // this model collects it
  });

  it('X2.6 find_out_of_order: signaling the middle of 1-2-3 makes point 2 wait on link 1', async () => {
    const rt = await rt0();
    const fc = chainsInit(rt, 3, (i) => i + 1);
    fc.fences[1].signal();
    expect(same(rt.chainFind(fc.tail, 2), fc.chains[0])).toBe(true);
  });

  it('X2.6 find_gap: a point in a gap maps to the next link above it', async () => {
    const rt = await rt0();
    const fc = chainsInit(rt, 64, (i) => 2 * i + 2);
    for (let i = 0; i < 64; i++) {
      expect(same(rt.chainFind(fc.tail, 2 * i + 1), fc.chains[i])).toBe(true);
      expect(same(rt.chainFind(fc.tail, 2 * i + 2), fc.chains[i])).toBe(true);
    }
  });

  it('X2.6 find_race (seeded interleaving): finds stay correct while fences signal in random order', async () => {
    const rt = await rt0();
    const n = CHAIN_SZ;
    const fc = chainsInit(rt, n, (i) => i + 1);
    const rnd = prng(0x5eed);
    const order = [...Array(n).keys()];
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const signaled = new Array<boolean>(n).fill(false);
    let next = 0;
    let finds = 0;
    while (next < n) {
      if (rnd() < 0.5) {
        const k = order[next++];
        fc.fences[k].signal();
        signaled[k] = true;
        continue;
      }
      const seqno = 1 + Math.floor(rnd() * n);
      const head = rnd() < 0.5 ? fc.tail : fc.chains[seqno - 1 + Math.floor(rnd() * (n - seqno + 1))];
      const f = rt.chainFind(head, seqno);
      finds++;
      if (f === null) {
        // Every point up to seqno has signaled (and was collected).
        for (let i = 0; i < seqno; i++) expect(signaled[i]).toBe(true);
      } else {
        // The link covers seqno: waiting on it is waiting for every point up to seqno. With
        // consecutive seqnos it is at seqno, or below it when the points between were collected.
        expect(f.seqno).toBeLessThanOrEqual(seqno);
        for (let i = f.seqno; i < seqno; i++) expect(signaled[i]).toBe(true);
        expect(f.signaled).toBe(signaled.slice(0, seqno).every(Boolean));
      }
      f?.release();
    }
    expect(finds).toBeGreaterThan(n / 2);
    expect(fc.tail.signaled).toBe(true);
  });

  it('X2.3 signal_forward: after fence i signals, link i is signaled and link i+1 is not', async () => {
    const rt = await rt0();
    const fc = chainsInit(rt, CHAIN_SZ, (i) => i + 1);
    for (let i = 0; i < CHAIN_SZ; i++) {
      fc.fences[i].signal();
      expect(fc.chains[i].signaled).toBe(true);
      if (i + 1 < CHAIN_SZ) expect(fc.chains[i + 1].signaled).toBe(false);
    }
  });

  it('X2.3 signal_backward: no link signals before fence 0; then all do', async () => {
    const rt = await rt0();
    const fc = chainsInit(rt, CHAIN_SZ, (i) => i + 1);
    for (let i = CHAIN_SZ - 1; i > 0; i--) {
      fc.fences[i].signal();
      expect(fc.chains[i].signaled).toBe(false);
    }
    fc.fences[0].signal();
    for (let i = 0; i < CHAIN_SZ; i++) expect(fc.chains[i].signaled).toBe(true);
  });

  async function waitOrder(order: number[]): Promise<void> {
    const rt = await rt0();
    const fc = chainsInit(rt, CHAIN_SZ, (i) => i + 1);
    let done = false;
    const w = fc.tail.wait().then((r) => (done = r));
    for (let k = 0; k < order.length; k++) {
      expect(done).toBe(false);
      fc.fences[order[k]].signal();
    }
    await w;
    expect(done).toBe(true);
    expect(rt.violations).toEqual([]);
  }

  it('X2.4 wait_forward: a wait on the tail ends when the last fence signals (4096 links, in order)', async () => {
    await waitOrder([...Array(CHAIN_SZ).keys()]);
  });

  it('X2.4 wait_backward: the same, fences signaled from the newest to the oldest', async () => {
    await waitOrder([...Array(CHAIN_SZ).keys()].reverse());
  });

  it('X2.4 wait_random: the same, fences signaled in a seeded random order', async () => {
    const rnd = prng(42);
    const order = [...Array(CHAIN_SZ).keys()];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    await waitOrder(order);
  });
});
