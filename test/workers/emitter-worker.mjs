// Roles of a worker in the cross-thread tests (plain JS over the built package: vitest does not
// transform worker files). One message picks the role:
//   { role: 'emit', runtime, n, backend }: an attached emitter. Creates a context and n fences,
//     posts their handles, then on 'go' signals them in small steps (every 5th with -EIO first).
//   { role: 'add', runtime, fences, emitter }: adds a callback to each fence (and waits on every
//     3rd) while another thread signals them; with `emitter`, it is an emitter thread itself.
import { parentPort } from 'node:worker_threads';
import { attachRuntime } from '../../dist/index.js';

const EIO = -5;
const tick = () => new Promise((r) => setImmediate(r));

parentPort.once('message', async (m) => {
  if (m.role === 'emit') return emit(m);
  if (m.role === 'add') return add(m);
});

async function emit({ runtime, n, backend }) {
  const art = attachRuntime(runtime, backend ? { backend } : undefined);
  const ctx = art.createContext({ timelineName: 'worker' });
  const dfs = Array.from({ length: n }, () => ctx.createFence());
  parentPort.postMessage({ fences: dfs.map((d) => d.fence.share()), backend: art.backend, context: ctx.id });
  await new Promise((r) => parentPort.once('message', r));
  let i = 0;
  while (i < n) {
    const end = Math.min(n, i + 1 + (i % 7));
    for (; i < end; i++) {
      if (i % 5 === 0) dfs[i].setError(EIO);
      if (i % 11 === 0) ctx.signalUpTo(dfs[i].fence.seqno);
      else dfs[i].signal();
    }
    await new Promise((r) => setTimeout(r, 0)); // the adder really races the signals
  }
  parentPort.postMessage({ signaled: true, pending: ctx.pending, violations: art.violations.length });
  await new Promise((r) => parentPort.once('message', r)); // keep the handles until told
  for (const d of dfs) d.release();
  art.dispose();
  parentPort.postMessage({ released: true });
}

async function add({ runtime, fences, emitter }) {
  const art = attachRuntime(runtime);
  if (emitter) art.createContext().createFence().signal(); // this thread is an emitter too
  const results = fences.map(() => ({ added: false, runs: 0, waited: undefined }));
  const remotes = fences.map((h) => art.fence(h));
  const waits = [];
  parentPort.postMessage({ started: true });
  while (!remotes[0].signaled) await tick();
  for (let i = 0; i < remotes.length; i++) {
    results[i].added = remotes[i].addCallback(() => results[i].runs++);
    if (i % 3 === 0) waits.push(remotes[i].wait({ timeoutNs: 30e9 }).then((v) => (results[i].waited = v)));
  }
  await Promise.all(waits);
  await remotes[remotes.length - 1].wait({ timeoutNs: 30e9 });
  const deadline = Date.now() + 30_000;
  while (results.some((r) => r.added && r.runs === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50)); // a second run would show up here
  parentPort.postMessage({ results, status: remotes.map((f) => f.status) });
}
