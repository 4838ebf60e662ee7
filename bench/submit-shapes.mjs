#!/usr/bin/env node
// Shapes of the zero-byte batch submission loop, in one process, interleaved (README, "What
// bounds each pipeline workload", zero-byte jobs, one ring): the kernel of bench/pipeline-bound.mjs
// (one loop: a fence and a descriptor per job) against the build's loop shapes rebuilt over the
// same memory (layout version 6's 16-byte hot and cold slots on a LIFO free list, 24-byte
// descriptors, 8-byte start times), each submitting 1,024 jobs and then run by the kernel's run1
// (which recycles the fences, so the free list comes back in the order the build's run leaves it).
// No bindings, no per-call work: the loops alone. Figures are ns per job: median, min, max of
// 8 rounds' medians.
//   node bench/submit-shapes.mjs
import { compileKernel } from './pipeline-kernel.mjs';
import { median } from './stats.mjs';

// The build's loop shapes, compiled with the kernels of bench/pipeline-kernel.mjs.
const SHAPES = `
// build: the build's loops before (the fences popped, then the descriptors by index), the slot
// arrays' addresses as arguments
export function submitB(nSlots: i32, r: i32, free: i32, seq: f64, headAt: usize): i32 {
  return subB(0, cold(nSlots), ringBase(nSlots, r), ringBase(nSlots, r) + <usize>(CAP * 24), 0x10005, free, seq, headAt);
}
function subB(slotBase: usize, coldBase: usize, descs: usize, starts: usize, state: u32, freeHead: i32, seqno: f64, link: usize): i32 {
  let sq = seqno;
  let left = CAP;
  if (freeHead >= 0) for (; left > 0; ) {
    sq += 1;
    const slot = freeHead;
    const p = slotBase + (<usize>slot << 4);
    freeHead = load<i32>(p + 8);
    const cp = coldBase + (<usize>slot << 4);
    store<i32>(p + 12, 0);
    store<f64>(cp, sq);
    store<f64>(cp + 8, 0);
    store<u32>(p, state);
    store<i32>(link, slot);
    link = p + 8;
    left--;
    if (freeHead < 0) break;
  }
  store<i32>(link, NIL);
  sq = seqno;
  for (let k = 0; k < CAP; k++) {
    sq += 1;
    const d = descs + <usize>(k * 24);
    store<f64>(d, sq);
    store<u32>(d + 8, 0);
    store<u32>(d + 12, 0);
    store<u32>(d + 16, 0);
    store<u32>(d + 20, 0);
    store<f64>(starts + <usize>(k << 3), 0);
  }
  return freeHead;
}
// poponly: the fence loop alone (no descriptors)
export function submitP(nSlots: i32, r: i32, free: i32, seq: f64, headAt: usize): i32 {
  return subP(0, cold(nSlots), 0x10005, free, seq, headAt);
}
function subP(slotBase: usize, coldBase: usize, state: u32, freeHead: i32, seqno: f64, link: usize): i32 {
  let sq = seqno;
  let left = CAP;
  if (freeHead >= 0) for (; left > 0; ) {
    sq += 1;
    const slot = freeHead;
    const p = slotBase + (<usize>slot << 4);
    freeHead = load<i32>(p + 8);
    const cp = coldBase + (<usize>slot << 4);
    store<i32>(p + 12, 0);
    store<f64>(cp, sq);
    store<f64>(cp + 8, 0);
    store<u32>(p, state);
    store<i32>(link, slot);
    link = p + 8;
    left--;
    if (freeHead < 0) break;
  }
  store<i32>(link, NIL);
  return freeHead;
}
// fused: one loop, fences and descriptors (as the kernel), the build's arguments
export function submitF(nSlots: i32, r: i32, free: i32, seq: f64, headAt: usize): i32 {
  return subF(0, cold(nSlots), ringBase(nSlots, r), ringBase(nSlots, r) + <usize>(CAP * 24), 0x10005, free, seq, headAt, nSlots);
}
function subF(slotBase: usize, coldBase: usize, descs: usize, starts: usize, state: u32, freeHead: i32, sq: f64, link: usize, bump: i32): i32 {
  for (let k = 0; k < CAP; k++) {
    sq += 1;
    let slot = freeHead;
    if (slot >= 0) freeHead = load<i32>(slotBase + (<usize>slot << 4) + 8);
    else slot = bump++;
    const p = slotBase + (<usize>slot << 4);
    const cp = coldBase + (<usize>slot << 4);
    store<i32>(p + 12, 0);
    store<f64>(cp, sq);
    store<f64>(cp + 8, 0);
    store<u32>(p, state);
    store<i32>(link, slot);
    link = p + 8;
    const d = descs + <usize>(k * 24);
    store<f64>(d, sq);
    store<u32>(d + 8, 0);
    store<u32>(d + 12, 0);
    store<u32>(d + 16, 0);
    store<u32>(d + 20, 0);
    store<f64>(starts + <usize>(k << 3), 0);
  }
  store<i32>(link, NIL);
  return freeHead;
}
// ptrs: the build's loops now (the descriptors walked by address, a blank one as two 8-byte zeros)
export function submitQ(nSlots: i32, r: i32, free: i32, seq: f64, headAt: usize): i32 {
  const f = subP(0, cold(nSlots), 0x10005, free, seq, headAt);
  descQ(ringBase(nSlots, r), ringBase(nSlots, r) + <usize>(CAP * 24), seq);
  return f;
}
function descQ(d: usize, s: usize, sq: f64): void {
  for (const e = s; d < e; d += 24, s += 8) {
    sq += 1;
    store<f64>(d, sq);
    store<u64>(d + 8, 0);
    store<u64>(d + 16, 0);
    store<f64>(s, 0);
  }
}

// ptrs32: as ptrs, the descriptor's words as four 4-byte stores
export function submitR(nSlots: i32, r: i32, free: i32, seq: f64, headAt: usize): i32 {
  const f = subP(0, cold(nSlots), 0x10005, free, seq, headAt);
  descR(ringBase(nSlots, r), ringBase(nSlots, r) + <usize>(CAP * 24), seq, 0, 0, 0, 0);
  return f;
}
function descR(d: usize, s: usize, sq: f64, a: u32, b: u32, c: u32, e: u32): void {
  for (const end = s; d < end; d += 24, s += 8) {
    sq += 1;
    store<f64>(d, sq);
    store<u32>(d + 8, a);
    store<u32>(d + 12, b);
    store<u32>(d + 16, c);
    store<u32>(d + 20, e);
    store<f64>(s, 0);
  }
}
`;
const { k, memory } = await compileKernel(SHAPES);
const SLOTS = 16384, HEADS = SLOTS * 32 + 8 * 1024 * 32;
const now = () => Number(process.hrtime.bigint());
function mk(name, sub) {
  let free = k.init(SLOTS), seq = 0, t = 0;
  return () => {
    const a = now();
    free = sub(SLOTS, 0, free, seq, HEADS);
    const b = now();
    seq += 1024;
    free = k.run1(SLOTS, HEADS, free, t, 1000); t += 1024000;
    if (free < 0) throw new Error(name);
    return (b - a) / 1024;
  };
}
const fns = { kernel: mk('k', k.submit), build: mk('b', k.submitB), poponly: mk('p', k.submitP), fused: mk('f', k.submitF), ptrs: mk('q', k.submitQ), ptrs32: mk('r', k.submitR) };
const res = {};
for (const n in fns) res[n] = [];
for (let r = 0; r < 9; r++) for (const n in fns) { const xs = []; for (let i = 0; i < 300; i++) xs.push(fns[n]()); if (r) res[n].push(median(xs)); }
for (const n in fns) console.log(`${n}: ${median(res[n]).toFixed(2)} [${Math.min.apply(null, res[n]).toFixed(2)}-${Math.max.apply(null, res[n]).toFixed(2)}] ns/job`);
