/**
 * The teardown matrix as a person reads it: the table of rows (with the guarantee level), the
 * conclusion (which policies kept both promises on every device, at which level), the seed's
 * question answered from the rows, and the job count line. Used by the command line.
 */
import type { TeardownResult } from './scenario.js';
import type { SchedTeardownResult } from './sched-teardown.js';

function fmtNs(ns: number | null): string {
  if (ns === null) return 'never (deadlock)';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns} ns`;
}

export function formatTable(rows: TeardownResult[]): string {
  const head = ['device', 'policy', 'guarantee', 'corruptions', 'premature signals', 'unsignaled fences', 'blocked waiters', 'teardown time'];
  const text = 3; // left-aligned columns
  const body = rows.map((r) => [
    r.device, r.policy, r.guarantee, String(r.corruptions), String(r.prematureSignals), String(r.unsignaled), String(r.blockedWaiters), fmtNs(r.teardownNs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i < text ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (i < text ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(head), sep, ...body.map(line)].join('\n');
}

const broke = (r: TeardownResult) => r.corruptions > 0 || r.prematureSignals > 0 || r.unsignaled > 0 || r.blockedWaiters > 0 || r.deadlock || r.dropError !== null;
const uniq = (xs: string[]) => [...new Set(xs)];
const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

/**
 * The seed's question (T7) answered from the rows, in two sentences: what the driver bug (a job's
 * owner dropped while the device runs it) did at the fence level and at the emitter level. Empty
 * when the rows had no driver bug.
 */
export function answer(rows: TeardownResult[]): string {
  const level = (g: 'emitter' | 'fence') => {
    const rs = rows.filter((r) => r.guarantee === g && r.driverBug);
    const early = rs.filter((r) => r.driverBug!.prematureSignals > 0);
    const corrupt = rs.filter((r) => r.driverBug!.corruptions > 0);
    const n = corrupt.reduce((a, r) => a + r.driverBug!.corruptions, 0);
    return { runs: rs.length, early: early.length, corrupt, n, devices: uniq(corrupt.map((r) => r.device)) };
  };
  const f = level('fence');
  const e = level('emitter');
  if (f.runs + e.runs === 0) return '';
  const out: string[] = [];
  if (f.runs) {
    out.push(
      `Fence level (a fence signals -ECANCELED when its last owner drops it): the driver bug (a running job's owner dropped) signaled its fence early in ${f.early} of ${plural(f.runs, 'run')}, ` +
        `and in ${f.corrupt.length} of them the device then wrote into the freed and reused buffer (${plural(f.n, 'corrupting write')}` +
        (f.devices.length ? `, on ${f.devices.length === uniq(rows.map((r) => r.device)).length ? 'every device' : f.devices.join(', ')}).` : ').'),
    );
  }
  if (e.runs) {
    const eg = rows.filter((r) => r.guarantee === 'emitter' && r.policy === 'emitter-guarantee');
    const egBad = uniq(eg.filter(broke).map((r) => r.device));
    out.push(
      `Emitter level (the ring signals a fence only once the device finished it or was proven idle): the same bug signaled ${e.early} fences early and caused ${e.n} corruptions in ${plural(e.runs, 'run')}` +
        (eg.length ? (egBad.length ? `, and emitter-guarantee broke a rule only on ${egBad.join(', ')}.` : ', and emitter-guarantee kept both promises on every device.') : '.'),
    );
  }
  return out.join(' ');
}

/**
 * Which policies kept both promises (T1: no corruption or premature signal; T2: everything
 * signaled, nobody blocked) on every device, per guarantee level; then the seed's answer.
 */
export function conclusion(rows: TeardownResult[]): string {
  const keys = uniq(rows.map((r) => `${r.policy}\u0000${r.guarantee}`)).map((k) => k.split('\u0000') as [string, string]);
  const levels = uniq(rows.map((r) => r.guarantee));
  const label = (p: string, g: string) => (levels.length > 1 ? `${p} (${g} level)` : p);
  const badOn = ([p, g]: [string, string]) => uniq(rows.filter((r) => r.policy === p && r.guarantee === g && broke(r)).map((r) => r.device));
  const safe = keys.filter(([p, g]) => rows.filter((r) => r.policy === p && r.guarantee === g).every((r) => !broke(r)));
  const lines = keys.map(([p, g]) => {
    const bad = badOn([p, g]);
    return bad.length ? `  ${label(p, g)}: breaks a rule on ${bad.join(', ')}` : `  ${label(p, g)}: no corruption, nothing left unsignaled, no blocked waiter, on every device`;
  });
  let head = `Safe on every device: ${safe.map(([p, g]) => label(p, g)).join(', ')}.`;
  if (!safe.length) {
    // The closest: the policies (at their level) that broke a rule on the fewest devices.
    const fewest = Math.min(...keys.map((k) => badOn(k).length));
    const best = keys.filter((k) => badOn(k).length === fewest);
    head = `No policy was safe on every device; the closest: ${best.map((k) => `${label(...k)}, unsafe only on ${badOn(k).join(', ')}`).join('; ')}.`;
  }
  const a = answer(rows);
  return `${head}\n${lines.join('\n')}${a ? `\n\n${a}` : ''}`;
}

/** "100" when every run submitted the same number of jobs, else "98–100". */
export function submittedJobs(rows: TeardownResult[]): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r.jobs);
    hi = Math.max(hi, r.jobs);
  }
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

/** The table and the conclusion of a matrix's rows, as `dmafence teardown` prints them (without its header line). */
export function formatTeardownMatrix(rows: TeardownResult[]): string {
  return `${formatTable(rows)}\n\n${conclusion(rows)}`;
}

/** The scheduler's teardown rows (S10): per device, fini and the ring dropped under each policy. */
export function formatSchedulerTable(rows: SchedTeardownResult[]): string {
  const head = ['device', 'teardown', 'queued', 'on ring', 'corruptions', 'premature signals', 'unsignaled fences', 'blocked waiters', 'teardown time'];
  const text = 2;
  const body = rows.map((r) => [
    r.device, r.action === 'fini' ? 'fini' : `drop (${r.policy}), fini`, String(r.queued), String(r.onRing),
    String(r.corruptions), String(r.prematureSignals), String(r.unsignaled), String(r.blockedWaiters), fmtNs(r.teardownNs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i < text ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (i < text ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(head), sep, ...body.map(line)].join('\n');
}

/** Which ways of tearing a scheduler down kept both promises on every device. */
export function schedulerConclusion(rows: SchedTeardownResult[]): string {
  const ways = uniq(rows.map((r) => (r.action === 'fini' ? 'fini' : `drop (${r.policy}), fini`)));
  const of = (w: string) => rows.filter((r) => (r.action === 'fini' ? 'fini' : `drop (${r.policy}), fini`) === w);
  return ways
    .map((w) => {
      const bad = uniq(of(w).filter(broke).map((r) => r.device));
      return bad.length ? `  ${w}: breaks a rule on ${bad.join(', ')}` : `  ${w}: no corruption, nothing left unsignaled, no blocked waiter, on every device`;
    })
    .join('\n');
}
