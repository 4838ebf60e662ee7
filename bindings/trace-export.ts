/**
 * The trace as a driver engineer reads it: Trace Event Format JSON (ui.perfetto.dev,
 * chrome://tracing) built from the runtime's TraceLog.
 *
 * Layout: process 1 is the runtime (track "runtime": driver unloads, violations of no ring; track
 * "composite fences": each composite signal as a zero-length slice, with a flow from the ring job
 * whose signal completed it);
 * each device is a process, each of its rings a thread (integer pid/tid, named by 'M' metadata
 * with sort indices), each scheduler entity a thread of its ring's device (events whose
 * args.entity is a string). On a ring's track: every job as a complete event ('X') from its start
 * to its completion (never overlapping on one track; a span that would overlap is emitted as an
 * async 'b'/'e' pair instead), submit and signal as zero-length slices (so flow arrows bind to
 * them; Perfetto draws them as instants), and thread-scoped instants ('i', s: 't') for the IRQ,
 * STOP, ACK, timeouts, reset requested / effective, ring states, drop and each violation (args:
 * ring, seqno, rule). Flow arrows ('s' → 't' → 'f', bp 'e') follow each job from submit to start to
 * signal, and from a dependency's signal to the dependent's start. Counters ('C'): ring occupancy
 * (jobs in flight) and, when events carry them, scheduler credits.
 *
 * Contract: a pure function of the events; times are ns in, µs out (ts, dur), displayTimeUnit ns.
 */
import type { RingTrack, TraceEvent } from './trace.js';

/** One Trace Event Format record. */
export interface ChromeEvent {
  name: string;
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  cat?: string;
  dur?: number;
  s?: string;
  id?: number;
  bp?: string;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: 'ns';
  otherData: Record<string, unknown>;
}

export interface ExportInfo {
  rings: ReadonlyMap<string, RingTrack>;
  limit: number;
  dropped: number;
}

const RUNTIME_PID = 1;
const RUNTIME_TID = 1;
/** Ring tracks are tid RING_TID0 + ring index; other tracks are numbered from EXTRA_TID0. */
const RING_TID0 = 10;
const EXTRA_TID0 = 1_000_000;

interface Track {
  pid: number;
  tid: number;
  /** Rings: end of the last job span on the track (ns: exact, unlike µs sums), to keep 'X' events from overlapping. */
  lastEndNs: number;
}

const us = (ns: number) => ns / 1000;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function toChromeTrace(events: readonly TraceEvent[], info: ExportInfo): ChromeTrace {
  const meta: ChromeEvent[] = [];
  const out: ChromeEvent[] = [];
  const procs = new Map<number, string>();
  const tracks = new Map<string, Track>();
  let nextTid = EXTRA_TID0;
  let nextId = 1;

  const process = (pid: number, name: string, sort: number) => {
    if (procs.has(pid)) return;
    procs.set(pid, name);
    meta.push({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name } });
    meta.push({ name: 'process_sort_index', ph: 'M', ts: 0, pid, tid: 0, args: { sort_index: sort } });
  };
  const thread = (key: string, pid: number, tid: number, name: string, sort: number): Track => {
    const t = { pid, tid, lastEndNs: -Infinity };
    tracks.set(key, t);
    meta.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name } });
    meta.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid, args: { sort_index: sort } });
    return t;
  };
  process(RUNTIME_PID, 'dmafence runtime', 0);
  thread('runtime', RUNTIME_PID, RUNTIME_TID, 'runtime', 0);

  const ringTrack = (ring: string): Track => {
    const key = `ring:${ring}`;
    const t = tracks.get(key);
    if (t) return t;
    const r = info.rings.get(ring);
    if (!r) return thread(key, RUNTIME_PID, nextTid++, `ring ${ring}`, nextTid);
    const pid = 2 + r.deviceIndex;
    process(pid, `device ${r.device}`, 1 + r.deviceIndex);
    return thread(key, pid, RING_TID0 + r.index, `ring ${ring}`, 2 * r.index);
  };
  const entityTrack = (entity: string, ring: string | undefined): Track => {
    const key = `entity:${entity}`;
    const t = tracks.get(key);
    if (t) return t;
    const host = ring === undefined ? undefined : ringTrack(ring);
    const r = ring === undefined ? undefined : info.rings.get(ring);
    return thread(key, host?.pid ?? RUNTIME_PID, nextTid++, `entity ${entity}`, r ? 2 * r.index + 1 : nextTid);
  };
  const trackOf = (e: TraceEvent): Track => {
    if (e.name === 'composite-signaled') return tracks.get('composites') ?? thread('composites', RUNTIME_PID, nextTid++, 'composite fences', 1);
    const entity = str(e.args.entity);
    const ring = str(e.args.ring);
    if (entity !== undefined) return entityTrack(entity, ring);
    if (ring !== undefined) return ringTrack(ring);
    return tracks.get('runtime')!;
  };

  // Per ring: where each job's submit, start and signal slices are (µs), for the flow arrows.
  interface JobPoints {
    submit?: number;
    start?: number;
    signal?: number;
  }
  const jobs = new Map<string, Map<number, JobPoints>>();
  const points = (ring: string, seqno: number): JobPoints => {
    let m = jobs.get(ring);
    if (!m) jobs.set(ring, (m = new Map()));
    let p = m.get(seqno);
    if (!p) m.set(seqno, (p = {}));
    return p;
  };
  const signals: { ring: string; first: number; last: number; ts: number }[] = [];
  const deps: { ring: string; seqno: number; onRing: string; onSeqno: number }[] = [];
  const composites: { onRing: string; onSeqno: number; ts: number; track: Track }[] = [];
  const entityRuns = new Map<string, ChromeEvent>();

  // Spans first in start order, so each ring track's spans are checked for overlap in time order.
  const order = events.map((e, i) => ({ e, i, start: e.durNs === undefined ? e.timeNs : e.timeNs - e.durNs }));
  order.sort((a, b) => a.start - b.start || a.i - b.i);

  for (const { e } of order) {
    const t = trackOf(e);
    const ring = str(e.args.ring);
    const seqno = num(e.args.seqno);
    const base = { pid: t.pid, tid: t.tid, args: { ...e.args } };
    if (e.durNs !== undefined) {
      const ts = us(e.timeNs - e.durNs);
      const dur = us(e.durNs);
      const name = e.name === 'job' && seqno !== undefined ? `job ${seqno}` : e.name;
      if (e.timeNs - e.durNs >= t.lastEndNs) {
        t.lastEndNs = e.timeNs;
        out.push({ name, ph: 'X', cat: 'job', ts, dur, ...base });
        if (ring !== undefined && seqno !== undefined && e.name === 'job') points(ring, seqno).start = ts;
      } else {
        const id = nextId++;
        out.push({ name, ph: 'b', cat: 'job', id, ts, ...base });
        out.push({ name, ph: 'e', cat: 'job', id, ts: ts + dur, pid: t.pid, tid: t.tid });
      }
      continue;
    }
    const ts = us(e.timeNs);
    switch (e.name) {
      case 'submit':
      case 'signal': {
        out.push({ name: e.name, ph: 'X', cat: 'fence', ts, dur: 0, ...base });
        if (ring !== undefined && seqno !== undefined) {
          if (e.name === 'submit') points(ring, seqno).submit = ts;
          else signals.push({ ring, first: num(e.args.first) ?? seqno, last: seqno, ts });
        }
        break;
      }
      case 'composite-signaled': {
        // A zero-length slice (so a flow arrow binds to it) named after its kind and context.
        out.push({ name: `${str(e.args.kind) ?? 'composite'} ${num(e.args.context) ?? ''}:${num(e.args.seqno) ?? ''} signaled`, ph: 'X', cat: 'composite', ts, dur: 0, ...base });
        const onRing = str(e.args.onRing);
        const onSeqno = num(e.args.onSeqno);
        if (onRing !== undefined && onSeqno !== undefined) composites.push({ onRing, onSeqno, ts, track: t });
        break;
      }
      case 'dependency': {
        const onRing = str(e.args.onRing);
        const onSeqno = num(e.args.onSeqno);
        if (ring !== undefined && seqno !== undefined && onRing !== undefined && onSeqno !== undefined) deps.push({ ring, seqno, onRing, onSeqno });
        break;
      }
      case 'job-run':
      case 'job-finished': {
        // A scheduler job's life on its entity's track: an async span from run to finish.
        const entity = str(e.args.entity);
        if (entity === undefined || seqno === undefined) {
          out.push({ name: e.name, ph: 'i', s: 't', ts, ...base });
          break;
        }
        const key = `${entity}\u0000${seqno}`;
        if (e.name === 'job-run') {
          const b: ChromeEvent = { name: `job ${seqno}`, ph: 'b', cat: 'entity', id: nextId++, ts, ...base };
          entityRuns.set(key, b);
          out.push(b);
        } else {
          const b = entityRuns.get(key);
          entityRuns.delete(key);
          if (b) out.push({ name: b.name, ph: 'e', cat: 'entity', id: b.id, ts, pid: t.pid, tid: t.tid, args: { ...e.args } });
          else out.push({ name: e.name, ph: 'i', s: 't', ts, ...base });
        }
        break;
      }
      default: {
        const rule = str(e.args.rule);
        const name = e.name === 'violation' ? `violation ${rule ?? ''}: ${str(e.args.kind) ?? ''}` : e.name;
        out.push({ name, ph: 'i', s: 't', cat: e.name === 'violation' ? 'violation' : 'protocol', ts, ...base });
      }
    }
    if (ring !== undefined) {
      const inFlight = num(e.args.inFlight);
      const credits = num(e.args.credits);
      const r = ringTrack(ring);
      if (inFlight !== undefined) out.push({ name: `${ring} occupancy`, ph: 'C', ts, pid: r.pid, tid: r.tid, args: { jobs: inFlight } });
      if (credits !== undefined) out.push({ name: `${ring} credits`, ph: 'C', ts, pid: r.pid, tid: r.tid, args: { credits } });
    }
  }
  // An async entity span whose finish was never recorded: closed where the trace ends.
  const endTs = out.reduce((m, e) => Math.max(m, e.ts + (e.dur ?? 0)), 0);
  for (const b of entityRuns.values()) out.push({ name: b.name, ph: 'e', cat: 'entity', id: b.id, ts: endTs, pid: b.pid, tid: b.tid, args: { unfinished: true } });

  // Which signal slice ended each job.
  for (const s of signals) {
    const m = jobs.get(s.ring);
    if (!m) continue;
    for (const [seqno, p] of m) if (seqno >= s.first && seqno <= s.last && p.signal === undefined) p.signal = s.ts;
  }
  const flow = (pts: { ts: number; track: Track }[]) => {
    if (pts.length < 2) return;
    const id = nextId++;
    pts.forEach((p, k) => {
      const ph = k === 0 ? 's' : k === pts.length - 1 ? 'f' : 't';
      out.push({ name: 'job', ph, cat: 'flow', id, ts: p.ts, pid: p.track.pid, tid: p.track.tid, ...(ph === 'f' ? { bp: 'e' } : {}) });
    });
  };
  for (const [ring, m] of jobs) {
    const t = ringTrack(ring);
    for (const p of m.values()) {
      const pts = [p.submit, p.start, p.signal].filter((x): x is number => x !== undefined).sort((a, b) => a - b);
      flow(pts.map((ts) => ({ ts, track: t })));
    }
  }
  for (const d of deps) {
    const from = jobs.get(d.onRing)?.get(d.onSeqno)?.signal;
    const to = jobs.get(d.ring)?.get(d.seqno);
    const toTs = to?.start ?? to?.submit;
    if (from === undefined || toTs === undefined || toTs < from) continue;
    flow([
      { ts: from, track: ringTrack(d.onRing) },
      { ts: toTs, track: ringTrack(d.ring) },
    ]);
  }

  // From the job whose signal completed a composite to the composite's signal.
  for (const c of composites) {
    const from = jobs.get(c.onRing)?.get(c.onSeqno)?.signal;
    if (from === undefined || c.ts < from) continue;
    flow([
      { ts: from, track: ringTrack(c.onRing) },
      { ts: c.ts, track: c.track },
    ]);
  }

  out.sort((a, b) => a.ts - b.ts);
  return {
    traceEvents: [...meta, ...out],
    displayTimeUnit: 'ns',
    otherData: {
      generator: 'dmafence',
      traceLimit: info.limit,
      eventsKept: events.length,
      eventsDropped: info.dropped,
      note: `the runtime keeps the last ${info.limit} events (createRuntime({ traceLimit })); ${info.dropped} older ones were dropped`,
    },
  };
}
