#!/usr/bin/env node
// A run's trace, opened in Perfetto. A GPU ring and a copy ring on two devices, a job that hangs
// (the timeout handler resets its ring: the hung job ends -ETIME, the others in flight on that
// ring -ECANCELED, R6), then both rings dropped under the emitter-guarantee policy. With `trace: true` every job is a span on its ring's track, with
// arrows from its submit to its start to its signal; STOP, ACK, the reset and the drop are
// instants. The file is Trace Event Format JSON: open https://ui.perfetto.dev, click
// "Open trace file" and pick it (or load it in chrome://tracing). README: "Reading a trace".
//
//   npm run example:trace      # or: node examples/trace-export.mjs [--out FILE] [--backend wasm|ts]
import { createRuntime } from 'dmafence';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

// A reader that stops early (`| head`) ends the example quietly, not with an EPIPE error.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); throw e; });

const { values: args } = parseArgs({ options: { out: { type: 'string', default: 'trace-export.json' }, backend: { type: 'string', default: 'wasm' } } });
if (args.backend !== 'wasm' && args.backend !== 'ts') throw new RangeError(`--backend takes wasm or ts, got ${args.backend}`);

const rt = await createRuntime({ backend: args.backend, seed: 1, trace: true });
const gpu = rt.createDevice({ name: 'gpu0', latency: { baseNs: 5_000, perByteNs: 0.5, jitter: 0.2 } });
const dma = rt.createDevice({ name: 'dma0', latency: { baseNs: 2_000, perByteNs: 0.25, jitter: 0.2 } });
const gfx = rt.createRing({ device: gpu, name: 'gfx0', capacity: 16, timeoutNs: 50_000 });
const copy = rt.createRing({ device: dma, name: 'copy0', capacity: 16, timeoutNs: 50_000 });

const jobs = []; // [ring name, fence]
const submit = (ring, bytes) => jobs.push([ring.name, ring.submit({ dst: rt.memory.alloc(bytes), pattern: 1 })]);
for (let i = 0; i < 6; i++) {
  submit(gfx, 8192);
  submit(copy, 16384);
}
await rt.sim.runUntilSettled(Promise.all(jobs.map(([, f]) => f.wait())));
gpu.inject('hang'); // the next job gpu0 starts never completes: gfx0's timeout handler resets the ring
for (let i = 0; i < 4; i++) {
  submit(gfx, 8192);
  submit(copy, 16384);
}
await rt.sim.runUntilSettled(Promise.all(jobs.map(([, f]) => f.wait())));

// Tear both rings down the safe way (T4): STOP, wait for the ACK, then drop.
for (const ring of [gfx, copy]) await rt.sim.runUntilSettled(ring.drop({ policy: 'emitter-guarantee' }));

const json = rt.exportTrace();
writeFileSync(args.out, json);
const errors = jobs.filter(([, f]) => f.error !== 0).map(([ring, f]) => `${ring} ${f.seqno}: ${f.error}`);
console.log(`dmafence trace export: ${args.backend} backend, seed 1`);
console.log(`${jobs.length} jobs on gfx0 and copy0, ${errors.length} with an error (${errors.join(', ') || 'none'}); ended at ${rt.sim.now} ns`);
console.log(`violations: ${rt.violations.length}`);
console.log(`trace: ${JSON.parse(json).traceEvents.length} events written to ${args.out}`);
console.log('open https://ui.perfetto.dev, click "Open trace file" and pick it (or chrome://tracing)');
await rt.dispose();
