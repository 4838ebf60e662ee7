// Scenarios of an attached emitter thread, one per message ({ scenario, runtime, ... }); each
// reports what it saw. Plain JS over the built package (vitest does not transform worker files).
import { parentPort } from 'node:worker_threads';
import { attachRuntime } from '../../dist/index.js';

const codeOf = (f) => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return e?.code ?? String(e);
  }
};
const rejection = (p) => p.then(() => 'resolved', (e) => e?.code ?? String(e));
const message = () => new Promise((r) => parentPort.once('message', r));

const SCENARIOS = {
  /** Holds pending fences and idles until terminated (or told to create `more` fences). */
  async hold({ runtime, n }) {
    const art = attachRuntime(runtime);
    const ctx = art.createContext();
    const dfs = Array.from({ length: n }, () => ctx.createFence());
    dfs[0].signal();
    parentPort.postMessage({ fences: dfs.map((d) => d.fence.share()) });
    setInterval(() => {}, 1000); // alive until terminated
  },
  /** Creates fences until the emitter's slots are full: how many fit (then, with `dispose`, it
   *  detaches, giving its header back at once). */
  async fill({ runtime, backend, dispose }) {
    const art = attachRuntime(runtime, { backend });
    const dfs = [];
    let code = 'no error';
    try {
      const ctx = art.createContext();
      for (;;) dfs.push(ctx.createFence());
    } catch (e) {
      code = e?.code;
    }
    const backendName = dfs.length ? art.backend : undefined;
    if (dispose) art.dispose();
    parentPort.postMessage({ created: dfs.length, code, backend: backendName });
  },
  /** Callbacks that throw, on a remote fence and on this thread's own: the thread goes on. */
  async throws({ runtime, fences }) {
    const art = attachRuntime(runtime);
    const [a, b] = fences.map((h) => art.fence(h));
    const seen = [];
    const printed = [];
    console.error = (...args) => printed.push(args.map((x) => x?.message ?? String(x)).join(' '));
    let ran = 0;
    a.addCallback(() => {
      throw new Error('boom-unheard');
    });
    a.addCallback(() => ran++); // the next callback still runs
    const ctx = art.createContext();
    const own = ctx.createFence();
    own.fence.addCallback(() => {
      throw new Error('boom-own');
    });
    parentPort.postMessage({ started: true });
    await a.wait({ timeoutNs: 30e9 });
    await new Promise((r) => setTimeout(r, 20));
    art.on('callbackError', (e, f) => seen.push([e.message, typeof f.status]));
    b.addCallback(() => {
      throw new Error('boom-remote');
    });
    parentPort.postMessage({ ready: true });
    await b.wait({ timeoutNs: 30e9 });
    await new Promise((r) => setTimeout(r, 20));
    const signalCode = codeOf(() => own.signal());
    parentPort.postMessage({ seen, ran, signalCode, printed: printed.map((p) => /boom-\w+/.exec(p)?.[0]), alive: true });
  },
  /** A blocking wait on a remote fence (Atomics.wait). */
  async waitSync({ runtime, fences }) {
    const art = attachRuntime(runtime);
    const [a, b] = fences.map((h) => art.fence(h));
    const timedOut = b.waitSync({ timeoutNs: 2e6 });
    parentPort.postMessage({ waiting: true });
    const t0 = performance.now();
    const value = a.waitSync({ timeoutNs: 30e9 });
    parentPort.postMessage({ timedOut, value, status: a.status, ms: performance.now() - t0, bad: [codeOf(() => a.waitSync({ timeout: 1 })), codeOf(() => a.waitSync({ timeoutNs: -1 }))] });
  },
  /**
   * An emitter asleep in waitSync with no deadline on the owner's fence `fences[0]`, holding a
   * pending fence of its own (posted first): signals it once it wakes, and reports.
   */
  async sleeper({ runtime, fences }) {
    const art = attachRuntime(runtime);
    const ctx = art.createContext();
    const own = ctx.createFence();
    const a = art.fence(fences[0]);
    parentPort.postMessage({ fence: own.fence.share() });
    const t0 = performance.now();
    const value = a.waitSync();
    const ms = performance.now() - t0;
    const signalCode = codeOf(() => own.signal());
    parentPort.postMessage({ value, ms, status: a.status, held: a.held, signalCode });
  },
  /**
   * An emitter whose header the test thread reclaims meanwhile (leaving its lease odd, as a
   * reclaim does): told to go on, it waits on the owner's fence `fences[0]` with a deadline.
   */
  async reclaimedSleeper({ runtime, fences }) {
    const art = attachRuntime(runtime);
    art.createContext();
    const a = art.fence(fences[0]);
    parentPort.postMessage({ ready: true });
    await message();
    const t0 = performance.now();
    const value = a.waitSync({ timeoutNs: 300e6 });
    parentPort.postMessage({ value, ms: performance.now() - t0 });
  },
  /** The owner disposes while this thread has contexts, handles and waits. */
  async ownerDispose({ runtime, fences }) {
    const art = attachRuntime(runtime);
    const ctx = art.createContext();
    const df = ctx.createFence();
    const local = rejection(df.fence.wait({ timeoutNs: 60e9 }));
    const remote = rejection(art.fence(fences[0]).wait({ timeoutNs: 60e9 }));
    parentPort.postMessage({ ready: true });
    const [l, r] = await Promise.all([local, remote]);
    parentPort.postMessage({
      local: l,
      remote: r,
      after: [codeOf(() => ctx.createFence()), codeOf(() => df.signal()), codeOf(() => ctx.lastSeqno), codeOf(() => art.createContext()), codeOf(() => art.fence(fences[0]))],
      dispose: codeOf(() => art.dispose()),
    });
  },
  /** art.dispose() with fences pending: they signal -ECANCELED; everything of it ends. */
  async artDispose({ runtime }) {
    const art = attachRuntime(runtime);
    const ctx = art.createContext();
    const dfs = [ctx.createFence(), ctx.createFence(), ctx.createFence()];
    dfs[0].signal();
    const local = rejection(dfs[2].fence.wait({ timeoutNs: 60e9 }));
    parentPort.postMessage({ fences: dfs.map((d) => d.fence.share()) });
    await message();
    art.dispose();
    parentPort.postMessage({
      local: await local,
      after: [codeOf(() => ctx.createFence()), codeOf(() => dfs[1].signal()), codeOf(() => art.createContext()), codeOf(() => art.fence({})), codeOf(() => art.dispose())],
    });
  },
  /** An emitter shares a held handle, then lets go of its own handles and fills its slots. */
  async emitHeld({ runtime }) {
    const art = attachRuntime(runtime);
    const ctx = art.createContext();
    const df = ctx.createFence();
    const h = df.fence.share({ hold: true });
    df.setError(-5);
    df.signal();
    df.fence.release();
    df.release();
    const rest = [];
    let full = 'no error';
    try {
      for (;;) rest.push(ctx.createFence());
    } catch (e) {
      full = e?.code;
    }
    for (const d of rest) d.signal(), d.release();
    parentPort.postMessage({ h, made: rest.length, full });
    await message();
    // Once the holder released it, the emitter's scan frees the slot: 4 fences alive at once again.
    const deadline = Date.now() + 5000;
    const alive = [];
    for (;;) {
      try {
        while (alive.length < 4) alive.push(ctx.createFence());
        break;
      } catch {
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    parentPort.postMessage({ again: alive.length });
  },
  /**
   * Makes views of one held handle and obeys: 'read' reports held and values, 'release' releases
   * each view twice, 'dispose' disposes the attached runtime then tries release() again.
   */
  async viewHeld({ runtime, fence, views }) {
    const art = attachRuntime(runtime);
    const vs = Array.from({ length: views }, () => art.fence(fence));
    const read = (f) => [f.held, f.signaled, codeOf(() => f.status) === 'no error' ? f.status : codeOf(() => f.status), f.signaled ? f.error : 0];
    parentPort.postMessage({ held: vs.map((f) => f.held) });
    setInterval(() => {}, 1000); // alive until terminated
    for (;;) {
      const m = await message();
      if (m === 'read') parentPort.postMessage({ read: vs.map(read), ts: vs.map((f) => codeOf(() => f.timestamp) === 'no error' ? f.timestamp : -1) });
      if (m === 'release') parentPort.postMessage({ released: vs.map((f) => [f.release(), f.release(), f.held]) });
      if (m === 'dispose') {
        art.dispose();
        parentPort.postMessage({ disposed: vs.map((f) => codeOf(() => f.release())) });
      }
    }
  },
  /** Shares one pending fence twice (two held handles), then disposes when told. */
  async shareTwice({ runtime }) {
    const art = attachRuntime(runtime);
    const df = art.createContext().createFence();
    parentPort.postMessage({ fences: [df.fence.share(), df.fence.share()] });
    await message();
    art.dispose();
    parentPort.postMessage({ disposed: true });
  },
  /**
   * Claims an emitter header and stays alive; each 'fill' creates signaled fences (kept) until
   * its slots are full and reports how many, and how many it keeps with distinct seqnos.
   */
  async claimer({ runtime, backend }) {
    const art = attachRuntime(runtime, { backend });
    const ctx = art.createContext();
    const dfs = [];
    setInterval(() => {}, 1000); // alive until terminated
    for (;;) {
      await message();
      let created = 0;
      let code = 'no error';
      try {
        for (;;) {
          const df = ctx.createFence();
          df.signal();
          dfs.push(df);
          created++;
        }
      } catch (e) {
        code = e?.code;
      }
      parentPort.postMessage({ created, code, live: dfs.length, seqnos: new Set(dfs.map((d) => d.fence.seqno)).size });
    }
  },
  /** Adopts held handles and keeps them (until terminated), reporting what it holds. */
  async holdViews({ runtime, fences }) {
    const art = attachRuntime(runtime);
    const views = fences.map((h) => art.fence(h));
    parentPort.postMessage({ held: views.map((f) => f.held) });
    setInterval(() => {}, 1000); // alive until terminated
  },
};

parentPort.once('message', (m) => SCENARIOS[m.scenario](m));
