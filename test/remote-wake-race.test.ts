/**
 * The futex protocol of remote waits under a race (DESIGN.md, "Wake-ups"): two emitter threads
 * ping-pong fences, each waiting on the other's fence right after signaling its own, so every
 * wait starts while the peer is about to signal. A wait that counted itself after its last look
 * (or a signaler that read the count before publishing the bit) would sleep through the signal:
 * wait() would hang (it has no poll), waitSync() would return REMOTE_POLL_MS after the signal
 * (its poll), which the worker counts from the peer's signal time.
 */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { BACKENDS, nextMessage, runtime } from './helpers.js';

const raceWorker = new URL('./workers/wake-race.mjs', import.meta.url);
const ROUNDS = 3000;

interface Outcome {
  stalls: number;
  rounds: number;
}

/** Two emitter threads, `a` signaling first; each side's wait is waitSync (sync) or wait(). */
async function race(backend: (typeof BACKENDS)[number], aSync: boolean, bSync: boolean): Promise<Outcome[]> {
  const rt = await runtime(backend, { maxFences: 64, maxEmitterThreads: 2, emitterFences: ROUNDS + 64 });
  const ws = [new Worker(raceWorker), new Worker(raceWorker)];
  try {
    const handles = ws.map((w) => nextMessage<{ fences: unknown[] }>(w, (m) => 'fences' in m));
    const times = [new SharedArrayBuffer(8 * ROUNDS), new SharedArrayBuffer(8 * ROUNDS)]; // each side's signal times
    ws[0].postMessage({ runtime: rt.share(), n: ROUNDS, first: true, sync: aSync, mineT: times[0], theirT: times[1] });
    ws[1].postMessage({ runtime: rt.share(), n: ROUNDS, first: false, sync: bSync, mineT: times[1], theirT: times[0] });
    const [fa, fb] = await Promise.all(handles);
    const outcomes = ws.map((w) => nextMessage<Outcome>(w, (m) => 'stalls' in m));
    ws[0].postMessage({ peer: fb.fences });
    ws[1].postMessage({ peer: fa.fences });
    return await Promise.all(outcomes);
  } finally {
    await Promise.all(ws.map((w) => w.terminate()));
    await rt.dispose();
  }
}

describe.each(BACKENDS)('remote wake-ups under a race (%s backend)', (backend) => {
  it.each([
    ['waitSync against waitSync', true, true],
    ['wait() against waitSync', false, true],
    ['wait() against wait()', false, false],
  ])('F9 across threads: %s, %#: no wake-up is lost in 3000 ping-pong rounds', async (_label, aSync, bSync) => {
    const out = await race(backend, aSync as boolean, bSync as boolean);
    expect(out.map((o) => o.rounds)).toEqual([ROUNDS, ROUNDS]);
    expect(out.map((o) => o.stalls)).toEqual([0, 0]); // a wake-up lost in waitSync sleeps to its poll
  }, 60_000);
});
