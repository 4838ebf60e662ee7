/**
 * What the teardown lab takes: a device as a spec (its DeviceOptions, a name, and how the scenario
 * treats it), the built-in device kinds as such specs, and a drop policy as a spec (a built-in
 * name or a function of the protocol's steps, T8). The validators name the path of the bad field, so a scenario file
 * or a command-line module can say exactly what is wrong (`devices[1].ackNs must be ...`).
 *
 * Contract: pure functions of their input; they throw coded errors (ERR_INVALID_ARG,
 * ERR_INVALID_TIMEOUT) and return a fresh checked copy, never the caller's object.
 */
import type { DeviceOptions } from '../dma-device.js';
import { DEVICE_KEYS, parseDeviceOptions } from '../dma-device.js';
import type { DropPolicy, PolicyFn } from '../hw-ring.js';
import { DROP_POLICIES } from '../hw-ring.js';
import { DmaFenceTypeError, checkBoolean, checkEnum, checkOptions, describe } from '../errors.js';

/**
 * A device of the teardown lab: any DeviceOptions plus a name (required: it names the row), and
 * two things of the scenario around it.
 */
export interface DeviceSpec extends DeviceOptions {
  /** Names the device in the matrix's rows. */
  name: string;
  /** The ring has a timeout handler (R6, 100 µs per job in the scenario). Default true. */
  tdr?: boolean;
  /** The job running at the drop hangs (armed with inject('hang') just before it). Default false. */
  hangAtDrop?: boolean;
}

/** A drop policy of the teardown lab: a built-in one by name, or a function of the steps (T8). */
export interface PolicySpec {
  /** Names the policy in the matrix's rows. */
  name: string;
  /** A built-in policy's name, or a function of the drop steps (T8). */
  policy: DropPolicy | PolicyFn;
}

/**
 * The built-in devices. stoppable: honours STOP. non-stoppable: ignores it. hung: its running job
 * hangs and it never ACKs. hung-no-tdr: the same with no timeout handler on the ring.
 * writes-after-ack: ACKs STOP 1 µs before its DMA engine's last burst lands. slow-reset: hung,
 * and its reset takes 500 µs where it promises 10 µs. stop-finishes: STOP lets the running job
 * complete, then ACKs. lost-writeback: stoppable, loses 1 job's write-back in 10.
 */
export type DeviceKind =
  | 'stoppable' | 'non-stoppable' | 'hung' | 'hung-no-tdr'
  | 'writes-after-ack' | 'slow-reset' | 'stop-finishes' | 'lost-writeback';
/** The built-in device kinds, in the matrix's order. */
export const DEVICE_KINDS: readonly DeviceKind[] = [
  'stoppable', 'non-stoppable', 'hung', 'hung-no-tdr', 'writes-after-ack', 'slow-reset', 'stop-finishes', 'lost-writeback',
];

/** A built-in device kind as the spec it stands for (a fresh copy). */
export function deviceSpecOf(kind: DeviceKind): DeviceSpec {
  const base: DeviceSpec = {
    name: kind,
    stoppable: kind !== 'non-stoppable',
    latency: { baseNs: 2_000, perByteNs: 1, jitter: 0.25 },
    ackNs: 1_000,
    resetNs: 10_000,
    faults: { ack: 'ok' },
    tdr: kind !== 'hung-no-tdr',
    hangAtDrop: false,
  };
  if (kind === 'hung' || kind === 'hung-no-tdr' || kind === 'slow-reset') Object.assign(base, { faults: { ack: 'never' }, hangAtDrop: true });
  if (kind === 'writes-after-ack') base.writesAfterAckNs = 1_000;
  if (kind === 'slow-reset') base.resetOverrunNs = 490_000;
  if (kind === 'stop-finishes') base.stopMode = 'finish';
  if (kind === 'lost-writeback') base.faults = { ack: 'ok', lostWriteback: 0.1 };
  return base;
}

const SPEC_KEYS = ['tdr', 'hangAtDrop'] as const;

/**
 * Checks a device spec (`value` at `path`, e.g. 'devices[1]'): an object with a string `name`,
 * valid DeviceOptions, and the optional `tdr` / `hangAtDrop` booleans. Throws ERR_INVALID_ARG
 * naming the path of the bad field (`devices[1].ackNs`, `devices[1].faults.ack`); returns a copy.
 */
export function parseDeviceSpec(value: unknown, path = 'device'): DeviceSpec {
  const o = checkOptions(path, value, [...DEVICE_KEYS, ...SPEC_KEYS]);
  if (typeof o.name !== 'string' || o.name === '') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${path}.name must be a non-empty string, got ${describe(o.name)}`);
  parseDeviceOptions(value, path, SPEC_KEYS);
  const tdr = checkBoolean(`${path}.tdr`, o.tdr, true);
  const hangAtDrop = checkBoolean(`${path}.hangAtDrop`, o.hangAtDrop, false);
  return structuredClone({ ...o, tdr, hangAtDrop }) as DeviceSpec;
}

/**
 * Checks a policy spec (`value` at `path`, e.g. 'policies[2]'): a built-in policy's name, or
 * `{ name, policy }` with a non-empty name and a built-in name or a function. Throws
 * ERR_INVALID_ARG naming the path of the bad field; returns a fresh `{ name, policy }`.
 */
export function parsePolicySpec(value: unknown, path = 'policy'): PolicySpec {
  if (typeof value === 'string') return { name: value, policy: checkEnum(path, value, DROP_POLICIES) };
  const o = checkOptions(path, value, ['name', 'policy']);
  if (typeof o.name !== 'string' || o.name === '') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${path}.name must be a non-empty string, got ${describe(o.name)}`);
  if (typeof o.policy === 'function') return { name: o.name, policy: o.policy as PolicyFn };
  if (typeof o.policy === 'string') return { name: o.name, policy: checkEnum(`${path}.policy`, o.policy, DROP_POLICIES) };
  throw new DmaFenceTypeError('ERR_INVALID_ARG', `${path}.policy must be a built-in policy's name (${DROP_POLICIES.join(', ')}) or a function of the drop steps, got ${describe(o.policy)}`);
}
