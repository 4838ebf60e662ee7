#!/usr/bin/env node
// The object API row's cost per fence, split by step, wasm, in one process (interleaved rounds):
//   core    the three core calls alone (fenceCreate, fenceSignal, fenceUnpin), as the handles make them
//   create  ctx.createFence(), df.signal(), df.release(): a DriverFence and its record, no DmaFence
//   +fence  the same and df.fence, released: the DmaFence handle
//   row     the same and one callback: the object API row (bench/core.mjs objectApiLoop)
//   plain   the row's peer, the plain JS fence object (bench/core.mjs plainFenceLoop)
//   node bench/object-split.mjs [dist/] [rounds]
// With --instructions, each step's instructions per fence instead of its time (valgrind's
// cachegrind; V8 single-threaded, so that which callees get inlined does not vary between runs
// and no helper thread's work is counted): the difference of two runs of the step alone, 300 and
// 100 loops of 1,000 fences, so start-up and compilation cancel out. Single runs still vary by
// up to ~100 instructions a fence (when the scavenges fall): compare medians of several. Slow (a
// minute a step); needs valgrind.
//   node bench/object-split.mjs --instructions [dist/] [--backend ts]
import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, sorted, takeFlag } from './stats.mjs';
import { objectApiLoop, plainFenceLoop } from './core.mjs';

const args = process.argv.slice(2);
const flag = (name) => takeFlag(args, name);
const instructions = args.includes('--instructions');
if (instructions) args.splice(args.indexOf('--instructions'), 1);
const only = flag('--loops'); // internal: `--loops <step> <n>` runs one step n times, untimed (for valgrind)
const backend = flag('--backend') ?? 'wasm';
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
if (instructions) {
  const self = fileURLToPath(import.meta.url);
  const count = (step, loops) => {
    const r = spawnSync(
      'valgrind',
      ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', process.execPath, '--single-threaded', self, dir, '--backend', backend, '--loops', step, String(loops)],
      { encoding: 'utf8' },
    );
    const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr ?? '');
    if (!m) throw new Error(`valgrind gave no count for ${step}: ${r.error?.message ?? r.stderr?.slice(-300)}`);
    return Number(m[1].replace(/,/g, ''));
  };
  for (const n of names) console.log(`${n.padEnd(7)} ${Math.round((count(n, 300) - count(n, 100)) / (200 * K))} instructions per fence (${backend})`);
  process.exit(0);
}
const fns = {};
const res = {};
if (only !== undefined) {
  const rt = await createRuntime({ backend, maxFences: 4096 });
  const fn = steps[only](rt.createContext(), rt);
  for (let i = 0; i < rounds; i++) {
    fn(); // rounds: the loop count that follows the step's name
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 0)); // the end of a task, as in the timed rounds
  }
  process.exit(0);
}
for (const n of names) {
  const rt = await createRuntime({ backend, maxFences: 4096 });
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
