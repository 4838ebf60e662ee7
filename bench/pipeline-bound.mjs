#!/usr/bin/env node
// The zero-byte virtual pipeline against its bound, in one process, interleaved (README, "What
// bounds each pipeline workload"): the build's submission (`submitBatch` of 1,024 per ring) and
// run (`runUntilIdle`) per job, and minimal wasm loops (compiled here from the AssemblyScript
// below) doing the work the model requires per job, no more, over memory laid out as the
// arena's (layout version 6): 16-byte hot fence slots (state, generation, link, error) on a LIFO
// free list and 16-byte cold ones (seqno, timestamp), 24-byte descriptors and 8-byte start times
// per ring of 1,024:
//   submit  pop a slot (the free list's link, or the next never-used slot), write its fence
//           (error, seqno, timestamp, state, the link to it) and the job's descriptor (seqno,
//           dst, bytes, pattern, allocation) and start time;
//   run     per job in completion order (8 rings: per instant, the rings in order, each ring's
//           list head and slot index read and written in memory): the checks a job needs (its
//           descriptor's size: a job with bytes ends the stretch; its fence: the list's end, and
//           a state that is not plain: callbacks, a handle, a holder, already signaled), its
//           completion time (one step on), its fence signaled and recycled (state, generation,
//           link onto the free list; no timestamp: a fence recycled at once keeps none), its
//           start time.
// What the model checks once per run and not per job (the next timer or other ring's event,
// the deadlines: counted before the loop, as the build does), the counters and the context's
// words (written once per run) are left out. Figures are ns per job, median [min-max] of rounds.
//   node bench/pipeline-bound.mjs [dist/] [rounds]
import asc from 'assemblyscript/asc';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, sorted } from './stats.mjs';

const KERNEL = `
const CAP: i32 = 1024;
const NIL: i32 = -1;
const PLAIN_MASK: u32 = 0x11a; // (the build's FS_SIGNALED | FS_JS | FS_PINNED | FS_SCHED)
// hot slots at 0 (16 B each), cold slots after them (16 B each), then per ring: descriptors
// (CAP * 24 B), start times (CAP * 8 B)
@inline function cold(nSlots: i32): usize { return <usize>nSlots << 4; }
@inline function ringBase(nSlots: i32, r: i32): usize { return (<usize>nSlots << 5) + <usize>(r * CAP * 32); }
export function init(nSlots: i32): i32 {
  for (let s = 0; s < nSlots; s++) store<i32>((<usize>s << 4) + 8, s + 1 < nSlots ? s + 1 : NIL);
  return 0; // the free list's head
}
// Submits CAP jobs on ring r from the free list's head; returns the new head. The ring's fences
// are linked from the list head word at 'headAt'.
export function submit(nSlots: i32, r: i32, free: i32, seq: f64, headAt: usize): i32 {
  const descs = ringBase(nSlots, r);
  const starts = descs + <usize>(CAP * 24);
  const cb = cold(nSlots);
  let link = headAt;
  let bump = nSlots; // (never reached: the free list holds every slot)
  for (let i = 0; i < CAP; i++) {
    seq += 1;
    let slot = free;
    if (slot != NIL) {
      free = load<i32>((<usize>slot << 4) + 8);
    } else {
      slot = bump;
      bump++;
    }
    const p = <usize>slot << 4;
    store<i32>(p + 12, 0);
    store<f64>(cb + p, seq);
    store<f64>(cb + p + 8, 0);
    store<u32>(p, 0x10005); // (context 1, FS_ALLOC | FS_QUEUED)
    store<i32>(link, slot);
    link = p + 8;
    const d = descs + <usize>(i * 24);
    store<f64>(d, seq);
    store<u32>(d + 8, 0);
    store<u32>(d + 12, 0);
    store<u32>(d + 16, 0);
    store<u32>(d + 20, 0);
    store<f64>(starts + <usize>(i << 3), 0);
  }
  store<i32>(link, NIL);
  return free;
}
// Runs the jobs of 'rings' rings (their fence lists from the head words at heads + 4 r, their
// next slot index at heads + 64 + 4 r), per instant the rings in order; returns the free list's
// head, or -2 when a job has bytes or a fence is not plain (never in this benchmark).
export function run(nSlots: i32, rings: i32, heads: usize, free: i32, e: f64, step: f64): i32 {
  for (let i = 0; i < CAP; i++) {
    for (let r = 0; r < rings; r++) {
      const descs = ringBase(nSlots, r);
      const k = load<u32>(heads + 64 + (<usize>r << 2));
      if (load<u32>(descs + <usize>(k * 24) + 12) != 0) return -2;
      const h = load<i32>(heads + (<usize>r << 2));
      const q = <usize>h << 4;
      if (h == NIL || (load<u32>(q) & PLAIN_MASK)) return -2;
      store<i32>(heads + (<usize>r << 2), load<i32>(q + 8));
      store<u32>(q, 0);
      store<u32>(q + 4, load<u32>(q + 4) + 1);
      store<i32>(q + 8, free);
      free = h;
      store<f64>(descs + <usize>(CAP * 24) + <usize>(k << 3), e);
      store<u32>(heads + 64 + (<usize>r << 2), (k + 1) & <u32>(CAP - 1));
    }
    e += step;
  }
  return free;
}
// One ring: the list head and the slot index in locals.
export function run1(nSlots: i32, heads: usize, free: i32, e: f64, step: f64): i32 {
  const descs = ringBase(nSlots, 0);
  const starts = descs + <usize>(CAP * 24);
  let h = load<i32>(heads);
  for (let i = 0; i < CAP; i++) {
    if (load<u32>(descs + <usize>(i * 24) + 12) != 0) return -2;
    const q = <usize>h << 4;
    if (h == NIL || (load<u32>(q) & PLAIN_MASK)) return -2;
    const nx = load<i32>(q + 8);
    store<u32>(q, 0);
    store<u32>(q + 4, load<u32>(q + 4) + 1);
    store<i32>(q + 8, free);
    free = h;
    h = nx;
    store<f64>(starts + <usize>(i << 3), e);
    e += step;
  }
  store<i32>(heads, h);
  return free;
}
`;

const dir = process.argv[2] ?? 'dist';
const ROUNDS = Number(process.argv[3] ?? 5);
const { binary, stderr } = await asc.compileString(KERNEL, { optimizeLevel: 3, runtime: 'stub', importMemory: true, sharedMemory: true, enable: ['threads'], initialMemory: 1, maximumMemory: 65536, noAssert: true });
if (!binary) throw new Error(`kernel: ${stderr}`);
const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
const k = (await WebAssembly.instantiate(await WebAssembly.compile(binary), { env: { memory, abort() {} } })).exports;
const { createRuntime } = await import(pathToFileURL(resolve(dir, 'index.js')).href);

const now = () => Number(process.hrtime.bigint());
const SLOTS = 16384;
const HEADS = SLOTS * 32 + 8 * 1024 * 32; // after the slots (hot and cold) and 8 rings
/** The kernel's pipeline of `rings` rings: per iteration, submit 1,024 per ring, then run. */
function kernel(rings) {
  let free = k.init(SLOTS);
  let seq = 0;
  let t = 0;
  return () => {
    const a = now();
    for (let r = 0; r < rings; r++) {
      free = k.submit(SLOTS, r, free, seq, HEADS + 4 * r);
      seq += 1024;
    }
    const b = now();
    free = rings === 1 ? k.run1(SLOTS, HEADS, free, t, 1000) : k.run(SLOTS, rings, HEADS, free, t, 1000);
    if (free < 0) throw new Error('kernel: a job with bytes or a fence not plain');
    t += 1024 * 1000;
    const c = now();
    return [b - a, c - b];
  };
}
async function build(rings) {
  const rt = await createRuntime({ backend: 'wasm', maxFences: 16384, maxRings: 8, maxRingCapacity: 1024, dmaBytes: 1 << 16 });
  const dev = rt.createDevice({ latency: { baseNs: 1000, perByteNs: 0.25 } });
  const rs = Array.from({ length: rings }, () => rt.createRing({ device: dev, capacity: 1024 }));
  return {
    rt,
    fn: () => {
      const a = now();
      for (const r of rs) r.submitBatch(1024, {});
      const b = now();
      rt.sim.runUntilIdle();
      const c = now();
      return [b - a, c - b];
    },
  };
}
function sample(fn, jobs, iters) {
  const sub = [];
  const run = [];
  for (let i = 0; i < iters; i++) {
    const [s, r] = fn();
    sub.push(s / jobs);
    run.push(r / jobs);
  }
  return [median(sub), median(run)];
}
const spread = (xs) => {
  const s = sorted(xs);
  return `${median(xs).toFixed(2)} [${s[0].toFixed(2)}-${s[s.length - 1].toFixed(2)}]`;
};
for (const rings of [1, 8]) {
  const jobs = 1024 * rings;
  const b = await build(rings);
  const kf = kernel(rings);
  sample(b.fn, jobs, 300);
  sample(kf, jobs, 300);
  const res = { build: [[], []], kernel: [[], []] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of r % 2 ? [['kernel', kf], ['build', b.fn]] : [['build', b.fn], ['kernel', kf]]) {
      const [s, x] = sample(fn, jobs, 200);
      res[name][0].push(s);
      res[name][1].push(x);
    }
  }
  await b.rt.dispose();
  for (const name of ['build', 'kernel']) {
    console.log(`0 B x${rings} ${name}: submit ${spread(res[name][0])} ns/job, run ${spread(res[name][1])} ns/job`);
  }
}
