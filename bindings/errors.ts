/**
 * Errors and error numbers. Usage errors carry a stable `code` and are thrown before anything
 * changes; rule breaks are violations (see violations.ts), thrown only under `strict`.
 */

/** Linux error numbers used on fences (negate them for a fence error: `-Errno.EIO`). */
export const Errno = Object.freeze({
  /** No such entry: a sw_sync point whose timeline was closed (X4.4). */
  ENOENT: 2,
  /** No such process: a job of a killed entity (S8). */
  ESRCH: 3,
  /** I/O error: the usual error a driver sets on a failed job. */
  EIO: 5,
  /** Invalid argument. */
  EINVAL: 22,
  /** Deadlock avoided: a pending fence released with callbacks or waiters queued (F16). */
  EDEADLK: 35,
  /** No data. */
  ENODATA: 61,
  /** Timer expired: the job running at a timeout reset (R6, D4). */
  ETIME: 62,
  /** Canceled: a job the device will never run (a STOP, a reset, a drop). */
  ECANCELED: 125,
} as const);
export type Errno = (typeof Errno)[keyof typeof Errno];

/** Every stable error code the library throws. */
export type ErrorCode =
  | 'ERR_INVALID_ARG'
  | 'ERR_INVALID_ERRNO'
  | 'ERR_INVALID_SEQNO'
  | 'ERR_INVALID_TIMEOUT'
  | 'ERR_CAPACITY'
  | 'ERR_STALE_HANDLE'
  | 'ERR_FOREIGN_HANDLE'
  | 'ERR_FENCE_PENDING'
  | 'ERR_DISPOSED'
  | 'ERR_DEADLOCK'
  | 'ERR_RING_FULL'
  | 'ERR_RING_STOPPED'
  | 'ERR_RING_STATE'
  | 'ERR_NOT_ISOLATED'
  | 'ERR_REAL_CLOCK'
  | 'ERR_DRIVER_BUSY'
  | 'ERR_VIOLATION'
  | 'ERR_CALLBACK'
  | 'ERR_WASM'
  | 'ERR_DEVICE_THREAD'
  | 'ERR_DEVICE_WORKER'
  | 'ERR_POLICY_STEP'
  | 'ERR_ENTITY_KILLED'
  | 'ERR_CLOSED'
  | 'ERR_WOULD_BLOCK';

/**
 * A wrong type or malformed input (a bad option key, a non-function callback, a foreign object):
 * a `TypeError` with a stable `code` (ERR_INVALID_ARG, ERR_INVALID_ERRNO, ERR_FOREIGN_HANDLE...).
 * Thrown before anything changes.
 */
export class DmaFenceTypeError extends TypeError {
  /** The stable error code (see ErrorCode); match on it, not on the message. */
  readonly code: ErrorCode;
  /** An error with this code and message (the library makes them; exported for `instanceof`). */
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'DmaFenceTypeError';
    this.code = code;
  }
}

/**
 * A value out of range (a capacity, a seqno, a timeout, a full arena): a `RangeError` with a stable
 * `code` (ERR_INVALID_SEQNO, ERR_INVALID_TIMEOUT, ERR_CAPACITY...). Thrown before anything changes.
 */
export class DmaFenceRangeError extends RangeError {
  /** The stable error code (see ErrorCode); match on it, not on the message. */
  readonly code: ErrorCode;
  /** An error with this code and message (the library makes them; exported for `instanceof`). */
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'DmaFenceRangeError';
    this.code = code;
  }
}

/** A state error that is neither a type nor a range problem (stale handle, deadlock, ...). */
export class DmaFenceError extends Error {
  /** The stable error code (see ErrorCode); match on it, not on the message. */
  readonly code: ErrorCode;
  /** An error with this code and message (the library makes them; exported for `instanceof`). */
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'DmaFenceError';
    this.code = code;
  }
}

/**
 * Fence callbacks threw (with no rt.on('callbackError') listener). Thrown by the public call that
 * ran them, after it finished its work: what it signaled stays signaled. `errors` holds what the
 * callbacks threw, in the order they ran.
 */
export class CallbackError extends DmaFenceError {
  /** What the callbacks threw, in the order they ran. */
  readonly errors: unknown[];
  /** ERR_CALLBACK, its message naming the first error. */
  constructor(errors: unknown[]) {
    const first = errors[0];
    super('ERR_CALLBACK', `${errors.length} fence callback(s) threw; the first: ${first instanceof Error ? first.message : String(first)}`);
    this.name = 'CallbackError';
    this.errors = errors;
  }
}

// ── Argument checks (cold path: they run once per public call, never per fence in a batch) ──

export function checkInteger(name: string, v: unknown, min: number, max: number, code: ErrorCode = 'ERR_INVALID_ARG'): number {
  if (typeof v !== 'number') throw new DmaFenceTypeError(code, `${name} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new DmaFenceRangeError(code, `${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

export function checkDuration(name: string, v: unknown): number {
  if (typeof v !== 'number') throw new DmaFenceTypeError('ERR_INVALID_TIMEOUT', `${name} must be a number of nanoseconds, got ${describe(v)}`);
  if (Number.isNaN(v) || v < 0) throw new DmaFenceRangeError('ERR_INVALID_TIMEOUT', `${name} must be >= 0 nanoseconds (or Infinity), got ${v}`);
  return v;
}

/** F4: a fence error is an integer in [-4095, -1]. */
export function checkErrno(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -4095 || v > -1) {
    throw new DmaFenceRangeError('ERR_INVALID_ERRNO', `a fence error must be an integer in [-4095, -1] (e.g. -Errno.EIO), got ${describe(v)}`);
  }
  return v;
}

/**
 * An options object (or undefined: no options). With `keys`, every own key must be one of them:
 * a misspelled key is ERR_INVALID_ARG naming it and the closest valid key, never silently ignored.
 */
export function checkOptions(name: string, v: unknown, keys?: readonly string[]): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name} must be an object, got ${describe(v)}`);
  if (keys) {
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) throw unknownOption(name, k, keys);
    }
  }
  return v as Record<string, unknown>;
}

/** The error for an option `k` that `name` does not have (checkOptions'). */
export function unknownOption(name: string, k: string, keys: readonly string[]): DmaFenceTypeError {
  const near = closest(k, keys);
  return new DmaFenceTypeError(
    'ERR_INVALID_ARG',
    `${name} has no option ${JSON.stringify(k)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; valid: ${keys.join(', ')}`,
  );
}

/** The valid key nearest to `k` by edit distance (case-insensitive), if it is near enough to be a typo. */
export function closest(k: string, keys: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of keys) {
    const d = editDistance(k.toLowerCase(), c.toLowerCase());
    if (d < bestD) (bestD = d), (best = c);
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** One of a fixed set of strings (a mode, a policy, a kind); null and other types are refused. */
export function checkEnum<T extends string>(name: string, v: unknown, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) {
    const near = typeof v === 'string' ? closest(v, values) : undefined;
    throw new DmaFenceTypeError(
      'ERR_INVALID_ARG',
      `${name} must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${describe(v)}${near ? ` (did you mean '${near}'?)` : ''}`,
    );
  }
  return v as T;
}

/** A boolean option: undefined gives the default; anything but a boolean is refused. */
export function checkBoolean(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name} must be a boolean, got ${describe(v)}`);
  return v;
}

export function checkFunction(name: string, v: unknown): (...a: never[]) => unknown {
  if (typeof v !== 'function') throw new DmaFenceTypeError('ERR_INVALID_ARG', `${name} must be a function, got ${describe(v)}`);
  return v as (...a: never[]) => unknown;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : typeof v;
}

/** The rejection of an aborted wait: the signal's reason, or a standard AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
