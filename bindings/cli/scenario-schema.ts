/**
 * The scenario file (`dmafence run scenario.json`, `runScenario(obj)`): its types, and the one
 * validator that turns a parsed JSON value into a checked Scenario before anything runs. Every
 * error is ERR_INVALID_ARG (ERR_INVALID_TIMEOUT for a bad duration) and names the path of the bad
 * field (`rings[0].device: unknown device "foo"`); a misspelled key names the closest valid one.
 *
 * Contract: a pure function of its input; returns a fresh checked copy, never the caller's object.
 */
import { parseDeviceOptions } from '../dma-device.js';
import type { DeviceOptions, InjectKind } from '../dma-device.js';
import { GUARANTEES } from '../hw-ring.js';
import type { Guarantee } from '../hw-ring.js';
import { parsePolicySpec } from './specs.js';
import type { PolicySpec } from './specs.js';
import { DmaFenceRangeError, DmaFenceTypeError, checkEnum, checkInteger, checkOptions, closest, describe } from '../errors.js';
import { MAX_TRACE_LIMIT } from '../trace.js';

/** A device of a scenario: its DeviceOptions and a name (rings name it). */
export interface ScenarioDevice extends DeviceOptions {
  /** The device's name, unique in the scenario. */
  name: string;
}

/** A hardware ring of a scenario, on one of its devices (R1). */
export interface ScenarioRing {
  /** The ring's name, unique in the scenario. */
  name: string;
  /** A device's name. */
  device: string;
  /** Descriptors, a power of two, 1 to 4096. Default 16. */
  capacity?: number;
  /** The timeout handler's limit per job (R6), ns; null: no timeout handler. Default 100000. */
  timeoutNs?: number | null;
  /** How long a STOP waits for its ACK (T3), ns. Default 50000. */
  stopTimeoutNs?: number;
  /** After a timeout reset, run the other in-flight jobs again. Default false. */
  resubmit?: boolean;
}

/** A job scheduler feeding a ring (S1): its name, its ring, and its options. */
export interface ScenarioScheduler {
  /** The scheduler's name, unique in the scenario. */
  name: string;
  /** The ring it feeds (a ring's name). */
  ring: string;
  /** Credits of the jobs on the ring at once (R7). Default: the ring's capacity. */
  creditLimit?: number;
  /** The scheduler's timeout per job (S7), ns. Default: the ring's. */
  timeoutNs?: number;
  /** Timeouts before an entity is guilty (S7). Default 1. */
  hangLimit?: number;
  /** 'fifo' (default) or 'rr' (S5). */
  order?: 'fifo' | 'rr';
}

/** An entity of a scheduler (S1): one client's queue, with a priority. */
export interface ScenarioEntity {
  /** The entity's name, unique in the scenario (streams name it). */
  name: string;
  /** Its scheduler's name. */
  scheduler: string;
  /** 'kernel' | 'high' | 'normal' (default) | 'low' (S5). */
  priority?: 'kernel' | 'high' | 'normal' | 'low';
}

/** A workload stream: `jobs` jobs on one ring (or one scheduler entity), one every `intervalNs` from `startNs`. */
export interface ScenarioStream {
  /** Default "stream<N>". */
  name?: string;
  /** The ring it submits to (give `ring` or `entity`). */
  ring?: string;
  /** The scheduler entity it pushes to (S2): the scheduler runs its jobs on its ring. */
  entity?: string;
  /** Credits per job, entity streams only (S2, R7). Default 1. */
  credits?: number;
  /** 1 to 1,000,000. */
  jobs: number;
  /** Bytes each job writes into its own buffer (freed when its fence signals, M3): a number, or [min, max] drawn per job. Default 4096. */
  bytes?: number | [number, number];
  /** Time between submissions, ns; 0: as fast as the ring takes them. Default 0. */
  intervalNs?: number;
  /** The first submission, ns. Default 0. */
  startNs?: number;
  /** A stream declared earlier: job k of this stream waits until job k of that one has signaled. */
  after?: string;
}

/** A fault at a time: a device fault armed for the next job / STOP (D3), or a driver bug on a ring (T7). */
export type ScenarioFault =
  | {
      /** When, ns of virtual time. */
      atNs: number;
      /** The device's name. */
      device: string;
      /** The device fault to arm (D3). */
      inject: InjectKind;
    }
  | {
      /** When, ns of virtual time. */
      atNs: number;
      /** The ring's name. */
      ring: string;
      /** Drop the owner of the job the device is running (`ring.injectDriverBug()`, T7). */
      inject: 'driverBug';
    };

/** A teardown event at a time. */
export type ScenarioTeardown =
  | {
      /** When, ns of virtual time. */
      atNs: number;
      /** Drop a ring (T4, T5). */
      action: 'drop';
      /** The ring's name. */
      ring: string;
      /** A built-in policy's name or a policy spec. Default 'emitter-guarantee'. */
      policy?: string | PolicySpec;
    }
  | {
      /** When, ns of virtual time. */
      atNs: number;
      /** The device is lost (T6): every ring resets, every fence signals. */
      action: 'lose';
      /** The device's name. */
      device: string;
    }
  | {
      /** When, ns of virtual time. */
      atNs: number;
      /** Unload a driver: drop every ring of its devices. */
      action: 'unload';
      /** The driver's name. */
      driver: string;
      /** A built-in policy's name or a policy spec. Default 'emitter-guarantee'. */
      policy?: string | PolicySpec;
    }
  | {
      /** When, ns of virtual time. */
      atNs: number;
      /** Tear a scheduler down (S10). */
      action: 'fini';
      /** The scheduler's name. */
      scheduler: string;
    }
  | {
      /** When, ns of virtual time. */
      atNs: number;
      /** Kill an entity (S8). */
      action: 'kill';
      /** The entity's name. */
      entity: string;
    };

/** The verdict a scenario expects: 'clean' (no rule broken) or exactly these rules broken. */
export type ScenarioExpect =
  | 'clean'
  | {
      /** The rule ids (T1, M2, ...) the run must break, and no other. */
      violations: string[];
    };

/** A scenario file's content: devices, rings, schedulers, workload streams, faults and teardown events on one timeline (`dmafence run`, {@link runScenario}). */
export interface Scenario {
  /** Shown in the report. */
  name?: string;
  /** What the scenario shows (not read by the run). */
  description?: string;
  /** Default 1. */
  seed?: number;
  /** Default 'wasm'. */
  backend?: 'wasm' | 'ts';
  /** T7: where the guarantee lives. Default 'emitter'. */
  guarantee?: Guarantee;
  /** Bytes of DMA memory. Default 1 MiB. */
  dmaBytes?: number;
  /** The devices, at least one. */
  devices: ScenarioDevice[];
  /** The rings, at least one. */
  rings: ScenarioRing[];
  /** Job schedulers on the rings (S1). */
  schedulers?: ScenarioScheduler[];
  /** The schedulers' entities. */
  entities?: ScenarioEntity[];
  /** The workload. */
  streams?: ScenarioStream[];
  /** Faults injected at given times. */
  faults?: ScenarioFault[];
  /** Teardown events at given times. */
  teardown?: ScenarioTeardown[];
  /** Stop the run at this time, ns (fences still in flight are reported, not judged). Default: run until nothing is left to happen. */
  endNs?: number;
  /** After the last event, how long the devices get to do damage, ns. Default 1000000. */
  settleNs?: number;
  /** Trace events kept (with --trace). Default 100000. */
  traceLimit?: number;
  /** The verdict the run must reach (`--check`). */
  expect?: ScenarioExpect;
}

const TOP_KEYS = ['name', 'description', 'seed', 'backend', 'guarantee', 'dmaBytes', 'devices', 'rings', 'streams', 'faults', 'teardown', 'endNs', 'settleNs', 'traceLimit', 'expect', 'schedulers', 'entities', '$schema'] as const;
const RING_KEYS = ['name', 'device', 'capacity', 'timeoutNs', 'stopTimeoutNs', 'resubmit'] as const;
const STREAM_KEYS = ['name', 'ring', 'entity', 'credits', 'jobs', 'bytes', 'intervalNs', 'startNs', 'after'] as const;
const SCHED_KEYS = ['name', 'ring', 'creditLimit', 'timeoutNs', 'hangLimit', 'order'] as const;
const DEVICE_INJECTS: readonly InjectKind[] = ['hang', 'slow', 'lostIrq', 'noAck', 'lostWriteback'];
const ACTIONS = ['drop', 'lose', 'unload', 'fini', 'kill'] as const;
/** Rule ids a scenario may expect (docs/RULES.md). */
const RULE_ID = /^[A-Z][0-9]+(\.[0-9]+)?$/;
/** Most jobs of all streams together (the fence table follows). */
export const MAX_SCENARIO_JOBS = 1_000_000;
const MAX_NS = 1e15;

const bad = (msg: string) => new DmaFenceTypeError('ERR_INVALID_ARG', msg);

function name(path: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw bad(`${path} must be a non-empty string, got ${describe(v)}`);
  return v;
}

function ns(path: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_NS) {
    throw new DmaFenceRangeError('ERR_INVALID_TIMEOUT', `${path} must be a number of nanoseconds from 0 to ${MAX_NS}, got ${describe(v)}`);
  }
  return v;
}

function list(path: string, v: unknown, required: boolean): unknown[] {
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) throw bad(`${path} must be an array, got ${describe(v)}`);
  if (required && v.length === 0) throw bad(`${path} must have at least one entry`);
  return v;
}

/** A name among `known` (declared earlier in the file), or an error naming the path and the nearest. */
function ref(path: string, v: unknown, what: string, known: readonly string[]): string {
  const s = name(path, v);
  if (known.includes(s)) return s;
  const near = closest(s, known);
  throw bad(`${path}: unknown ${what} ${JSON.stringify(s)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; declared: ${known.length ? known.join(', ') : 'none'}`);
}

function unique(path: string, names: string[], n: string): void {
  if (names.includes(n)) throw bad(`${path}: ${JSON.stringify(n)} is declared twice`);
  names.push(n);
}

function policy(path: string, v: unknown): string | PolicySpec | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'function') return { name: v.name || 'user', policy: v as PolicySpec['policy'] };
  const p = parsePolicySpec(v, path);
  return typeof v === 'string' ? (p.policy as string) : p;
}

/**
 * Checks a scenario (a parsed JSON value, or an object with user policy functions) and returns a
 * checked copy with every name resolved. Throws ERR_INVALID_ARG / ERR_INVALID_TIMEOUT naming the
 * path of the bad field; nothing is run.
 */
export function parseScenario(value: unknown): Scenario {
  const o = checkOptions('scenario', value, TOP_KEYS);
  if (o.devices === undefined) throw bad('scenario: devices is required (an array of { name, ...device options })');
  if (o.rings === undefined) throw bad('scenario: rings is required (an array of { name, device })');
  const s: Scenario = { devices: [], rings: [] };
  if (o.name !== undefined) s.name = name('name', o.name);
  if (o.description !== undefined) {
    if (typeof o.description !== 'string') throw bad(`description must be a string, got ${describe(o.description)}`);
    s.description = o.description;
  }
  if (o.seed !== undefined) s.seed = checkInteger('seed', o.seed, 0, 0xffffffff);
  if (o.backend !== undefined) s.backend = checkEnum('backend', o.backend, ['wasm', 'ts'] as const);
  if (o.guarantee !== undefined) s.guarantee = checkEnum('guarantee', o.guarantee, GUARANTEES);
  if (o.dmaBytes !== undefined) s.dmaBytes = checkInteger('dmaBytes', o.dmaBytes, 64, 1 << 30);
  if (o.endNs !== undefined) s.endNs = ns('endNs', o.endNs, 0);
  if (o.settleNs !== undefined) s.settleNs = ns('settleNs', o.settleNs, 0);
  if (o.traceLimit !== undefined) s.traceLimit = checkInteger('traceLimit', o.traceLimit, 1, MAX_TRACE_LIMIT);

  const devices: string[] = [];
  list('devices', o.devices, true).forEach((d, i) => {
    const path = `devices[${i}]`;
    checkOptions(path, d); // an object (its keys are checked next, with suggestions)
    const n = name(`${path}.name`, (d as { name?: unknown }).name);
    parseDeviceOptions(d, path);
    unique(`${path}.name`, devices, n);
    s.devices.push(structuredClone(d) as ScenarioDevice);
  });

  const rings: string[] = [];
  list('rings', o.rings, true).forEach((r, i) => {
    const path = `rings[${i}]`;
    const x = checkOptions(path, r, RING_KEYS);
    const ring: ScenarioRing = { name: name(`${path}.name`, x.name), device: ref(`${path}.device`, x.device, 'device', devices) };
    unique(`${path}.name`, rings, ring.name);
    if (x.capacity !== undefined) {
      const c = checkInteger(`${path}.capacity`, x.capacity, 1, 4096);
      if (c & (c - 1)) throw new DmaFenceRangeError('ERR_INVALID_ARG', `${path}.capacity must be a power of two, got ${c}`);
      ring.capacity = c;
    }
    if (x.timeoutNs !== undefined) ring.timeoutNs = x.timeoutNs === null ? null : ns(`${path}.timeoutNs`, x.timeoutNs, 0);
    if (x.stopTimeoutNs !== undefined) ring.stopTimeoutNs = ns(`${path}.stopTimeoutNs`, x.stopTimeoutNs, 0);
    if (x.resubmit !== undefined) {
      if (typeof x.resubmit !== 'boolean') throw bad(`${path}.resubmit must be a boolean, got ${describe(x.resubmit)}`);
      ring.resubmit = x.resubmit;
    }
    s.rings.push(ring);
  });

  const scheds: string[] = [];
  const fed: string[] = [];
  s.schedulers = list('schedulers', o.schedulers, false).map((x0, i) => {
    const path = `schedulers[${i}]`;
    const x = checkOptions(path, x0, SCHED_KEYS);
    const out: ScenarioScheduler = { name: name(`${path}.name`, x.name), ring: ref(`${path}.ring`, x.ring, 'ring', rings) };
    unique(`${path}.name`, scheds, out.name);
    if (fed.includes(out.ring)) throw bad(`${path}.ring: ring ${JSON.stringify(out.ring)} already has a scheduler (one per ring)`);
    fed.push(out.ring);
    if (x.creditLimit !== undefined) out.creditLimit = checkInteger(`${path}.creditLimit`, x.creditLimit, 1, 0x7fffffff);
    if (x.timeoutNs !== undefined) out.timeoutNs = ns(`${path}.timeoutNs`, x.timeoutNs, 0);
    if (x.hangLimit !== undefined) out.hangLimit = checkInteger(`${path}.hangLimit`, x.hangLimit, 1, 0x7fffffff);
    if (x.order !== undefined) out.order = checkEnum(`${path}.order`, x.order, ['fifo', 'rr'] as const);
    return out;
  });
  const ents: string[] = [];
  s.entities = list('entities', o.entities, false).map((x0, i) => {
    const path = `entities[${i}]`;
    const x = checkOptions(path, x0, ['name', 'scheduler', 'priority']);
    const out: ScenarioEntity = { name: name(`${path}.name`, x.name), scheduler: ref(`${path}.scheduler`, x.scheduler, 'scheduler', scheds) };
    unique(`${path}.name`, ents, out.name);
    if (x.priority !== undefined) out.priority = checkEnum(`${path}.priority`, x.priority, ['kernel', 'high', 'normal', 'low'] as const);
    return out;
  });

  const streams: string[] = [];
  let totalJobs = 0;
  s.streams = list('streams', o.streams, false).map((st, i) => {
    const path = `streams[${i}]`;
    const x = checkOptions(path, st, STREAM_KEYS);
    const out: ScenarioStream = { name: x.name === undefined ? `stream${i}` : name(`${path}.name`, x.name), jobs: 0 };
    if ((x.ring === undefined) === (x.entity === undefined)) throw bad(`${path}: give either "ring" (submit to a ring) or "entity" (push to a scheduler entity)`);
    if (x.ring !== undefined) {
      out.ring = ref(`${path}.ring`, x.ring, 'ring', rings);
      if (fed.includes(out.ring)) throw bad(`${path}.ring: ring ${JSON.stringify(out.ring)} is fed by a scheduler: push to one of its entities instead`);
      if (x.credits !== undefined) throw bad(`${path}.credits: credits are for entity streams (S2)`);
    } else {
      out.entity = ref(`${path}.entity`, x.entity, 'entity', ents);
      if (x.credits !== undefined) out.credits = checkInteger(`${path}.credits`, x.credits, 1, 0x7fffffff);
    }
    if (x.after !== undefined) out.after = ref(`${path}.after`, x.after, 'stream (declared before this one)', streams);
    unique(`${path}.name`, streams, out.name!);
    if (x.jobs === undefined) throw bad(`${path}.jobs is required (1 to ${MAX_SCENARIO_JOBS})`);
    out.jobs = checkInteger(`${path}.jobs`, x.jobs, 1, MAX_SCENARIO_JOBS);
    totalJobs += out.jobs;
    if (totalJobs > MAX_SCENARIO_JOBS) throw new DmaFenceRangeError('ERR_INVALID_ARG', `${path}.jobs: the streams submit ${totalJobs} jobs in all, more than ${MAX_SCENARIO_JOBS}`);
    if (x.bytes !== undefined) {
      if (Array.isArray(x.bytes)) {
        if (x.bytes.length !== 2) throw bad(`${path}.bytes must be a number or [min, max], got an array of ${x.bytes.length}`);
        const lo = checkInteger(`${path}.bytes[0]`, x.bytes[0], 0, 1 << 30);
        const hi = checkInteger(`${path}.bytes[1]`, x.bytes[1], lo, 1 << 30);
        out.bytes = [lo, hi];
      } else out.bytes = checkInteger(`${path}.bytes`, x.bytes, 0, 1 << 30);
    }
    if (x.intervalNs !== undefined) out.intervalNs = ns(`${path}.intervalNs`, x.intervalNs, 0);
    if (x.startNs !== undefined) out.startNs = ns(`${path}.startNs`, x.startNs, 0);
    return out;
  });

  s.faults = list('faults', o.faults, false).map((f, i) => {
    const path = `faults[${i}]`;
    const x = checkOptions(path, f, ['atNs', 'device', 'ring', 'inject']);
    const atNs = ns(`${path}.atNs`, x.atNs ?? NaN, 0);
    if (x.inject === 'driverBug') {
      if (x.device !== undefined) throw bad(`${path}: a driverBug is a ring's (give "ring", not "device")`);
      return { atNs, ring: ref(`${path}.ring`, x.ring, 'ring', rings), inject: 'driverBug' as const };
    }
    const inject = checkEnum(`${path}.inject`, x.inject, [...DEVICE_INJECTS, 'driverBug'] as const) as InjectKind;
    if (x.ring !== undefined) throw bad(`${path}: a device fault (${inject}) is a device's (give "device", not "ring")`);
    return { atNs, device: ref(`${path}.device`, x.device, 'device', devices), inject };
  });

  s.teardown = list('teardown', o.teardown, false).map((t, i) => {
    const path = `teardown[${i}]`;
    const action = checkEnum(`${path}.action`, (checkOptions(path, t) as { action?: unknown }).action, ACTIONS);
    const keys = {
      drop: ['atNs', 'action', 'ring', 'policy'],
      lose: ['atNs', 'action', 'device'],
      unload: ['atNs', 'action', 'driver', 'policy'],
      fini: ['atNs', 'action', 'scheduler'],
      kill: ['atNs', 'action', 'entity'],
    }[action];
    const x = checkOptions(path, t, keys);
    const atNs = ns(`${path}.atNs`, x.atNs ?? NaN, 0);
    if (action === 'drop') return { atNs, action, ring: ref(`${path}.ring`, x.ring, 'ring', rings), policy: policy(`${path}.policy`, x.policy) };
    if (action === 'lose') return { atNs, action, device: ref(`${path}.device`, x.device, 'device', devices) };
    if (action === 'fini') return { atNs, action, scheduler: ref(`${path}.scheduler`, x.scheduler, 'scheduler', scheds) };
    if (action === 'kill') return { atNs, action, entity: ref(`${path}.entity`, x.entity, 'entity', ents) };
    return { atNs, action, driver: ref(`${path}.driver`, x.driver, 'driver (a device name)', devices), policy: policy(`${path}.policy`, x.policy) };
  });

  if (o.expect !== undefined) s.expect = parseExpect(o.expect);
  return s;
}

function parseExpect(v: unknown): ScenarioExpect {
  if (v === 'clean') return 'clean';
  if (typeof v === 'string') throw bad(`expect must be "clean" or { "violations": [rule ids] }, got ${describe(v)}`);
  const x = checkOptions('expect', v, ['violations']);
  const rules = list('expect.violations', x.violations, false).map((r, i) => {
    if (typeof r !== 'string' || !RULE_ID.test(r)) throw bad(`expect.violations[${i}] must be a rule id such as "T1" or "M2", got ${describe(r)}`);
    return r;
  });
  return { violations: [...new Set(rules)].sort() };
}
