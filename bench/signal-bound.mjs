#!/usr/bin/env node
// The signal loop against its bound, in one process, interleaved (README, "What bounds each
// figure"): a million pending fences signaled by one signalUpTo, and minimal wasm loops over a
// million slots laid out as the arena's hot array (compiled here from the AssemblyScript below):
//   seq    the signal loop's loads and stores per fence in its 16-byte hot slot (state,
//          generation, link onto the free list), in order, with no list at all: what the memory
//          system allows for the bytes the loop touches per fence (the bound);
//   chase  the same, following a link per slot (the dependent load a linked list costs);
//   read   one word read per 16-byte slot;
//   seq32  seq over 32-byte slots with a timestamp store, as the loop did before the slot was
//          split into a hot and a cold array (layout 5): the previous bound, for comparison.
// Rates are per call, from the process's CPU time (wall time on a machine shared with other work
// counts the time the process waits), as median [min-max].
//   node bench/signal-bound.mjs [dist/] [rounds]
import asc from 'assemblyscript/asc';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './stats.mjs';

const KERNEL = `
export function link(n: i32, desc: i32): void {
  for (let k = 0; k < n; k++) {
    const s = desc ? n - 1 - k : k;
    const p = <usize>s << 4;
    store<u32>(p, 5);
    store<i32>(p + 8, k + 1 < n ? (desc ? n - 2 - k : k + 1) : -1);
  }
}
export function chase(head: i32): i32 {
  let n = 0;
  let free = -1;
  while (head != -1) {
    const p = <usize>head << 4;
    const st = load<u32>(p);
    const next = load<i32>(p + 8);
    if (!(st & 2)) n++;
    store<u32>(p, 0);
    store<u32>(p + 4, load<u32>(p + 4) + 1);
    store<i32>(p + 8, free);
    free = head;
    head = next;
  }
  return n;
}
export function seq(n: i32): i32 {
  let c = 0;
  for (let h = 0; h < n; h++) {
    const p = <usize>h << 4;
    if (!(load<u32>(p) & 2)) c++;
    store<u32>(p, 0);
    store<u32>(p + 4, load<u32>(p + 4) + 1);
    store<i32>(p + 8, h - 1);
  }
  return c;
}
export function read(n: i32): u32 {
  let c: u32 = 0;
  for (let h = 0; h < n; h++) c += load<u32>(<usize>h << 4);
  return c;
}
export function seq32(n: i32, ts: f64): i32 {
  let c = 0;
  for (let h = 0; h < n; h++) {
    const p = <usize>h << 5;
    if (!(load<u32>(p) & 2)) { store<f64>(p + 24, ts); c++; }
    store<u32>(p, 0);
    store<u32>(p + 4, load<u32>(p + 4) + 1);
  }
  return c;
}
`;

const dir = process.argv[2] ?? 'dist';
const rounds = Number(process.argv[3] ?? 6);
const N = 1_000_000;
const { binary, stderr } = await asc.compileString(KERNEL, { optimizeLevel: 3, runtime: 'stub', importMemory: true, sharedMemory: true, enable: ['threads'], initialMemory: 1, maximumMemory: 65536, noAssert: true });
if (!binary) throw new Error(`kernel: ${stderr}`);
// Shared, as the arena's memory is.
const memory = new WebAssembly.Memory({ initial: Math.ceil((N * 32) / 65536) + 1, maximum: 65536, shared: true });
const { instance } = await WebAssembly.instantiate(binary, { env: { memory, abort() {} } });
const K = instance.exports;

const { createRuntime } = await import(pathToFileURL(resolve(dir, 'index.js')).href);
const rt = await createRuntime({ backend: 'wasm', maxFences: N + 16 });
const ctx = rt.createContext();
for (let i = 0; i < 3000; i++) ctx.signalUpTo(ctx.createFences(64) + 63); // as bench/core.mjs

const rates = { 'signal loop': [], seq: [], chase: [], read: [], seq32: [] };
const time = (name, fn) => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  rates[name].push(N / (c.user + c.system)); // fences per µs = M/s
};
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < 3; k++) {
    const last = ctx.createFences(N) + N - 1;
    time('signal loop', () => ctx.signalUpTo(last));
  }
  K.link(N, r & 1);
  time('chase', () => K.chase(r & 1 ? N - 1 : 0));
  K.link(N, 0);
  time('seq', () => K.seq(N));
  time('read', () => K.read(N));
  time('seq32', () => K.seq32(N, 1.5));
}
await rt.dispose();
const fmt = (a) => {
  const s = a.toSorted((x, y) => x - y);
  return `${median(a).toFixed(0)} M/s [${s[0].toFixed(0)}-${s[s.length - 1].toFixed(0)}]`;
};
for (const [name, a] of Object.entries(rates)) console.log(`${name.padEnd(12)} ${fmt(a)}`);
console.log(`signal loop / seq: ${(median(rates['signal loop']) / median(rates.seq)).toFixed(2)}`);
console.log(`signal loop / seq32 (the 32-byte bound of layout 5): ${(median(rates['signal loop']) / median(rates.seq32)).toFixed(2)}`);
