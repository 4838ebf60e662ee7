/**
 * A checker of the Trace Event Format rules the exported trace must keep (used by trace.test.ts
 * and scenario.test.ts): required fields per phase, integer pid/tid, names for every process and
 * thread, complete events properly nested per track, thread-scoped instants, flows that bind
 * (one 's', one final 'f', each point inside a slice of its track), numeric counters.
 * Returns the list of problems (empty: valid).
 */
import type { ChromeEvent } from '../bindings/trace-export.js';

/** A record as read from the file (the checker also takes string flow ids, which the format allows). */
export type Ev = Omit<ChromeEvent, 'id'> & { id?: number | string };

const EPS = 1e-6;
const PHASES = new Set(['X', 'i', 'b', 'e', 's', 't', 'f', 'C', 'M']);

export function checkTrace(trace: { traceEvents?: unknown; displayTimeUnit?: unknown }): string[] {
  const bad: string[] = [];
  if (!Array.isArray(trace.traceEvents)) return ['traceEvents is not an array'];
  const evs = trace.traceEvents as Ev[];
  const threadNames = new Set<string>();
  const procNames = new Set<number>();
  const used = new Set<string>();
  const slices = new Map<string, Ev[]>();
  const flows = new Map<string, Ev[]>();
  const asyncOpen = new Map<string, number>();
  evs.forEach((e, i) => {
    const at = `traceEvents[${i}] (${e.ph} ${e.name})`;
    if (typeof e.name !== 'string') bad.push(`${at}: no name`);
    if (!PHASES.has(e.ph)) bad.push(`${at}: unknown phase`);
    if (!Number.isInteger(e.pid) || !Number.isInteger(e.tid)) bad.push(`${at}: pid/tid not integers`);
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0) bad.push(`${at}: bad ts`);
    const key = `${e.pid}/${e.tid}`;
    switch (e.ph) {
      case 'M':
        if (e.name === 'thread_name' && typeof e.args?.name === 'string') threadNames.add(key);
        else if (e.name === 'process_name' && typeof e.args?.name === 'string') procNames.add(e.pid);
        else if ((e.name === 'thread_sort_index' || e.name === 'process_sort_index') && Number.isInteger(e.args?.sort_index)) return;
        else bad.push(`${at}: bad metadata`);
        return;
      case 'X':
        if (typeof e.dur !== 'number' || !(e.dur >= 0)) bad.push(`${at}: X without a dur >= 0`);
        if (!slices.has(key)) slices.set(key, []);
        slices.get(key)!.push(e);
        break;
      case 'i':
        if (e.s !== 't') bad.push(`${at}: instant not thread-scoped (s: ${e.s})`);
        break;
      case 'b':
      case 'e': {
        if (e.id === undefined || typeof e.cat !== 'string') bad.push(`${at}: async event without id/cat`);
        const k = `${e.cat}/${e.id}`;
        if (e.ph === 'b') asyncOpen.set(k, e.ts);
        else if (!asyncOpen.has(k)) bad.push(`${at}: 'e' without its 'b'`);
        else if (asyncOpen.get(k)! > e.ts + EPS) bad.push(`${at}: ends before it begins`);
        else asyncOpen.delete(k);
        break;
      }
      case 's':
      case 't':
      case 'f': {
        if (e.id === undefined || typeof e.cat !== 'string') bad.push(`${at}: flow without id/cat`);
        const k = `${e.cat}/${e.id}`;
        if (!flows.has(k)) flows.set(k, []);
        flows.get(k)!.push(e);
        break;
      }
      case 'C':
        if (!e.args || !Object.keys(e.args).length || Object.values(e.args).some((v) => typeof v !== 'number' || !Number.isFinite(v))) bad.push(`${at}: counter values not numeric`);
        break;
    }
    used.add(key);
  });
  for (const k of used) {
    if (!threadNames.has(k)) bad.push(`thread ${k} has no thread_name`);
    if (!procNames.has(Number(k.split('/')[0]))) bad.push(`process ${k.split('/')[0]} has no process_name`);
  }
  for (const k of asyncOpen.keys()) bad.push(`async ${k} never ends`);
  // X events per track: each one inside the enclosing open one, or after it.
  for (const [k, xs] of slices) {
    const sorted = xs.slice().sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const stack: Ev[] = [];
    for (const x of sorted) {
      // A slice that ended by x's start is closed; a zero-length x at its very end is inside it.
      const closed = (t: Ev) => (x.dur! > 0 ? t.ts + t.dur! <= x.ts + EPS : t.ts + t.dur! < x.ts - EPS);
      while (stack.length && closed(stack[stack.length - 1])) stack.pop();
      const top = stack[stack.length - 1];
      if (top && x.ts + x.dur! > top.ts + top.dur! + EPS) bad.push(`track ${k}: '${x.name}' [${x.ts}, ${x.ts + x.dur!}] overlaps '${top.name}' [${top.ts}, ${top.ts + top.dur!}]`);
      stack.push(x);
    }
  }
  // Flows: 's' first, 'f' last, time order, every point inside a slice on its track.
  const inSlice = (e: Ev) => (slices.get(`${e.pid}/${e.tid}`) ?? []).some((x) => x.ts <= e.ts + EPS && e.ts <= x.ts + x.dur! + EPS);
  for (const [k, fs] of flows) {
    const phs = fs.map((f) => f.ph).join('');
    if (!/^st*f$/.test(phs)) bad.push(`flow ${k}: phases ${phs} (want s, t..., f)`);
    for (let i = 1; i < fs.length; i++) if (fs[i].ts + EPS < fs[i - 1].ts) bad.push(`flow ${k}: goes back in time`);
    for (const f of fs) if (!inSlice(f)) bad.push(`flow ${k}: ${f.ph} at ${f.ts} binds to no slice on ${f.pid}/${f.tid}`);
  }
  return bad;
}

/** The thread name of each pid/tid. */
export function threadNames(evs: Ev[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of evs) if (e.ph === 'M' && e.name === 'thread_name') m.set(`${e.pid}/${e.tid}`, e.args!.name as string);
  return m;
}
