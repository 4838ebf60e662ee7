#!/usr/bin/env node
// The zero-byte virtual pipeline against its bound, in one process, interleaved (README, "What
// bounds each pipeline workload"): the build's submission (`submitBatch` of 1,024 per ring) and
// run (`runUntilIdle`) per job, and minimal wasm loops (compiled here from the AssemblyScript
// below) doing only the essential per-job work over memory laid out as the arena's: 32-byte fence
// slots on a LIFO free list, 24-byte descriptors and 8-byte start times per ring of 1,024:
//   submit  pop a slot, write its fence (error, seqno, timestamp, state, the link to it) and the
//           job's descriptor (seqno, dst, bytes, pattern, allocation) and start time;
//   run     per job in completion order (8 rings: per instant, the rings in order): read its
//           descriptor's size, its completion time (one step on), signal and recycle its fence
//           (timestamp, state, generation, link onto the free list), write its start time.
// No checks, no counters, no list heads in memory: what is left is the stores and the one
// dependent load per fence (the list link). The slots are layout version 5's (32 bytes, a timestamp at
// every recycle); version 6 touches fewer bytes per fence, so this is an upper bound of the memory work. Figures are ns per job, median [min-max] of rounds.
//   node bench/pipeline-bound.mjs [dist/] [rounds]
import asc from 'assemblyscript/asc';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, sorted } from './stats.mjs';

const KERNEL = `
const CAP: i32 = 1024;
// slots at 0 (32 B each), then per ring: descriptors (CAP * 24 B), start times (CAP * 8 B)
@inline function ringBase(nSlots: i32, r: i32): usize { return (<usize>nSlots << 5) + <usize>(r * CAP * 32); }
export function init(nSlots: i32): i32 {
  for (let s = 0; s < nSlots; s++) store<i32>((<usize>s << 5) + 8, s + 1 < nSlots ? s + 1 : -1);
  return 0; // the free list's head
}
// Submits CAP jobs on ring r from the free list's head; returns the new head. The ring's fences
// are linked from the list head word at 'headAt'.
export function submit(nSlots: i32, r: i32, free: i32, seq: f64, headAt: usize): i32 {
  const descs = ringBase(nSlots, r);
  const starts = descs + <usize>(CAP * 24);
  let link = headAt;
  for (let i = 0; i < CAP; i++) {
    seq += 1;
    const slot = free;
    const p = <usize>slot << 5;
    free = load<i32>(p + 8);
    store<i32>(p + 12, 0);
    store<f64>(p + 16, seq);
    store<f64>(p + 24, 0);
    store<u32>(p, 0x10003);
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
  store<i32>(link, -1);
  return free;
}
// Runs the jobs of 'rings' rings (their fence lists from the head words at heads + 4 r), per
// instant the rings in order; returns the free list's head.
export function run(nSlots: i32, rings: i32, heads: usize, free: i32, e: f64, step: f64): i32 {
  for (let i = 0; i < CAP; i++) {
    for (let r = 0; r < rings; r++) {
      const descs = ringBase(nSlots, r);
      if (load<u32>(descs + <usize>(i * 24) + 12) != 0) return -2;
      const h = load<i32>(heads + (<usize>r << 2));
      const q = <usize>h << 5;
      store<i32>(heads + (<usize>r << 2), load<i32>(q + 8));
      store<f64>(q + 24, e + step);
      store<u32>(q, 0);
      store<u32>(q + 4, load<u32>(q + 4) + 1);
      store<i32>(q + 8, free);
      free = h;
      store<f64>(descs + <usize>(CAP * 24) + <usize>(i << 3), e);
    }
    e += step;
  }
  return free;
}
// One ring: the list head in a local.
export function run1(nSlots: i32, heads: usize, free: i32, e: f64, step: f64): i32 {
  const descs = ringBase(nSlots, 0);
  const starts = descs + <usize>(CAP * 24);
  let h = load<i32>(heads);
  for (let i = 0; i < CAP; i++) {
    if (load<u32>(descs + <usize>(i * 24) + 12) != 0) return -2;
    const q = <usize>h << 5;
    const en = e + step;
    const nx = load<i32>(q + 8);
    store<f64>(q + 24, en);
    store<u32>(q, 0);
    store<u32>(q + 4, load<u32>(q + 4) + 1);
    store<i32>(q + 8, free);
    free = h;
    h = nx;
    store<f64>(starts + <usize>(i << 3), e);
    e = en;
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
const HEADS = SLOTS * 32 + 8 * 1024 * 32; // after the slots and 8 rings
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
    if (free < 0) throw new Error('kernel: a job with bytes');
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
