/**
 * Violations: rule breaks the kernel would WARN about (docs/RULES.md ids in `rule`). They are
 * recorded, never silently dropped; under `strict: true` the runtime throws a ViolationError
 * instead, before changing anything where the break can be seen in advance.
 */
import { DmaFenceError } from './errors.js';

/** Every kind of rule break the runtime records. */
export type ViolationKind =
  | 'ordering'
  | 'set-error-after-signal'
  | 'released-with-callbacks'
  | 'leaked-driver-fence'
  | 'incomparable-contexts'
  | 'premature-signal'
  | 'unsignaled-at-drop'
  | 'corruption'
  | 'use-after-free'
  | 'credit-limit';

/** A rule break, as recorded in `rt.violations` (and carried by a {@link ViolationError}). */
export interface Violation {
  /** What went wrong. */
  kind: ViolationKind;
  /**
   * The rule it breaks: its id in [docs/RULES.md](../docs/RULES.md) (shipped in the package, at
   * `node_modules/dmafence/docs/RULES.md`), whose line for it is at the anchor of the same name:
   * `docs/RULES.md#T1` for `T1` (in the API reference, the RULES page's `#T1`).
   */
  rule: string;
  /** A sentence naming the fence, ring or buffer concerned. */
  message: string;
  /** Clock time when it was seen, ns. */
  timeNs: number;
  /** Context id and seqno of the fence concerned, where there is one. */
  context?: number;
  /** The fence's seqno, where there is one. */
  seqno?: number;
  /** Kind-specific details (the pending seqno of an ordering break, the buffer of a corruption...). */
  detail?: Record<string, unknown>;
}

/**
 * A rule break thrown under `strict: true` (code ERR_VIOLATION) instead of being recorded in
 * `rt.violations`; thrown before anything changes where the break can be seen in advance. The
 * rule id (C3, F4, F11, F16, M2, T1, T2, T5: each a line of docs/RULES.md) is in `violation.rule`.
 */
export class ViolationError extends DmaFenceError {
  /** The break: its kind, rule id (docs/RULES.md), message, time and fence. */
  readonly violation: Violation;
  /** ERR_VIOLATION, its message naming the kind and rule (the runtime makes them). */
  constructor(v: Violation) {
    super('ERR_VIOLATION', `${v.kind} (${v.rule}): ${v.message}`);
    this.name = 'ViolationError';
    this.violation = v;
  }
}

export class ViolationLog {
  readonly list: Violation[] = [];
  constructor(
    readonly strict: boolean,
    private readonly now: () => number,
    private readonly onRecord: (v: Violation) => void = () => {},
  ) {}

  /** Builds the record, and throws it under strict without recording it. */
  check(v: Omit<Violation, 'timeNs'>): Violation {
    const full = { ...v, timeNs: this.now() };
    if (this.strict) throw new ViolationError(full);
    return full;
  }

  /**
   * A rule break: recorded, or under strict thrown instead (and then not recorded: the caller
   * changed nothing, or what it changed is the break itself, which the throw reports).
   */
  record(v: Omit<Violation, 'timeNs'>): Violation {
    if (this.strict) this.check(v);
    return this.note(v);
  }

  /** Records without throwing, for breaks found where nobody can catch (GC, device events). */
  note(v: Omit<Violation, 'timeNs'>): Violation {
    const full: Violation = Object.freeze({ ...v, timeNs: this.now() });
    this.list.push(full);
    this.onRecord(full);
    return full;
  }
}
