// One side of the wake-up race (test/remote-wake-race.test.ts): an emitter thread that ping-pongs
// fences with another emitter thread, waiting on each of the peer's fences right after signaling
// its own, so its wait starts while the peer is about to signal: the window where a wait that
// counted itself too late would sleep through the signal. Plain JS over the built package
// (vitest does not transform worker files).
//
// { runtime, n, first, sync } -> posts { fences } (its own, shared) -> gets { peer } -> runs n
// rounds -> posts { stalls, rounds }: stalls counts waits that slept REMOTE_POLL_MS (250 ms) or
// more, which only a lost wake-up does in waitSync (it sleeps through the signal to its poll); a
// lost wake-up in wait() has no poll and hangs the test.
import { parentPort } from 'node:worker_threads';
import { attachRuntime } from '../../dist/index.js';

const POLL_MS = 250;

parentPort.once('message', ({ runtime, n, first, sync }) => {
  const art = attachRuntime(runtime);
  const ctx = art.createContext();
  const mine = Array.from({ length: n }, () => ctx.createFence());
  parentPort.once('message', async ({ peer }) => {
    const theirs = peer.map((h) => art.fence(h));
    let stalls = 0;
    const wait = async (f) => {
      const t0 = performance.now();
      if (sync) f.waitSync();
      else await f.wait();
      if (performance.now() - t0 >= POLL_MS) stalls++;
    };
    for (let i = 0; i < n; i++) {
      if (first) {
        mine[i].signal();
        await wait(theirs[i]);
      } else {
        await wait(theirs[i]);
        mine[i].signal();
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
