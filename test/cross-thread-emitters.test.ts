/**
 * Attached threads as emitters (attachRuntime(h).createContext()), and F18 raced across threads
 * for every pair of roles: the owner thread, an attached emitter thread, an attached thread that
 * emits nothing. One thread signals while another adds callbacks and waits; each callback is
 * either refused ("already signaled") or runs exactly once: never lost, never twice.
 */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { Errno, attachRuntime, createRuntime } from '../bindings/index.js';
import type { Runtime, SharedFenceHandle } from '../bindings/index.js';
import { BACKENDS, nextMessage } from './helpers.js';

const workerUrl = new URL('./workers/emitter-worker.mjs', import.meta.url);
const N = 3000;

type Msg = Record<string, unknown>;
/** The next message of a worker that satisfies `pred`. */
const next = <T extends Msg>(w: Worker, pred: (m: Msg) => boolean) => nextMessage<T>(w, pred);

interface Result {
  added: boolean;
  runs: number;
  waited?: boolean;
}

/** The signaler's side: fence handles, and a start function that signals them all. */
interface Signaler {
  fences: SharedFenceHandle[];
  start(): void;
  finished: Promise<unknown>;
  end(): Promise<void>;
}

async function ownerSignaler(rt: Runtime): Promise<Signaler> {
  const ctx = rt.createContext();
  const dfs = Array.from({ length: N }, () => ctx.createFence());
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  return {
    fences: dfs.map((d) => d.fence.share()),
    start() {
      let i = 0;
      const step = () => {
        const end = Math.min(N, i + 1 + (i % 7));
        for (; i < end; i++) {
          if (i % 5 === 0) dfs[i].setError(-Errno.EIO);
          if (i % 11 === 0) ctx.signalUpTo(dfs[i].fence.seqno);
          else dfs[i].signal();
        }
        if (i < N) setTimeout(step, 0);
        else finish();
      };
      step();
    },
    finished,
    async end() {
      for (const d of dfs) d.release();
    },
  };
}

async function workerSignaler(rt: Runtime): Promise<Signaler> {
  const w = new Worker(workerUrl);
  const ready = next<{ fences: SharedFenceHandle[]; backend: string }>(w, (m) => 'fences' in m);
  w.postMessage({ role: 'emit', runtime: rt.share(), n: N });
  const { fences, backend } = await ready;
  expect(backend).toBe(rt.backend);
  const finished = next<{ pending: number; violations: number }>(w, (m) => 'signaled' in m);
  return {
    fences,
    start: () => w.postMessage('go'),
    finished: finished.then((m) => {
      expect([m.pending, m.violations]).toEqual([0, 0]);
    }),
    async end() {
      const released = next(w, (m) => 'released' in m);
      w.postMessage('release');
      await released;
      await w.terminate();
    },
  };
}

/** The adder's side: started once it is ready; results once every callback ran. */
async function adder(kind: 'owner' | 'worker' | 'worker-emitter', rt: Runtime, fences: SharedFenceHandle[], onStarted: () => void) {
  if (kind === 'owner') {
    const view = attachRuntime(rt.share());
    const remotes = fences.map((h) => view.fence(h));
    const results: Result[] = fences.map(() => ({ added: false, runs: 0 }));
    onStarted();
    while (!remotes[0].signaled) await new Promise((r) => setImmediate(r));
    const waits: Promise<unknown>[] = [];
    for (let i = 0; i < remotes.length; i++) {
      results[i].added = remotes[i].addCallback(() => results[i].runs++);
      if (i % 3 === 0) waits.push(remotes[i].wait({ timeoutNs: 30e9 }).then((v) => (results[i].waited = v)));
    }
    await Promise.all(waits);
    await remotes[N - 1].wait({ timeoutNs: 30e9 });
    const deadline = Date.now() + 30_000;
    while (results.some((r) => r.added && r.runs === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    return { results, status: remotes.map((f) => f.status), close: async () => view.dispose() };
  }
  const w = new Worker(workerUrl);
  const started = next(w, (m) => 'started' in m);
  const done = next<{ results: Result[]; status: number[] }>(w, (m) => 'results' in m);
  w.postMessage({ role: 'add', runtime: rt.share(), fences, emitter: kind === 'worker-emitter' });
  await started;
  onStarted();
  const r = await done;
  return { ...r, close: () => w.terminate().then(() => {}) };
}

const PAIRS = [
  ['owner', 'worker'],
  ['owner', 'worker-emitter'],
  ['worker-emitter', 'owner'],
  ['worker-emitter', 'worker'],
  ['worker-emitter', 'worker-emitter'],
] as const;

describe.each(BACKENDS)('F18 across threads, every pair of roles (%s backend)', (backend) => {
  it.each(PAIRS)('F18: %s signals while %s adds callbacks and waits: "already signaled" or runs once, never lost, never twice', async (sig, add) => {
    const rt = await createRuntime({ backend, maxFences: 8192, emitterFences: 4096 });
    const s = sig === 'owner' ? await ownerSignaler(rt) : await workerSignaler(rt);
    const a = await adder(add, rt, s.fences, () => s.start());
    await s.finished;
    const added = a.results.filter((r) => r.added).length;
    expect(a.results.every((r) => (r.added ? r.runs === 1 : r.runs === 0))).toBe(true);
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThan(N); // the race really happened both ways
    expect(a.results.every((r, i) => i % 3 !== 0 || r.waited === true)).toBe(true);
    expect(a.status.every((st, i) => st === (i % 5 === 0 ? -Errno.EIO : 1))).toBe(true);
    await a.close();
    await s.end();
    expect(rt.violations).toEqual([]);
    await rt.dispose();
  });
});
