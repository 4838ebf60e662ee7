// The minimal wasm kernels of the zero-byte pipeline (README, "What bounds each pipeline
// workload"), shared by bench/pipeline-bound.mjs (against the build) and bench/submit-shapes.mjs
// (against other shapes of the submission loop): the AssemblyScript source, and its compilation
// over a shared memory laid out as layout version 6's arena (see pipeline-bound.mjs for what
// each loop does per job).
import asc from 'assemblyscript/asc';

export const KERNEL = `
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

/** Compiles KERNEL plus `extra` (more AssemblyScript) into one module over a new shared memory. */
export async function compileKernel(extra = '') {
  const { binary, stderr } = await asc.compileString(KERNEL + extra, { optimizeLevel: 3, runtime: 'stub', importMemory: true, sharedMemory: true, enable: ['threads'], initialMemory: 1, maximumMemory: 65536, noAssert: true });
  if (!binary) throw new Error(`kernel: ${stderr}`);
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
  const k = (await WebAssembly.instantiate(await WebAssembly.compile(binary), { env: { memory, abort() {} } })).exports;
  return { k, memory };
}
