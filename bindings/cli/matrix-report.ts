/**
 * The teardown matrix as a person reads it: the table of rows, the conclusion (which policies kept
 * both promises on every device), and the job count line. Used by the command line.
 */
import type { TeardownResult } from './scenario.js';

function fmtNs(ns: number | null): string {
  if (ns === null) return 'never (deadlock)';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns} ns`;
}

export function formatTable(rows: TeardownResult[]): string {
  const head = ['device', 'policy', 'corruptions', 'premature signals', 'unsignaled fences', 'blocked waiters', 'teardown time'];
  const body = rows.map((r) => [r.device, r.policy, String(r.corruptions), String(r.prematureSignals), String(r.unsignaled), String(r.blockedWaiters), fmtNs(r.teardownNs)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(head), sep, ...body.map(line)].join('\n');
}

/** Which policies kept both promises (T1: no corruption or premature signal; T2: everything signaled) on every device. */
export function conclusion(rows: TeardownResult[]): string {
  const policies = [...new Set(rows.map((r) => r.policy))];
  const safe = policies.filter((p) =>
    rows.filter((r) => r.policy === p).every((r) => !r.corruptions && !r.prematureSignals && !r.unsignaled && !r.blockedWaiters && !r.deadlock),
  );
  const lines = policies.map((p) => {
    const bad = rows.filter((r) => r.policy === p && (r.corruptions || r.prematureSignals || r.unsignaled || r.blockedWaiters || r.deadlock));
    return bad.length ? `  ${p}: breaks a rule on ${bad.map((r) => r.device).join(', ')}` : `  ${p}: no corruption, nothing left unsignaled, no blocked waiter, on every device`;
  });
  return `${safe.length ? `Safe on every device: ${safe.join(', ')}.` : 'No policy was safe on every device.'}\n${lines.join('\n')}`;
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
