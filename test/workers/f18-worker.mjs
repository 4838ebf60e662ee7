// F18 across threads: this worker adds a callback to each fence while the main thread signals
// them. Plain JS over the built package (vitest does not transform worker files).
import { parentPort } from 'node:worker_threads';
import { attachRuntime } from '../../dist/index.js';

parentPort.once('message', async ({ runtime, fences }) => {
  const view = attachRuntime(runtime);
  const results = fences.map(() => ({ added: false, runs: 0 }));
  const remotes = fences.map((h) => view.fence(h));
  parentPort.postMessage({ started: true });
  // Start adding once the owner has begun signaling, so the two really race.
  while (!remotes[0].signaled) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < remotes.length; i++) {
    results[i].added = remotes[i].addCallback(() => results[i].runs++);
  }
  // Every added callback must run: wait until they have (bounded), then report.
  const last = remotes[remotes.length - 1];
  await last.wait({ timeoutNs: 30e9 });
  const deadline = Date.now() + 30_000;
  while (results.some((r) => r.added && r.runs === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50)); // a second run would show up here
  parentPort.postMessage({ results, waitedStatus: remotes.map((f) => f.status) });
});
