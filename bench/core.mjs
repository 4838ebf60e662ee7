// Core workloads of `npm run bench`: the signal loop, create+signal in batches, the object API
// (against a plain JS fence object, its peer), and the pipeline on the virtual clock.
// Goals are the issue's, for wasm on the project's 2-core machine.
import { pipelineRuntime } from './pipeline-setup.mjs';

/**
 * The object API's peer: what an app writes without this library, a fence as a plain JS object
 * with a Promise (for waiters) and an array of callbacks that signal() runs.
 */
export class PlainFence {
  constructor(context, seqno) {
    this.context = context;
    this.seqno = seqno;
    this.signaled = false;
    this.callbacks = [];
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }
  addCallback(cb) {
    if (this.signaled) cb(this);
    else this.callbacks.push(cb);
  }
  signal() {
    if (this.signaled) return;
    this.signaled = true;
    const cbs = this.callbacks;
    this.callbacks = [];
    for (let i = 0; i < cbs.length; i++) cbs[i](this);
    this.resolve(this);
  }
}

/** The peer's workload: k plain fences, each with one callback, signaled (then dropped). */
export function plainFenceLoop(context, first, k, cb) {
  for (let i = 0; i < k; i++) {
    const f = new PlainFence(context, first + i);
    f.addCallback(cb);
    f.signal();
  }
}

/**
 * The object API workload: k fences through the public objects (a DriverFence and its DmaFence,
 * one callback, one signal, both released). Also run by bench/compare-builds.mjs.
 */
export function objectApiLoop(ctx, k, cb) {
  for (let i = 0; i < k; i++) {
    const df = ctx.createFence();
    const f = df.fence;
    f.addCallback(cb);
    df.signal();
    f.release();
    df.release();
  }
}

export async function section(h) {
  const { createRuntime, CFG, pair, record } = h;

  // ── signal loop: N pending fences on one context, one signalUpTo ──
  {
    const N = CFG.signalN;
    const s = await pair('signal loop', async (backend) => {
      const rt = await createRuntime({ backend, maxFences: N + 16 });
      const ctx = rt.createContext();
      let last = 0;
      return {
        // Without this the ts loop's first call is a million iterations: V8 compiles the loop
        // alone (on-stack replacement) before the code after it ever ran, that code deoptimizes
        // at the end of every call, and a process stayed at about half speed (35-50 against
        // 80-90 M fences/s in CPU time, per process, under --trace-deopt: "Insufficient type
        // feedback" at the same offset on every call). Small batches first, as applications
        // call it, let V8 optimize the whole function.
        prime: () => {
          for (let i = 0; i < 3000; i++) ctx.signalUpTo(ctx.createFences(64) + 63);
        },
        beforeEach: () => {
          last = ctx.createFences(N) + N - 1;
        },
        fn: () => {
          ctx.signalUpTo(last);
        },
        dispose: () => rt.dispose(),
      };
    });
    record(`signal loop (${N >= 1e6 ? '1M' : `${N / 1000}k`} pending, one signalUpTo)`, 'fences/s', N, s, { hot: true, goal: { wasm: 550e6 } });
  }

  // ── create + signal in batches of 1024 ──
  {
    const s = await pair('create+signal', async (backend) => {
      const rt = await createRuntime({ backend, maxFences: 4096 });
      const ctx = rt.createContext();
      return {
        fn: () => {
          const first = ctx.createFences(1024);
          ctx.signalUpTo(first + 1023);
        },
        dispose: () => rt.dispose(),
      };
    });
    record('create+signal, batches of 1024', 'fences/s', 1024, s, { hot: true });
  }

  // ── object API: DriverFence, one callback, one signal, through the public objects; its peer
  //    is the plain JS fence object doing the same (create, add a callback, signal, drop) ──
  {
    const K = 1000;
    let hits = 0;
    const cb = () => hits++;
    const s = await pair(
      'object API',
      async (backend) => {
        const rt = await createRuntime({ backend, maxFences: 4096 });
        const ctx = rt.createContext();
        return {
          fn: () => objectApiLoop(ctx, K, cb),
          dispose: () => rt.dispose(),
        };
      },
      {
        peer: async () => {
          let seqno = 0;
          const context = {};
          return {
            fn: () => {
              plainFenceLoop(context, seqno + 1, K, cb);
              seqno += K;
            },
          };
        },
      },
    );
    record('object API (create, addCallback, signal, release)', 'fences/s', K, s, {
      goal: { wasm: 6e6, peerWithin: 3 },
      peerName: 'plain JS fence object (Promise + callbacks array)',
    });
  }

  // ── pipeline on the virtual clock: submit -> ring -> device -> writeback -> IRQ -> signal ──
  const PIPE_GOALS = { '0x1': 120e6, '0x8': 80e6, '4096x1': 12e6 };
  for (const bytes of [0, 4096]) {
    for (const rings of [1, 8]) {
      const s = await pair(`pipeline ${bytes} B x${rings}`, async (backend) => {
        const { rt, rs } = await pipelineRuntime(createRuntime, backend, rings);
        const job = bytes ? { dst: rt.memory.alloc(bytes) } : {};
        return {
          fn: () => {
            for (const r of rs) r.submitBatch(1024, job);
            rt.sim.runUntilIdle();
          },
          dispose: () => rt.dispose(),
        };
      });
      const goal = PIPE_GOALS[`${bytes}x${rings}`];
      record(`pipeline, virtual clock, ${bytes ? '4 KiB' : 'zero-byte'} jobs, ${rings} ring${rings > 1 ? 's' : ''}`, 'jobs/s', 1024 * rings, s, {
        hot: true,
        goal: goal ? { wasm: goal } : undefined,
      });
    }
  }
}
