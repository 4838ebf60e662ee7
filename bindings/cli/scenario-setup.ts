/**
 * A scenario's objects made on its runtime, in file order: devices, rings (with their counters),
 * schedulers and entities. run-scenario.ts drives them.
 *
 * Contract: called once per run on a fresh runtime; the scenario is already checked (every name
 * resolves), so nothing here can fail on a checked scenario except the runtime's own capacities.
 */
import type { Runtime } from '../runtime.js';
import type { DmaDevice } from '../dma-device.js';
import type { HwRing } from '../hw-ring.js';
import type { Entity, Scheduler } from '../sched/scheduler.js';
import type { Scenario } from './scenario-schema.js';

/** A ring's defaults in a scenario: 16 descriptors, a 100 µs timeout handler, a 50 µs bound on the ACK. */
export const DEFAULT_CAPACITY = 16;
const DEFAULT_TIMEOUT_NS = 100_000;
const DEFAULT_STOP_TIMEOUT_NS = 50_000;

/** A ring of the scenario and its counters; `W` is what waits for room on it (a stream). */
export interface RingSt<W> {
  ring: HwRing;
  device: DmaDevice;
  torn: boolean;
  /** Streams waiting for room (or memory) on this ring: woken by its next signal. */
  waiting: Set<W>;
  submitted: number;
  completed: number;
  failed: number;
}
/** A scheduler entity of the scenario: its streams end once it is killed or its scheduler finished. */
export interface EntSt {
  entity: Entity;
  gone: string | null;
}

/** Makes the scenario's devices, rings, schedulers and entities, by name. */
export function buildScenario<W>(rt: Runtime, s: Scenario) {
  const devices = new Map<string, DmaDevice>();
  for (const d of s.devices) devices.set(d.name, rt.createDevice(d));
  const rings = new Map<string, RingSt<W>>();
  for (const r of s.rings) {
    const device = devices.get(r.device)!;
    const ring = rt.createRing({
      device,
      name: r.name,
      capacity: r.capacity ?? DEFAULT_CAPACITY,
      timeoutNs: r.timeoutNs === null ? Infinity : (r.timeoutNs ?? DEFAULT_TIMEOUT_NS),
      stopTimeoutNs: r.stopTimeoutNs ?? DEFAULT_STOP_TIMEOUT_NS,
      resubmit: r.resubmit ?? false,
    });
    rings.set(r.name, { ring, device, torn: false, waiting: new Set(), submitted: 0, completed: 0, failed: 0 });
  }
  const scheds = new Map<string, { sched: Scheduler; ents: EntSt[] }>();
  for (const x of s.schedulers ?? []) {
    const sched = rt.createScheduler({
      ring: rings.get(x.ring)!.ring,
      name: x.name,
      ...(x.creditLimit === undefined ? {} : { creditLimit: x.creditLimit }),
      ...(x.timeoutNs === undefined ? {} : { timeoutNs: x.timeoutNs }),
      ...(x.hangLimit === undefined ? {} : { hangLimit: x.hangLimit }),
      ...(x.order === undefined ? {} : { order: x.order }),
    });
    scheds.set(x.name, { sched, ents: [] });
  }
  const ents = new Map<string, EntSt & { ring: string }>();
  for (const x of s.entities ?? []) {
    const sc = scheds.get(x.scheduler)!;
    const e = { entity: sc.sched.createEntity(x.priority === undefined ? {} : { priority: x.priority }), gone: null, ring: sc.sched.ring.name };
    sc.ents.push(e);
    ents.set(x.name, e);
  }
  return { devices, rings, scheds, ents };
}
