/**
 * What the command line reads from files: a device spec (JSON, `--device file.json`), a drop
 * policy (an ES module whose default export is the policy function, `--policy my-policy.mjs`),
 * and a scenario file (`dmafence run scenario.json`, whose policies may name such modules,
 * relative to the file). Every failure is a UsageError naming the flag or file and the path of
 * the bad field; the command exits 2 on it, having run nothing.
 *
 * Contract: Node only (files and dynamic import); called by cli.ts before anything runs.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEVICE_KINDS } from './scenario.js';
import type { DeviceKind } from './scenario.js';
import { DROP_POLICIES } from '../hw-ring.js';
import type { DropPolicy, PolicyFn } from '../hw-ring.js';
import { parseDeviceSpec } from './specs.js';
import type { DeviceSpec, PolicySpec } from './specs.js';
import { closest } from '../errors.js';

/** Bad input on the command line: the command exits 2 with this message. */
export class UsageError extends Error {}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${what}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? message(e)}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what}: ${file} is not JSON: ${message(e)}`);
  }
}

const looksLikeFile = (v: string) => /[/\\]/.test(v) || /\.(json|m?js|cjs)$/.test(v);

/** `--device KIND|file.json`: a built-in kind, or a DeviceSpec read from a JSON file. */
export function loadDevice(v: string): DeviceKind | DeviceSpec {
  if ((DEVICE_KINDS as readonly string[]).includes(v)) return v as DeviceKind;
  if (!looksLikeFile(v)) {
    const near = closest(v, DEVICE_KINDS);
    throw new UsageError(`--device: ${JSON.stringify(v)} is neither a device kind (${DEVICE_KINDS.join(', ')})${near ? `; did you mean ${near}?` : ''} nor a .json file`);
  }
  const json = readJson(v, '--device');
  try {
    return parseDeviceSpec(json, `--device ${v}`);
  } catch (e) {
    throw new UsageError(message(e));
  }
}

/** An ES module whose default export is a policy function; its name: an exported `name`, else the file's. */
export async function loadPolicyModule(file: string, what: string): Promise<PolicySpec> {
  let mod: { default?: unknown; name?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as typeof mod;
  } catch (e) {
    throw new UsageError(`${what}: cannot import ${file}: ${message(e)}`);
  }
  if (typeof mod.default !== 'function') throw new UsageError(`${what}: ${file} must export the policy function as its default export (export default async function (steps) { ... })`);
  const name = typeof mod.name === 'string' && mod.name !== '' ? mod.name : basename(file, extname(file));
  return { name, policy: mod.default as PolicyFn };
}

/** `--policy NAME|module`: a built-in policy, or a user policy from an ES module. */
export async function loadPolicy(v: string): Promise<DropPolicy | PolicySpec> {
  if ((DROP_POLICIES as readonly string[]).includes(v)) return v as DropPolicy;
  if (!looksLikeFile(v)) {
    const near = closest(v, DROP_POLICIES);
    throw new UsageError(`--policy: ${JSON.stringify(v)} is neither a policy (${DROP_POLICIES.join(', ')})${near ? `; did you mean ${near}?` : ''} nor a module file (.mjs, .js)`);
  }
  return loadPolicyModule(v, '--policy');
}

/**
 * A scenario file, parsed; each teardown policy that names a module file (not a built-in) is
 * imported, relative to the scenario file. Validation of the rest is runScenario's.
 */
export async function loadScenarioFile(file: string): Promise<unknown> {
  const json = readJson(file, 'run');
  const teardown = (json as { teardown?: unknown } | null)?.teardown;
  if (Array.isArray(teardown)) {
    for (const [i, t] of teardown.entries()) {
      const p = (t as { policy?: unknown } | null)?.policy;
      if (typeof p === 'string' && !(DROP_POLICIES as readonly string[]).includes(p) && looksLikeFile(p)) {
        (t as { policy: unknown }).policy = await loadPolicyModule(resolve(dirname(file), p), `${file}: teardown[${i}].policy`);
      }
    }
  }
  return json;
}
