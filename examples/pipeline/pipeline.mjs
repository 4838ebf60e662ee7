#!/usr/bin/env node
// A simulated frame pipeline, to start a simulation from: two devices, three rings, a scheduler
// on each ring, and the dependencies between them expressed as fences.
//
//   dma0 (copy engine)   ring "copy":    upload the frame's input            (64 KiB DMA)
//   gpu0                 ring "compute": a simulation step                   (16 KiB DMA)
//                        ring "render":  draw; waits for copy AND compute     (32 KiB DMA)
//
// Each frame's upload and scratch buffers are freed when its render job's finished fence
// signals (rt.memory.freeAfter, rule M3), and at most FRAMES_IN_FLIGHT frames are in flight
// (a swapchain): the next frame is pushed from the callback of the render fence three frames
// back. At the end every scheduler is torn down with fini() and a Chrome trace (one track per
// ring, every job a span) is written: open it in https://ui.perfetto.dev.
//
// Run it from a checkout after `npm ci` (which builds dist/):
//   node examples/pipeline/pipeline.mjs [--backend wasm|ts] [--frames N] [--trace FILE] [--seed N]
// In your own project, after `npm install dmafence`, the import below works as it is.
import { createRuntime, Errno } from 'dmafence';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

// A reader that stops early (`| head`) ends the example quietly, not with an EPIPE error.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); throw e; });

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    frames: { type: 'string', default: '120' },
    trace: { type: 'string', default: 'pipeline-trace.json' },
    seed: { type: 'string', default: '1' },
  },
});
const FRAMES = Number(args.frames);
if (!Number.isInteger(FRAMES) || FRAMES < 1 || FRAMES > 100_000) throw new RangeError(`--frames takes 1 to 100000, got ${args.frames}`);
if (args.backend !== 'wasm' && args.backend !== 'ts') throw new RangeError(`--backend takes wasm or ts, got ${args.backend}`);
const FRAMES_IN_FLIGHT = 3;
const KiB = 1024;

const rt = await createRuntime({ backend: args.backend, seed: Number(args.seed), trace: true, maxRings: 4, maxRingCapacity: 64, dmaBytes: 4 << 20, maxFences: 4096 });

// Two devices. Durations: base + per byte, stretched by up to 20% (seeded jitter).
const dma0 = rt.createDevice({ name: 'dma0', latency: { baseNs: 2_000, perByteNs: 0.5, jitter: 0.2 } });
const gpu0 = rt.createDevice({ name: 'gpu0', latency: { baseNs: 20_000, perByteNs: 0.25, jitter: 0.2 } });
const copyRing = rt.createRing({ device: dma0, capacity: 16, name: 'copy' });
const computeRing = rt.createRing({ device: gpu0, capacity: 16, name: 'compute' });
const renderRing = rt.createRing({ device: gpu0, capacity: 16, name: 'render' });

// A scheduler per ring; the application is one entity on each.
const scheds = [copyRing, computeRing, renderRing].map((ring) => rt.createScheduler({ ring, name: ring.name }));
const [copy, compute, render] = scheds.map((s) => s.createEntity({ priority: 'normal' }));
// The frames' outputs: a swapchain of three images, written in turn.
const images = Array.from({ length: FRAMES_IN_FLIGHT }, () => rt.memory.alloc(32 * KiB));

const frames = []; // per frame: push time and the render job's finished time
let pushed = 0;

function pushFrame() {
  const i = pushed++;
  const upload = rt.memory.alloc(64 * KiB);
  const scratch = rt.memory.alloc(16 * KiB);
  const c = copy.push({ dst: upload, pattern: (i % 255) + 1 });
  const k = compute.push({ dst: scratch, pattern: 0x5a });
  const r = render.push({ dst: images[i % FRAMES_IN_FLIGHT], pattern: (i % 255) + 1, deps: [c.finished, k.finished] });
  // M3: the inputs go back to the allocator when the job that reads them is done.
  rt.memory.freeAfter(upload, r.finished);
  rt.memory.freeAfter(scratch, r.finished);
  const frame = { pushedNs: rt.sim.now, doneNs: -1, status: 0 };
  frames.push(frame);
  r.finished.addCallback((f) => {
    frame.doneNs = f.timestamp;
    frame.status = f.status;
    for (const h of [c.scheduled, c.finished, k.scheduled, k.finished, r.scheduled, r.finished]) h.release();
    if (pushed < FRAMES) pushFrame(); // the swapchain image is free again
  });
}

for (let i = 0; i < Math.min(FRAMES_IN_FLIGHT, FRAMES); i++) pushFrame();
rt.sim.runUntilIdle();

const latency = frames.map((f) => f.doneNs - f.pushedNs).sort((a, b) => a - b);
const us = (ns) => `${(ns / 1000).toFixed(1)} µs`;
console.log(`dmafence pipeline example: ${rt.backend} backend, seed ${rt.seed}`);
console.log(`frames: ${frames.length} rendered, ${frames.filter((f) => f.status === 1).length} without error, in ${us(rt.sim.now)} of virtual time`);
console.log(`frame latency (push to render done): p50 ${us(latency[latency.length >> 1])}, max ${us(latency[latency.length - 1])}`);
for (const ring of [copyRing, computeRing, renderRing]) {
  const spans = rt.events.filter((e) => e.name === 'job' && e.args.ring === ring.name);
  const busy = spans.reduce((t, e) => t + e.durNs, 0);
  console.log(`  ring ${ring.name.padEnd(7)} on ${ring.device.name}: ${spans.length} jobs, busy ${((busy / rt.sim.now) * 100).toFixed(0)}% of the time`);
}
console.log(`DMA bytes written: ${rt.stats.dmaBytesWritten}; memory free after the run: ${rt.memory.available} of ${rt.memory.size} bytes (the swapchain holds ${FRAMES_IN_FLIGHT * 32 * KiB})`);

// Teardown: each scheduler through the emitter (S10); nothing is queued any more, so it is quick.
for (const s of scheds) await rt.sim.runUntilSettled(s.fini());
console.log(`violations: ${rt.violations.length}, corruptions: ${rt.memory.corruptions.length}, fence errors: ${frames.filter((f) => f.status < 0).map((f) => f.status).join(', ') || 'none'}${frames.some((f) => f.status === -Errno.ETIME) ? ' (a job timed out)' : ''}`);

writeFileSync(args.trace, rt.exportTrace());
console.log(`trace: ${rt.events.length} events written to ${args.trace} (open it in https://ui.perfetto.dev)`);
await rt.dispose();
