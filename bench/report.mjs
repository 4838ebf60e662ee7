// The report of `npm run bench`: the machine it ran on, each row's goal and verdict, the Markdown
// table (printed by run.mjs and by readme-table.mjs from a saved run, so the README's table is one
// run's), and the comparison with a saved run (`--compare base.json`).
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** The JSON's format; a saved run of another format is refused by --compare. */
export const SCHEMA = 'dmafence-bench/2';

/** The machine, the software and the load, at the start of a run. */
export function environment(mode, cwd) {
  const cpus = os.cpus();
  const git = (args) => {
    try {
      return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const commit = git(['rev-parse', 'HEAD']);
  return {
    schema: SCHEMA,
    mode,
    date: new Date().toISOString(),
    machine: {
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryBytes: os.totalmem(),
      platform: `${os.platform()} ${os.arch()}`,
      node: process.version,
      v8: process.versions.v8,
      mode,
    },
    git: commit ? { commit, dirty: (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '' } : null,
    load: { start: os.loadavg(), end: null },
  };
}

/** Three significant digits with k/M/G: 293 M, 16.2 M, 749 k. */
export function sig(x) {
  if (!Number.isFinite(x)) return String(x);
  for (const [d, s] of [[1e9, ' G'], [1e6, ' M'], [1e3, ' k']]) if (x >= d) return (x / d).toPrecision(3) + s;
  return x.toPrecision(3);
}

/** "280–301 M", or "980 k–1.02 M" when the ends differ in scale. */
function range(min, max) {
  const a = sig(min);
  const b = sig(max);
  const sa = a.slice(a.lastIndexOf(' ') + 1);
  const sb = b.slice(b.lastIndexOf(' ') + 1);
  return a.includes(' ') && sa === sb ? `${a.slice(0, a.lastIndexOf(' '))}–${b}` : `${a}–${b}`;
}

/** One column's figure with its spread over rounds: "293 M [280–301 M]". */
export function cell(c) {
  if (!c) return '';
  if (c.min === undefined || c.max === undefined || c.rounds?.length < 2) return sig(c.median);
  return `${sig(c.median)} [${range(c.min, c.max)}]`;
}

/**
 * A row's goals and whether it met them: `{ text, met }` (met is undefined without a goal).
 * Goals: goal.wasm (units/s the wasm median must reach), goal.peerWithin (the peer at most that
 * many times faster than wasm), goal.max (a value row's ceiling), hot (wasm ahead of ts).
 */
export function verdict(r) {
  const parts = [];
  let met;
  const add = (text, ok) => {
    parts.push(`${text}: ${ok ? 'met' : 'miss'}`);
    met = (met ?? true) && ok;
  };
  if (r.value !== undefined) {
    if (r.goal?.max !== undefined) add(`≤ ${r.goal.max} ${r.unit === 'bytes' ? 'B' : r.unit}`, r.value <= r.goal.max);
    return { text: parts.join('; '), met };
  }
  if (r.goal?.wasm && r.wasm) {
    const ok = r.wasm.median >= r.goal.wasm;
    add(`≥ ${sig(r.goal.wasm)} ${r.unit}${ok ? '' : ` (${Math.round((r.wasm.median / r.goal.wasm) * 100)}%)`}`, ok);
  }
  if (r.goal?.peerWithin && r.peer && r.wasm) {
    const x = r.peer.median / r.wasm.median;
    add(`within ${r.goal.peerWithin}× of the peer (${x.toFixed(1)}×)`, x <= r.goal.peerWithin);
  }
  if (r.hot && r.ratio !== undefined) add('wasm ahead of ts', r.ratio > 1);
  return { text: parts.join('; '), met };
}

/** Fills in each row's verdict and the run's goals and ratios lists. */
export function finish(run, results) {
  for (const r of results) r.verdict = verdict(r);
  run.results = results;
  run.goals = results.filter((r) => r.verdict.met !== undefined).map((r) => ({ workload: r.workload, goal: r.goal ?? null, hot: r.hot === true, text: r.verdict.text, met: r.verdict.met }));
  run.ratios = results
    .filter((r) => r.value === undefined)
    .map((r) => Object.assign({ workload: r.workload, wasmOverTs: r.ratio ?? null }, r.peer ? { peer: r.peerName, wasmOverPeer: r.peerRatio ?? null, tsOverPeer: r.ts ? r.ts.median / r.peer.median : null } : {}));
  return run;
}

/** The Markdown table of a run (and its notes: peers, latencies, machine). */
export function markdownTable(run) {
  const lines = [];
  lines.push('| workload | wasm, median [min–max over rounds] | ts, median [min–max] | wasm/ts | peer, median [min–max] | wasm/peer | goal (wasm) | |');
  lines.push('|---|---:|---:|---:|---:|---:|---|---|');
  const notes = [];
  for (const r of run.results) {
    const v = r.verdict ?? verdict(r);
    const status = v.met === undefined ? '' : v.met ? 'met' : '**miss**';
    if (r.value !== undefined) {
      lines.push(`| ${r.workload} | ${r.value} ${r.unit} | ${r.value} ${r.unit} | same layout | | | ${v.text.replace(/: (met|miss)$/, '')} | ${status} |`);
      continue;
    }
    const x = (c) => (r[c] ? `${cell(r[c])} ${r.unit}` : '');
    const ratio = (a, b) => (r[a] && r[b] ? (r[a].median / r[b].median).toFixed(2) : '');
    lines.push(`| ${r.workload} | ${x('wasm')} | ${x('ts')} | ${ratio('wasm', 'ts')} | ${r.peer ? cell(r.peer) : ''} | ${ratio('wasm', 'peer')} | ${v.text} | ${status} |`);
    if (r.peer) notes.push(`Peer of "${r.workload}": ${r.peerName ?? 'peer'}${r.ts ? ` (ts/peer ${ratio('ts', 'peer')})` : ''}.`);
    if (r.wasm?.latencyUs && r.ts?.latencyUs) {
      const l = (b) => `${b} p50 ${r[b].latencyUs.p50.toFixed(0)} µs, p99 ${r[b].latencyUs.p99.toFixed(0)} µs`;
      notes.push(`"${r.workload}": from the device completing a job to its callback, one job at a time: ${l('wasm')}; ${l('ts')}.`);
    }
  }
  notes.push(goalSummary(run.results));
  const m = run.machine;
  const load = (a) => (a ? a.map((x) => x.toFixed(1)).join(' ') : '?');
  notes.push(`Run: \`${run.mode}\`, ${run.date}, Node ${m.node} (V8 ${m.v8}), ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB; load average (1/5/15 min) ${load(run.load?.start)} at the start, ${load(run.load?.end)} at the end${run.git ? `; commit ${run.git.commit.slice(0, 10)}${run.git.dirty ? ' (with uncommitted changes)' : ''}` : ''}.`);
  return lines.join('\n') + '\n\n' + notes.map((n) => `- ${n}`).join('\n');
}

/** One line on the run's goals: how many met, how far the missed throughput goals got. */
function goalSummary(results) {
  let met = 0;
  let missed = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let rlo = Infinity;
  let rhi = -Infinity;
  for (const r of results) {
    const v = r.verdict ?? verdict(r);
    if (v.met === true) met++;
    if (v.met === false) missed++;
    if (r.goal?.wasm && r.wasm && r.wasm.median < r.goal.wasm) {
      const share = r.wasm.median / r.goal.wasm;
      lo = Math.min(lo, share);
      hi = Math.max(hi, share);
    }
    if (r.hot && r.ratio !== undefined) {
      rlo = Math.min(rlo, r.ratio);
      rhi = Math.max(rhi, r.ratio);
    }
  }
  const pct = (x) => `${Math.round(x * 100)}%`;
  const reached = lo <= hi ? `; the missed throughput goals reached ${lo === hi ? pct(lo) : `${pct(lo)} to ${pct(hi)}`} of their figure` : '';
  const ahead = rlo <= rhi ? `; wasm/ts on the hot loops ${rlo.toFixed(2)} to ${rhi.toFixed(2)}` : '';
  return `Goals: ${met} row(s) met, ${missed} missed${reached}${ahead}.`;
}

/** Throws an Error naming what is wrong when `run` is not a saved run of this format. */
export function checkRun(run) {
  const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
  if (run === null || typeof run !== 'object' || Array.isArray(run)) throw new Error('not a JSON object');
  if (run.schema !== SCHEMA) throw new Error(`its schema is ${JSON.stringify(run.schema)}, expected "${SCHEMA}" (a JSON written by this version's --json)`);
  if (!Array.isArray(run.results) || run.results.length === 0) throw new Error('it has no results array');
  run.results.forEach((r, i) => {
    const at = `results[${i}]`;
    if (r === null || typeof r !== 'object' || typeof r.workload !== 'string') throw new Error(`${at} has no workload name`);
    if (r.value !== undefined) {
      if (!isNum(r.value)) throw new Error(`${at}.value is not a number`);
      return;
    }
    if (r.wasm === undefined && r.ts === undefined && r.peer === undefined) throw new Error(`${at} has neither a value nor a wasm, ts or peer column`);
    for (const c of ['wasm', 'ts', 'peer']) {
      if (r[c] === undefined) continue;
      const x = r[c];
      if (x === null || typeof x !== 'object') throw new Error(`${at}.${c} is missing`);
      for (const k of ['median', 'min', 'max']) if (!isNum(x[k]) || x[k] <= 0) throw new Error(`${at}.${c}.${k} is not a positive number`);
      if (!Array.isArray(x.rounds)) throw new Error(`${at}.${c}.rounds is not an array`);
    }
  });
}

/**
 * Each workload's change against a saved run, per column: this/base of the medians, and whether
 * the change is beyond both runs' spreads (the slowest round of one faster than the fastest round
 * of the other): "likely real". With one round a run has no spread: "unknown".
 */
export function compareTable(base, run, baseName) {
  const out = [];
  const bm = base.machine ?? {};
  out.push(`Against ${baseName}: \`${base.mode}\` run of ${base.date}${base.git ? `, commit ${base.git.commit.slice(0, 10)}` : ''}, Node ${bm.node}, load ${base.load?.start?.[0]?.toFixed(1) ?? '?'} at its start.`);
  const bl = base.load?.start?.[0];
  const rl = run.load?.start?.[0];
  if (typeof bl === 'number' && typeof rl === 'number') {
    const busy = (x) => Math.max(x, 1);
    const differ = Math.max(busy(bl), busy(rl)) / Math.min(busy(bl), busy(rl)) >= 2;
    out.push(`This run started at load ${rl.toFixed(1)}${differ ? ': the loads differ by 2× or more, so a change may be the machine\'s' : ''}.`);
  }
  if (base.mode !== run.mode) out.push(`(This run is \`${run.mode}\`: workloads of different sizes do not match by name and are left out.)`);
  out.push('');
  out.push('| workload | | base | this run | this/base | beyond both spreads |');
  out.push('|---|---|---:|---:|---:|---|');
  const byName = new Map(base.results.map((r) => [r.workload, r]));
  const missing = [];
  for (const r of run.results) {
    const b = byName.get(r.workload);
    if (!b) {
      missing.push(r.workload);
      continue;
    }
    if (r.value !== undefined || b.value !== undefined) {
      out.push(`| ${r.workload} | | ${b.value ?? '?'} ${b.unit} | ${r.value ?? '?'} ${r.unit} | ${b.value && r.value ? (r.value / b.value).toFixed(2) : ''} | ${b.value === r.value ? 'unchanged' : 'changed'} |`);
      continue;
    }
    for (const c of ['wasm', 'ts', 'peer']) {
      if (!r[c] || !b[c]) continue;
      const ratio = r[c].median / b[c].median;
      let real = 'no (within the spread)';
      if (r[c].rounds.length < 2 || b[c].rounds.length < 2) real = 'unknown (one round)';
      else if (r[c].min > b[c].max) real = '**likely real: faster**';
      else if (r[c].max < b[c].min) real = '**likely real: slower**';
      out.push(`|${c === 'wasm' ? ` ${r.workload} ` : ' '}| ${c} | ${cell(b[c])} | ${cell(r[c])} | ${ratio.toFixed(2)} | ${real} |`);
    }
  }
  const threads = compareThreads(base.threads?.rows, run.threads?.rows, missing);
  if (threads.length) out.push('', threads.join('\n'));
  if (missing.length) out.push('', `Not in ${baseName}: ${missing.join('; ')}.`);
  return out.join('\n');
}

/**
 * The cross-thread rows (bench/threads.mjs) of two runs: round trips/s per mode, with the same
 * verdict as the other rows (every round of one run beyond every round of the other), the round
 * trip's p50 and the ratio to hand-written Atomics in each run. A mode only in this run is added
 * to `missing`.
 */
function compareThreads(baseRows, rows, missing) {
  if (!rows?.length || !baseRows?.length) return [];
  const out = ['| cross-thread ping-pong | base | this run | this/base | beyond both spreads | p50 base → this | vs Atomics base → this |', '|---|---:|---:|---:|---|---:|---:|'];
  const byMode = new Map(baseRows.map((r) => [r.mode, r]));
  for (const r of rows) {
    const b = byMode.get(r.mode);
    if (!b) {
      missing.push(r.workload);
      continue;
    }
    const [t, u] = [r.roundTrips, b.roundTrips];
    let real = 'no (within the spread)';
    if (t.rounds < 2 || u.rounds < 2) real = 'unknown (one round)';
    else if (t.min > u.max) real = '**likely real: faster**';
    else if (t.max < u.min) real = '**likely real: slower**';
    out.push(`| ${r.mode} | ${sig(u.median)} [${range(u.min, u.max)}] | ${sig(t.median)} [${range(t.min, t.max)}] | ${(t.median / u.median).toFixed(2)} | ${real} | ${b.rttUs.p50.toFixed(1)} → ${r.rttUs.p50.toFixed(1)} µs | ${b.vsAtomics.toFixed(2)} → ${r.vsAtomics.toFixed(2)} |`);
  }
  return out;
}
