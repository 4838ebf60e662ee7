/**
 * What the teardown lab takes beside its built-in names: a device as a spec (its DeviceOptions, a
 * name, and how the scenario treats it) and a drop policy as a spec (a built-in name or a function
 * of the protocol's steps, T8). The validators name the path of the bad field, so a scenario file
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
  policy: DropPolicy | PolicyFn;
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
