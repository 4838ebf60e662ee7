#!/usr/bin/env node
// A teardown policy of your own (T8): an async function of the drop protocol's steps, given to
// ring.drop({ policy }). The drop blocks submission, runs it, and drops the ring when it returns;
// T1 (no fence signaled while the device may still write for it), M2 (no DMA write into memory
// that changed hands) and T2 (no fence left pending) judge it as they judge the built-in policies.
//
// Two policies on the same run: a careful one (STOP; if no ACK in time, reset; then make sure the
// device is idle) and a hasty one (cancel everything at once, then STOP). The device hangs its
// running job and never ACKs a STOP; every buffer is freed when its fence signals and reused at once.
//
//   npm run example:policy      # or: node examples/custom-policy.mjs [--backend wasm|ts]
import { createRuntime, Errno } from 'dmafence';
import { parseArgs } from 'node:util';

// A reader that stops early (`| head`) ends the example quietly, not with an EPIPE error.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); throw e; });

const { values: args } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' } } });
if (args.backend !== 'wasm' && args.backend !== 'ts') throw new RangeError(`--backend takes wasm or ts, got ${args.backend}`);

async function stopOrReset(steps) {
  if ((await steps.stop({ timeoutNs: 20_000 })) === 'timeout') await steps.reset();
  await steps.waitIdle();
}

async function cancelFirst(steps) {
  steps.signalPending(-Errno.ECANCELED); // the device may still be writing: T1 will say so
  await steps.stop({ timeoutNs: 20_000 });
}

async function run(policy) {
  const rt = await createRuntime({ backend: args.backend, seed: 1 });
  const dev = rt.createDevice({ latency: { baseNs: 4_000 }, resetNs: 10_000, faults: { ack: 'never' } }); // never ACKs a STOP
  const ring = rt.createRing({ device: dev, capacity: 16, timeoutNs: Infinity }); // no timeout handler
  dev.inject('hang'); // the first job never completes
  for (let i = 0; i < 8; i++) {
    const buf = rt.memory.alloc(4096);
    const f = ring.submit({ dst: buf });
    rt.memory.freeAfter(buf, f); // M3: freed when its fence signals...
    f.addCallback(() => rt.memory.alloc(4096)); // ...and taken by another client at once
  }
  rt.sim.advance(2_000); // the device is in the middle of the first job
  const report = await rt.sim.runUntilSettled(ring.drop({ policy }));
  rt.sim.runUntilIdle(); // whatever the device still does, it does now
  const { total, ok, canceled, timedOut, unsignaled } = report.fences;
  console.log(`policy ${report.policy}: ${report.timeNs} ns; of ${total} fences in flight ${ok} ok, ${canceled} -ECANCELED, ${timedOut} -ETIME, ${unsignaled} unsignaled`);
  const broken = rt.violations.map((v) => `${v.rule} ${v.kind}`);
  console.log(`  rules broken: ${broken.length === 0 ? 'none' : [...new Set(broken)].map((b) => `${b} ×${broken.filter((x) => x === b).length}`).join(', ')}`);
  await rt.dispose();
}

console.log(`dmafence custom teardown policies: ${args.backend} backend, a device whose running job hangs and that never ACKs`);
await run(stopOrReset);
await run(cancelFirst);
