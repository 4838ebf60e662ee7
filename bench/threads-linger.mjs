#!/usr/bin/env node
// What a lingering waiter count costs the owner: the owner's signaling loop (one fence created and
// signaled per pass, ctx.signalUpTo) while an attached view stays counted between waits (a wait
// ended, no tick since: every pass bumps the signal epoch and notifies it, with no thread asleep
// on it) against no view counted (one atomic load per pass). Both modes alternate in one process,
// a fresh view per round (well within the waiter lease: no reclaim runs). Per mode: the median
// of the rounds' ns per pass, min-max.
//
//   node bench/threads-linger.mjs [rounds] [passes] [wasm|ts]
import os from 'node:os';
import { median } from './stats.mjs';

const rounds = Number(process.argv[2] ?? 9);
const passes = Number(process.argv[3] ?? 20000);
const backend = process.argv[4] ?? 'wasm';
if (!(rounds >= 1 && passes >= 10 && (backend === 'wasm' || backend === 'ts'))) {
  process.stderr.write('usage: node bench/threads-linger.mjs [rounds >= 1] [passes >= 10] [wasm|ts]\n');
  process.exit(2);
}
const { createRuntime, attachRuntime } = await import('../dist/index.js');
const rt = await createRuntime({ backend, maxFences: 4096 });
const ctx = rt.createContext();

/** ns per signaling pass over `passes` passes. */
function loop() {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < passes; i++) ctx.signalUpTo(ctx.createFences(1));
  return Number(process.hrtime.bigint() - t0) / passes;
}

async function lingering() {
  const view = attachRuntime(rt.share());
  const df = ctx.createFence();
  const p = view.fence(df.fence.share({ hold: false })).wait();
  df.signal();
  await p; // the wait ended: its count lingers until the view's next tick with no wait
  const ns = loop();
  view.dispose();
  return ns;
}

const out = { none: [], lingering: [] };
loop(); // warm-up
for (let r = 0; r < rounds; r++) {
  if (r % 2) {
    out.lingering.push(await lingering());
    out.none.push(loop());
  } else {
    out.none.push(loop());
    out.lingering.push(await lingering());
  }
}
const fmt = (xs) => `${median(xs).toFixed(0)} ns (${Math.min.apply(null, xs).toFixed(0)}-${Math.max.apply(null, xs).toFixed(0)})`;
process.stdout.write(`owner signaling pass, ${backend}, ${rounds} rounds x ${passes} passes, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
process.stdout.write(`  no view counted:       ${fmt(out.none)}\n`);
process.stdout.write(`  a view's count lingers: ${fmt(out.lingering)}\n`);
process.stdout.write(`  difference (medians):  ${(median(out.lingering) - median(out.none)).toFixed(0)} ns per pass\n`);
await rt.dispose();
