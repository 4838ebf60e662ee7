// One side of the wake-up race (test/remote-wake-race.test.ts): an emitter thread that ping-pongs
// fences with another emitter thread, waiting on each of the peer's fences right after signaling
// its own, so its wait starts while the peer is about to signal: the window where a wait that
// counted itself too late would sleep through the signal. Plain JS over the built package
// (vitest does not transform worker files).
//
// { runtime, n, first, sync, mineT, theirT } -> posts { fences } (its own, shared) -> gets
// { peer } -> runs n rounds -> posts { stalls, rounds }. Before each signal it writes the time
// into mineT (the peer reads it in theirT). stalls counts waitSync calls that returned
// REMOTE_POLL_MS (250 ms) or more after the peer's signal: a wake-up lost in waitSync sleeps
// through the signal to its poll. (A starved peer signals late, which does not count: the
// latency runs from its signal.) A lost wake-up in wait() has no poll and hangs the test.
import { parentPort } from 'node:worker_threads';
import { attachRuntime } from '../../dist/index.js';

const POLL_MS = 250;

parentPort.once('message', ({ runtime, n, first, sync, mineT, theirT }) => {
  const sent = new Float64Array(mineT);
  const got = new Float64Array(theirT);
  const wall = () => performance.timeOrigin + performance.now(); // comparable across threads
  const art = attachRuntime(runtime);
  const ctx = art.createContext();
  const mine = Array.from({ length: n }, () => ctx.createFence());
  parentPort.once('message', async ({ peer }) => {
    const theirs = peer.map((h) => art.fence(h));
    let stalls = 0;
    const wait = async (i) => {
      if (!sync) return theirs[i].wait();
      theirs[i].waitSync();
      if (wall() - got[i] >= POLL_MS) stalls++;
    };
    const signal = (i) => {
      sent[i] = wall();
      mine[i].signal();
    };
    for (let i = 0; i < n; i++) {
      if (first) {
        signal(i);
        await wait(i);
      } else {
        await wait(i);
        signal(i);
      }
    }
    for (const df of mine) {
      df.fence.release();
      df.release();
    }
    art.dispose();
    parentPort.postMessage({ stalls, rounds: n });
  });
  parentPort.postMessage({ fences: mine.map((df) => df.fence.share({ hold: false })) });
});
