#!/usr/bin/env node
// The object API row's cost per fence, split by step, wasm, in one process (interleaved rounds):
//   core    the three core calls alone (fenceCreate, fenceSignal, fenceUnpin), as the handles make them
//   create  ctx.createFence(), df.signal(), df.release(): a DriverFence and its record, no DmaFence
//   +fence  the same and df.fence, released: the DmaFence handle
//   row     the same and one callback: the object API row (bench/core.mjs objectApiLoop)
//   plain   the row's peer, the plain JS fence object (bench/core.mjs plainFenceLoop)
//   node bench/object-split.mjs [dist/] [rounds]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, sorted } from './stats.mjs';
import { objectApiLoop, plainFenceLoop } from './core.mjs';

const args = process.argv.slice(2);
const dir = args.find((a) => !/^\d+$/.test(a)) ?? 'dist';
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
const { createRuntime } = await import(pathToFileURL(resolve(dir, 'index.js')).href);
const K = 1000;
const REPS = 200;
let hits = 0;
const cb = () => hits++;
// One copy of each loop (its call sites see one variant's objects only).
const copy = (f) => new Function(`return (${f})`)();
const steps = {
  core: (ctx, rt) => {
    const t = rt.fences;
    const core = t.core;
    const a = t.arena;
    const idx = ctx.index;
    const loop = copy(`function core(core, a, idx, k) {
      for (let i = 0; i < k; i++) {
        const s = core.fenceCreate(a.base, idx);
        core.fenceSignal(a.base, s, 0);
        core.fenceUnpin(a.base, s);
      }
    }`);
    return () => loop(core, a, idx, K);
  },
  create: (ctx) => {
    const loop = copy(`function create(ctx, k) {
      for (let i = 0; i < k; i++) {
        const df = ctx.createFence();
        df.signal();
        df.release();
      }
    }`);
    return () => loop(ctx, K);
  },
  '+fence': (ctx) => {
    const loop = copy(`function withFence(ctx, k) {
      for (let i = 0; i < k; i++) {
        const df = ctx.createFence();
        const f = df.fence;
        df.signal();
        f.release();
        df.release();
      }
    }`);
    return () => loop(ctx, K);
  },
  row: (ctx) => {
    const loop = copy(objectApiLoop);
    return () => loop(ctx, K, cb);
  },
  plain: () => {
    const loop = plainFenceLoop; // (its class is core.mjs's: no copy)
    const context = {};
    let seqno = 1;
    return () => {
      loop(context, seqno, K, cb);
      seqno += K;
    };
  },
};
const names = Object.keys(steps);
const fns = {};
const res = {};
for (const n of names) {
  const rt = await createRuntime({ backend: 'wasm', maxFences: 4096 });
  const ctx = rt.createContext();
  fns[n] = steps[n](ctx, rt);
  res[n] = [];
}
for (let r = 0; r < rounds + 2; r++) {
  for (const n of r % 2 ? names.slice().reverse() : names) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < REPS; i++) fns[n]();
    const ns = Number(process.hrtime.bigint() - t0) / (REPS * K);
    if (r >= 2) res[n].push(ns); // two warm-up rounds
  }
  await new Promise((r) => setTimeout(r, 0)); // the end of a task: handles still unreleased get their registry entry
}
const fmt = (xs) => {
  const s = sorted(xs);
  return `${median(xs).toFixed(1)} ns [${s[0].toFixed(1)}–${s[s.length - 1].toFixed(1)}]`;
};
for (const n of names) console.log(`${n.padEnd(7)} ${fmt(res[n])} per fence (${(1e3 / median(res[n])).toFixed(2)} M/s)`);
