/**
 * The basic example: contexts, fences, callbacks, in-order signaling and a violation, printed.
 * Run with `npm run example` (after `npm ci`, which builds).
 */
import { createRuntime, DmaFence, Errno } from '../index.js';

const backend = (process.argv[2] ?? 'wasm') as 'wasm' | 'ts';
const rt = await createRuntime({ backend, seed: 1 });
console.log(`dmafence: ${rt.backend} backend, arena ${rt.capacity.arenaBytes} bytes for ${rt.capacity.maxFences} fences`);

const ctx = rt.createContext({ driverName: 'sim', timelineName: 'gfx0' });
const a = ctx.createFence();
const b = ctx.createFence();
const c = ctx.createFence();
for (const df of [a, b, c]) {
  df.fence.addCallback((f) => console.log(`  t=${rt.sim.now}ns callback: fence ${f.context}:${f.seqno} status ${f.status}`));
}
console.log(`context ${ctx.id} "${a.fence.timelineName}" handed out seqnos ${a.seqno}..${c.seqno}; pending ${ctx.pending}`);

const waited = c.fence.wait({ timeoutNs: 5_000 });
rt.sim.advance(1_000);
console.log('hardware completes seqno 1 and 2: signalUpTo(2)');
ctx.signalUpTo(2);
b.setError(-Errno.EIO); // too late: a recorded violation, the error stays 0
rt.sim.advance(10_000);
console.log(`c.wait(5000ns) -> ${await waited} (timed out: nobody signaled seqno 3)`);
c.setError(-Errno.ECANCELED);
c.signal();
console.log(`isLater(c, a) = ${DmaFence.isLater(c.fence, a.fence)}; signaled up to ${ctx.signaledSeqno}, pending ${ctx.pending}`);

let n = 0;
for (let i = 0; i < 100; i++) {
  const first = ctx.createFences(10_000);
  n += ctx.signalUpTo(first + 9_999);
}
console.log(`batch: created and signaled ${n} fences, two calls into the core per 10,000`);
console.log('violations:', rt.violations.map((v) => `${v.kind} (${v.rule}): ${v.message}`));
console.log('stats:', rt.stats);
for (const df of [a, b, c]) df.release();
await rt.dispose();
