// The measuring part of `npm run bench`: warm-up, interleaved rounds, and rows of results.
// Every section module (run.mjs lists them) gets one harness `h` and adds its rows through it:
//   h.pair(name, make, { peer })   tinybench loops, one task per backend (and one for a peer),
//                                  warmed until stable, then timed in interleaved rounds
//   h.manual(make, reps)           whole workloads timed with performance.now, interleaved rounds
//   h.record(workload, unit, units, samples, extra)   turns samples into a row
// A row's figure per backend is the median over rounds of that round's throughput (units per
// second at the round's median time per iteration), with the slowest and fastest round beside it.
import { Bench } from 'tinybench';
import { median } from './stats.mjs';

/** Warm-up stops when two consecutive warm-up rounds' medians agree within this fraction. */
export const WARM_AGREE = 0.1;

/** Throughput summary of rounds of samples (ms per iteration): median, min, max over rounds. */
export function summarize(rounds, units) {
  const rates = [];
  let samples = 0;
  for (const r of rounds) {
    if (r.length === 0) continue;
    rates.push(units / (median(r) / 1000));
    samples += r.length;
  }
  let min = Infinity;
  let max = -Infinity;
  for (const x of rates) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { median: median(rates), min, max, rounds: rates, samples };
}

/** Samples as rounds: an array of rounds (arrays of ms), or one flat pool taken as one round. */
function asRounds(s) {
  if (s.length === 0 || Array.isArray(s[0])) return s;
  return [s];
}

export function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 1e9) return (x / 1e9).toFixed(2) + ' G';
  if (x >= 1e6) return (x / 1e6).toFixed(2) + ' M';
  if (x >= 1e3) return (x / 1e3).toFixed(1) + ' k';
  return x.toFixed(1);
}

/**
 * The harness of one run. `CFG` has rounds, time (ms per task per round), warmTime (ms per
 * warm-up round), warmMax (the most warm-up rounds per task) and minIterations (the fewest
 * iterations of one tinybench run, whatever its time).
 */
export function createHarness({ createRuntime, CFG, BACKENDS, mode, log }) {
  const results = [];

  /** One tinybench run of `fn` for `time` ms; returns its samples (ms per iteration). */
  async function once(label, ctx, time) {
    const bench = new Bench({ time, warmupTime: 0, warmupIterations: 0, iterations: CFG.minIterations, retainSamples: true });
    bench.add(label, ctx.fn, ctx.beforeEach ? { beforeEach: ctx.beforeEach } : undefined);
    await bench.run();
    const r = bench.tasks[0].result;
    if (r.state !== 'completed') throw new Error(`${label}: ${r.state} ${r.error ?? ''}`);
    return Array.from(r.latency.samples);
  }

  /**
   * Runs `ctx` until two consecutive warm-up rounds agree within WARM_AGREE (at most
   * CFG.warmMax rounds). A JIT that tiers up mid-measurement (the ts signal loop did: a process
   * measured either about 65 or about 115 M fences/s) is done tiering before the timed rounds.
   */
  async function warm(label, ctx) {
    const medians = [];
    for (let i = 0; i < CFG.warmMax; i++) {
      medians.push(median(await once(label, ctx, CFG.warmTime)));
      const n = medians.length;
      if (n >= 2 && Math.abs(medians[n - 1] - medians[n - 2]) <= WARM_AGREE * Math.max(medians[n - 1], medians[n - 2])) {
        return { rounds: n, stable: true, msPerIteration: medians };
      }
    }
    return { rounds: medians.length, stable: false, msPerIteration: medians };
  }

  /**
   * A workload per backend (and `opts.peer`, made once, when given), each primed (its `prime()`,
 * if any) and warmed until stable,
   * then CFG.rounds timed rounds, alternating which goes first. Returns rounds of samples per
   * column (`wasm`, `ts`, `peer`) and the warm-up of each.
   */
  async function pair(name, make, opts = {}) {
    const cols = BACKENDS.slice();
    const ctxs = {};
    for (const b of BACKENDS) ctxs[b] = await make(b);
    if (opts.peer) {
      cols.push('peer');
      ctxs.peer = await opts.peer();
    }
    const samples = { warmup: {} };
    for (const c of cols) {
      samples[c] = [];
      // `prime` runs the workload's functions the way an application calls them (small and
      // many) before the first big call: see the signal loop in core.mjs.
      await ctxs[c].prime?.();
      samples.warmup[c] = await warm(`${name} ${c}`, ctxs[c]);
      if (ctxs[c].prime) samples.warmup[c].primed = true;
    }
    for (let round = 0; round < CFG.rounds; round++) {
      const order = round % 2 ? cols.slice().reverse() : cols;
      for (const c of order) samples[c].push(await once(`${name} ${c}`, ctxs[c], CFG.time));
    }
    for (const c of cols) await ctxs[c].dispose?.();
    return samples;
  }

  /**
   * Whole workloads: `make(backend)` per round and backend (backends alternate which goes first),
   * then `reps` timed runs of its `run` (each after its `before`). Returns rounds of samples (ms).
   */
  async function manual(make, reps = 1, cols = BACKENDS) {
    const samples = {};
    for (const c of cols) samples[c] = [];
    for (let round = 0; round < CFG.rounds; round++) {
      for (const c of round % 2 ? cols.slice().reverse() : cols) {
        const w = await make(c);
        const times = [];
        for (let r = 0; r < reps; r++) {
          await w.before?.();
          const t0 = performance.now();
          await w.run();
          times.push(performance.now() - t0);
        }
        await w.dispose();
        samples[c].push(times);
      }
    }
    return samples;
  }

  /**
   * Adds a row: `samples` per column (wasm, ts, peer: any of them) as rounds of ms per iteration
   * of `units` units (or one flat pool). `extra` may hold goal ({ wasm: units/s, peerWithin: factor }), hot (wasm should be
   * ahead of ts), peer (the peer's name) and per-column extras (merged into that column).
   */
  function record(workload, unit, units, samples, extra = {}) {
    const { perColumn, rest } = splitExtra(extra);
    const row = Object.assign({ workload, unit }, rest);
    for (const c of ['wasm', 'ts', 'peer']) {
      if (!samples[c]) continue;
      row[c] = Object.assign(summarize(asRounds(samples[c]), units), samples.warmup?.[c] ? { warmup: samples.warmup[c] } : {}, perColumn[c] ?? {});
    }
    if (row.wasm && row.ts) row.ratio = row.wasm.median / row.ts.median;
    if (row.wasm && row.peer) row.peerRatio = row.wasm.median / row.peer.median;
    results.push(row);
    const parts = [];
    for (const c of ['wasm', 'ts', 'peer']) if (row[c]) parts.push(`${c === 'peer' ? (row.peerName ?? 'peer') : c} ${fmt(row[c].median)} [${fmt(row[c].min)}–${fmt(row[c].max)}]`);
    if (row.ratio !== undefined) parts.push(`wasm/ts ${row.ratio.toFixed(2)}`);
    if (row.peerRatio !== undefined) parts.push(`wasm/peer ${row.peerRatio.toFixed(2)}`);
    log(`  ${workload} (${unit}): ${parts.join(', ')}`);
    return row;
  }

  /** A row of one value, the same on both backends (the arena layout is shared). */
  function recordValue(workload, unit, value, goal) {
    const row = { workload, unit, value };
    if (goal) row.goal = goal;
    results.push(row);
    log(`  ${workload}: ${value} ${unit}`);
    return row;
  }

  /** Sections whose rows have columns of their own: { key, title, table, json }, printed after the table. */
  const appendix = [];
  return { createRuntime, CFG, BACKENDS, mode, log, results, appendix, pair, manual, record, recordValue, fmt };
}

/** Separates `extra.columns` (per-column additions) from the row's own fields. */
function splitExtra(extra) {
  const rest = {};
  for (const k of Object.keys(extra)) if (k !== 'columns') rest[k] = extra[k];
  return { perColumn: extra.columns ?? {}, rest };
}
