// Composite-fence workloads of `npm run bench` (a section of run.mjs): merge, a timeline
// syncobj signaled in order with waiters, and chain find / garbage collection per link at two
// chain lengths (the per-link figure should stay flat: O(1) amortized per link).
// These run whole workloads per round and backend (h.manual, timed with performance.now), not tinybench
// loops: each iteration takes a context (merge) or 10^6 points (the syncobj), so counts are fixed.

export async function section({ createRuntime, CFG, BACKENDS, record, manual, mode }) {
  const quick = mode === 'quick';

  // ── merge of 1,000 pending fences over 100 contexts (one flat array of 100) ──
  {
    const merges = quick ? 50 : 500;
    const s = await manual(async (backend) => {
      const rt = await createRuntime({ backend, maxFences: 4096, maxContexts: merges + 256 });
      const handles = [];
      for (let c = 0; c < 100; c++) {
        const ctx = rt.createContext();
        for (let i = 0; i < 10; i++) handles.push(ctx.createFence().fence);
      }
      return {
        run: () => {
          // rt.merge takes the fences as arguments: 1,000 of them (bounded, so no stack risk).
          for (let i = 0; i < merges / 5; i++) Reflect.apply(rt.merge, rt, handles).release();
        },
        dispose: () => rt.dispose(),
      };
    }, 5);
    record('merge of 1,000 fences over 100 contexts', 'merges/s', merges / 5, s);
  }

  // ── a timeline syncobj: points signaled in order, a waiter on every 1,000th point ──
  {
    const N = quick ? 30_000 : 1_000_000;
    const s = await manual(async (backend) => {
      const rt = await createRuntime({ backend, maxFences: 1 << 16, maxContexts: 16 });
      const so = rt.createSyncobj();
      return {
        run: async () => {
          const waits = [];
          for (let p = 1000; p <= N; p += 1000) waits.push(rt.syncobjWait([{ syncobj: so, point: p }], { waitForSubmit: true }));
          for (let i = 1; i <= N; i++) so.timelineSignal(i);
          const r = await Promise.all(waits);
          if (!r.every((x) => x === true) || so.query() !== N) throw new Error('syncobj workload: a wait did not complete');
        },
        dispose: () => rt.dispose(),
      };
    });
    record(`timeline syncobj: ${N >= 1e6 ? '10^6' : `${N / 1000}k`} points signaled in order, a waiter on every 1,000th`, 'points/s', N, s);
  }

  // ── chain find and garbage collection, per link, at two lengths ──
  /** Builds a chain of n links over one pending fence; returns find and GC times (ms). */
  const chainOnce = (rt, n) => {
    const ctx = rt.createContext();
    const df = ctx.createFence();
    let head = rt.fenceChain(null, df.fence, 1);
    for (let i = 2; i <= n; i++) {
      const next = rt.fenceChain(head, df.fence, i);
      head.release();
      head = next;
    }
    // find(head, 1) walks every link (nothing to collect: the fence is pending).
    let t0 = performance.now();
    rt.chainFind(head, 1).release();
    const find = performance.now() - t0;
    // The fence signals: the next walk collects every link behind the head.
    df.signal();
    t0 = performance.now();
    const r = rt.chainFind(head, 1);
    const gc = performance.now() - t0;
    if (r !== null) throw new Error('chain workload: the collected point was found');
    head.release();
    df.release();
    return { find, gc };
  };
  for (const N of quick ? [10_000, 100_000] : [10_000, 1_000_000]) {
    // Rounds of samples per backend (ms), one round per runtime.
    const find = { wasm: [], ts: [] };
    const gc = { wasm: [], ts: [] };
    const reps = quick ? 1 : N >= 1e6 ? 1 : 9;
    for (let round = 0; round < CFG.rounds; round++) {
      for (const backend of round % 2 ? BACKENDS.slice().reverse() : BACKENDS) {
        const rt = await createRuntime({ backend, maxFences: N + 1024, maxContexts: 64 });
        chainOnce(rt, 10_000); // warm-up, not counted
        const f = [];
        const g = [];
        for (let r = 0; r < reps; r++) {
          const t = chainOnce(rt, N);
          f.push(t.find);
          g.push(t.gc);
        }
        find[backend].push(f);
        gc[backend].push(g);
        await rt.dispose();
      }
    }
    const n = N >= 1e6 ? '10^6' : `10^${Math.round(Math.log10(N))}`;
    record(`chain find, per link (${n} links)`, 'links/s', N, find);
    record(`chain garbage collection, per link (${n} links)`, 'links/s', N, gc);
  }
}

/** The name this section had when run.mjs called it directly. */
export const compositeRows = section;
