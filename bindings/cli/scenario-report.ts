/**
 * A scenario's report as a person reads it (`dmafence run` without --json): what ran, the
 * numbers, what each teardown event did, and the verdict.
 */
import type { ScenarioReport } from './run-scenario.js';

export function fmtNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${Math.round(ns)} ns`;
}

function fmtRate(n: number, unit: string): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G${unit}/s`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M${unit}/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} k${unit}/s`;
  return `${n.toFixed(0)} ${unit}/s`;
}

const counts = (m: Record<string, number>) => (Object.keys(m).length ? Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} ×${n}`).join(', ') : 'none');

export function formatScenarioReport(r: ScenarioReport): string {
  const L: string[] = [];
  L.push(`scenario: ${r.name} (seed ${r.seed}, ${r.backend} backend, guarantee at the ${r.guarantee})`);
  L.push(`ran ${fmtNs(r.endNs)} of virtual time${r.idle ? ', until nothing was left to happen' : ' (cut by endNs)'}`);
  L.push('');
  L.push(`jobs         ${r.jobs.submitted} of ${r.jobs.planned} submitted, ${r.jobs.completed} completed, ${r.jobs.failed} ended with an error${r.jobs.notSubmitted ? `, ${r.jobs.notSubmitted} never submitted` : ''}`);
  L.push(`throughput   ${fmtRate(r.throughput.jobsPerSec, 'jobs')}, ${fmtRate(r.throughput.bytesPerSec, 'B')}`);
  L.push(`latency      ${r.latencyNs ? `p50 ${fmtNs(r.latencyNs.p50)}, p90 ${fmtNs(r.latencyNs.p90)}, p99 ${fmtNs(r.latencyNs.p99)}, max ${fmtNs(r.latencyNs.max)} (submit to signal)` : 'no job completed'}`);
  L.push(`violations   ${counts(r.violations)}${Object.keys(r.violationKinds).length ? ` (${counts(r.violationKinds)})` : ''}`);
  L.push(`corruptions  ${r.corruptions}`);
  L.push(`unsignaled   ${r.unsignaled} fence(s) left pending${r.unsignaled && r.idle ? ' with nothing left to signal them (T2)' : ''}${r.blockedWaiters ? `, ${r.blockedWaiters} waiter(s) blocked` : ''}`);
  if (r.restarts) L.push(`restarts     ${r.restarts} (rings the timeout handler stopped, restarted by the driver)`);
  L.push('');
  for (const g of r.rings) L.push(`ring ${g.name} on ${g.device}: ${g.state}; ${g.submitted} submitted, ${g.completed} completed, ${g.failed} with an error, ${g.pending} pending`);
  for (const st of r.streams) L.push(`stream ${st.name} on ${st.entity === undefined ? st.ring : `entity ${st.entity} (ring ${st.ring})`}: ${st.submitted}/${st.planned} submitted (${st.ended})`);
  for (const f of r.faults) L.push(`fault at ${fmtNs(f.atNs)}: ${f.inject} on ${f.target}: ${f.result}`);
  for (const t of r.teardown) {
    const what = `${fmtNs(t.atNs)}: ${t.action} ${t.target}${t.policy ? ` (${t.policy})` : ''}`;
    const how = t.status === 'done' ? `done in ${fmtNs(t.timeNs ?? 0)}` : t.status === 'failed' ? `failed: ${t.error}` : r.idle ? 'never finished (deadlock)' : 'still under way at the end';
    L.push(`teardown at ${what}: ${how}`);
    for (const d of t.drops ?? []) {
      const f = d.fences;
      L.push(`  ${d.ring}: ${f.total} fence(s) in flight: ${f.ok} ok, ${f.canceled} -ECANCELED, ${f.timedOut} -ETIME, ${f.otherError} other error, ${f.unsignaled} left unsignaled`);
    }
  }
  L.push('');
  const got = r.verdict.rules.length ? `rules broken: ${r.verdict.rules.join(', ')}` : 'no rule broken';
  if (r.verdict.expected === null) L.push(`verdict: ${got}`);
  else L.push(`verdict: ${got}; expected ${r.verdict.expected.length ? r.verdict.expected.join(', ') : 'clean'}: ${r.verdict.pass ? 'as expected' : 'NOT as expected'}`);
  return L.join('\n');
}
