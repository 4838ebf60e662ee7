#!/usr/bin/env node
// A ring on the real clock: the modeled DMA device runs in its own thread (a worker_threads
// worker) over the runtime's shared memory, and the jobs take real time. The driver side (this
// thread) waits for the device's interrupts with Atomics.waitAsync, signals the fences, and runs
// their callbacks and waiters here. The same code runs on the virtual clock with
// `clock: 'virtual'` (rt.sim.runUntilSettled then drives it instead of just waiting).
//
//   npm run example:real-clock      # or: node examples/real-clock.mjs [--jobs N] [--backend wasm|ts]
import { createRuntime } from 'dmafence';
import { parseArgs } from 'node:util';

// A reader that stops early (`| head`) ends the example quietly, not with an EPIPE error.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); throw e; });

const { values: args } = parseArgs({ options: { jobs: { type: 'string', default: '64' }, backend: { type: 'string', default: 'wasm' } } });
const JOBS = Number(args.jobs);
if (!Number.isInteger(JOBS) || JOBS < 1 || JOBS > 100_000) throw new RangeError(`--jobs takes 1 to 100000, got ${args.jobs}`);
if (args.backend !== 'wasm' && args.backend !== 'ts') throw new RangeError(`--backend takes wasm or ts, got ${args.backend}`);

const rt = await createRuntime({ clock: 'real', backend: args.backend });
// 20 µs per job plus 1 ns per byte; a job that hangs is reset by the timeout handler after 1 s (R6).
const device = rt.createDevice({ name: 'dma0', latency: { baseNs: 20_000, perByteNs: 1 } });
const ring = rt.createRing({ device, capacity: 16, timeoutNs: 1e9, name: 'copy' });

const started = performance.now();
let signaled = 0;
let done = Promise.resolve();
for (let i = 0; i < JOBS; i++) {
  // A full ring is backpressure: submitAsync waits for a free slot (submit would throw ERR_RING_FULL).
  const buf = rt.memory.alloc(4096);
  const fence = await ring.submitAsync({ dst: buf, pattern: (i % 255) + 1 });
  rt.memory.freeAfter(buf, fence); // M3: the buffer goes back when its fence signals
  // The device runs meanwhile: a fence may have signaled during the await above, and then
  // addCallback returns false instead of calling back (F7).
  if (!fence.addCallback(() => signaled++)) signaled++;
  done = fence.wait({ timeoutNs: 5e9 }); // fences of one ring signal in order: the last one is enough
}
const ok = await rt.sim.runUntilSettled(done); // on the real clock this only waits
const ms = performance.now() - started;

console.log(`dmafence real clock: ${args.backend} backend, the device in its own thread`);
console.log(`${JOBS} jobs of 4 KiB on ring ${ring.name}: last fence ${ok ? 'signaled' : 'timed out'}, ${signaled} fences seen signaled, in ${ms.toFixed(1)} ms`);
console.log(`device: ${rt.stats.jobsCompleted} jobs completed, ${rt.stats.dmaBytesWritten} bytes written by DMA`);
console.log(`violations: ${rt.violations.length}`);
await rt.dispose(); // ends the device thread; the process can exit
